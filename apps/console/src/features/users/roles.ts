import type { UserRole } from '@outpost/shared';

export const roleDescriptions: Record<UserRole, string> = {
  viewer: 'sees everything, changes nothing',
  operator: 'manages zones, agents, tasks and credentials',
  admin: 'also manages users',
};

export function isUserRole(value: string | null): value is UserRole {
  return value === 'viewer' || value === 'operator' || value === 'admin';
}
