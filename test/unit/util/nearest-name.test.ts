import { describe, expect, it } from 'vitest';
import { editDistance, nearestName } from '../../../src/util/nearest-name.js';

describe('nearestName', () => {
  it('counts edits', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });

  it('finds a typo and refuses what is no typo of anything', () => {
    expect(nearestName('CUSTOS_WEBHOOK_SECRT', ['CUSTOS_WEBHOOK_SECRET', 'CUSTOS_WEBHOOK_URLS'])).toBe('CUSTOS_WEBHOOK_SECRET');
    expect(nearestName('CUSTOS_X', ['CUSTOS_WEBHOOK_SECRET_LONG_NAME'])).toBeNull();
  });
});
