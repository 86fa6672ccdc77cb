/** Formatting shared by the views (pure, locale-independent where tests rely on it). */
import type { Scan, ScanStatus } from '../graphql/types';

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '';
  if (bytes < 1024) return `${bytes} B`;
  const kb = bytes / 1024;
  if (kb < 1024) return `${kb < 10 ? kb.toFixed(1) : Math.round(kb)} KB`;
  const mb = kb / 1024;
  return `${Number.isInteger(mb) ? mb : mb.toFixed(1)} MB`;
}

/** A 0..100 confidence as a whole percentage; never rounds a non-zero value to 0 % or a non-100 to 100 %. */
export function formatPercent(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '';
  const v = Math.min(100, Math.max(0, value));
  if (v > 0 && v < 1) return '<1%';
  if (v > 99 && v < 100) return '>99%';
  return `${Math.round(v)}%`;
}

export const STATUS_LABELS: Record<ScanStatus, string> = {
  PENDING: 'Pending',
  PROCESSING: 'Scanning',
  DONE: 'Done',
  REJECTED: 'Rejected',
  FAILED: 'Failed',
};

export function isTerminal(status: ScanStatus): boolean {
  return status === 'DONE' || status === 'REJECTED' || status === 'FAILED';
}

export interface VerdictText {
  /** "Cat" or "No cat". */
  label: string;
  /** "97% confidence" / "3% cat confidence", or "" without a confidence. */
  detail: string;
  /** For screen readers and the live region: "Cat, 97% confidence". */
  spoken: string;
}

/** The verdict of a finished scan, or null while there is none (not DONE, or no isCat). */
export function verdictText(scan: Pick<Scan, 'status' | 'isCat' | 'confidence'>): VerdictText | null {
  if (scan.status !== 'DONE' || scan.isCat === null || scan.isCat === undefined) return null;
  const pct = formatPercent(scan.confidence);
  const label = scan.isCat ? 'Cat' : 'No cat';
  const detail = pct ? (scan.isCat ? `${pct} confidence` : `${pct} cat confidence`) : '';
  return { label, detail, spoken: detail ? `${label}, ${detail}` : label };
}

/** One sentence for the live region when a scan finishes. */
export function announcement(scan: Scan): string {
  const verdict = verdictText(scan);
  if (verdict) return `${scan.fileName}: ${verdict.spoken}.`;
  if (scan.status === 'REJECTED') return `${scan.fileName} was rejected${scan.reason ? `: ${scan.reason}` : '.'}`;
  if (scan.status === 'FAILED') return `${scan.fileName} could not be scanned${scan.reason ? `: ${scan.reason}` : '.'}`;
  return `${scan.fileName}: ${STATUS_LABELS[scan.status]}.`;
}

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', 7],
  ['week', 4.35],
  ['month', 12],
  ['year', Number.POSITIVE_INFINITY],
];

/** "just now", "5 minutes ago", "yesterday" ... */
export function formatRelativeTime(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return '';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  let delta = (t - now) / 1000;
  if (Math.abs(delta) < 45) return 'just now';
  const rtf = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
  for (const [unit, size] of UNITS) {
    if (Math.abs(delta) < size) return rtf.format(Math.round(delta), unit);
    delta /= size;
  }
  return '';
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  return new Date(t).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/**
 * Amplify stores the owner as "<sub>::<username>". Shows the username part (shortened when it is a
 * bare UUID, as with email sign-in where the username is the sub).
 */
export function formatOwner(owner: string | null | undefined): string {
  if (!owner) return 'unknown';
  const name = owner.includes('::') ? owner.split('::').pop() || owner : owner;
  return /^[0-9a-f]{8}-[0-9a-f]{4}-/i.test(name) ? `${name.slice(0, 8)}…` : name;
}
