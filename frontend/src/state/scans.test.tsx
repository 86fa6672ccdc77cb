import { act, render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import * as api from '../graphql/api';
import type { Scan } from '../graphql/types';
import { scan } from '../test/fixtures';
import { ScansProvider, useScans } from './scans';

vi.mock('../graphql/api', async () => (await import('../test/mockApi')).apiMock());
vi.mock('../config/uploader', async () => (await import('../test/mockApi')).uploaderMock());

function Probe() {
  const { scans, status, announcement } = useScans();
  return (
    <div>
      <p data-testid="status">{status}</p>
      <p data-testid="announcement">{announcement}</p>
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
  let resolveList: (items: Scan[]) => void = () => {};
  vi.mocked(api.subscribeToScans).mockImplementation((onEvent) => {
    order.push('subscribe');
    emit = onEvent as Emit;
    return () => order.push('unsubscribe');
  });
  vi.mocked(api.listAllScans).mockImplementation(() => {
    order.push('list');
    return new Promise((resolve) => (resolveList = resolve));
  });
  const view = render(
    <ScansProvider>
      <Probe />
    </ScansProvider>,
  );
  return { order, emit: (e: api.ScanEvent) => act(() => emit(e)), resolveList: (items: Scan[]) => act(async () => resolveList(items)), view };
}

const T1 = '2026-11-21T10:00:00.000Z';
const T2 = '2026-11-21T10:00:03.000Z';

describe('ScansProvider', () => {
  it('subscribes before listing', () => {
    const { order, view } = setup();
    expect(order).toEqual(['subscribe', 'list']);
    view.unmount();
    expect(order).toEqual(['subscribe', 'list', 'unsubscribe']);
  });

  it('keeps a verdict that arrives while the list is loading (update before list result)', async () => {
    const { emit, resolveList } = setup();
    expect(screen.getByTestId('status')).toHaveTextContent('loading');
    emit({ type: 'upsert', scan: scan({ id: 'a', fileName: 'a.jpg', status: 'DONE', isCat: true, confidence: 90, updatedAt: T2 }) });
    await resolveList([scan({ id: 'a', fileName: 'a.jpg', status: 'PENDING', updatedAt: T1 })]);
    expect(screen.getByTestId('status')).toHaveTextContent('ready');
    expect(screen.getAllByTestId('row').map((r) => r.dataset.status)).toEqual(['DONE']);
  });

  it('applies an update after the list result and announces the verdict', async () => {
    const { emit, resolveList } = setup();
    await resolveList([scan({ id: 'a', fileName: 'a.jpg', status: 'PROCESSING', updatedAt: T1 })]);
    emit({ type: 'upsert', scan: scan({ id: 'a', fileName: 'a.jpg', status: 'DONE', isCat: false, confidence: 4, updatedAt: T2 }) });
    expect(screen.getAllByTestId('row').map((r) => r.dataset.status)).toEqual(['DONE']);
    expect(screen.getByTestId('announcement')).toHaveTextContent('a.jpg: No cat, 4% cat confidence.');
  });

  it('adds scans created elsewhere and drops deleted ones', async () => {
    const { emit, resolveList } = setup();
    await resolveList([scan({ id: 'a', fileName: 'a.jpg' })]);
    emit({ type: 'upsert', scan: scan({ id: 'b', fileName: 'b.jpg', createdAt: T2 }) });
    expect(screen.getAllByTestId('row').map((r) => r.textContent)).toEqual(['b.jpg', 'a.jpg']);
    emit({ type: 'remove', scan: scan({ id: 'a' }) });
    expect(screen.getAllByTestId('row').map((r) => r.textContent)).toEqual(['b.jpg']);
  });
});
