/* global Buffer, process, fetch, console */
// Scenario 1: the agent's steady-state call path (the primary's poll) against one manager,
// next to a bare node:http server returning a body of the same size, same load generator, same run.
import http from 'node:http';
import { createRequire } from 'node:module';
import {
  Manager,
  NodeProcess,
  freePort,
  percentile,
  printTable,
  round,
  sleep,
  waitFor,
  writeResult,
} from './lib.mjs';

const EXPRESS = createRequire(import.meta.url).resolve('express');
const PROTOCOL_HEADERS = { 'x-outpost-protocol': '1', 'content-type': 'application/json' };

/** N concurrent keep-alive loops for `durationMs` (after `warmupMs`); returns req/s and latencies. */
export async function drive({ port, path, method, headers, body, concurrency, durationMs, warmupMs }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const payload = body === undefined ? undefined : Buffer.from(body);
  const fullHeaders = payload ? { ...headers, 'content-length': payload.length } : headers;
  const once = () =>
    new Promise((resolve, reject) => {
      const started = process.hrtime.bigint();
      const request = http.request(
        { host: '127.0.0.1', port, path, method, headers: fullHeaders, agent },
        (response) => {
          let size = 0;
          response.on('data', (chunk) => (size += chunk.length));
          response.on('end', () =>
            resolve({
              status: response.statusCode,
              size,
              ms: Number(process.hrtime.bigint() - started) / 1e6,
            }),
          );
          response.on('error', reject);
        },
      );
      request.on('error', reject);
      request.end(payload);
    });

  let measuring = false;
  let stop = false;
  const latencies = [];
  let errors = 0;
  let lastSize = 0;
  const loop = async () => {
    while (!stop) {
      try {
        const result = await once();
        if (result.status !== 200 && result.status !== 201) errors += 1;
        lastSize = result.size;
        if (measuring) latencies.push(result.ms);
      } catch {
        errors += 1;
      }
    }
  };
  const loops = Array.from({ length: concurrency }, loop);
  await sleep(warmupMs);
  errors = 0;
  measuring = true;
  const started = process.hrtime.bigint();
  await sleep(durationMs);
  measuring = false;
  const elapsedS = Number(process.hrtime.bigint() - started) / 1e9;
  stop = true;
  await Promise.all(loops);
  agent.destroy();
  return {
    requests: latencies.length,
    reqPerSec: latencies.length / elapsedS,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    errors,
    responseBytes: lastSize,
  };
}

/** The baseline: a bare node:http server answering every request with a body of `bodyBytes`. */
function bareServerCode(port, bodyBytes) {
  return `
    const body = Buffer.from(JSON.stringify({ pad: 'x'.repeat(Math.max(0, ${bodyBytes} - 10)) }));
    require('node:http').createServer((req, res) => {
      req.resume();
      req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }); res.end(body); });
    }).listen(${port}, '127.0.0.1');`;
}

/**
 * A reference, not a budget: Express 5 (the manager's HTTP layer) parsing the JSON body and
 * answering the same bytes — what any Express route costs before Outpost does anything.
 */
function expressServerCode(port, bodyBytes) {
  return `
    const express = require(${JSON.stringify(EXPRESS)});
    const body = { pad: 'x'.repeat(Math.max(0, ${bodyBytes} - 10)) };
    const app = express();
    app.use(express.json());
    app.post('/', (req, res) => res.json(body));
    app.listen(${port}, '127.0.0.1');`;
}

