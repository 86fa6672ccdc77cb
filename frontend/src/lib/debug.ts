/**
 * Reads the Admin-only `debug` AWSJSON of a scan (raw detector response, thresholds, timings, model
 * version, request ids). Its exact shape belongs to the scanner, so this looks for well-known keys at any
 * depth instead of assuming one layout; the raw JSON is always shown too.
 */

export interface DebugLabel {
  name: string;
  confidence: number | null;
  parents: string[];
  instances: number;
}

export interface DebugSummary {
  labels: DebugLabel[];
  thresholds: Array<[string, string]>;
  timings: Array<[string, string]>;
  modelVersion: string | null;
  requestIds: Array<[string, string]>;
  pretty: string;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** AWSJSON arrives as a string (sometimes encoded twice); objects are accepted as they are. */
export function parseAwsJson(value: unknown): Json | undefined {
  let current: unknown = value;
  for (let i = 0; i < 3 && typeof current === 'string'; i++) {
    try {
      current = JSON.parse(current);
    } catch {
      return i === 0 ? undefined : (current as Json);
    }
  }
  return current as Json;
}

const isObject = (v: unknown): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

function walk(value: Json, visit: (key: string, v: Json, path: string) => boolean | void, path = '', depth = 0): void {
  if (depth > 6) return;
  if (Array.isArray(value)) {
    value.forEach((v, i) => walk(v, visit, `${path}[${i}]`, depth + 1));
    return;
  }
  if (!isObject(value)) return;
  for (const [key, v] of Object.entries(value)) {
    const childPath = path ? `${path}.${key}` : key;
    if (visit(key, v, childPath) === false) continue;
    walk(v, visit, childPath, depth + 1);
  }
}

function toLabel(item: Json): DebugLabel | null {
  if (!isObject(item)) return null;
  const name = item.Name ?? item.name;
  if (typeof name !== 'string') return null;
  const confidence = item.Confidence ?? item.confidence;
  const parents = (item.Parents ?? item.parents ?? []) as Json[];
  const instances = item.Instances ?? item.instances;
  return {
    name,
    confidence: typeof confidence === 'number' ? confidence : null,
    parents: Array.isArray(parents)
      ? parents.map((p) => (isObject(p) ? (p.Name ?? p.name) : p)).filter((p): p is string => typeof p === 'string')
      : [],
    instances: Array.isArray(instances) ? instances.length : 0,
  };
}

const scalar = (v: Json): v is string | number | boolean => ['string', 'number', 'boolean'].includes(typeof v);

function show(v: string | number | boolean, unit = ''): string {
  if (typeof v === 'number') return `${Number.isInteger(v) ? v : Number(v.toFixed(3))}${unit}`;
  return String(v);
}

function timingUnit(key: string): string {
  if (/ms$|millis/i.test(key)) return ' ms';
  if (/(_s|seconds?)$/i.test(key)) return ' s';
  return '';
}

export function summarizeDebug(debug: unknown): DebugSummary | null {
  const parsed = parseAwsJson(debug);
  if (parsed === undefined || parsed === null) return null;
  const summary: DebugSummary = {
    labels: [],
    thresholds: [],
    timings: [],
    modelVersion: null,
    requestIds: [],
    pretty: JSON.stringify(parsed, null, 2),
  };
  let labelsFound = false;
  walk(parsed, (key, v, path) => {
    if (!labelsFound && /^labels$/i.test(key) && Array.isArray(v)) {
      const labels = v.map(toLabel).filter((l): l is DebugLabel => l !== null);
      if (labels.length > 0 || v.length === 0) {
        summary.labels = labels.sort((a, b) => (b.confidence ?? -1) - (a.confidence ?? -1));
        labelsFound = true;
        return false;
      }
    }
    // `timings: {detect_ms: …}`, or the unit on the group as the scanner writes it: `timingsMs: {detect: …}`.
    if (/^(timings?|durations?)(_?ms)?$/i.test(key) && isObject(v)) {
      const unit = /ms$/i.test(key) ? ' ms' : '';
      for (const [k, t] of Object.entries(v)) if (scalar(t)) summary.timings.push([k, show(t, unit || timingUnit(k))]);
      return false;
    }
    // `requestIds: {lambda: …, s3: …, rekognition: …}`
    if (/^request_?ids$/i.test(key) && isObject(v)) {
      for (const [k, id] of Object.entries(v)) if (scalar(id)) summary.requestIds.push([`${path}.${k}`, show(id)]);
      return false;
    }
    if (!scalar(v)) return;
    if (/threshold|min_?confidence|target_?label|max_?labels/i.test(key)) {
      summary.thresholds.push([path, show(v, /confidence/i.test(key) && typeof v === 'number' ? ' %' : '')]);
    }
    else if (/(duration|elapsed|latency|_ms$|Ms$|millis)/i.test(key) && typeof v === 'number') {
      summary.timings.push([path, show(v, timingUnit(key))]);
    } else if (/request_?id$/i.test(key)) summary.requestIds.push([path, show(v)]);
    else if (!summary.modelVersion && /^(label_?model_?version|model_?version|model)$/i.test(key)) {
      summary.modelVersion = show(v);
    }
  });
  return summary;
}

/** What the scanner's debug keys mean, for people (the raw key stays in the raw JSON and the tooltip). */
const KEY_LABELS: Record<string, string> = {
  targetlabel: 'Label that means “cat”',
  minconfidence: 'Cat threshold (minimum confidence)',
  detectorminconfidence: 'Detector’s minimum label confidence',
  maxlabels: 'Most labels asked for',
  getscan: 'Read the scan',
  validate: 'Check the image file',
  markprocessing: 'Mark as processing',
  detect: 'Detect labels',
  total: 'Total',
  elapsedms: 'Detector call',
  lambda: 'Lambda request id',
  s3: 'S3 request id',
  rekognition: 'Rekognition request id',
  appsync: 'AppSync request id',
};

/** "thresholds.detectorMinConfidence" -> "Detector’s minimum label confidence"; unknown keys become words. */
export function describeKey(path: string): string {
  const last = path.split('.').pop()!.replace(/\[\d+\]$/, '');
  const known = KEY_LABELS[last.replace(/[_-]/g, '').toLowerCase()];
  if (known) return known;
  const words = last
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase();
  return words ? words[0].toUpperCase() + words.slice(1) : path;
}
