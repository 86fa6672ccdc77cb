import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as api from '../graphql/api';
import * as uploader from '../config/uploader';
import { fileOf, GIF_HEAD, JPEG_HEAD, PNG_HEAD } from '../test/fixtures';
import { MyScansView } from '../views/MyScansView';
import { ScansProvider } from './scans';
import { UploadsProvider } from './uploads';

vi.mock('../graphql/api', async () => (await import('../test/mockApi')).apiMock());
vi.mock('../config/uploader', async () => (await import('../test/mockApi')).uploaderMock());

const user = { sub: 'sub-1', username: 'sub-1', email: 'me@example.com', groups: [] };

function renderPage() {
  render(
    <ScansProvider>
      <UploadsProvider>
        <MyScansView user={user} />
      </UploadsProvider>
    </ScansProvider>,
  );
  return screen.getByLabelText(/Drop photos here or choose files/);
}

describe('upload flow', () => {
  beforeEach(() => {
    vi.mocked(api.createScan).mockClear();
    vi.mocked(uploader.startUpload).mockClear();
  });

  it('refuses non-JPEG/PNG content and oversized files with a message, creating nothing', async () => {
    const input = renderPage();
    await userEvent.setup({ applyAccept: false }).upload(input, [
      fileOf('photo.gif', GIF_HEAD, 2048, 'image/gif'),
      fileOf('notes.jpg', 'shopping list: milk, eggs', undefined, 'image/jpeg'),
      fileOf('huge.png', PNG_HEAD, 16 * 1024 * 1024, 'image/png'),
    ]);
    const alerts = await screen.findAllByRole('alert');
    expect(alerts.map((a) => a.textContent)).toEqual(
      expect.arrayContaining([
        'photo.gif is a GIF: only JPEG and PNG images can be scanned.',
        'notes.jpg is a text file: only JPEG and PNG images can be scanned.',
        'huge.png is 16 MB: images up to 15 MB can be scanned.',
      ]),
    );
    expect(screen.getAllByTestId('upload-item').map((i) => i.dataset.phase)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(api.createScan).not.toHaveBeenCalled();
    expect(uploader.startUpload).not.toHaveBeenCalled();
  });

  it('creates a PENDING scan, then uploads to uploads/{identityId}/{scanId}/{fileName} with progress', async () => {
    const finishers: Array<() => void> = [];
    vi.mocked(uploader.startUpload).mockImplementation((request) => {
      request.onProgress?.(0.25);
      return { result: new Promise<void>((resolve) => finishers.push(resolve)), cancel: vi.fn() };
    });
    const input = renderPage();
    await userEvent.upload(input, [fileOf('Kitty Cat.PNG', PNG_HEAD, 4096, 'image/png'), fileOf('b.jpg', JPEG_HEAD, 1000)]);

    await waitFor(() => expect(uploader.startUpload).toHaveBeenCalledTimes(2));
    const input1 = vi.mocked(api.createScan).mock.calls.find(([i]) => i.fileName === 'Kitty Cat.PNG')![0];
    expect(input1.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(input1).toEqual({
      id: input1.id,
      imageKey: `uploads/us-east-1:identity-1/${input1.id}/Kitty_Cat.PNG`,
      fileName: 'Kitty Cat.PNG',
      contentType: 'image/png',
      sizeBytes: 4096,
    });
    const request = vi.mocked(uploader.startUpload).mock.calls.find(([r]) => r.scanId === input1.id)![0];
    expect(request).toMatchObject({ imageKey: input1.imageKey, keyFileName: 'Kitty_Cat.PNG', contentType: 'image/png' });

    // The scan row shows up at once, with the upload's progress.
    const row = await screen.findByRole('listitem', { name: 'Kitty Cat.PNG' });
    expect(row).toHaveAttribute('data-status', 'PENDING');
    expect(within(row).getByTestId('status-badge')).toHaveTextContent('Uploading 25%');
    expect(screen.getAllByRole('progressbar', { name: 'Uploading Kitty Cat.PNG' }).length).toBeGreaterThan(0);

    finishers.forEach((finish) => finish());
    // Finished uploads collapse into one summary row; "Show" lists them again.
    const summary = await screen.findByTestId('upload-summary');
    await waitFor(() => expect(summary).toHaveTextContent('2 photos uploaded'));
    expect(screen.queryAllByTestId('upload-item').filter((i) => i.dataset.phase === 'done')).toHaveLength(0);
    await userEvent.click(within(summary).getByRole('button', { name: 'Show' }));
    expect(screen.getAllByTestId('upload-item').map((i) => i.dataset.phase)).toEqual(['done', 'done']);
    expect(within(row).getByText('Waiting to be scanned…')).toBeInTheDocument();
  });

  it('removes the scan again when the upload fails, and offers a retry', async () => {
    vi.mocked(uploader.startUpload).mockImplementation(() => ({
      result: Promise.reject(new Error('The storage service refused the upload (HTTP 403).')),
      cancel: vi.fn(),
    }));
    const input = renderPage();
    await userEvent.upload(input, fileOf('c.jpg', JPEG_HEAD, 100));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'c.jpg was not uploaded: The storage service refused the upload (HTTP 403).',
    );
    const created = vi.mocked(api.createScan).mock.calls[0][0];
    await waitFor(() => expect(api.deleteScan).toHaveBeenCalledWith(created.id));
    expect(screen.getByRole('button', { name: 'Retry c.jpg' })).toBeInTheDocument();
  });

  it('accepts files dropped on the drop zone', async () => {
    renderPage();
    const file = fileOf('dropped.jpg', JPEG_HEAD, 2000, 'image/jpeg');
    fireEvent.drop(screen.getByTestId('dropzone'), { dataTransfer: { files: [file], types: ['Files'] } });
    await waitFor(() => expect(api.createScan).toHaveBeenCalledWith(expect.objectContaining({ fileName: 'dropped.jpg' })));
  });
});
