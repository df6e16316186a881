/**
 * A failed sign-in's audit row, which every console role may read (/audit):
 * a password typed into the user-name field must not be stored there.
 */
import { describe, expect, it } from 'vitest';
import { failedLoginAudit } from '../../../src/console/http/app.js';

describe('console: a failed sign-in in the audit', () => {
  it('names a real user whose password was wrong, and never a name no user has', () => {
    expect(failedLoginAudit('dana', true)).toEqual({ target: 'dana' });
    // Before, the name given was stored as the target whatever it was: here, somebody's password.
    const row = failedLoginAudit('Hunter2-MyP4ssw0rd!', false);
    expect(JSON.stringify(row)).not.toContain('Hunter2');
    expect(row).toEqual({ target: '(unknown user name)', detail: '19 characters' });
  });
});
