/** Reported by /swagger and to agents; bump with releases. */
export const MANAGER_VERSION = '0.1.0';
