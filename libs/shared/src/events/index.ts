export * from './agent-events';
export * from './task-events';
export * from './task-callback';
export * from './event-envelope';
