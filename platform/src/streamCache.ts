import type { ReadStreamResult } from './eventStore';

/**
 * Recently read or written streams, by id, least recently used first out (as Equinox caches stream
 * state). Only for a process that is the one writer of the streams it caches — the local runtime,
 * where every append goes through one store: there a cached stream is the stream, so a decider reacting
 * to its own last event reads nothing. A version conflict drops the entry and the caller re-reads.
 */
export class StreamCache {
  private readonly entries = new Map<string, ReadStreamResult>();

  constructor(private readonly capacity = 5_000) {}

  get(streamId: string): ReadStreamResult | undefined {
    const entry = this.entries.get(streamId);
    if (entry) {
      // Touch: Map keeps insertion order, so re-inserting makes it the most recent.
      this.entries.delete(streamId);
      this.entries.set(streamId, entry);
    }
    return entry;
  }

  set(streamId: string, entry: ReadStreamResult): void {
    this.entries.delete(streamId);
    this.entries.set(streamId, entry);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  delete(streamId: string): void {
    this.entries.delete(streamId);
  }

  has(streamId: string): boolean {
    return this.entries.has(streamId);
  }
}
