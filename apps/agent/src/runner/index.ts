export { TaskRunner } from './task-runner';
export type {
  AgentControls,
  AgentLogLevel,
  ReportableStatus,
  RunEvent,
  RunnerLogger,
  RunnerOptions,
  RunningRun,
  RunSink,
} from './run-events';
export { SecretMasker } from './secret-masker';
export { substitutePlaceholders } from './placeholders';
