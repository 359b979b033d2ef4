import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AGENT_PROTOCOL_VERSION, joinRequestSchema, type JoinRequest } from '@outpost/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManagerUnreachableError } from '../src/client/errors';
import { ensureIdentity, JoinRefusedError, type EnsureIdentityOptions } from '../src/joining';
import { RootLogger } from '../src/log/logger';
import { PENDING_JOIN_FILE } from '../src/state/pending-join';
import { closeNow, listenOnLoopback } from './support/loopback-server';

interface Attempt {
  body: JoinRequest;
  /** join.json as it was on disk when the attempt reached the manager (null: not there). */
  pendingOnDisk: { joinId: string; zoneId: number } | null;
}

type Answer = 'drop' | { status: number; body: unknown };

/**
 * Stands in for the manager's join: it validates every attempt with the shared schema and does
 * what the manager does with a join id (one agent per id, a fresh credential per answer), and can
 * lose answers: with 'drop' the attempt is processed and the connection closed without a reply,
 * as when the agent's timeout or the network ate the first answer.
 */
class JoinManager {
  readonly attempts: Attempt[] = [];
  readonly violations: string[] = [];
  readonly agents = new Map<string, { agentKey: string; credential: string }>();
  /** What to do with each attempt, in order; past the end, answer normally. */
  script: Answer[] = [];
  url = '';
  private server: Server | null = null;

  constructor(private readonly stateDir: () => string) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.url = `http://127.0.0.1:${await listenOnLoopback(this.server)}`;
  }

  async close(): Promise<void> {
    await closeNow(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const parsed = joinRequestSchema.safeParse(JSON.parse(Buffer.concat(chunks).toString('utf8')));
    if (
      req.url !== '/agent/v1/join' ||
      req.headers['x-outpost-protocol'] !== String(AGENT_PROTOCOL_VERSION)
    ) {
      this.violations.push(`${req.method} ${req.url}`);
    }
    if (!parsed.success) {
      this.violations.push(JSON.stringify(parsed.error.issues));
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 'VALIDATION_FAILED', message: 'invalid', requestId: 't' }));
      return;
    }
    const file = join(this.stateDir(), PENDING_JOIN_FILE);
    this.attempts.push({
      body: parsed.data,
      pendingOnDisk: existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null,
    });
    const answer = this.script[this.attempts.length - 1];
    if (answer && answer !== 'drop') {
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.body));
      return;
    }
    const joinId = parsed.data.joinId ?? randomBytes(8).toString('hex');
    const agent = this.agents.get(joinId) ?? { agentKey: `agent-${this.agents.size + 1}`, credential: '' };
    agent.credential = `cred-${randomBytes(8).toString('hex')}`;
    this.agents.set(joinId, agent);
    if (answer === 'drop') {
      res.socket?.destroy(); // processed, answer lost
      return;
    }
    res.writeHead(201, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({ agentKey: agent.agentKey, zoneId: parsed.data.zoneId, credential: agent.credential }),
    );
  }
}

