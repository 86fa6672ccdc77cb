import { describe, expect, it } from 'vitest';
import { scan } from '../test/fixtures';
import { applyList, emptyStore, isNewer, mergeScan, removeScan, sortedScans, upsertScan } from './merge';

const T1 = '2026-11-21T10:00:00.000Z';
const T2 = '2026-11-21T10:00:02.000Z';
const T3 = '2026-11-21T10:00:05.000Z';

describe('merge by id and updatedAt', () => {
  it('keeps a subscription update that arrived BEFORE the (older) list result', () => {
    const done = scan({ id: 'a', status: 'DONE', isCat: true, confidence: 97, updatedAt: T2 });
    const listed = scan({ id: 'a', status: 'PENDING', updatedAt: T1 });
    let store = upsertScan(emptyStore(), done);
    store = applyList(store, [listed]);
    expect(sortedScans(store)).toEqual([expect.objectContaining({ id: 'a', status: 'DONE', isCat: true, confidence: 97 })]);
  });

  it('applies a subscription update that arrives AFTER the list result', () => {
    let store = applyList(emptyStore(), [scan({ id: 'a', status: 'PENDING', updatedAt: T1 })]);
    store = upsertScan(store, scan({ id: 'a', status: 'PROCESSING', updatedAt: T2 }));
    store = upsertScan(store, scan({ id: 'a', status: 'DONE', isCat: false, confidence: 3.2, updatedAt: T3 }));
    expect(sortedScans(store)[0]).toMatchObject({ status: 'DONE', isCat: false, confidence: 3.2 });
  });

  it('ignores an out-of-order older event', () => {
    let store = upsertScan(emptyStore(), scan({ id: 'a', status: 'DONE', isCat: true, updatedAt: T3 }));
    store = upsertScan(store, scan({ id: 'a', status: 'PROCESSING', updatedAt: T2 }));
    expect(sortedScans(store)[0].status).toBe('DONE');
  });

  it('fills fields a partial payload lacks from the older version', () => {
    const full = scan({ id: 'a', fileName: 'tabby.png', sizeBytes: 999, updatedAt: T1 });
    const partial = { ...scan({ id: 'a', status: 'DONE', isCat: true, updatedAt: T2 }), fileName: null, sizeBytes: null } as never;
    expect(mergeScan(full, partial)).toMatchObject({ fileName: 'tabby.png', sizeBytes: 999, status: 'DONE', isCat: true });
  });

  it('breaks a timestamp tie (or a missing timestamp) by the further status', () => {
    const pending = scan({ id: 'a', status: 'PENDING', updatedAt: T1 });
    const done = scan({ id: 'a', status: 'DONE', updatedAt: T1 });
    expect(isNewer(done, pending)).toBe(true);
    expect(isNewer(pending, done)).toBe(false);
    expect(isNewer(scan({ status: 'FAILED', updatedAt: null }), scan({ status: 'PROCESSING', updatedAt: T3 }))).toBe(true);
  });

  it('does not let a list read before a delete bring the scan back', () => {
    let store = applyList(emptyStore(), [scan({ id: 'a' }), scan({ id: 'b' })]);
    store = removeScan(store, 'a');
    store = applyList(store, [scan({ id: 'a' }), scan({ id: 'b' })]);
    store = upsertScan(store, scan({ id: 'a', status: 'DONE', updatedAt: T3 }));
    expect(sortedScans(store).map((s) => s.id)).toEqual(['b']);
  });

  it('a re-list drops scans deleted meanwhile but keeps ones that changed during the request', () => {
    let store = applyList(emptyStore(), [scan({ id: 'gone' }), scan({ id: 'kept' })]);
    const startedAt = store.seq;
    store = upsertScan(store, scan({ id: 'new', createdAt: T3, updatedAt: T3 })); // arrived while listing
    store = applyList(store, [scan({ id: 'kept' })], startedAt);
    expect(sortedScans(store).map((s) => s.id).sort()).toEqual(['kept', 'new']);
  });

  it('sorts newest first', () => {
    let store = emptyStore();
    store = upsertScan(store, scan({ id: 'old', createdAt: T1 }));
    store = upsertScan(store, scan({ id: 'newest', createdAt: T3 }));
    store = upsertScan(store, scan({ id: 'mid', createdAt: T2 }));
    expect(sortedScans(store).map((s) => s.id)).toEqual(['newest', 'mid', 'old']);
  });
});
