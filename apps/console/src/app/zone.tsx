import { useParams } from 'react-router';

/** The zone the page is about, from the `:zoneId` URL parameter (so it survives a reload). */
export function useZoneId(): number {
  const { zoneId } = useParams();
  const id = Number(zoneId);
  if (!zoneId || !Number.isSafeInteger(id) || id < 1) {
    throw new Error(`useZoneId() needs a page under /zones/:zoneId (got "${zoneId ?? ''}")`);
  }
  return id;
}

/** `/zones/3` or `/zones/3/tasks/new`; `sub` is relative to the zone (no leading slash needed). */
export function zonePath(zoneId: number, sub?: string): string {
  const base = `/zones/${zoneId}`;
  if (!sub) return base;
  return `${base}/${sub.replace(/^\/+/, '')}`;
}

/** The part of a zone page's path after `/zones/:zoneId/` (`tasks/12` → `tasks`), to keep the page when the zone changes. */
export function zoneSection(pathname: string): string | undefined {
  const match = /^\/zones\/\d+\/([^/]+)/.exec(pathname);
  return match?.[1];
}
