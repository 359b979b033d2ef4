import { createTaskRequestSchema, type TaskDetail } from '@outpost/shared';
import { describe, expect, it } from 'vitest';
import { draftToRequest, emptyDraft, newStep, taskToDraft } from './task-draft';

describe('draftToRequest', () => {
  it('builds a body the shared contract accepts, numbering steps in their order', () => {
    const draft = {
      ...emptyDraft(),
      name: 'deploy',
      timeZone: 'Asia/Seoul',
      steps: [
        newStep({ commandName: 'build', command: 'make' }),
        newStep({ commandType: 'reserved', command: 'GetAgentsRunningTasks' }),
        newStep({ command: 'echo undo', isRecover: true }),
      ],
      targetKind: 'labels' as const,
      labels: [
        { key: 'env', value: 'prod' },
        { key: '', value: 'ignored' },
      ],
    };
    const body = createTaskRequestSchema.parse(draftToRequest(draft, 3));
    expect(body.steps.map((s) => [s.seq, s.commandName, s.isRecover])).toEqual([
      [1, 'build', false],
      [2, 'GetAgentsRunningTasks', false],
      [3, 'step 3', true],
    ]);
    expect(body.target).toEqual({ kind: 'labels', labels: { env: 'prod' } });
    expect(body.zoneId).toBe(3);
  });

  it('sends cron and until only for iteration tasks', () => {
    const once = draftToRequest({ ...emptyDraft(), cron: '* * * * *' }, 1);
    expect(once).not.toHaveProperty('cron');
    const repeating = draftToRequest({ ...emptyDraft(), taskType: 'iteration', cron: '*/5 * * * *' }, 1);
    expect(repeating).toMatchObject({ cron: '*/5 * * * *', untilRun: null });
  });

  it('leaves out an empty callback URL', () => {
    expect(draftToRequest({ ...emptyDraft(), callbackUrl: '  ' }, 1)).not.toHaveProperty('callbackUrl');
  });
});

describe('taskToDraft', () => {
  it('keeps the definition and drops start times already past', () => {
    const task = {
      name: 'nightly',
      taskType: 'iteration',
      target: { kind: 'agent', agentKey: 'agt_1' },
      schedule: '2000-01-01T00:00:00.000Z',
      untilRun: null,
      cron: '0 3 * * *',
      timeZone: 'Europe/Berlin',
      overlapPolicy: 'queue-one',
      timeout: 60,
      maxRetries: 2,
      retryBackoffSeconds: 30,
      eventHookSendingType: 'failed',
      callbackUrl: null,
      parameter: '{"a":1}',
      showLog: false,
      steps: [
        { id: 9, seq: 1, commandName: 'run', commandType: 'inline', command: 'true', isRecover: false },
      ],
    } as unknown as TaskDetail;
    const draft = taskToDraft(task);
    expect(draft).toMatchObject({
      name: 'nightly',
      targetKind: 'agent',
      agentKey: 'agt_1',
      schedule: '',
      cron: '0 3 * * *',
      overlapPolicy: 'queue-one',
      showLog: false,
    });
    expect(draft.steps).toHaveLength(1);
    const body = createTaskRequestSchema.parse(draftToRequest(draft, 1));
    expect(body.target).toEqual({ kind: 'agent', agentKey: 'agt_1' });
  });
});
