import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { scan } from '../test/fixtures';
import { ScanList } from './ScanList';

vi.mock('../config/uploader', async () => (await import('../test/mockApi')).uploaderMock());

const scans = [
  scan({ id: 'p', fileName: 'waiting.jpg', status: 'PENDING' }),
  scan({ id: 'r', fileName: 'busy.jpg', status: 'PROCESSING' }),
  scan({
    id: 'c',
    fileName: 'tabby.jpg',
    status: 'DONE',
    thumbnailKey: 'thumbnails/us-east-1:identity/c.jpg',
    isCat: true,
    confidence: 97.3,
    catBoxes: [
      { left: 0.1, top: 0.2, width: 0.3, height: 0.4, confidence: 96 },
      { left: 0.8, top: 0.9, width: 0.5, height: 0.5, confidence: null },
    ],
  }),
  scan({ id: 'n', fileName: 'dog.png', status: 'DONE', isCat: false, confidence: 2.6 }),
  scan({ id: 'x', fileName: 'tiny.png', status: 'REJECTED', reason: 'The image is 40x40 pixels; each side must be at least 80 pixels.' }),
  scan({ id: 'f', fileName: 'broken.jpg', status: 'FAILED', reason: 'The detector did not answer after 3 attempts.' }),
];

/** Waits for the signed image URLs (state updates after render). */
const imagesLoaded = () => waitFor(() => expect(screen.queryAllByLabelText(/^Loading /)).toHaveLength(0));

const row = (id: string) => screen.getAllByTestId('scan-row').find((r) => r.dataset.scanId === id)!;

describe('ScanList', () => {
  it('renders every status with its badge, verdict, confidence and reason', async () => {
    render(<ScanList scans={scans} status="ready" label="My scans" />);
    const list = screen.getByRole('list', { name: 'My scans' });
    expect(within(list).getAllByTestId('scan-row').map((r) => r.dataset.status)).toEqual([
      'PENDING',
      'PROCESSING',
      'DONE',
      'DONE',
      'REJECTED',
      'FAILED',
    ]);

    expect(within(row('p')).getByTestId('status-badge')).toHaveTextContent('Pending');
    expect(within(row('p')).getByText('Waiting to be scanned…')).toBeInTheDocument();
    expect(within(row('r')).getByTestId('status-badge')).toHaveTextContent('Scanning');

    expect(row('c')).toHaveAttribute('data-verdict', 'cat');
    expect(within(row('c')).getByTestId('verdict')).toHaveTextContent('Cat97% confidence');
    expect(row('n')).toHaveAttribute('data-verdict', 'no-cat');
    expect(within(row('n')).getByTestId('verdict')).toHaveTextContent('No cat3% cat confidence');

    expect(within(row('x')).getByTestId('status-badge')).toHaveTextContent('Rejected');
    expect(within(row('x')).getByTestId('reason')).toHaveTextContent('each side must be at least 80 pixels');
    expect(within(row('f')).getByTestId('status-badge')).toHaveTextContent('Failed');
    expect(within(row('f')).getByTestId('reason')).toHaveTextContent('did not answer after 3 attempts');

    for (const id of ['p', 'r', 'c', 'n']) expect(within(row(id)).queryByTestId('reason')).toBeNull();
    for (const id of ['p', 'r', 'x', 'f']) expect(within(row(id)).queryByTestId('verdict')).toBeNull();
    await imagesLoaded();
  });

  it('draws the cat bounding boxes over the image', async () => {
    render(<ScanList scans={scans} status="ready" label="My scans" />);
    const boxes = await within(row('c')).findAllByTestId('cat-box');
    expect(boxes).toHaveLength(2);
    expect(boxes[0]).toHaveStyle({ left: '10%', top: '20%', width: '30%', height: '40%' });
    // Clipped to the image.
    expect(boxes[1]).toHaveStyle({ left: '80%', top: '90%', width: '20%', height: '10%' });
    // the card shows the scanner's thumbnail, never the original
    expect(within(row('c')).getByRole('img', { name: 'tabby.jpg (2 cats outlined)' })).toHaveAttribute(
      'src',
      'https://images.test/thumbnails/us-east-1:identity/c.jpg',
    );
    expect(within(row('n')).queryAllByTestId('cat-box')).toHaveLength(0);
  });

  it('downloads no original for a card: without a thumbnail, and for rejected scans, a placeholder', async () => {
    const { imageUrl } = await import('../config/uploader');
    vi.mocked(imageUrl).mockClear();
    render(<ScanList scans={scans} status="ready" label="My scans" />);
    await imagesLoaded();
    expect(vi.mocked(imageUrl).mock.calls.map(([key]) => key)).toEqual(['thumbnails/us-east-1:identity/c.jpg']);
    expect(within(row('x')).getByRole('img', { name: 'tiny.png (image unavailable)' })).toBeInTheDocument();
  });

  it('opens the original only when a scan is opened', async () => {
    const { imageUrl } = await import('../config/uploader');
    render(<ScanList scans={[scans[2]]} status="ready" label="My scans" />);
    await userEvent.click(screen.getByRole('button', { name: 'View tabby.jpg larger' }));
    await waitFor(() => expect(imageUrl).toHaveBeenCalledWith('uploads/us-east-1:identity/c/photo.jpg'));
  });

  it('prefers the local preview of a fresh upload and shows its progress', () => {
    render(
      <ScanList
        scans={[scans[0]]}
        status="ready"
        label="My scans"
        previews={{ p: 'blob:preview' }}
        progressByScan={{ p: 0.42 }}
      />,
    );
    expect(screen.getByRole('img', { name: 'waiting.jpg' })).toHaveAttribute('src', 'blob:preview');
    expect(screen.getByTestId('status-badge')).toHaveTextContent('Uploading 42%');
    expect(screen.getByRole('progressbar', { name: 'Uploading waiting.jpg' })).toHaveAttribute('value', '0.42');
  });

  it('has empty, loading and error states', async () => {
    const onRetry = vi.fn();
    const { rerender } = render(<ScanList scans={[]} status="loading" label="My scans" />);
    expect(screen.getByText('Loading scans…')).toBeInTheDocument();
    rerender(<ScanList scans={[]} status="ready" label="My scans" />);
    expect(screen.getByTestId('scan-list-empty')).toHaveTextContent('No scans yet');
    rerender(<ScanList scans={[]} status="error" error="Network error" label="My scans" onRetry={onRetry} />);
    expect(screen.getByRole('alert')).toHaveTextContent('The scans could not be loaded. Network error');
    await userEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(onRetry).toHaveBeenCalledOnce();
  });

  it('deletes only after confirmation', async () => {
    const user = userEvent.setup();
    const onDelete = vi.fn(async () => {});
    render(<ScanList scans={[scans[2]]} status="ready" label="My scans" onDelete={onDelete} />);

    await user.click(screen.getByRole('button', { name: 'Delete tabby.jpg' }));
    let dialog = screen.getByRole('dialog', { name: 'Delete tabby.jpg?' });
    expect(within(dialog).getByRole('button', { name: 'Cancel' })).toHaveFocus();
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(onDelete).not.toHaveBeenCalled();

    await user.click(screen.getByRole('button', { name: 'Delete tabby.jpg' }));
    dialog = screen.getByRole('dialog', { name: 'Delete tabby.jpg?' });
    await user.click(within(dialog).getByRole('button', { name: 'Delete' }));
    expect(onDelete).toHaveBeenCalledWith(scans[2]);
    expect(screen.queryByRole('dialog')).toBeNull();
    await imagesLoaded();
  });
});
