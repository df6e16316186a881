/**
 * Two logs of one actor in one typed array: a host's words first, a guest's
 * at the end. Each Uint16Array costs about 184 bytes of its own (its object
 * and its ArrayBuffer's), a third of a typical actor's event-id log; the
 * engine's actors put their event ids (SeenEvents, the guest) at the end of
 * their DistinctWindow's log (the host).
 */

/** An empty array: shared, never written to. */
const NO_WORDS = new Uint16Array(0);

/** What a guest log asks of its host: the last `guestWords` words of `array` are the guest's. */
export interface WordHost {
  readonly array: Uint16Array;
  readonly guestWords: number;
  /** A new array with `words` words at its end for the guest (the host's own words copied; the guest fills its own), returned. */
  reserveGuest(words: number): Uint16Array;
}

/** A host with no words of its own: a log with an array to itself (tests, tools). */
export class OwnArray implements WordHost {
  array = NO_WORDS;
  guestWords = 0;
  reserveGuest(words: number): Uint16Array {
    this.array = words === 0 ? NO_WORDS : new Uint16Array(words);
    this.guestWords = words;
    return this.array;
  }
}
