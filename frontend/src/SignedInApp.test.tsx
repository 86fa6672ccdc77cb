import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as api from './graphql/api';
import type { Scan } from './graphql/types';
import { scan } from './test/fixtures';

const { fetchAuthSession } = vi.hoisted(() => ({ fetchAuthSession: vi.fn() }));
vi.mock('aws-amplify/auth', () => ({ fetchAuthSession }));
vi.mock('./graphql/api', async () => (await import('./test/mockApi')).apiMock());
vi.mock('./config/uploader', async () => (await import('./test/mockApi')).uploaderMock());

import SignedInApp from './SignedInApp';

function signedInAs(groups: string[] | undefined) {
  fetchAuthSession.mockResolvedValue({
    tokens: {
      idToken: { payload: { sub: 'sub-me', 'cognito:username': 'sub-me', email: 'me@example.com', 'cognito:groups': groups } },
      accessToken: { payload: { sub: 'sub-me', username: 'sub-me' } },
    },
  });
}

const mine = scan({ id: 'm1', owner: 'sub-me::sub-me', fileName: 'mine.jpg', status: 'DONE', isCat: true, confidence: 88 });
const theirs = scan({ id: 't1', owner: 'sub-other::sub-other', fileName: 'theirs.png', status: 'REJECTED', reason: 'Too small.' });

/** The byStatus index as the API answers it: each status's scans, one page. */
function byStatus(scans: Scan[]) {
  vi.mocked(api.scansByStatus).mockImplementation((status) =>
    Promise.resolve({ items: scans.filter((s) => s.status === status), nextToken: null }),
  );
}

afterEach(() => {
  window.location.hash = '';
});

describe('admin view', () => {
  it('is hidden and guarded for a user outside the Admin group', async () => {
    signedInAs(undefined);
    vi.mocked(api.scansByOwner).mockResolvedValue({ items: [mine], nextToken: null });
    window.location.hash = '#/admin';
    render(<SignedInApp onSignOut={() => {}} />);
    expect(await screen.findByRole('heading', { name: 'Page not found' })).toBeInTheDocument();
    expect(screen.queryByTestId('admin-view')).toBeNull();
    const nav = screen.getByRole('navigation', { name: 'Main' });
    expect(within(nav).getByRole('link', { name: 'My scans' })).toBeInTheDocument();
    expect(within(nav).queryByRole('link', { name: 'All scans' })).toBeNull();
  });

  it('shows every scan with its owner to an admin, and the debug panel on demand', async () => {
    signedInAs(['Admin']);
    byStatus([mine, theirs]);
    vi.mocked(api.getScanDebug).mockResolvedValue({
      ...theirs,
      debug: JSON.stringify({ labels: [{ Name: 'Cat', Confidence: 12.5 }], model_version: 'efficientnet-lite0' }),
    });
    window.location.hash = '#/admin';
    render(<SignedInApp onSignOut={() => {}} />);

    const view = await screen.findByTestId('admin-view');
    const nav = screen.getByRole('navigation', { name: 'Main' });
    expect(within(nav).getByRole('link', { name: 'All scans' })).toHaveAttribute('aria-current', 'page');
    const rows = await within(view).findAllByTestId('admin-scan-row');
    expect(rows.map((r) => within(r).getByTestId('owner').textContent)).toEqual(['sub-me', 'sub-other']);

    const toggle = within(rows[1]).getByRole('button', { name: 'Debug for theirs.png' });
    await userEvent.click(toggle);
    expect(toggle).toHaveAttribute('aria-expanded', 'true');
    const panel = await screen.findByTestId('debug-panel');
    expect(api.getScanDebug).toHaveBeenCalledWith('t1');
    expect(within(panel).getByText('efficientnet-lite0')).toBeInTheDocument();
    const labels = within(panel).getByRole('table', { name: 'Detected labels' });
    expect(within(labels).getByRole('rowheader', { name: 'Cat' })).toBeInTheDocument();
    expect(within(panel).getByText(/"model_version": "efficientnet-lite0"/)).toBeInTheDocument();
  });

  it('shows an admin only their own scans on My scans, read from the owner index', async () => {
    signedInAs(['Admin']);
    vi.mocked(api.scansByOwner).mockResolvedValue({ items: [mine], nextToken: null });
    byStatus([mine, theirs]);
    render(<SignedInApp onSignOut={() => {}} />);
    const list = await screen.findByRole('list', { name: 'My scans' });
    expect(within(list).getAllByTestId('scan-row').map((r) => r.dataset.scanId)).toEqual(['m1']);
    expect(api.scansByOwner).toHaveBeenCalledWith('sub-me::sub-me', 24, null);
  });

  it('filters by status and by uploader on the server and names uploaders by e-mail', async () => {
    signedInAs(['Admin']);
    const emailed = { ...theirs, ownerEmail: 'other@example.com' };
    byStatus([mine, emailed]);
    vi.mocked(api.scansByOwnerEmail).mockResolvedValue({ items: [emailed], nextToken: null });
    window.location.hash = '#/admin';
    render(<SignedInApp onSignOut={() => {}} />);
    const view = await screen.findByTestId('admin-view');
    const rows = await within(view).findAllByTestId('admin-scan-row');
    expect(rows.map((r) => within(r).getByTestId('owner').textContent)).toEqual(['sub-me', 'other@example.com']);

    vi.mocked(api.scansByStatus).mockClear();
    await userEvent.selectOptions(within(view).getByLabelText('Status'), 'REJECTED');
    await waitFor(() => expect(api.scansByStatus).toHaveBeenCalledWith('REJECTED', 24, null));
    expect(vi.mocked(api.scansByStatus).mock.calls.every(([status]) => status === 'REJECTED')).toBe(true);
    await waitFor(() => expect(within(view).getAllByTestId('admin-scan-row').map((r) => r.dataset.scanId)).toEqual(['t1']));

    expect(within(view).getByTestId('admin-count')).toHaveTextContent("every user's scans with status Rejected");

    // Typed as a phone capitalises it: e-mails are stored lower-case, so the filter folds what is typed.
    await userEvent.type(within(view).getByLabelText('Uploader (e-mail)'), ' Other@Example.com {Enter}');
    await waitFor(() => expect(api.scansByOwnerEmail).toHaveBeenCalledWith('other@example.com', 24, null, 'REJECTED'));
    expect(within(view).getByTestId('admin-count')).toHaveTextContent(
      'scans uploaded by other@example.com with status Rejected, newest first',
    );
  });
});
