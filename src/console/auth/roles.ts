/**
 * Who may do what in the console. Roles are ordered: each has every right of
 * the ones before it.
 *   viewer           reads the queue, alerts, actors and exceptions;
 *   analyst          also triages alerts and creates and revokes exceptions;
 *   privacy_officer  also runs data-subject access reports.
 */
export const ROLES = ['viewer', 'analyst', 'privacy_officer'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = {
  read: 'viewer',
  triage: 'analyst',
  manage_exceptions: 'analyst',
  subject_report: 'privacy_officer',
} as const satisfies Record<string, Role>;
export type Permission = keyof typeof PERMISSIONS;

export function can(role: Role, permission: Permission): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(PERMISSIONS[permission]);
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
