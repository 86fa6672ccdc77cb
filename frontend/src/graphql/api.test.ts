/** api.ts over a fake Amplify client: which generated document and variables each call sends, and what it returns. */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { scan } from '../test/fixtures';
import type { ScanEvent } from './api';
import * as docs from './generated';

type Observer = { next: (message: { data: Record<string, unknown> }) => void; error: (err: unknown) => void };

const { graphql, observers } = vi.hoisted(() => ({
  graphql: vi.fn(),
  observers: new Map<string, { observer: unknown; unsubscribe: ReturnType<typeof vi.fn> }>(),
}));
vi.mock('aws-amplify/api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('aws-amplify/api')>()),
  generateClient: () => ({ graphql }),
}));

import { ApiError, createScan, getScanDebug, scansByOwnerEmail, subscribeToScans } from './api';

beforeEach(() => {
  graphql.mockReset();
  observers.clear();
});

describe('api', () => {
  it('creates a scan with the generated CreateScan document and fills in a missing status', async () => {
    const stored = { ...scan({ id: 'a1' }), status: null };
    graphql.mockResolvedValue({ data: { createScan: stored } });
    const input = { id: 'a1', imageKey: 'uploads/i/a1/p.jpg', fileName: 'p.jpg', contentType: 'image/jpeg', sizeBytes: 3 };
    const created = await createScan(input);
    expect(graphql).toHaveBeenCalledWith({ query: docs.CreateScanDocument.toString(), variables: { input } });
    expect(created).toEqual({ ...stored, status: 'PENDING' });
  });

  it('turns GraphQL errors and rejections into an ApiError with their messages', async () => {
    graphql.mockResolvedValue({ data: { getScan: null }, errors: [{ message: 'Not Authorized to access debug' }] });
    await expect(getScanDebug('a1')).rejects.toMatchObject({ name: 'ApiError', message: 'Not Authorized to access debug' });
    graphql.mockRejectedValue({ errors: [{ message: 'Network error' }, { message: 'Network error' }] });
    await expect(getScanDebug('a1')).rejects.toBeInstanceOf(ApiError);
    await expect(getScanDebug('a1')).rejects.toMatchObject({ message: 'Network error' });
    const circular: Record<string, unknown> = { code: 42 };
    circular.self = circular;
    graphql.mockRejectedValue(circular);
    await expect(getScanDebug('a1')).rejects.toMatchObject({ name: 'ApiError', message: 'Unknown error' });
  });

  it('reads an index page newest first, with an optional status filter, dropping null items', async () => {
    const item = scan({ id: 'b1', status: 'DONE' });
    graphql.mockResolvedValue({ data: { scansByOwnerEmail: { items: [item, null], nextToken: 't2' } } });
    const page = await scansByOwnerEmail('a@example.com', 25, 't1', 'DONE');
    expect(graphql).toHaveBeenCalledWith({
      query: docs.ScansByOwnerEmailDocument.toString(),
      variables: {
        ownerEmail: 'a@example.com',
        limit: 25,
        nextToken: 't1',
        filter: { status: { eq: 'DONE' } },
        sortDirection: 'DESC',
      },
    });
    expect(page).toEqual({ items: [item], nextToken: 't2' });
  });

  it('subscribes to the three generated subscriptions and passes on what they push', () => {
    graphql.mockImplementation(({ query }: { query: string }) => ({
      subscribe: (observer: Observer) => {
        const unsubscribe = vi.fn();
        observers.set(query, { observer, unsubscribe });
        return { unsubscribe };
      },
    }));
    const events: ScanEvent[] = [];
    const stop = subscribeToScans((e) => events.push(e), () => {});
    const push = (document: { toString(): string }, data: Record<string, unknown>) =>
      (observers.get(document.toString())!.observer as Observer).next({ data });

    const pushed = scan({ id: 'c1', status: 'DONE' });
    push(docs.OnCreateScanDocument, { onCreateScan: pushed });
    push(docs.OnUpdateScanDocument, { onUpdateScan: null });
    push(docs.OnDeleteScanDocument, { onDeleteScan: pushed });
    expect(events).toEqual([
      { type: 'upsert', scan: pushed },
      { type: 'remove', scan: pushed },
    ]);

    stop();
    expect([...observers.values()].map((o) => o.unsubscribe.mock.calls.length)).toEqual([1, 1, 1]);
  });
});
