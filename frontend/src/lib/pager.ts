/**
 * Pages of an index query read only as far as the UI shows them (the CLI's catscan/client/listing.py does
 * the same in Python).
 *
 * - partitionPager: one index partition (e.g. scansByOwner for one owner), in index order.
 * - mergedPager: several partitions that are each sorted by a key, newest first, merged into one order
 *   (e.g. the byStatus index has one partition a status; the Admin's "all scans" merges them). Every
 *   partition that is not exhausted keeps a buffered head, so the head taken is the newest of all; a
 *   partition's next page is read only when its buffer is empty.
 */
import type { Scan } from '../graphql/types';

export interface ScanPage {
  items: Scan[];
  nextToken: string | null;
}

/** Reads one page of at most `limit` evaluated items after `nextToken`. */
export type FetchPage = (limit: number, nextToken: string | null) => Promise<ScanPage>;

export interface Pager {
  /** The next at most `count` items: one request's worth (none only at the end). */
  next(count: number): Promise<Scan[]>;
  /** Nothing more to read. */
  readonly done: boolean;
}

/** The generated resolvers' default and a sensible cap for one request. */
export const MAX_PAGE = 100;

const pageSize = (wanted: number) => Math.max(1, Math.min(wanted, MAX_PAGE));

class Partition {
  buffer: Scan[] = [];
  token: string | null = null;
  exhausted = false;

  constructor(private readonly fetch: FetchPage) {}

  /** With an empty buffer, reads one page of `want` (more only past empty filtered pages). */
  async fill(want: number): Promise<void> {
    while (this.buffer.length === 0 && !this.exhausted) {
      const page = await this.fetch(pageSize(want - this.buffer.length), this.token);
      this.buffer.push(...page.items.filter(Boolean));
      this.token = page.nextToken ?? null;
      this.exhausted = !this.token;
    }
  }

  get done(): boolean {
    return this.exhausted && this.buffer.length === 0;
  }
}

export function partitionPager(fetch: FetchPage): Pager {
  const partition = new Partition(fetch);
  return {
    async next(count: number) {
      await partition.fill(count);
      return partition.buffer.splice(0, count);
    },
    get done() {
      return partition.done;
    },
  };
}

export function mergedPager(fetches: FetchPage[], key: (scan: Scan) => string): Pager {
  const partitions = fetches.map((f) => new Partition(f));
  return {
    async next(count: number) {
      const out: Scan[] = [];
      while (out.length < count) {
        // Refill every empty partition at once (in parallel), asking for what may still be needed: the
        // head of each partition must be known before the newest can be chosen.
        await Promise.all(partitions.filter((p) => p.buffer.length === 0).map((p) => p.fill(count - out.length)));
        let newest: Partition | null = null;
        for (const p of partitions) {
          if (p.buffer.length && (!newest || key(p.buffer[0]) > key(newest.buffer[0]))) newest = p;
        }
        if (!newest) break;
        out.push(newest.buffer.shift()!);
      }
      return out;
    },
    get done() {
      return partitions.every((p) => p.done);
    },
  };
}
