/** Shared vi.mock factories for the API and the uploader (component tests never touch Amplify). */
import { vi } from 'vitest';
import type { NewScanInput, Scan, ScanWithDebug } from '../graphql/types';
import type { ScanPage } from '../lib/pager';
import { scan } from './fixtures';

const EMPTY: ScanPage = { items: [], nextToken: null };

export function apiMock() {
  return {
    scansByOwner: vi.fn((_owner: string, _limit: number, _token: string | null): Promise<ScanPage> => Promise.resolve(EMPTY)),
    scansByStatus: vi.fn((_status: string, _limit: number, _token: string | null): Promise<ScanPage> => Promise.resolve(EMPTY)),
    scansByOwnerEmail: vi.fn(
      (_email: string, _limit: number, _token: string | null, _status?: string): Promise<ScanPage> => Promise.resolve(EMPTY),
    ),
    subscribeToScans: vi.fn((_onEvent: unknown, _onError: unknown) => () => {}),
    onConnectionStateChange: vi.fn((_cb: unknown) => () => {}),
    // A new scan as the API answers it: PENDING, owned by the test user (fixtures.scan's defaults).
    createScan: vi.fn((input: NewScanInput): Promise<Scan> => Promise.resolve(scan(input))),
    deleteScan: vi.fn((_id: string): Promise<Scan | null> => Promise.resolve(null)),
    getScan: vi.fn((_id: string): Promise<Scan | null> => Promise.resolve(null)),
    getScanDebug: vi.fn((_id: string): Promise<ScanWithDebug | null> => Promise.resolve(null)),
    errorMessage: (err: unknown) => (err instanceof Error ? err.message : String(err)),
  };
}

export function uploaderMock() {
  class UploadCancelledError extends Error {}
  return {
    currentIdentityId: vi.fn(() => Promise.resolve('us-east-1:identity-1')),
    startUpload: vi.fn((_request: unknown) => ({ result: Promise.resolve(), cancel: vi.fn() })),
    imageUrl: vi.fn((key: string) => Promise.resolve(`https://images.test/${key}`)),
    removeImage: vi.fn((_key: string) => Promise.resolve()),
    UploadCancelledError,
  };
}
