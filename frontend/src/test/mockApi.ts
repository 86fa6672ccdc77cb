/** Shared vi.mock factories for the API and the uploader (component tests never touch Amplify). */
import { vi } from 'vitest';
import type { NewScanInput, Scan, ScanWithDebug } from '../graphql/types';
import type { ScanPage } from '../lib/pager';

const EMPTY: ScanPage = { items: [], nextToken: null };

export function apiMock() {
  return {
    scansByOwner: vi.fn(async (_owner: string, _limit: number, _token: string | null): Promise<ScanPage> => EMPTY),
    scansByStatus: vi.fn(async (_status: string, _limit: number, _token: string | null): Promise<ScanPage> => EMPTY),
    scansByOwnerEmail: vi.fn(
      async (_email: string, _limit: number, _token: string | null, _status?: string): Promise<ScanPage> => EMPTY,
    ),
    subscribeToScans: vi.fn((_onEvent: unknown, _onError: unknown) => () => {}),
    onConnectionStateChange: vi.fn((_cb: unknown) => () => {}),
    createScan: vi.fn(
      async (input: NewScanInput): Promise<Scan> => ({
        ...input,
        status: 'PENDING',
        owner: 'sub-1::sub-1',
        isCat: null,
        confidence: null,
        catBoxes: null,
        reason: null,
        ownerEmail: null,
        thumbnailKey: null,
        createdAt: '2026-11-21T10:00:00.000Z',
        updatedAt: '2026-11-21T10:00:00.000Z',
      }),
    ),
    deleteScan: vi.fn(async (_id: string): Promise<Scan | null> => null),
    getScan: vi.fn(async (_id: string): Promise<Scan | null> => null),
    getScanDebug: vi.fn(async (_id: string): Promise<ScanWithDebug | null> => null),
    errorMessage: (err: unknown) => (err instanceof Error ? err.message : String(err)),
  };
}

export function uploaderMock() {
  class UploadCancelledError extends Error {}
  return {
    currentIdentityId: vi.fn(async () => 'us-east-1:identity-1'),
    startUpload: vi.fn((_request: unknown) => ({ result: Promise.resolve(), cancel: vi.fn() })),
    imageUrl: vi.fn(async (key: string) => `https://images.test/${key}`),
    removeImage: vi.fn(async (_key: string) => {}),
    UploadCancelledError,
  };
}
