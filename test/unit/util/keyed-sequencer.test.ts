import { describe, expect, it } from 'vitest';
import { KeyedSequencer } from '../../../src/util/keyed-sequencer.js';

describe('KeyedSequencer', () => {
  it('starts one item per key, lowest sequence first, whatever order they were added in', () => {
    const s = new KeyedSequencer<string>();
    s.add('a', 56, 'a56');
    s.add('a', 1, 'a1');
    s.add('b', 3, 'b3');
    s.add('a', 7, 'a7');
    expect(s.startable().sort()).toEqual(['a1', 'b3']);
    expect(s.startable()).toEqual([]); // nothing new until a started item finishes
    s.finish('a');
    expect(s.startable()).toEqual(['a7']);
    s.finish('a');
    expect(s.startable()).toEqual(['a56']);
    s.finish('a');
    s.finish('b');
    expect(s.startable()).toEqual([]);
    expect(s.size).toBe(0);
  });

  it('an item below the started one waits for it, then starts next', () => {
    const s = new KeyedSequencer<string>();
    s.add('a', 5, 'a5');
    expect(s.startable()).toEqual(['a5']);
    s.add('a', 9, 'a9');
    s.add('a', 2, 'a2');
    expect(s.startable()).toEqual([]);
    s.finish('a');
    expect(s.startable()).toEqual(['a2']);
    s.finish('a');
    expect(s.startable()).toEqual(['a9']);
  });

  it('refuses a sequence the key already holds, started or waiting', () => {
    const s = new KeyedSequencer<string>();
    expect(s.add('a', 1, 'first')).toBe(true);
    s.startable();
    expect(s.add('a', 1, 'again')).toBe(false);
    expect(s.add('a', 2, 'two')).toBe(true);
    expect(s.add('a', 2, 'two again')).toBe(false);
    expect(s.size).toBe(2);
  });

  it('finish on a key with nothing started changes nothing', () => {
    const s = new KeyedSequencer<string>();
    s.add('a', 1, 'a1');
    s.finish('a'); // not started yet
    expect(s.startable()).toEqual(['a1']);
    s.finish('zzz');
    expect(s.size).toBe(1);
  });
});
