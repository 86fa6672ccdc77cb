import { useEffect, useId, useRef, useState, type DragEvent } from 'react';
import { formatBytes, formatPercent } from '../lib/format';
import { MAX_IMAGE_BYTES } from '../lib/validation';
import { isActive, useUploads, type UploadItem, type UploadPhase } from '../state/uploads';

const PHASE_LABELS: Record<UploadPhase, string> = {
  checking: 'Checking…',
  rejected: 'Not accepted',
  queued: 'Queued',
  creating: 'Starting…',
  uploading: 'Uploading',
  done: 'Uploaded',
  failed: 'Upload failed',
  cancelled: 'Cancelled',
};

function hasFiles(event: DragEvent): boolean {
  return Array.from(event.dataTransfer?.types ?? []).includes('Files');
}

const TOUCH_QUERY = '(pointer: coarse)';

/** A phone or tablet (touch is the main pointer): no drag and drop or paste there, but a camera. */
function useTouchDevice(): boolean {
  const [touch, setTouch] = useState(() => Boolean(globalThis.matchMedia?.(TOUCH_QUERY).matches));
  useEffect(() => {
    const query = globalThis.matchMedia?.(TOUCH_QUERY);
    if (!query) return;
    const update = () => setTouch(query.matches);
    query.addEventListener?.('change', update);
    return () => query.removeEventListener?.('change', update);
  }, []);
  return touch;
}

/**
 * Drop zone + file picker (several files at once; on a touch device the camera too) and the upload queue with
 * progress. Uploads that finished collapse into one summary row, so the verdicts below stay in view.
 */
