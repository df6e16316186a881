/**
 * A failed sign-in's audit row, which every console role may read (/audit):
 * a password typed into the user-name field must not be stored there.
 */
import { describe, expect, it } from 'vitest';
import { failedLoginAudit } from '../../../src/console/http/app.js';
import { auditRowFor } from '../../../src/console/http/routes.js';

describe('console: a failed sign-in in the audit', () => {
  it('names a real user whose password was wrong, and never a name no user has', () => {
    expect(failedLoginAudit('dana', true)).toEqual({ target: 'dana' });
    // Before, the name given was stored as the target whatever it was: here, somebody's password.
    const row = failedLoginAudit('Hunter2-MyP4ssw0rd!', false);
    expect(JSON.stringify(row)).not.toContain('Hunter2');
    expect(row).toEqual({ target: '(unknown user name)', detail: '19 characters' });
  });
});

describe('console: the audit page', () => {
  it('shows a subject report`s customer pseudonym only to those who may run subject reports', () => {
    const row = { action: 'subject_report', target: '9f86d081884c7d659a2feaa0c55ad015@k2', detail: '3 accesses, csv, keys k2' };
    expect(auditRowFor(true, row)).toBe(row);
    // Before, a viewer saw the pseudonym, which an alert's evidence also shows.
    expect(auditRowFor(false, row)).toEqual({ ...row, target: '(a customer: shown to privacy officers)' });
    const login = { action: 'login', target: 'dana' };
    expect(auditRowFor(false, login)).toBe(login);
  });
});
