import { z } from 'zod';
import { timestampSchema } from '../common/primitives';
import { taskStatuses } from '../inner-api/tasks.contract';

/*
 * Data of the task events. Strict objects, like the agent events: the schema is the writer's
 * payload, field for field. Parameters are never included (they may name credentials), only ids,
 * names, statuses and the result the task returned.
 */

const status = z.enum(taskStatuses);

export const taskCreatedDataSchema = z
  .strictObject({ taskId: z.number().int(), zoneId: z.number().int(), name: z.string(), status })
  .meta({ id: 'TaskCreatedData' });
export type TaskCreatedData = z.infer<typeof taskCreatedDataSchema>;

export const taskStatusChangedDataSchema = z
  .strictObject({ taskId: z.number().int(), zoneId: z.number().int(), from: status, to: status })
  .meta({ id: 'TaskStatusChangedData' });
export type TaskStatusChangedData = z.infer<typeof taskStatusChangedDataSchema>;

export const taskRunStatusChangedDataSchema = z
  .strictObject({
    runId: z.number().int(),
    taskId: z.number().int(),
    zoneId: z.number().int(),
    agentKey: z.string().nullable(),
    /** null when the run was just created (handed over). */
    from: status.nullable(),
    to: status,
  })
  .meta({ id: 'TaskRunStatusChangedData' });
export type TaskRunStatusChangedData = z.infer<typeof taskRunStatusChangedDataSchema>;

/** An iteration tick came due while the previous run was still in flight (overlap policy skip). */
export const taskIterationSkippedDataSchema = z
  .strictObject({
    taskId: z.number().int(),
    zoneId: z.number().int(),
    status,
    skippedTickAt: timestampSchema.nullable(),
    nextRunAt: timestampSchema.nullable(),
  })
  .meta({ id: 'TaskIterationSkippedData' });
export type TaskIterationSkippedData = z.infer<typeof taskIterationSkippedDataSchema>;

/**
 * Klevr's TASK_CALLBACK: a status change the task's event filter selected (see
 * `eventFilterSelects`), with the task's progress and result after the change. The flags follow
 * Klevr's table (`taskCallbackFlags`).
 */
export const taskCallbackDataSchema = z
  .strictObject({
    taskId: z.number().int(),
    zoneId: z.number().int(),
    name: z.string(),
    status,
    result: z.string().nullable(),
    currentStep: z.number().int(),
    failedStep: z.number().int().nullable(),
    exeAgentKey: z.string().nullable(),
    /** The task reached a terminal status. */
    complete: z.boolean(),
    /** `complete`, or an iteration run that finished well (`wait-iteration-schedule`). */
    success: z.boolean(),
    /** A step's command failed (not the manager, a cancel or a timeout). */
    isCommandError: z.boolean(),
  })
  .meta({ id: 'TaskCallbackData' });
export type TaskCallbackData = z.infer<typeof taskCallbackDataSchema>;

/**
 * The body the manager POSTs to a task's `callbackUrl` when the task ends: Klevr's
 * `{ id, name, status, result }` plus the zone and the time it finished. Signed like webhooks.
 */
export const taskResultCallbackSchema = z
  .strictObject({
    id: z.number().int(),
    name: z.string(),
    status,
    result: z.string().nullable(),
    zoneId: z.number().int(),
    finishedAt: timestampSchema.nullable(),
  })
  .meta({ id: 'TaskResultCallback' });
export type TaskResultCallback = z.infer<typeof taskResultCallbackSchema>;

/** `X-Outpost-Event-Type` of a task callback-URL delivery (its body is a TaskResultCallback). */
export const TASK_RESULT_CALLBACK_TYPE = 'TASK_RESULT';
