import { describe, expect, it, vi } from 'vitest';
import { scan } from '../test/fixtures';
import type { Scan } from '../graphql/types';
import { mergedPager, partitionPager, type FetchPage } from './pager';

/** A partition served in pages of the requested size, counting requests. */
function partition(scans: Scan[]): { fetch: FetchPage; readonly calls: number } {
  const fetch = vi.fn((limit: number, token: string | null) => {
    const start = token ? Number(token) : 0;
    const end = start + limit;
    return Promise.resolve({ items: scans.slice(start, end), nextToken: end < scans.length ? String(end) : null });
  });
  return {
    fetch,
    get calls() {
      return fetch.mock.calls.length;
    },
  };
}

const at = (minute: number, id: string) =>
  scan({ id, updatedAt: `2026-11-21T10:${String(minute).padStart(2, '0')}:00.000Z` });
const ids = (scans: Scan[]) => scans.map((s) => s.id);

describe('pagers', () => {
  it('reads one partition only as far as asked', async () => {
    const p = partition([at(9, 'a'), at(8, 'b'), at(7, 'c')]);
    const pager = partitionPager(p.fetch);
    expect(ids(await pager.next(2))).toEqual(['a', 'b']);
    expect(p.calls).toBe(1);
    expect(pager.done).toBe(false);
    expect(ids(await pager.next(2))).toEqual(['c']);
    expect(pager.done).toBe(true);
  });

  it('skips empty filtered pages that still have a token', async () => {
    const pages = [{ items: [], nextToken: 't1' }, { items: [at(1, 'x')], nextToken: null }];
    const pager = partitionPager(() => Promise.resolve(pages.shift()!));
    expect(ids(await pager.next(5))).toEqual(['x']);
  });

  it('merges partitions newest first and reads a partition again only when its buffer is empty', async () => {
    const done = partition([at(50, 'd1'), at(20, 'd2'), at(10, 'd3')]);
    const failed = partition([at(40, 'f1'), at(30, 'f2')]);
    const empty = partition([]);
    const pager = mergedPager([done.fetch, failed.fetch, empty.fetch], (s) => s.updatedAt ?? '');
    expect(ids(await pager.next(3))).toEqual(['d1', 'f1', 'f2']);
    expect([done.calls, failed.calls, empty.calls]).toEqual([1, 1, 1]);
    expect(ids(await pager.next(10))).toEqual(['d2', 'd3']);
    expect(pager.done).toBe(true);
  });
});
