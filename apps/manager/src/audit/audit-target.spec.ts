import { defineRoute } from '@outpost/shared';
import { describe, expect, it } from 'vitest';
import type { Principal } from '../common/auth/principal';
import { answerId, auditRecordFor, lastPathParam } from './audit-target';

const admin: Principal = { userId: 7, username: 'alice', role: 'admin', via: 'session' };
const create = defineRoute({
  id: 'createThing',
  method: 'POST',
  path: '/api/v1/zones/:zoneId/things',
  tag: 'Things',
  summary: 's',
  access: 'operator',
  status: 201,
});
const update = defineRoute({
  id: 'updateThing',
  method: 'PATCH',
  path: '/api/v1/zones/:zoneId/things/:thingId',
  tag: 'Things',
  summary: 's',
  access: 'operator',
  status: 200,
});

describe('auditRecordFor', () => {
  it('names a created resource by the id in the answer', () => {
    const record = auditRecordFor(
      create,
      { params: { zoneId: '3' }, body: { name: 'x' }, ip: '10.0.0.1' },
      admin,
      { id: 12, name: 'x' },
    );
    expect(record).toEqual({
      userId: 7,
      username: 'alice',
      action: 'createThing',
      targetType: 'Things',
      targetId: '12',
      zoneId: 3,
      ip: '10.0.0.1',
      details: { via: 'session' },
    });
  });

  it('names a changed resource by the last path param', () => {
    const record = auditRecordFor(
      update,
      { params: { zoneId: '3', thingId: '44' }, body: {}, ip: undefined },
      admin,
      { id: 99 },
    );
    expect(record.targetId).toBe('44');
    expect(record.ip).toBeNull();
  });

  it('reads the id of a resource issued next to a secret, never the secret', () => {
    const answer = { token: { id: 5, name: 'ci' }, secret: 'opt_topsecret' };
    const record = auditRecordFor(create, { params: {}, body: {}, ip: '::1' }, admin, answer);
    expect(record.targetId).toBe('5');
    expect(JSON.stringify(record)).not.toContain('topsecret');
  });

  it('takes the zone from the body when the path has none, and never copies the body', () => {
    const body = { zoneId: 8, password: 'hunter2hunter2' };
    const record = auditRecordFor(create, { params: {}, body, ip: '::1' }, admin, null);
    expect(record.zoneId).toBe(8);
    expect(record.targetId).toBeNull();
    expect(JSON.stringify(record)).not.toContain('hunter2');
  });

  it('ignores a zoneId that is not an id', () => {
    expect(
      auditRecordFor(create, { params: {}, body: { zoneId: 'abc' }, ip: '::1' }, admin, null).zoneId,
    ).toBeNull();
  });
});

describe('answerId and lastPathParam', () => {
  it('find nothing where there is nothing', () => {
    expect(answerId({ deleted: true })).toBeNull();
    expect(answerId([{ id: 1 }])).toBeNull();
    expect(answerId(undefined)).toBeNull();
    expect(lastPathParam({})).toBeNull();
  });
});
