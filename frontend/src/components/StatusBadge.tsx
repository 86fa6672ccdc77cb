import type { ScanStatus } from '../graphql/types';
import { STATUS_LABELS, isTerminal } from '../lib/format';

export function StatusBadge({ status, label }: { status: ScanStatus; label?: string }) {
  return (
    <span className={`badge badge-${status.toLowerCase()}`} data-testid="status-badge">
      {!isTerminal(status) && <span className="badge-pulse" aria-hidden="true" />}
      {label ?? STATUS_LABELS[status] ?? status}
    </span>
  );
}
