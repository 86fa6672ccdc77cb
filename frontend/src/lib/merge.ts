/**
 * The live scan list as a pure store: subscription events and list results arrive in any order and are
 * merged by id, the newer `updatedAt` winning. Deleted ids are remembered, so a list that was read before
 * a delete cannot bring the scan back. Every change gets a sequence number, which lets a re-list drop
 * scans that were deleted while the realtime connection was down without comparing clocks.
 */
import type { Scan, ScanStatus } from '../graphql/types';

export interface ScanEntry {
  scan: Scan;
  /** Store sequence number of the last change to this entry. */
  seq: number;
}

export interface ScanStore {
  entries: Readonly<Record<string, ScanEntry>>;
  deleted: Readonly<Record<string, true>>;
  seq: number;
}

export const emptyStore = (): ScanStore => ({ entries: {}, deleted: {}, seq: 0 });

const STATUS_RANK: Record<ScanStatus, number> = { PENDING: 0, PROCESSING: 1, DONE: 2, REJECTED: 2, FAILED: 2 };

function time(iso: string | null | undefined): number {
  if (!iso) return Number.NaN;
  return Date.parse(iso);
}

/** True when `incoming` is at least as new as `existing`. */
export function isNewer(incoming: Scan, existing: Scan): boolean {
  const a = time(incoming.updatedAt);
  const b = time(existing.updatedAt);
  if (!Number.isNaN(a) && !Number.isNaN(b) && a !== b) return a > b;
  // Same instant, or a timestamp is missing: the further-along status wins; a tie goes to the incoming.
  return (STATUS_RANK[incoming.status] ?? 0) >= (STATUS_RANK[existing.status] ?? 0);
}

/**
 * The newer version's fields win; a field the newer version lacks (null/undefined, e.g. not selected by
 * the mutation that triggered a subscription) keeps the older value.
 */
export function mergeScan(existing: Scan | undefined, incoming: Scan): Scan {
  if (!existing) return incoming;
  const [newer, older] = isNewer(incoming, existing) ? [incoming, existing] : [existing, incoming];
  const merged: Record<string, unknown> = { ...older };
  for (const [key, value] of Object.entries(newer)) {
    if (value !== null && value !== undefined) merged[key] = value;
  }
  return merged as unknown as Scan;
}

export function upsertScan(store: ScanStore, scan: Scan): ScanStore {
  if (!scan?.id || store.deleted[scan.id]) return store;
  const seq = store.seq + 1;
  const merged = mergeScan(store.entries[scan.id]?.scan, scan);
  return { ...store, seq, entries: { ...store.entries, [scan.id]: { scan: merged, seq } } };
}

export function removeScan(store: ScanStore, id: string): ScanStore {
  const { [id]: _removed, ...entries } = store.entries;
  return { entries, deleted: { ...store.deleted, [id]: true }, seq: store.seq + 1 };
}

/**
 * Merges a list result. With `listStartedAt` (the store's seq when the list request was sent), an entry
 * the list does not contain and that has not changed since then is gone from the server: it is dropped.
 * A list that is one window of the data (pages of an index) drops only entries `covered` by that window.
 */
export function applyList(
  store: ScanStore,
  items: Scan[],
  listStartedAt?: number,
  covered: (scan: Scan) => boolean = () => true,
): ScanStore {
  let next = store;
  for (const scan of items) next = upsertScan(next, scan);
  if (listStartedAt === undefined) return next;
  const listed = new Set(items.map((s) => s.id));
  const stale = Object.values(next.entries).filter(
    (e) => !listed.has(e.scan.id) && e.seq <= listStartedAt && covered(e.scan),
  );
  if (stale.length === 0) return next;
  const entries = { ...next.entries };
  for (const e of stale) delete entries[e.scan.id];
  return { ...next, entries, seq: next.seq + 1 };
}

/** Newest first (createdAt, then id for a stable order). */
export function sortedScans(store: ScanStore): Scan[] {
  return Object.values(store.entries)
    .map((e) => e.scan)
    .sort((a, b) => {
      const ta = time(a.createdAt);
      const tb = time(b.createdAt);
      const da = Number.isNaN(ta) ? Number.POSITIVE_INFINITY : ta;
      const db = Number.isNaN(tb) ? Number.POSITIVE_INFINITY : tb;
      if (da !== db) return db - da;
      return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
    });
}
