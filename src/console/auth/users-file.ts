/**
 * The console's users file: who may sign in and with which role.
 *
 *   users:
 *     - username: dana
 *       role: analyst
 *       password_hash: scrypt$131072$8$1$...   # custos console hash-password
 *     - username: priya
 *       email: priya@example.com             # proxy mode matches X-Forwarded-Email too
 *       role: privacy_officer
 *
 * In users_file mode every user needs a password hash; in proxy mode the
 * reverse proxy authenticates and the file only gives roles.
 */
import { CustosError } from '../../errors.js';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ROLES, type Role } from './roles.js';
import { isPasswordHash } from './passwords.js';
import { parseYamlWith } from '../../util/yaml-validate.js';
import { InvalidSourceError, formatProblem } from '../../util/source-error.js';

const userSchema = z.strictObject({
  username: z.string().regex(/^[A-Za-z0-9._@+-]{1,128}$/, 'letters, digits and . _ @ + - only'),
  email: z.string().min(3).max(254).optional(),
  role: z.enum(ROLES),
  password_hash: z.string().refine(isPasswordHash, 'must be a hash made by `custos console hash-password`').optional(),
});
const fileSchema = z.strictObject({ users: z.array(userSchema) });

export interface ConsoleUser {
  readonly username: string;
  readonly email: string | null;
  readonly role: Role;
  readonly passwordHash: string | null;
}

export class UsersFileError extends CustosError {
  constructor(readonly problems: readonly string[]) {
    super('CUSTOS_CONSOLE_USERS', `invalid console users file:\n  ${problems.join('\n  ')}`);
    this.name = 'UsersFileError';
  }
}

export interface UserDirectory {
  byUsername(username: string): ConsoleUser | undefined;
  byEmail(email: string): ConsoleUser | undefined;
  readonly users: readonly ConsoleUser[];
}

export function parseUsersFile(file: string, text: string, mode: 'users_file' | 'proxy'): UserDirectory {
  let parsed: z.infer<typeof fileSchema>;
  try {
    parsed = parseYamlWith(text, file, fileSchema);
  } catch (err) {
    if (err instanceof InvalidSourceError) throw new UsersFileError(err.problems.map(formatProblem));
    throw err;
  }
  const problems: string[] = [];
  const users: ConsoleUser[] = [];
  const names = new Set<string>();
  parsed.users.forEach((u, i) => {
    if (names.has(u.username.toLowerCase())) problems.push(`${file}: users[${i}]: username ${u.username} is listed twice`);
    names.add(u.username.toLowerCase());
    if (mode === 'users_file' && u.password_hash === undefined) problems.push(`${file}: users[${i}] (${u.username}): password_hash is required when console.auth is users_file`);
    users.push({ username: u.username, email: u.email ?? null, role: u.role, passwordHash: u.password_hash ?? null });
  });
  if (problems.length > 0) throw new UsersFileError(problems);
  const byName = new Map(users.map((u) => [u.username.toLowerCase(), u]));
  const byEmail = new Map(users.filter((u) => u.email !== null).map((u) => [(u.email as string).toLowerCase(), u]));
  return {
    users,
    byUsername: (n) => byName.get(n.toLowerCase()),
    byEmail: (e) => byEmail.get(e.toLowerCase()),
  };
}

export function loadUsersFile(file: string, mode: 'users_file' | 'proxy'): UserDirectory {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsersFileError([`${file}: cannot read: ${(err as Error).message}`]);
  }
  return parseUsersFile(file, text, mode);
}
