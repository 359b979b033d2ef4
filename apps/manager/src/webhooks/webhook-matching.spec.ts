import { describe, expect, it } from 'vitest';
import {
  type FanoutEvent,
  planDeliveries,
  type SubscriptionTarget,
  subscriptionWants,
} from './webhook-matching';

const created = new Date('2026-01-01T00:00:00.000Z');
const later = new Date('2026-01-01T00:00:01.000Z');

const webhook = (overrides: Partial<SubscriptionTarget> = {}): SubscriptionTarget => ({
  id: 1,
  zoneId: null,
  taskId: null,
  eventTypes: ['*'],
  isActive: true,
  createdAt: created,
  ...overrides,
});
const event = (overrides: Partial<FanoutEvent> = {}): FanoutEvent => ({
  id: 10,
  type: 'TASK_STATUS_CHANGED',
  zoneId: 5,
  taskId: 7,
  payload: { taskId: 7, zoneId: 5, from: 'running', to: 'complete' },
  occurredAt: later,
  ...overrides,
});

describe('subscriptionWants', () => {
  it('gives an all-zones webhook the events of every zone, a zone webhook only its own', () => {
    expect(subscriptionWants(webhook(), event({ zoneId: 5 }))).toBe(true);
    expect(subscriptionWants(webhook(), event({ zoneId: 6 }))).toBe(true);
    expect(subscriptionWants(webhook({ zoneId: 5 }), event({ zoneId: 5 }))).toBe(true);
    expect(subscriptionWants(webhook({ zoneId: 6 }), event({ zoneId: 5 }))).toBe(false);
    expect(subscriptionWants(webhook({ zoneId: 6 }), event({ zoneId: null }))).toBe(false);
  });

  it('matches the subscribed types, or every type with *', () => {
    expect(subscriptionWants(webhook({ eventTypes: ['TASK_CALLBACK'] }), event())).toBe(false);
    expect(
      subscriptionWants(webhook({ eventTypes: ['TASK_CALLBACK', 'TASK_STATUS_CHANGED'] }), event()),
    ).toBe(true);
    expect(subscriptionWants(webhook({ eventTypes: ['*'] }), event({ type: 'AGENT_CONNECT' }))).toBe(true);
  });

  it('sends nothing to an inactive webhook, nor events from before it existed', () => {
    expect(subscriptionWants(webhook({ isActive: false }), event())).toBe(false);
    expect(subscriptionWants(webhook({ createdAt: later }), event({ occurredAt: created }))).toBe(false);
    expect(subscriptionWants(webhook({ createdAt: later }), event({ occurredAt: later }))).toBe(true);
  });

  it("gives a task's callback only its own task's change into a terminal status", () => {
    const callback = webhook({ taskId: 7, zoneId: 5, eventTypes: ['TASK_STATUS_CHANGED'], createdAt: later });
    expect(subscriptionWants(callback, event())).toBe(true);
    expect(subscriptionWants(callback, event({ taskId: 8 }))).toBe(false);
    expect(subscriptionWants(callback, event({ payload: { from: 'started', to: 'running' } }))).toBe(false);
    expect(subscriptionWants(callback, event({ type: 'TASK_CALLBACK' }))).toBe(false);
    for (const to of ['failed', 'failed-recover', 'canceled', 'stopped', 'timeout']) {
      expect(subscriptionWants(callback, event({ payload: { from: 'running', to } })), to).toBe(true);
    }
  });
});

describe('planDeliveries', () => {
  it('pairs each event with each subscription that wants it, in event order', () => {
    const zoneFive = webhook({ id: 1, zoneId: 5 });
    const zoneSix = webhook({ id: 2, zoneId: 6 });
    const all = webhook({ id: 3 });
    const plan = planDeliveries([event({ id: 1 }), event({ id: 2, zoneId: 6 })], [zoneFive, zoneSix, all]);
    expect(plan.map((item) => [item.event.id, item.subscriptionId])).toEqual([
      [1, 1],
      [1, 3],
      [2, 2],
      [2, 3],
    ]);
  });
});
