import { Injectable } from '@nestjs/common';
import type {
  CreateTaskRequest,
  ListTasksQuery,
  Page,
  TaskDetail,
  TaskLogs,
  TaskSummary,
} from '@outpost/shared';
import type { Principal } from '../common/auth/principal';
import { Clock } from '../common/clock/clock';
import { AppError, notFound } from '../common/errors/app-error';
import { pageResult } from '../database/paging';
import { WorkSignal } from '../work/work-signal';
import { ZonesService } from '../zones/zones.service';
import { TaskEventsWriter } from './task-events.writer';
import { toTaskDetail, toTaskLogChunk, toTaskSummary } from './task.mapper';
import { isScheduleProblem, planInitialSchedule } from './task-schedule';
import { TaskTransitions } from './task-transitions';
import { type NewTask, type NewTaskStep, TasksRepository } from './tasks.repository';

@Injectable()
export class TasksService {
  constructor(
    private readonly tasks: TasksRepository,
    private readonly zones: ZonesService,
    private readonly transitions: TaskTransitions,
    private readonly events: TaskEventsWriter,
    private readonly signal: WorkSignal,
    private readonly clock: Clock,
  ) {}

  /**
   * Stores the task, its steps and its TASK_CREATED event in one transaction. Status, step count and
   * hasRecover are derived here; the client's values for them are never read (Klevr trusted them).
   */
  async create(request: CreateTaskRequest, principal: Principal): Promise<TaskDetail> {
    await this.zones.require(request.zoneId);
    await this.refuseRetiredTarget(request);
    const now = this.clock.now();
    const untilAt = request.untilRun ? new Date(request.untilRun) : null;
    const plan = planInitialSchedule(
      {
        taskType: request.taskType,
        schedule: request.schedule ? new Date(request.schedule) : null,
        cron: request.cron,
        timeZone: request.timeZone,
        untilRun: untilAt,
      },
      now,
    );
    if (isScheduleProblem(plan)) {
      throw new AppError('VALIDATION_FAILED', `Invalid request: body.${plan.field}: ${plan.message}`, [
        { path: `body.${plan.field}`, message: plan.message },
      ]);
    }
    const { target } = request;
    const row: NewTask = {
      zoneId: request.zoneId,
      name: request.name,
      taskType: request.taskType,
      status: plan.status,
      targetKind: target.kind,
      targetAgentKey: target.kind === 'agent' ? target.agentKey : null,
      targetLabels: target.kind === 'labels' ? target.labels : null,
      exeAgentChangeable: target.kind === 'any',
      scheduleAt: plan.scheduleAt,
      cron: request.taskType === 'iteration' ? (request.cron ?? null) : null,
      timeZone: request.timeZone,
      untilAt,
      timeoutSeconds: request.timeout,
      maxRetries: request.maxRetries,
      retryBackoffSeconds: request.retryBackoffSeconds,
      attempt: 0,
      overlapPolicy: request.overlapPolicy,
      parameter: request.parameter,
      callbackUrl: request.callbackUrl ?? null,
      showLog: request.showLog,
      eventFilter: request.eventHookSendingType,
      totalStepCount: request.steps.filter((step) => !step.isRecover).length,
      currentStep: 0,
      failedStep: null,
      hasRecover: request.steps.some((step) => step.isRecover),
      isFailedRecover: false,
      result: null,
      exeAgentKey: null,
      nextRunAt: plan.nextRunAt,
      createdByUserId: principal.userId,
      finishedAt: null,
      createdAt: now,
      updatedAt: now,
    };
    const steps: NewTaskStep[] = request.steps.map((step) => ({
      seq: step.seq,
      commandName: step.commandName,
      commandType: step.commandType,
      command: step.command,
      isRecover: step.isRecover,
    }));
    const { stored, callbackSecret } = await this.tasks.transaction(async (manager) => {
      const written = await this.tasks.insertWithSteps(row, steps, manager);
      const created = await this.events.taskCreated(written.task, now, manager);
      return { stored: written, callbackSecret: created.callbackSecret };
    });
    // After the commit: a woken poll must find the task. A timed task too: the zone's kept view
    // (ZoneViews) holds when its next timed task falls due.
    this.signal.notify(request.zoneId);
    // Answered from the rows just written (a new task has no runs): what a GET would read back.
    const detail = toTaskDetail(stored.task, stored.steps, []);
    // The callback's signing secret is in this answer only; it is stored sealed.
    return callbackSecret ? { ...detail, callbackSecret } : detail;
  }

  async list(query: ListTasksQuery): Promise<Page<TaskSummary>> {
    const [tasks, total] = await this.tasks.findPage(query);
    return pageResult(tasks.map(toTaskSummary), total, query);
  }

  async get(taskId: number): Promise<TaskDetail> {
    const found = await this.tasks.findWithChildren(taskId);
    if (!found) throw notFound('TASK_NOT_FOUND', 'Task', taskId);
    return toTaskDetail(found.task, found.steps, found.runs);
  }

  /**
   * Cancels a task in any non-terminal status (Klevr only before delivery): `canceled` if it was
   * not delivered yet, `stopped` at once if it was; its steps, runs and logs stay (Klevr deleted
   * them). The zone's primary is woken so the cancel of delivered runs reaches the agents now.
   */
  async cancel(taskId: number): Promise<TaskDetail> {
    const { task, to } = await this.transitions.cancel(taskId);
    if (to === 'stopped') this.signal.notify(task.zoneId);
    return this.get(taskId);
  }

  /** Chunks of one run (the latest by default) after `afterSeq`, for following a log. */
  async logs(
    taskId: number,
    query: { runId?: number | undefined; afterSeq: number; limit: number },
  ): Promise<TaskLogs> {
    if (!(await this.tasks.findById(taskId))) throw notFound('TASK_NOT_FOUND', 'Task', taskId);
    const run =
      query.runId === undefined
        ? await this.tasks.findLatestRun(taskId)
        : await this.tasks.findRunOfTask(taskId, query.runId);
    if (!run) {
      if (query.runId !== undefined)
        throw new AppError('TASK_RUN_NOT_FOUND', `Task ${taskId} has no run ${query.runId}`);
      return { taskId, runId: null, chunks: [], nextSeq: 0 };
    }
    const chunks = await this.tasks.findLogChunks(run.id, query.afterSeq, query.limit);
    const last = chunks[chunks.length - 1];
    return {
      taskId,
      runId: run.id,
      chunks: chunks.map(toTaskLogChunk),
      nextSeq: last ? last.seq : query.afterSeq,
    };
  }

  /**
   * A target agent need not exist yet (agents may join later), but one this zone has retired will
   * never run anything again: refuse, naming the field the caller used.
   */
  private async refuseRetiredTarget(request: CreateTaskRequest): Promise<void> {
    if (request.target.kind !== 'agent') return;
    const retired = await this.tasks.findAgentInState(request.zoneId, request.target.agentKey, 'retired');
    if (!retired) return;
    const path = request.targetSource === 'agentKey' ? 'body.agentKey' : 'body.target.agentKey';
    const message = `agent ${request.target.agentKey} of zone ${request.zoneId} is retired and will never run a task`;
    throw new AppError('VALIDATION_FAILED', `Invalid request: ${path}: ${message}`, [{ path, message }]);
  }
}