describe('joining: one join id per join, kept across attempts and restarts', () => {
  let stateDir: string;
  let manager: JoinManager;
  const logger = new RootLogger({ level: 'error', stdout: false });

  const options = (overrides: Partial<EnsureIdentityOptions> = {}): EnsureIdentityOptions => ({
    stateDir,
    managerUrl: manager.url,
    zoneId: 7,
    apiKey: null,
    joinToken: 'opj_one-use-token',
    identity: () => ({
      hostname: 'host-1',
      ips: ['127.0.0.1'],
      lanPort: 18_800,
      version: '0.1.0',
      platform: 'linux',
      labels: {},
    }),
    logger,
    backoff: { baseMs: 5, capMs: 20 },
    random: () => 0.5,
    ...overrides,
  });
  const pendingFile = () => join(stateDir, PENDING_JOIN_FILE);

  beforeEach(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'outpost-join-'));
    manager = new JoinManager(() => stateDir);
    await manager.start();
  });
  afterEach(async () => {
    await manager.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('writes the join id before the first attempt and repeats it when the first answer is lost', async () => {
    manager.script = ['drop'];

    const { identity, joined } = await ensureIdentity(options());

    expect(manager.violations).toEqual([]);
    expect(manager.attempts).toHaveLength(2);
    const [first, retry] = manager.attempts;
    expect(first!.body.joinId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    // On disk, private, before the manager saw the first attempt.
    expect(first!.pendingOnDisk).toEqual(expect.objectContaining({ joinId: first!.body.joinId, zoneId: 7 }));
    expect(retry!.body.joinId).toBe(first!.body.joinId);
    // One agent, and the agent keeps the credential of the answer it got.
    expect(manager.agents.size).toBe(1);
    expect(joined).toBe(true);
    expect(identity.agentKey).toBe('agent-1');
    expect(identity.credential).toBe(manager.agents.get(first!.body.joinId!)!.credential);
    const stored = JSON.parse(await readFile(join(stateDir, 'identity.json'), 'utf8'));
    expect(stored).toMatchObject({ agentKey: 'agent-1', credential: identity.credential });
    // The join is finished: its id is forgotten.
    expect(existsSync(pendingFile())).toBe(false);
  });

  it('repeats the same join after a restart in the middle of it', async () => {
    manager.script = ['drop', 'drop'];

    // The daemon dies (here: gives up) after its attempts reached the manager unanswered.
    await expect(ensureIdentity(options({ maxAttempts: 2 }))).rejects.toBeInstanceOf(ManagerUnreachableError);
    const pending = JSON.parse(await readFile(pendingFile(), 'utf8'));
    expect((await stat(pendingFile())).mode & 0o777).toBe(0o600);
    expect(existsSync(join(stateDir, 'identity.json'))).toBe(false);

    const { identity } = await ensureIdentity(options());

    expect(manager.attempts.map((attempt) => attempt.body.joinId)).toEqual([
      pending.joinId,
      pending.joinId,
      pending.joinId,
    ]);
    expect(manager.agents.size).toBe(1);
    expect(identity.agentKey).toBe('agent-1');
    expect(existsSync(pendingFile())).toBe(false);
  });

  it('starts a new join for another zone instead of reusing the id begun for the first', async () => {
    manager.script = ['drop'];
    await expect(ensureIdentity(options({ maxAttempts: 1 }))).rejects.toBeInstanceOf(ManagerUnreachableError);

    await ensureIdentity(options({ zoneId: 8 }));

    const [forZone7, forZone8] = manager.attempts;
    expect(forZone8!.body.zoneId).toBe(8);
    expect(forZone8!.body.joinId).not.toBe(forZone7!.body.joinId);
  });

  it('keeps the join when the key or token is refused, so a fixed setting repeats the same join', async () => {
    manager.script = [
      { status: 401, body: { code: 'UNAUTHENTICATED', message: 'not valid for this zone', requestId: 't' } },
    ];
    await expect(ensureIdentity(options())).rejects.toBeInstanceOf(JoinRefusedError);
    expect(existsSync(pendingFile())).toBe(true);

    await ensureIdentity(options({ joinToken: null, apiKey: 'opk_fixed' }));

    expect(manager.attempts).toHaveLength(2);
    expect(manager.attempts[1]!.body.joinId).toBe(manager.attempts[0]!.body.joinId);
  });

  it('forgets a join whose id the manager says is spent, so the next start joins as a new agent', async () => {
    manager.script = [
      {
        status: 409,
        body: {
          code: 'AGENT_ALREADY_JOINED',
          message: 'This join id already made agent agent-9, which has since opened a session',
          requestId: 't',
        },
      },
    ];
    const refused = ensureIdentity(options());
    await expect(refused).rejects.toBeInstanceOf(JoinRefusedError);
    await expect(refused).rejects.toThrow(/agent-9.*join\.json was removed/);
    expect(existsSync(pendingFile())).toBe(false);

    await ensureIdentity(options());

    expect(manager.attempts).toHaveLength(2);
    expect(manager.attempts[1]!.body.joinId).not.toBe(manager.attempts[0]!.body.joinId);
  });
});
