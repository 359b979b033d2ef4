import { Injectable } from '@nestjs/common';
import type {
  CreateCredentialRequest,
  Credential,
  KlevrCredentialRequest,
  Page,
  PageQuery,
} from '@outpost/shared';
import { Clock } from '../common/clock/clock';
import { SecretBox } from '../common/crypto/secret-box';
import { AppError, notFound } from '../common/errors/app-error';
import { isUniqueViolation } from '../database/db-errors';
import { pageResult } from '../database/paging';
import { ZonesService } from '../zones/zones.service';
import type { CredentialEntity } from './credential.entity';
import { toCredential } from './credential.mapper';
import { CredentialsRepository } from './credentials.repository';

/**
 * Zone-scoped secrets. Values are sealed with AES-256-GCM before they reach the database and are
 * write-only on the API: no answer, log line or error message carries one. Only the task engine
 * reads them back, through `resolveForZone`, when it delivers work to an agent.
 */
@Injectable()
export class CredentialsService {
  constructor(
    private readonly credentials: CredentialsRepository,
    private readonly zones: ZonesService,
    private readonly box: SecretBox,
    private readonly clock: Clock,
  ) {}

  async list(zoneId: number, query: PageQuery): Promise<Page<Credential>> {
    await this.zones.require(zoneId);
    const [credentials, total] = await this.credentials.findPage(zoneId, query);
    return pageResult(credentials.map(toCredential), total, query);
  }

  async create(zoneId: number, request: CreateCredentialRequest): Promise<Credential> {
    await this.zones.require(zoneId);
    if (await this.credentials.isKeyTaken(zoneId, request.key)) throw this.keyTaken(zoneId, request.key);
    const now = this.clock.now();
    try {
      const credential = await this.credentials.insert({
        zoneId,
        key: request.key,
        valueCiphertext: this.box.seal(request.value),
        createdAt: now,
        updatedAt: now,
      });
      return toCredential(credential);
    } catch (error) {
      if (isUniqueViolation(error)) throw this.keyTaken(zoneId, request.key);
      throw error;
    }
  }

  private keyTaken(zoneId: number, key: string): AppError {
    return new AppError(
      'CREDENTIAL_KEY_TAKEN',
      `Zone ${zoneId} already has a credential named "${key}" (keys are compared ignoring case)`,
    );
  }

  async get(zoneId: number, credentialId: number): Promise<Credential> {
    return toCredential(await this.requireInZone(zoneId, credentialId));
  }

  async update(zoneId: number, credentialId: number, value: string): Promise<Credential> {
    return this.replaceValue(await this.requireInZone(zoneId, credentialId), value);
  }

  async delete(zoneId: number, credentialId: number): Promise<{ deleted: true }> {
    await this.credentials.delete(await this.requireInZone(zoneId, credentialId));
    return { deleted: true };
  }

  /** Klevr's `PUT /inner/credentials`: the credential is named by zone and key; it must exist. */
  async replaceByKey(request: KlevrCredentialRequest): Promise<Credential> {
    await this.zones.require(request.zoneId);
    const credential = await this.credentials.findByKey(request.zoneId, request.key);
    if (!credential) {
      throw new AppError(
        'CREDENTIAL_NOT_FOUND',
        `Zone ${request.zoneId} has no credential named "${request.key}"`,
      );
    }
    return this.replaceValue(credential, request.value);
  }

  async getById(credentialId: number): Promise<Credential> {
    return toCredential(await this.requireById(credentialId));
  }

  async deleteById(credentialId: number): Promise<{ deleted: true }> {
    await this.credentials.delete(await this.requireById(credentialId));
    return { deleted: true };
  }

  /**
   * Every credential of the zone as key -> plaintext, for injection at delivery time. Built with
   * `Object.fromEntries` so a key such as `__proto__` is an ordinary own property. A value that no
   * longer opens (the credentials key was changed) fails loudly, naming the credential but never a value.
   */
  async resolveForZone(zoneId: number): Promise<Record<string, string>> {
    const credentials = await this.credentials.findAllOfZone(zoneId);
    return Object.fromEntries(credentials.map((credential) => [credential.key, this.open(credential)]));
  }

  private open(credential: CredentialEntity): string {
    try {
      return this.box.open(credential.valueCiphertext);
    } catch {
      throw new Error(
        `credential ${credential.id} ("${credential.key}") of zone ${credential.zoneId} cannot be decrypted; was OUTPOST_CREDENTIALS_KEY changed?`,
      );
    }
  }

  private async replaceValue(credential: CredentialEntity, value: string): Promise<Credential> {
    const updatedAt = this.clock.now();
    await this.credentials.updateValue(credential, this.box.seal(value), updatedAt);
    return toCredential({ ...credential, updatedAt });
  }

  /** A credential addressed through another zone's path is a 404, exactly like an unknown one. */
  private async requireInZone(zoneId: number, credentialId: number): Promise<CredentialEntity> {
    await this.zones.require(zoneId);
    const credential = await this.credentials.findInZone(zoneId, credentialId);
    if (!credential) throw notFound('CREDENTIAL_NOT_FOUND', 'Credential', credentialId);
    return credential;
  }

  private async requireById(credentialId: number): Promise<CredentialEntity> {
    const credential = await this.credentials.findById(credentialId);
    if (!credential) throw notFound('CREDENTIAL_NOT_FOUND', 'Credential', credentialId);
    return credential;
  }
}
