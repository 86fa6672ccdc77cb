import { useMemo } from 'react';
import { ScanList } from '../components/ScanList';
import { UploadPanel } from '../components/UploadPanel';
import type { UserInfo } from '../lib/session';
import { useFeed, type FeedSource } from '../state/scans';
import { useUploads } from '../state/uploads';

const MINE: FeedSource = { kind: 'mine' };

export function MyScansView({ user: _user }: { user: UserInfo | null }) {
  // The owner index (scansByOwner): the user's own scans only, newest first, a page at a time.
  const { scans, status, error, previews, reload, deleteScan, hasMore, loadingMore, loadMore } = useFeed(MINE);
  const { progressByScan } = useUploads();
  // Totals only once everything is loaded: the header never needs a full read.
  const counts = useMemo(() => {
    const done = scans.filter((s) => s.status === 'DONE');
    return { cats: done.filter((s) => s.isCat).length, total: scans.length };
  }, [scans]);

  return (
    <>
      <div className="page-head">
        <h1 className="page-title">My scans</h1>
        {counts.total > 0 && (
          <p className="section-count" data-testid="scan-count">
            {hasMore
              ? `Newest first: ${counts.total} shown, more below`
              : `${counts.total} ${counts.total === 1 ? 'scan' : 'scans'}, ${counts.cats} with a cat`}
          </p>
        )}
      </div>
      <UploadPanel />
      <section className="scans-section" aria-label="Scan results">
        <ScanList
          scans={scans}
          status={status}
          error={error}
          label="My scans"
          previews={previews}
          progressByScan={progressByScan}
          onRetry={reload}
          onDelete={deleteScan}
          hasMore={hasMore}
          loadingMore={loadingMore}
          onLoadMore={loadMore}
        />
      </section>
    </>
  );
}
