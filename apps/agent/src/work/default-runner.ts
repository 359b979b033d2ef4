import { TaskRunner } from '../runner';
import type { RunnerFactory } from './runner-port';

/** The real executor (src/runner). Loaded lazily by startAgent so tests with a fake runner do not need it. */
export const createTaskRunner: RunnerFactory = (deps) => new TaskRunner(deps);
