/** Admin only (lazy-loaded, route guarded in SignedInApp): every user's scans with a debug panel each.
 *
 * Everything is read from the indexes page by page: all scans by last update (the byStatus partitions
 * merged), or one status (byStatus) or one uploader (byOwnerEmail) filtered on the server. No totals: they
 * would need a full read (stats were dropped rather than computed from what happened to be loaded). */
import { Fragment, useId, useMemo, useState } from 'react';
import { LoadMore } from '../components/LoadMore';
import { useNow } from '../components/ScanList';
import { ScanImage } from '../components/ScanImage';
import { Spinner } from '../components/Spinner';
import { StatusBadge } from '../components/StatusBadge';
import { Verdict } from '../components/Verdict';
import { SCAN_STATUSES, type ScanStatus } from '../graphql/types';
import { STATUS_LABELS, formatBytes, formatDateTime, formatOwner, formatRelativeTime } from '../lib/format';
import { useFeed } from '../state/scans';
import { DebugPanel } from './DebugPanel';

export default function AdminView() {
  const ids = useId();
  const [statusFilter, setStatusFilter] = useState<ScanStatus | ''>('');
  const [uploader, setUploader] = useState('');
  const [uploaderInput, setUploaderInput] = useState('');
  const source = useMemo(
    () => ({ kind: 'all' as const, status: statusFilter || null, ownerEmail: uploader || null }),
    [statusFilter, uploader],
  );
  const { scans, status, error, previews, reload, hasMore, loadingMore, loadMore } = useFeed(source);
  const now = useNow();
  const [open, setOpen] = useState<ReadonlySet<string>>(() => new Set());
  // Suggestions only: the filter itself is a server query for whatever e-mail is typed.
  const knownEmails = useMemo(
    () => [...new Set(scans.map((s) => s.ownerEmail ?? ''))].filter(Boolean).sort(),
    [scans],
  );
  const byCreation = Boolean(uploader);
  const filtered = Boolean(statusFilter || uploader);

  const toggle = (id: string) =>
    setOpen((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  return (
    <section className="admin-view" aria-labelledby={`${ids}-title`} data-testid="admin-view">
      <div className="page-head">
        <h1 id={`${ids}-title`} className="page-title">
          All scans
        </h1>
        <p className="section-count" data-testid="admin-count">
          Admin view: {uploader ? `scans uploaded by ${uploader}` : "every user's scans"}
          {statusFilter && ` with status ${STATUS_LABELS[statusFilter]}`},{' '}
          {byCreation ? 'newest first' : 'most recently updated first'}
          {scans.length > 0 && `; ${scans.length} shown${hasMore ? ', more below' : ''}`}. Debug data is read on
          demand.
        </p>
      </div>

      <form
        className="filters"
        role="search"
        aria-label="Filter scans"
        onSubmit={(e) => {
          e.preventDefault();
          // Stored lower-case by the scanner (functions/scan_image/owner_directory.py): the filter matches any case.
          setUploader(uploaderInput.trim().toLowerCase());
        }}
      >
        <label>
          <span>Uploader (e-mail)</span>
          <input
            type="search"
            name="uploader"
            list={`${ids}-emails`}
            value={uploaderInput}
            onChange={(e) => {
              setUploaderInput(e.target.value);
              if (!e.target.value) setUploader('');
            }}
            placeholder="Any uploader"
          />
          <datalist id={`${ids}-emails`}>
            {knownEmails.map((email) => (
              <option key={email} value={email} />
            ))}
          </datalist>
        </label>
        <label>
          <span>Status</span>
          <select value={statusFilter} onChange={(e) => setStatusFilter(e.target.value as ScanStatus | '')}>
            <option value="">Any status</option>
            {SCAN_STATUSES.map((s) => (
              <option key={s} value={s}>
                {STATUS_LABELS[s]}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="btn btn-secondary">
          Filter
        </button>
      </form>

      {status === 'loading' && scans.length === 0 ? (
        <div className="list-state" aria-busy="true">
          <Spinner label="Loading scans…" />
        </div>
      ) : status === 'error' && scans.length === 0 ? (
        <div className="list-state list-error" role="alert">
          <p>
            <strong>The scans could not be loaded.</strong> {error}
          </p>
          <button type="button" className="btn btn-secondary" onClick={reload}>
            Try again
          </button>
        </div>
      ) : scans.length === 0 ? (
        <div className="list-state list-empty">
          <p className="list-empty-title">{filtered ? 'No scan matches the filters' : 'Nobody has scanned anything yet'}</p>
        </div>
      ) : (
        <div className="table-scroll" role="region" aria-labelledby={`${ids}-caption`} tabIndex={0}>
          <table className="admin-table">
            <caption id={`${ids}-caption`} className="visually-hidden">
              All scans, {byCreation ? 'newest first' : 'most recently updated first'} ({scans.length} shown)
            </caption>
            <thead>
              <tr>
                <th scope="col">Image</th>
                <th scope="col">File</th>
                <th scope="col">Uploader</th>
                <th scope="col">Status</th>
                <th scope="col">Result</th>
                <th scope="col">{byCreation ? 'Created' : 'Updated'}</th>
                <th scope="col">
                  <span className="visually-hidden">Debug</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {scans.map((scan) => {
                const expanded = open.has(scan.id);
                const panelId = `${ids}-debug-${scan.id}`;
                return (
                  <Fragment key={scan.id}>
                    <tr data-testid="admin-scan-row" data-scan-id={scan.id} data-status={scan.status}>
                      <td data-label="Image" className="cell-thumb">
                        <ScanImage scan={scan} preview={previews[scan.id]} />
                      </td>
                      <th scope="row" data-label="File" className="cell-file">
                        <span className="cell-file-name" title={scan.fileName}>
                          {scan.fileName}
                        </span>
                        {scan.sizeBytes != null && <span className="muted"> {formatBytes(scan.sizeBytes)}</span>}
                      </th>
                      <td data-label="Uploader">
                        <span title={scan.owner ?? undefined} data-testid="owner">
                          {scan.ownerEmail ?? formatOwner(scan.owner)}
                        </span>
                      </td>
                      <td data-label="Status">
                        <StatusBadge status={scan.status} />
                      </td>
                      <td data-label="Result">
                        <Verdict scan={scan} />
                        {(scan.status === 'REJECTED' || scan.status === 'FAILED') && scan.reason && (
                          <span className="cell-reason">{scan.reason}</span>
                        )}
                      </td>
                      <td data-label={byCreation ? 'Created' : 'Updated'}>
                        <When iso={byCreation ? scan.createdAt : scan.updatedAt} now={now} />
                      </td>
                      <td className="cell-actions">
                        <button
                          type="button"
                          className="btn btn-secondary btn-sm"
                          aria-expanded={expanded}
                          aria-controls={panelId}
                          onClick={() => toggle(scan.id)}
                        >
                          {expanded ? 'Hide debug' : 'Debug'}
                          <span className="visually-hidden"> for {scan.fileName}</span>
                        </button>
                      </td>
                    </tr>
                    {expanded && (
                      <tr className="debug-row">
                        <td colSpan={7} id={panelId}>
                          <DebugPanel scanId={scan.id} updatedAt={scan.updatedAt} />
                        </td>
                      </tr>
                    )}
                  </Fragment>
                );
              })}
            </tbody>
          </table>
          {error && (
            <p className="inline-warning" role="alert">
              Some scans could not be loaded: {error}
            </p>
          )}
          <LoadMore hasMore={hasMore} loading={loadingMore} onLoadMore={loadMore} />
        </div>
      )}
    </section>
  );
}

function When({ iso, now }: { iso: string | null | undefined; now: number }) {
  if (!iso) return null;
  return (
    <time dateTime={iso} title={formatDateTime(iso)}>
      {formatRelativeTime(iso, now)}
    </time>
  );
}
