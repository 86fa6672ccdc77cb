import { act, render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import * as api from '../graphql/api';
import type { Scan } from '../graphql/types';
import type { ScanPage } from '../lib/pager';
import { scan } from '../test/fixtures';
import { PAGE_SIZE, ScansProvider, useScans } from './scans';
import { UserProvider } from './user';

vi.mock('../graphql/api', async () => (await import('../test/mockApi')).apiMock());
vi.mock('../config/uploader', async () => (await import('../test/mockApi')).uploaderMock());
vi.mock('aws-amplify/auth', () => ({ fetchAuthSession: vi.fn() }));

const USER = { sub: 'sub-1', username: 'sub-1', email: 'me@example.com', groups: [] };

function Probe() {
  const { scans, status, announcement, hasMore, loadMore } = useScans();
  return (
    <div>
      <p data-testid="status">{status}</p>
      <p data-testid="announcement">{announcement}</p>
      <p data-testid="more">{String(hasMore)}</p>
      <button type="button" onClick={loadMore}>
        more
      </button>
      <ul>
        {scans.map((s) => (
          <li key={s.id} data-testid="row" data-status={s.status}>
            {s.fileName}
          </li>
        ))}
      </ul>
    </div>
  );
}

type Emit = (event: api.ScanEvent) => void;

function setup() {
  const order: string[] = [];
  let emit: Emit = () => {};
  const pages: Array<(page: ScanPage) => void> = [];
  vi.mocked(api.subscribeToScans).mockImplementation((onEvent) => {
    order.push('subscribe');
    emit = onEvent;
    return () => order.push('unsubscribe');
  });
  vi.mocked(api.scansByOwner).mockClear();
  vi.mocked(api.scansByOwner).mockImplementation(() => {
    order.push('list');
    return new Promise((resolve) => pages.push(resolve));
  });
  const view = render(
    <UserProvider initialUser={USER}>
      <ScansProvider>
        <Probe />
      </ScansProvider>
    </UserProvider>,
  );
  const resolvePage = (items: Scan[], nextToken: string | null = null) =>
    act(() => Promise.resolve(pages.shift()!({ items, nextToken })));
  return { order, emit: (e: api.ScanEvent) => act(() => emit(e)), resolvePage, view };
}

const T1 = '2026-11-21T10:00:00.000Z';
const T2 = '2026-11-21T10:00:03.000Z';
const rows = () => screen.queryAllByTestId('row').map((r) => r.textContent);
const at = (minute: number) => `2026-11-21T10:${String(minute).padStart(2, '0')}:00.000Z`;

describe('ScansProvider', () => {
  it('subscribes before reading the first page of the owner index', () => {
    const { order, view } = setup();
    expect(order).toEqual(['subscribe', 'list']);
    expect(api.scansByOwner).toHaveBeenCalledWith('sub-1::sub-1', PAGE_SIZE, null);
    view.unmount();
    expect(order).toEqual(['subscribe', 'list', 'unsubscribe']);
  });

  it('keeps a verdict that arrives while the list is loading (update before list result)', async () => {
    const { emit, resolvePage } = setup();
    expect(screen.getByTestId('status')).toHaveTextContent('loading');
    emit({ type: 'upsert', scan: scan({ id: 'a', fileName: 'a.jpg', status: 'DONE', isCat: true, confidence: 90, updatedAt: T2 }) });
    await resolvePage([scan({ id: 'a', fileName: 'a.jpg', status: 'PENDING', updatedAt: T1 })]);
    expect(screen.getByTestId('status')).toHaveTextContent('ready');
    expect(screen.getAllByTestId('row').map((r) => r.dataset.status)).toEqual(['DONE']);
  });

  it('applies an update after the list result and announces the verdict', async () => {
    const { emit, resolvePage } = setup();
    await resolvePage([scan({ id: 'a', fileName: 'a.jpg', status: 'PROCESSING', updatedAt: T1 })]);
    emit({ type: 'upsert', scan: scan({ id: 'a', fileName: 'a.jpg', status: 'DONE', isCat: false, confidence: 4, updatedAt: T2 }) });
    expect(screen.getAllByTestId('row').map((r) => r.dataset.status)).toEqual(['DONE']);
    expect(screen.getByTestId('announcement')).toHaveTextContent('a.jpg: No cat, 4% cat confidence.');
  });

  it('adds scans created elsewhere and drops deleted ones', async () => {
    const { emit, resolvePage } = setup();
    await resolvePage([scan({ id: 'a', fileName: 'a.jpg' })]);
    emit({ type: 'upsert', scan: scan({ id: 'b', fileName: 'b.jpg', createdAt: T2 }) });
    expect(rows()).toEqual(['b.jpg', 'a.jpg']);
    emit({ type: 'remove', scan: scan({ id: 'a' }) });
    expect(rows()).toEqual(['b.jpg']);
  });

  it('reads further pages only when asked, with the token of the last one', async () => {
    const { resolvePage } = setup();
    const first = [scan({ id: 'n2', fileName: 'n2.jpg', createdAt: at(9) }), scan({ id: 'n1', fileName: 'n1.jpg', createdAt: at(8) })];
    await resolvePage(first, 'token-1');
    expect(rows()).toEqual(['n2.jpg', 'n1.jpg']);
    expect(screen.getByTestId('more')).toHaveTextContent('true');
    expect(api.scansByOwner).toHaveBeenCalledTimes(1);
    await act(() => Promise.resolve(screen.getByRole('button', { name: 'more' }).click()));
    expect(api.scansByOwner).toHaveBeenLastCalledWith('sub-1::sub-1', PAGE_SIZE, 'token-1');
    await resolvePage([scan({ id: 'o1', fileName: 'o1.jpg', createdAt: at(1) })]);
    expect(rows()).toEqual(['n2.jpg', 'n1.jpg', 'o1.jpg']);
    expect(screen.getByTestId('more')).toHaveTextContent('false');
  });

  it('shows a new scan at the top while older pages are unread, and no older scan out of order', async () => {
    const { emit, resolvePage } = setup();
    await resolvePage([scan({ id: 'n1', fileName: 'n1.jpg', createdAt: at(8) })], 'token-1');
    emit({ type: 'upsert', scan: scan({ id: 'new', fileName: 'new.jpg', createdAt: at(30), updatedAt: at(30) }) });
    // an update of an old scan whose page is not loaded yet stays hidden until its page comes
    emit({ type: 'upsert', scan: scan({ id: 'old', fileName: 'old.jpg', createdAt: at(2), updatedAt: at(31), status: 'DONE' }) });
    expect(rows()).toEqual(['new.jpg', 'n1.jpg']);
    await act(() => Promise.resolve(screen.getByRole('button', { name: 'more' }).click()));
    await resolvePage([scan({ id: 'old', fileName: 'old.jpg', createdAt: at(2), updatedAt: at(3), status: 'PENDING' })]);
    expect(rows()).toEqual(['new.jpg', 'n1.jpg', 'old.jpg']);
    // the newer (live) version of it wins over the older page
    expect(screen.getAllByTestId('row').map((r) => r.dataset.status)).toEqual(['PENDING', 'PENDING', 'DONE']);
  });
});
