import type { LiveMessage } from '../common/messaging/bus-messages';

export interface LiveFilter {
  zoneId?: number | undefined;
  taskId?: number | undefined;
}

/**
 * Whether a stream with this filter gets the message. Log chunks go only to streams that follow
 * their task (`taskId`): all logs of a busy fleet would drown a console that shows a dashboard.
 */
export function matchesLiveFilter(message: LiveMessage, filter: LiveFilter): boolean {
  if (message.kind === 'task.log') {
    const { log } = message;
    if (filter.taskId === undefined || log.taskId !== filter.taskId) return false;
    return filter.zoneId === undefined || log.zoneId === filter.zoneId;
  }
  const { event } = message;
  if (filter.zoneId !== undefined && event.envelope.zoneId !== filter.zoneId) return false;
  if (filter.taskId !== undefined && event.taskId !== filter.taskId) return false;
  return true;
}