export function UploadPanel() {
  const { items, addFiles, cancel, retry, dismiss, clearFinished } = useUploads();
  const inputId = useId();
  const cameraId = useId();
  const hintId = useId();
  const inputRef = useRef<HTMLInputElement>(null);
  const touch = useTouchDevice();
  const [dragging, setDragging] = useState(false);
  const [showUploaded, setShowUploaded] = useState(false);
  const dragDepth = useRef(0);

  // Pasting an image (Ctrl/Cmd+V) anywhere on the page scans it too.
  useEffect(() => {
    const onPaste = (event: ClipboardEvent) => {
      const target = event.target as HTMLElement | null;
      if (target?.closest('input, textarea, [contenteditable="true"]')) return;
      const files = Array.from(event.clipboardData?.files ?? []);
      if (files.length > 0) {
        event.preventDefault();
        addFiles(files);
      }
    };
    document.addEventListener('paste', onPaste);
    return () => document.removeEventListener('paste', onPaste);
  }, [addFiles]);

  const finished = items.filter((i) => !isActive(i)).length;
  const uploaded = items.filter((i) => i.phase === 'done');
  const rows = showUploaded ? items : items.filter((i) => i.phase !== 'done');
  const onChosen = (input: HTMLInputElement) => {
    addFiles(Array.from(input.files ?? []));
    input.value = '';
  };

  return (
    <section className="card upload-panel" aria-labelledby={`${inputId}-heading`}>
      <h2 id={`${inputId}-heading`} className="section-title">
        Scan photos
      </h2>
      <div
        className={`dropzone${dragging ? ' dropzone-active' : ''}`}
        data-testid="dropzone"
        onDragEnter={(e) => {
          if (!hasFiles(e)) return;
          e.preventDefault();
          dragDepth.current += 1;
          setDragging(true);
        }}
        onDragOver={(e) => {
          if (!hasFiles(e)) return;
          e.preventDefault();
          e.dataTransfer.dropEffect = 'copy';
        }}
        onDragLeave={() => {
          dragDepth.current = Math.max(0, dragDepth.current - 1);
          if (dragDepth.current === 0) setDragging(false);
        }}
        onDrop={(e) => {
          e.preventDefault();
          dragDepth.current = 0;
          setDragging(false);
          addFiles(Array.from(e.dataTransfer.files));
        }}
      >
        <input
          ref={inputRef}
          id={inputId}
          className="visually-hidden"
          type="file"
          multiple
          accept="image/jpeg,image/png,.jpg,.jpeg,.png"
          aria-describedby={hintId}
          data-testid="file-input"
          onChange={(e) => onChosen(e.currentTarget)}
        />
        {touch ? (
          <>
            <input
              id={cameraId}
              className="visually-hidden"
              type="file"
              accept="image/jpeg,image/png"
              capture="environment"
              aria-describedby={hintId}
              data-testid="camera-input"
              onChange={(e) => onChosen(e.currentTarget)}
            />
            <div className="touch-actions">
              <label htmlFor={cameraId} className="btn btn-primary">
                Take a photo
              </label>
              <label htmlFor={inputId} className="btn btn-secondary">
                Choose photos
              </label>
            </div>
            <p id={hintId} className="dropzone-hint">
              JPEG or PNG, up to {formatBytes(MAX_IMAGE_BYTES)} each.
            </p>
          </>
        ) : (
          <>
            <label htmlFor={inputId} className="dropzone-label">
              <UploadIcon />
              <span className="dropzone-text">
                {dragging ? (
                  'Drop to scan'
                ) : (
                  <>
                    Drop photos here or <span className="link-like">choose files</span>
                  </>
                )}
              </span>
            </label>
            <p id={hintId} className="dropzone-hint">
              JPEG or PNG, up to {formatBytes(MAX_IMAGE_BYTES)} each. You can also paste an image.
            </p>
          </>
        )}
      </div>

      {items.length > 0 && (
        <div className="upload-queue">
          <div className="upload-queue-head">
            <h3 className="upload-queue-title">Uploads</h3>
            {finished > 0 && (
              <button type="button" className="btn-link" onClick={clearFinished}>
                Clear finished
              </button>
            )}
          </div>
          <ul className="upload-list" aria-label="Uploads">
            {uploaded.length > 0 && (
              <li className="upload-item upload-summary" data-testid="upload-summary">
                <div className="upload-line">
                  <span className="upload-name">
                    {uploaded.length === 1 ? '1 photo uploaded' : `${uploaded.length} photos uploaded`}
                  </span>
                  <span className="upload-phase">Verdicts appear below</span>
                  <span className="upload-actions">
                    <button
                      type="button"
                      className="btn-link"
                      aria-expanded={showUploaded}
                      onClick={() => setShowUploaded((shown) => !shown)}
                    >
                      {showUploaded ? 'Hide' : 'Show'}
                    </button>
                    <button
                      type="button"
                      className="icon-button"
                      onClick={() => uploaded.forEach((item) => dismiss(item.id))}
                      aria-label="Dismiss the uploaded photos"
                    >
                      <span aria-hidden="true">×</span>
                    </button>
                  </span>
                </div>
              </li>
            )}
            {rows.map((item) => (
              <UploadRow key={item.id} item={item} onCancel={cancel} onRetry={retry} onDismiss={dismiss} />
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}

function UploadRow({
  item,
  onCancel,
  onRetry,
  onDismiss,
}: {
  item: UploadItem;
  onCancel: (id: string) => void;
  onRetry: (id: string) => void;
  onDismiss: (id: string) => void;
}) {
  const { phase } = item;
  const percent = formatPercent(item.progress * 100) || '0%';
  const problem = phase === 'rejected' || phase === 'failed';
  return (
    <li className={`upload-item upload-${phase}`} data-testid="upload-item" data-phase={phase}>
      <div className="upload-line">
        <span className="upload-name" title={item.fileName}>
          {item.fileName}
        </span>
        <span className="upload-size">{formatBytes(item.size)}</span>
        <span className="upload-phase">{phase === 'uploading' ? `Uploading ${percent}` : PHASE_LABELS[phase]}</span>
        <span className="upload-actions">
          {isActive(item) && phase !== 'checking' && (
            <button type="button" className="btn-link" onClick={() => onCancel(item.id)} aria-label={`Cancel ${item.fileName}`}>
              Cancel
            </button>
          )}
          {(phase === 'failed' || phase === 'cancelled') && (
            <button type="button" className="btn-link" onClick={() => onRetry(item.id)} aria-label={`Retry ${item.fileName}`}>
              Retry
            </button>
          )}
          {!isActive(item) && (
            <button
              type="button"
              className="icon-button"
              onClick={() => onDismiss(item.id)}
              aria-label={`Dismiss ${item.fileName}`}
            >
              <span aria-hidden="true">×</span>
            </button>
          )}
        </span>
      </div>
      {(phase === 'uploading' || phase === 'creating') && (
        <progress className="progress" max={1} value={item.progress} aria-label={`Uploading ${item.fileName}`} />
      )}
      {problem && item.message && (
        <p className="upload-message" role="alert">
          {item.message}
        </p>
      )}
    </li>
  );
}

function UploadIcon() {
  return (
    <svg className="dropzone-icon" viewBox="0 0 24 24" width="36" height="36" aria-hidden="true" focusable="false">
      <path
        fill="currentColor"
        d="M19.35 10.04A7.49 7.49 0 0 0 12 4C9.11 4 6.6 5.64 5.35 8.04A5.994 5.994 0 0 0 0 14c0 3.31 2.69 6 6 6h13c2.76 0 5-2.24 5-5 0-2.64-2.05-4.78-4.65-4.96ZM14 13v4h-4v-4H7l5-5 5 5h-3Z"
      />
    </svg>
  );
}
