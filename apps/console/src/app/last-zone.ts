const LAST_ZONE_KEY = 'outpost.lastZoneId';

/** The zone last looked at, so the zone pages in the navigation lead somewhere from /users too. */
export function readLastZoneId(): number | null {
  try {
    const id = Number(window.localStorage.getItem(LAST_ZONE_KEY));
    return Number.isSafeInteger(id) && id > 0 ? id : null;
  } catch {
    return null;
  }
}

export function storeLastZoneId(zoneId: number): void {
  try {
    window.localStorage.setItem(LAST_ZONE_KEY, String(zoneId));
  } catch {
    // Not remembered; the first zone is used instead.
  }
}
