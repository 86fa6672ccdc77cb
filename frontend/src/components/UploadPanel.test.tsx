import { render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ScansProvider } from '../state/scans';
import { UploadsProvider } from '../state/uploads';
import { UploadPanel } from './UploadPanel';

vi.mock('../graphql/api', async () => (await import('../test/mockApi')).apiMock());
vi.mock('../config/uploader', async () => (await import('../test/mockApi')).uploaderMock());

/** jsdom has no matchMedia: answer `(pointer: coarse)` as a phone or a desktop would. */
function pointer(coarse: boolean) {
  vi.stubGlobal('matchMedia', (query: string) => ({
    matches: coarse && query === '(pointer: coarse)',
    media: query,
    addEventListener: () => {},
    removeEventListener: () => {},
  }));
}

function renderPanel() {
  render(
    <ScansProvider>
      <UploadsProvider>
        <UploadPanel />
      </UploadsProvider>
    </ScansProvider>,
  );
}

afterEach(() => vi.unstubAllGlobals());

describe('UploadPanel', () => {
  it('offers the camera on a touch device, without drag-and-drop or paste copy', () => {
    pointer(true);
    renderPanel();
    const camera = screen.getByLabelText('Take a photo');
    expect(camera).toHaveAttribute('capture', 'environment');
    expect(camera).toHaveAttribute('accept', 'image/jpeg,image/png');
    expect(screen.getByLabelText('Choose photos')).toHaveAttribute('multiple');
    expect(screen.queryByText(/drop/i)).toBeNull();
    expect(screen.queryByText(/paste/i)).toBeNull();
  });

  it('keeps drop and paste on a desktop', () => {
    pointer(false);
    renderPanel();
    expect(screen.getByLabelText(/Drop photos here or choose files/)).not.toHaveAttribute('capture');
    expect(screen.getByText(/You can also paste an image/)).toBeInTheDocument();
    expect(screen.queryByText('Take a photo')).toBeNull();
  });
});
