/** Admin only (lazy-loaded, route guarded in SignedInApp): every user's scans with a debug panel each. */
import { Fragment, useId, useMemo, useState } from 'react';
import { useNow } from '../components/ScanList';
import { ScanImage } from '../components/ScanImage';
import { Spinner } from '../components/Spinner';
import { StatusBadge } from '../components/StatusBadge';
import { Verdict } from '../components/Verdict';
import { SCAN_STATUSES, type ScanStatus } from '../graphql/types';
import { STATUS_LABELS, formatBytes, formatDateTime, formatOwner, formatRelativeTime } from '../lib/format';
import { useScans } from '../state/scans';
import { DebugPanel } from './DebugPanel';

export default function AdminView() {
  const { scans, status, error, previews, reload } = useScans();
  const now = useNow();
  const ids = useId();
  const [owner, setOwner] = useState('');
  const [statusFilter, setStatusFilter] = useState<ScanStatus | ''>('');
  const [query, setQuery] = useState('');
  const [open, setOpen] = useState<ReadonlySet<string>>(() => new Set());

  const owners = useMemo(() => [...new Set(scans.map((s) => s.owner ?? ''))].filter(Boolean).sort(), [scans]);
  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    return scans.filter(
      (s) =>
        (!owner || s.owner === owner) &&
        (!statusFilter || s.status === statusFilter) &&
        (!q || s.fileName.toLowerCase().includes(q) || s.id.includes(q)),
    );
  }, [scans, owner, statusFilter, query]);
  const stats = useMemo(
    () => ({
      total: scans.length,
      users: owners.length,
      cats: scans.filter((s) => s.status === 'DONE' && s.isCat).length,
      noCats: scans.filter((s) => s.status === 'DONE' && s.isCat === false).length,
      rejected: scans.filter((s) => s.status === 'REJECTED').length,
      failed: scans.filter((s) => s.status === 'FAILED').length,
      waiting: scans.filter((s) => s.status === 'PENDING' || s.status === 'PROCESSING').length,
    }),
    [scans, owners],
  );

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
        <p className="section-count">Admin view: every user's scans. Debug data is read on demand.</p>
      </div>

      <dl className="stats" aria-label="Totals">
        <Stat label="Scans" value={stats.total} />
        <Stat label="Users" value={stats.users} />
        <Stat label="Cats" value={stats.cats} />
        <Stat label="No cat" value={stats.noCats} />
        <Stat label="Rejected" value={stats.rejected} />
        <Stat label="Failed" value={stats.failed} />
        <Stat label="In progress" value={stats.waiting} />
      </dl>

      <form className="filters" role="search" aria-label="Filter scans" onSubmit={(e) => e.preventDefault()}>
        <label>
          <span>Owner</span>
          <select value={owner} onChange={(e) => setOwner(e.target.value)}>
            <option value="">All owners</option>
            {owners.map((o) => (
              <option key={o} value={o}>
                {formatOwner(o)}
              </option>
            ))}
          </select>
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
        <label className="filter-search">
          <span>File name or id</span>
          <input type="search" value={query} onChange={(e) => setQuery(e.target.value)} placeholder="Search" />
        </label>
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
      ) : shown.length === 0 ? (
        <div className="list-state list-empty">
          <p className="list-empty-title">{scans.length === 0 ? 'Nobody has scanned anything yet' : 'No scan matches the filters'}</p>
        </div>
      ) : (
        <div className="table-scroll" role="region" aria-labelledby={`${ids}-caption`} tabIndex={0}>
          <table className="admin-table">
            <caption id={`${ids}-caption`} className="visually-hidden">
              All scans, newest first ({shown.length} shown)
            </caption>
            <thead>
              <tr>
                <th scope="col">Image</th>
                <th scope="col">File</th>
                <th scope="col">Owner</th>
                <th scope="col">Status</th>
                <th scope="col">Result</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span className="visually-hidden">Debug</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {shown.map((scan) => {
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
                      <td data-label="Owner">
                        <span title={scan.owner ?? undefined} data-testid="owner">
                          {formatOwner(scan.owner)}
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
                      <td data-label="Created">
                        {scan.createdAt && (
                          <time dateTime={scan.createdAt} title={formatDateTime(scan.createdAt)}>
                            {formatRelativeTime(scan.createdAt, now)}
                          </time>
                        )}
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
        </div>
      )}
    </section>
  );
}

function Stat({ label, value }: { label: string; value: number }) {
  return (
    <div className="stat">
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}
