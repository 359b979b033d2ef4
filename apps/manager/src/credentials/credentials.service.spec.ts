import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Clock } from '../common/clock/clock';
import { SecretBox } from '../common/crypto/secret-box';
import type { ZonesService } from '../zones/zones.service';
import type { CredentialEntity } from './credential.entity';
import type { CredentialsRepository } from './credentials.repository';
import { CredentialsService } from './credentials.service';

/** Just what resolveForZone reads: the rows of a zone. */
class FakeCredentials {
  constructor(readonly rows: CredentialEntity[]) {}
  async findAllOfZone(zoneId: number): Promise<CredentialEntity[]> {
    return this.rows.filter((row) => row.zoneId === zoneId);
  }
}

const box = new SecretBox({ credentialsKey: randomBytes(32) });
const when = new Date('2025-01-01T00:00:00.000Z');
let nextId = 1;

function row(zoneId: number, key: string, valueCiphertext: string): CredentialEntity {
  return { id: nextId++, zoneId, key, valueCiphertext, createdAt: when, updatedAt: when };
}

function serviceOver(rows: CredentialEntity[], secretBox: SecretBox = box): CredentialsService {
  const repository = new FakeCredentials(rows) as unknown as CredentialsRepository;
  const zones = {} as ZonesService;
  return new CredentialsService(repository, zones, secretBox, new Clock());
}

describe('CredentialsService.resolveForZone', () => {
  it('decrypts every credential of the zone into a key -> value map', async () => {
    const service = serviceOver([
      row(1, 'DB_PASSWORD', box.seal('s3cret')),
      row(1, 'TOKEN', box.seal('t-0k=n')),
    ]);
    expect(await service.resolveForZone(1)).toEqual({ DB_PASSWORD: 's3cret', TOKEN: 't-0k=n' });
  });

  it('leaves out the credentials of other zones', async () => {
    const service = serviceOver([row(1, 'MINE', box.seal('a')), row(2, 'THEIRS', box.seal('b'))]);
    expect(await service.resolveForZone(1)).toEqual({ MINE: 'a' });
    expect(await service.resolveForZone(3)).toEqual({});
  });

  it('keeps a key named __proto__ as an ordinary entry', async () => {
    const service = serviceOver([row(1, '__proto__', box.seal('p')), row(1, 'OTHER', box.seal('o'))]);
    const resolved = await service.resolveForZone(1);
    expect(Object.keys(resolved).sort()).toEqual(['OTHER', '__proto__']);
    expect(Object.getOwnPropertyDescriptor(resolved, '__proto__')?.value).toBe('p');
    expect(Object.getPrototypeOf(resolved)).toBe(Object.prototype);
  });

  it('fails naming the credential, never the value, when a value does not open with the current key', async () => {
    const otherBox = new SecretBox({ credentialsKey: randomBytes(32) });
    const sealed = row(7, 'API_SECRET', otherBox.seal('plaintext-value-123'));
    const service = serviceOver([sealed]);
    const failure = await service.resolveForZone(7).then(
      () => null,
      (error: unknown) => error as Error,
    );
    expect(failure?.message).toContain(`credential ${sealed.id}`);
    expect(failure?.message).toContain('API_SECRET');
    expect(failure?.message).not.toContain('plaintext-value-123');
    expect(failure?.message).not.toContain(sealed.valueCiphertext);
  });
});
