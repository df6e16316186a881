/**
 * When an actor used each resource type, channel and zone: the first and the
 * last bucket start within what the history holds (first-seen facts compare
 * an event against these). An actor uses a handful of names, so they are held
 * in two arrays searched in order rather than three Maps of objects: three
 * Maps cost about 0.54 KB per actor of the simulated organisation empty, their
 * entries (an object and two boxed times each) another 0.36 (bench memory).
 * The times sit in an array of numbers only, which V8 keeps unboxed.
 */
export type UseKind = 'resource_types' | 'channels' | 'zones';

const KIND_CODE: Record<UseKind, number> = { resource_types: 0, channels: 1, zones: 2 };
/** Every kind of name whose uses are kept. */
export const USE_KINDS = Object.keys(KIND_CODE) as readonly UseKind[];
/**
 * Told of a name's span before and after it changed (NaN first and last: the
 * name was not held before, or is no longer): what lets the peers' share of a
 * name (ActivityHistory.shareUsing) be kept up to date instead of counted again.
 */
export type SpanChange = (kind: UseKind, name: string, oldFirst: number, oldLast: number, newFirst: number, newLast: number) => void;

/** Numbers per entry in `spans`: kind, first, last. */
const WIDTH = 3;
/** Names searched in order at most; beyond, an index (a Map) finds them. */
const SEARCHED = 16;

const indexKey = (code: number, name: string): string => `${code}:${name}`;

export class FirstUses {
  /** The names, in the order first seen. */
  private readonly names: string[] = [];
  /** Per name: its kind's code, first and last bucket start (epoch ms). */
  private readonly spans: number[] = [];
  /** Past SEARCHED names (an actor given many distinct names): their indexes by kind and name, so a restore stays linear. */
  private index: Map<string, number> | null = null;

  /** Index of the name of this kind (-1: never used within what is held). */
  private find(kind: UseKind, name: string): number {
    const code = KIND_CODE[kind];
    if (this.index !== null) return this.index.get(indexKey(code, name)) ?? -1;
    for (let i = 0; i < this.names.length; i++) if (this.names[i] === name && this.spans[i * WIDTH] === code) return i;
    return -1;
  }

  /** The name was used in the bucket starting at `at`. */
  bump(kind: UseKind, name: string, at: number, changed?: SpanChange): void {
    const i = this.find(kind, name);
    if (i < 0) {
      this.names.push(name);
      this.spans.push(KIND_CODE[kind], at, at);
      if (this.index !== null) this.index.set(indexKey(KIND_CODE[kind], name), this.names.length - 1);
      else if (this.names.length > SEARCHED) this.reindex();
      changed?.(kind, name, Number.NaN, Number.NaN, at, at);
      return;
    }
    const s = this.spans;
    const first = s[i * WIDTH + 1] as number;
    const last = s[i * WIDTH + 2] as number;
    if (at >= first && at <= last) return;
    if (at < first) s[i * WIDTH + 1] = at;
    if (at > last) s[i * WIDTH + 2] = at;
    changed?.(kind, name, first, last, s[i * WIDTH + 1] as number, s[i * WIDTH + 2] as number);
  }

  /** Whether the name was first used by `firstBy` and last used after `lastAfter` (the look-back's reading, without an object). */
  usedWithin(kind: UseKind, name: string, firstBy: number, lastAfter: number): boolean {
    const i = this.find(kind, name);
    return i >= 0 && (this.spans[i * WIDTH + 1] as number) <= firstBy && (this.spans[i * WIDTH + 2] as number) > lastAfter;
  }

  /** Rows before `before` were dropped: names last used before it go, and the earliest use held is no earlier than it. */
  prune(before: number, changed?: SpanChange): void {
    let kept = 0;
    for (let i = 0; i < this.names.length; i++) {
      const code = this.spans[i * WIDTH] as number;
      const first = this.spans[i * WIDTH + 1] as number;
      const last = this.spans[i * WIDTH + 2] as number;
      if (last < before) {
        changed?.(USE_KINDS[code] as UseKind, this.names[i] as string, first, last, Number.NaN, Number.NaN);
        continue;
      }
      if (first < before) changed?.(USE_KINDS[code] as UseKind, this.names[i] as string, first, last, before, last);
      this.names[kept] = this.names[i] as string;
      this.spans[kept * WIDTH] = code;
      this.spans[kept * WIDTH + 1] = Math.max(first, before);
      this.spans[kept * WIDTH + 2] = last;
      kept++;
    }
    this.names.length = kept;
    this.spans.length = kept * WIDTH;
    this.index = null;
    if (kept > SEARCHED) this.reindex();
  }

  private reindex(): void {
    this.index = new Map();
    for (let i = 0; i < this.names.length; i++) this.index.set(indexKey(this.spans[i * WIDTH] as number, this.names[i] as string), i);
  }
}