async function startServer(name, codeFor, bodyBytes) {
  const port = await freePort();
  const server = new NodeProcess(['-e', codeFor(port, bodyBytes)]);
  await waitFor(`the ${name} server`, async () => {
    if (!server.running) throw new Error(`${name} server exited:\n${server.output}`);
    const response = await fetch(`http://127.0.0.1:${port}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    return response.ok;
  });
  return { server, port };
}

export async function run({ quick }) {
  const parameters = {
    concurrency: quick ? 16 : 64,
    durationMs: quick ? 2_000 : 10_000,
    warmupMs: quick ? 500 : 2_000,
    rounds: quick ? 1 : 3,
    managerEnv: { OUTPOST_AGENT_POLL_WAIT_MS: '0', OUTPOST_AGENT_LEASE_TTL_MS: '60000' },
  };
  const manager = await Manager.start(parameters.managerEnv);

  // Join an agent identity through the API and make it the zone's primary, as the agent does.
  const zoneId = await manager.createZone('bench-call-path');
  const joinToken = await manager.joinToken(zoneId, 1);
  const identity = {
    hostname: 'bench-primary',
    ips: ['127.0.0.1'],
    lanPort: 1,
    version: '0.1.0',
    platform: 'linux',
    labels: {},
  };
  const agentApi = async (urlPath, body, token) => {
    const response = await fetch(`${manager.url}${urlPath}`, {
      method: 'POST',
      headers: { ...PROTOCOL_HEADERS, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    const parsed = await response.json();
    if (!response.ok) throw new Error(`${urlPath} -> ${response.status}: ${JSON.stringify(parsed)}`);
    return parsed;
  };
  const joined = await agentApi('/agent/v1/join', { zoneId, joinToken, identity });
  const session = await agentApi('/agent/v1/session', {
    agentKey: joined.agentKey,
    credential: joined.credential,
  });
  const resources = { cpuCores: null, memoryMb: null, diskMb: null, freeMemoryMb: null, freeDiskMb: null };
  const handshake = await agentApi(
    '/agent/v1/handshake',
    { identity, resources, runningRunIds: [] },
    session.token,
  );
  if (handshake.role !== 'primary') throw new Error(`expected the primary role, got ${handshake.role}`);
  const pollBody = JSON.stringify({ epoch: handshake.lease.epoch, members: [], runningTasks: 0 });
  const pollHeaders = { ...PROTOCOL_HEADERS, authorization: `Bearer ${session.token}` };
  const sample = await agentApi('/agent/v1/poll', JSON.parse(pollBody), session.token);
  const bodyBytes = Buffer.byteLength(JSON.stringify(sample));

  const baseline = await startServer('bare node:http', bareServerCode, bodyBytes);
  const express = await startServer('express', expressServerCode, bodyBytes);
  const target = (port, path, headers) => ({
    port,
    path,
    method: 'POST',
    headers,
    body: pollBody,
    ...parameters,
  });
  const rounds = [];
  for (let i = 0; i < parameters.rounds; i += 1) {
    const bare = await drive(target(baseline.port, '/', { 'content-type': 'application/json' }));
    const expressOnly = await drive(target(express.port, '/', { 'content-type': 'application/json' }));
    const outpost = await drive(target(manager.port, '/agent/v1/poll', pollHeaders));
    rounds.push({
      bare,
      express: expressOnly,
      outpost,
      ratio: outpost.reqPerSec / bare.reqPerSec,
      expressRatio: expressOnly.reqPerSec / bare.reqPerSec,
    });
  }
  await baseline.server.stop();
  await express.server.stop();
  await manager.process.stop();

  const med = (pick) => percentile(rounds.map(pick), 50);
  const summary = (key) => ({
    reqPerSec: round(
      med((r) => r[key].reqPerSec),
      0,
    ),
    p50Ms: round(med((r) => r[key].p50Ms)),
    p99Ms: round(med((r) => r[key].p99Ms)),
    errors: rounds.reduce((sum, r) => sum + r[key].errors, 0),
    responseBytes: rounds[0][key].responseBytes,
  });
  const results = {
    bare: summary('bare'),
    express: summary('express'),
    outpost: summary('outpost'),
    /** Express alone over bare node:http: the ceiling of any route served through Express. */
    expressRatio: round(
      med((r) => r.expressRatio),
      3,
    ),
    ratio: round(
      med((r) => r.ratio),
      3,
    ),
    budget: 0.5,
    rounds: rounds.map((r) => ({ ...r, ratio: round(r.ratio, 3), expressRatio: round(r.expressRatio, 3) })),
  };
  results.withinBudget = results.ratio >= results.budget;
  printTable(
    `1. Agent call path (poll, wait 0) vs bare node:http — ${parameters.concurrency} conns, ${parameters.rounds}×${parameters.durationMs / 1000}s, median of rounds`,
    [
      {
        target: 'bare node:http',
        'req/s': results.bare.reqPerSec,
        'p50 ms': results.bare.p50Ms,
        'p99 ms': results.bare.p99Ms,
        errors: results.bare.errors,
        bytes: results.bare.responseBytes,
      },
      {
        target: 'express + json (reference)',
        'req/s': results.express.reqPerSec,
        'p50 ms': results.express.p50Ms,
        'p99 ms': results.express.p99Ms,
        errors: results.express.errors,
        bytes: results.express.responseBytes,
      },
      {
        target: 'outpost poll',
        'req/s': results.outpost.reqPerSec,
        'p50 ms': results.outpost.p50Ms,
        'p99 ms': results.outpost.p99Ms,
        errors: results.outpost.errors,
        bytes: results.outpost.responseBytes,
      },
    ],
  );
  console.log(
    `ratio outpost/bare = ${results.ratio} (budget ≥ ${results.budget}: ${results.withinBudget ? 'within' : 'OVER'}); express/bare = ${results.expressRatio}`,
  );
  return writeResult('call-path', parameters, results);
}
