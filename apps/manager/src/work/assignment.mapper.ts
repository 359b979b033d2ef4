import type { Assignment } from '@outpost/shared';
import { iso } from '../common/http/iso';
import type { TaskRunEntity } from '../tasks/task-run.entity';
import type { TaskStepEntity } from '../tasks/task-step.entity';
import type { TaskEntity } from '../tasks/task.entity';

/**
 * A run as the agent that runs it receives it. `credentials` are the zone's plaintext values and
 * go only to that agent itself (the primary for its own runs, a secondary through its own run
 * fetch); every other copy carries `{}`, so no credential crosses the LAN.
 */
export function toAssignment(
  run: TaskRunEntity,
  task: TaskEntity,
  steps: readonly TaskStepEntity[],
  credentials: Record<string, string>,
): Assignment {
  return {
    runId: run.id,
    taskId: task.id,
    zoneId: run.zoneId,
    agentKey: run.agentKey ?? '',
    attempt: run.attempt,
    epoch: run.leaseEpoch ?? 0,
    task: {
      name: task.name,
      taskType: task.taskType,
      parameter: task.parameter,
      timeoutSeconds: task.timeoutSeconds,
      showLog: task.showLog,
      cron: task.cron,
      timeZone: task.timeZone,
      untilRun: iso(task.untilAt),
      steps: [...steps]
        .sort((a, b) => a.seq - b.seq)
        .map((step) => ({
          seq: step.seq,
          commandName: step.commandName,
          commandType: step.commandType,
          command: step.command,
          isRecover: step.isRecover,
        })),
    },
    credentials,
  };
}
