import { useMemo } from 'react';
import { ScanList } from '../components/ScanList';
import { UploadPanel } from '../components/UploadPanel';
import { isAdmin, isOwnedBy, type UserInfo } from '../lib/session';
import { useScans } from '../state/scans';
import { useUploads } from '../state/uploads';

export function MyScansView({ user }: { user: UserInfo | null }) {
  const { scans, status, error, previews, createdHere, reload, deleteScan } = useScans();
  const { progressByScan } = useUploads();
  // listScans returns everyone's scans to Admin: this page shows only the user's own.
  const mine = useMemo(
    () =>
      user && isAdmin(user) ? scans.filter((s) => createdHere.has(s.id) || isOwnedBy(s.owner, user)) : scans,
    [scans, user, createdHere],
  );
  const counts = useMemo(() => {
    const done = mine.filter((s) => s.status === 'DONE');
    return { cats: done.filter((s) => s.isCat).length, total: mine.length };
  }, [mine]);

  return (
    <>
      <div className="page-head">
        <h1 className="page-title">My scans</h1>
        {counts.total > 0 && (
          <p className="section-count">
            {counts.total} {counts.total === 1 ? 'scan' : 'scans'}, {counts.cats} with a cat
          </p>
        )}
      </div>
      <UploadPanel />
      <section className="scans-section" aria-label="Scan results">
        <ScanList
          scans={mine}
          status={status}
          error={error}
          label="My scans"
          previews={previews}
          progressByScan={progressByScan}
          onRetry={reload}
          onDelete={deleteScan}
        />
      </section>
    </>
  );
}
