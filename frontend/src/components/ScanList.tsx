import { useEffect, useState } from 'react';
import type { Scan } from '../graphql/types';
import { LoadMore } from './LoadMore';
import { ScanCard } from './ScanCard';
import { Spinner } from './Spinner';

export interface ScanListProps {
  scans: Scan[];
  status: 'loading' | 'ready' | 'error';
  error?: string | null;
  label: string;
  previews?: Readonly<Record<string, string>>;
  progressByScan?: Readonly<Record<string, number>>;
  showOwner?: boolean;
  emptyTitle?: string;
  emptyHint?: string;
  onRetry?: () => void;
  onDelete?: (scan: Scan) => Promise<void>;
  /** Paging: more scans exist beyond the loaded ones. */
  hasMore?: boolean;
  loadingMore?: boolean;
  onLoadMore?: () => void;
}

/** Re-renders every `intervalMs` so relative times stay true. */
export function useNow(intervalMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

export function ScanList({
  scans,
  status,
  error,
  label,
  previews = {},
  progressByScan = {},
  showOwner,
  emptyTitle = 'No scans yet',
  emptyHint = 'Add a photo above to find out whether it shows a cat.',
  onRetry,
  onDelete,
  hasMore = false,
  loadingMore = false,
  onLoadMore,
}: ScanListProps) {
  const now = useNow();

  if (status === 'loading' && scans.length === 0) {
    return (
      <div className="list-state" aria-busy="true">
        <Spinner label="Loading scans…" />
      </div>
    );
  }
  if (status === 'error' && scans.length === 0) {
    return (
      <div className="list-state list-error" role="alert">
        <p>
          <strong>The scans could not be loaded.</strong> {error}
        </p>
        {onRetry && (
          <button type="button" className="btn btn-secondary" onClick={onRetry}>
            Try again
          </button>
        )}
      </div>
    );
  }
  if (scans.length === 0) {
    return (
      <div className="list-state list-empty" data-testid="scan-list-empty">
        <EmptyIcon />
        <p className="list-empty-title">{emptyTitle}</p>
        <p className="muted">{emptyHint}</p>
      </div>
    );
  }
  return (
    <>
      {error && (
        <p className="inline-warning" role="alert">
          Some changes could not be loaded: {error}{' '}
          {onRetry && (
            <button type="button" className="btn-link" onClick={onRetry}>
              Reload
            </button>
          )}
        </p>
      )}
      <ul className="scan-grid" aria-label={label} data-testid="scan-list">
        {scans.map((scan) => (
          <ScanCard
            key={scan.id}
            scan={scan}
            preview={previews[scan.id]}
            uploadProgress={progressByScan[scan.id]}
            now={now}
            showOwner={showOwner}
            onDelete={onDelete}
          />
        ))}
      </ul>
      {onLoadMore && <LoadMore hasMore={hasMore} loading={loadingMore} onLoadMore={onLoadMore} />}
    </>
  );
}

function EmptyIcon() {
  return (
    <svg className="empty-icon" viewBox="0 0 64 64" width="64" height="64" aria-hidden="true" focusable="false">
      <path
        fill="currentColor"
        d="M14 10l8 10h20l8-10v22c0 12-8 22-18 22S14 44 14 32V10Zm10 22a3 3 0 1 0 0 .01V32Zm16 0a3 3 0 1 0 0 .01V32ZM28 40h8l-4 4-4-4Z"
      />
    </svg>
  );
}
