import { useId, useState } from 'react';
import type { Scan } from '../graphql/types';
import { formatBytes, formatDateTime, formatOwner, formatPercent, formatRelativeTime } from '../lib/format';
import { ConfirmDialog } from './ConfirmDialog';
import { Modal } from './Modal';
import { ScanImage } from './ScanImage';
import { StatusBadge } from './StatusBadge';
import { Verdict } from './Verdict';

export interface ScanCardProps {
  scan: Scan;
  preview?: string;
  /** 0..1 while this tab is uploading the image. */
  uploadProgress?: number;
  now: number;
  showOwner?: boolean;
  onDelete?: (scan: Scan) => Promise<void>;
}

function progressLine(scan: Scan, uploadProgress: number | undefined): string | null {
  if (uploadProgress !== undefined) return null;
  if (scan.status === 'PENDING') return 'Waiting to be scanned…';
  if (scan.status === 'PROCESSING') return 'Looking for cats…';
  return null;
}

export function ScanCard({ scan, preview, uploadProgress, now, showOwner, onDelete }: ScanCardProps) {
  const nameId = useId();
  const largeTitleId = useId();
  const [confirming, setConfirming] = useState(false);
  const [enlarged, setEnlarged] = useState(false);
  const uploading = uploadProgress !== undefined;
  const badge = uploading ? `Uploading ${formatPercent(uploadProgress * 100) || '0%'}` : undefined;
  const failedOrRejected = scan.status === 'REJECTED' || scan.status === 'FAILED';
  const waiting = progressLine(scan, uploadProgress);
  const verdict = scan.status === 'DONE' && scan.isCat != null ? (scan.isCat ? 'cat' : 'no-cat') : undefined;

  return (
    <li
      className={`scan-card scan-${scan.status.toLowerCase()}`}
      data-testid="scan-row"
      data-scan-id={scan.id}
      data-status={scan.status}
      data-verdict={verdict}
      aria-labelledby={nameId}
    >
      <button
        type="button"
        className="scan-thumb"
        onClick={() => setEnlarged(true)}
        aria-label={`View ${scan.fileName} larger`}
      >
        <ScanImage scan={scan} preview={preview} />
      </button>
      <div className="scan-body">
        <h3 id={nameId} className="scan-name" title={scan.fileName}>
          {scan.fileName}
        </h3>
        <p className="scan-meta">
          {scan.sizeBytes != null && <span>{formatBytes(scan.sizeBytes)}</span>}
          {scan.createdAt && (
            <time dateTime={scan.createdAt} title={formatDateTime(scan.createdAt)}>
              {formatRelativeTime(scan.createdAt, now)}
            </time>
          )}
          {showOwner && <span title={scan.owner ?? undefined}>by {formatOwner(scan.owner)}</span>}
        </p>
        <div className="scan-result">
          <StatusBadge status={scan.status} label={badge} />
          <Verdict scan={scan} />
        </div>
        {uploading && (
          <progress
            className="progress"
            max={1}
            value={uploadProgress}
            aria-label={`Uploading ${scan.fileName}`}
          />
        )}
        {waiting && <p className="scan-note">{waiting}</p>}
        {failedOrRejected && (
          <p className="scan-reason" data-testid="reason">
            {scan.reason || (scan.status === 'REJECTED' ? 'The image was not accepted.' : 'The scan failed.')}
          </p>
        )}
        {onDelete && (
          <div className="scan-actions">
            <button
              type="button"
              className="btn btn-ghost btn-sm"
              onClick={() => setConfirming(true)}
              aria-label={`Delete ${scan.fileName}`}
            >
              <TrashIcon /> Delete
            </button>
          </div>
        )}
      </div>
      {confirming && onDelete && (
        <ConfirmDialog
          title={`Delete ${scan.fileName}?`}
          message="The scan and its image are deleted for good."
          confirmLabel="Delete"
          busyLabel="Deleting…"
          onConfirm={() => onDelete(scan)}
          onClose={() => setConfirming(false)}
        />
      )}
      {enlarged && (
        <Modal labelledBy={largeTitleId} onClose={() => setEnlarged(false)} size="lg">
          <div className="modal-head">
            <h2 id={largeTitleId} className="modal-title">
              {scan.fileName}
            </h2>
            <button type="button" className="btn btn-ghost btn-sm" onClick={() => setEnlarged(false)}>
              Close
            </button>
          </div>
          <ScanImage scan={scan} preview={preview} variant="large" />
          <div className="scan-result">
            <StatusBadge status={scan.status} label={badge} />
            <Verdict scan={scan} />
          </div>
        </Modal>
      )}
    </li>
  );
}

function TrashIcon() {
  return (
    <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false">
      <path
        fill="currentColor"
        d="M9 3h6l1 2h4v2H4V5h4l1-2Zm-3 6h12l-1 12H7L6 9Zm4 2v8h2v-8h-2Zm4 0v8h2v-8h-2Z"
      />
    </svg>
  );
}
