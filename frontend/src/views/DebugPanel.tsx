import { useEffect, useState } from 'react';
import { ScanImage } from '../components/ScanImage';
import { Spinner } from '../components/Spinner';
import { Verdict } from '../components/Verdict';
import * as api from '../graphql/api';
import type { ScanWithDebug } from '../graphql/types';
import { describeKey, summarizeDebug } from '../lib/debug';
import { formatPercent } from '../lib/format';

type Loaded = { phase: 'error'; message: string } | { phase: 'ready'; scan: ScanWithDebug | null };
type State = { phase: 'loading' } | Loaded;

/** Admin: the scan's `debug` (read with getScan: it is never in subscription payloads), summarized and raw. */
export function DebugPanel({ scanId, updatedAt }: { scanId: string; updatedAt?: string | null }) {
  const [reload, setReload] = useState(0);
  // Re-read when the scan changes (a verdict arrives while the panel is open) or on "Try again". A result
  // counts only for the read it answers: until the current read answers, the panel shows it loading.
  const read = `${scanId}\n${updatedAt ?? ''}\n${reload}`;
  const [loaded, setLoaded] = useState<{ read: string; result: Loaded } | null>(null);

  useEffect(() => {
    let active = true;
    api
      .getScanDebug(scanId)
      .then((scan) => active && setLoaded({ read, result: { phase: 'ready', scan } }))
      .catch((err: unknown) => active && setLoaded({ read, result: { phase: 'error', message: api.errorMessage(err) } }));
    return () => {
      active = false;
    };
  }, [scanId, read]);

  const state: State = loaded?.read === read ? loaded.result : { phase: 'loading' };
  if (state.phase === 'loading') return <Spinner label="Loading debug data…" />;
  if (state.phase === 'error') {
    return (
      <div className="debug-panel" role="alert">
        <p>The debug data could not be loaded: {state.message}</p>
        <button type="button" className="btn btn-secondary btn-sm" onClick={() => setReload((r) => r + 1)}>
          Try again
        </button>
      </div>
    );
  }
  const { scan } = state;
  if (!scan) return <p className="debug-panel">This scan no longer exists.</p>;
  const summary = summarizeDebug(scan.debug);
  return (
    <div className="debug-panel" data-testid="debug-panel">
      <div className="debug-grid">
        <div className="debug-image">
          <ScanImage scan={scan} variant="large" />
          <Verdict scan={scan} />
        </div>
        <div className="debug-facts">
          <dl className="facts">
            <dt>Scan id</dt>
            <dd>
              <code>{scan.id}</code>
            </dd>
            <dt>Owner</dt>
            <dd>
              <code>{scan.owner ?? 'unknown'}</code>
            </dd>
            <dt>Image key</dt>
            <dd>
              <code>{scan.imageKey}</code>
            </dd>
            <dt>Status</dt>
            <dd>{scan.status}</dd>
            {scan.reason && (
              <>
                <dt>Reason</dt>
                <dd>{scan.reason}</dd>
              </>
            )}
            {summary?.modelVersion && (
              <>
                <dt>Model version</dt>
                <dd>{summary.modelVersion}</dd>
              </>
            )}
            {summary?.thresholds.map(([k, v]) => (
              <Fact key={`t-${k}`} name={k} value={v} />
            ))}
            {summary?.timings.map(([k, v]) => (
              <Fact key={`d-${k}`} name={k} value={v} />
            ))}
            {summary?.requestIds.map(([k, v]) => (
              <Fact key={`r-${k}`} name={k} value={v} code />
            ))}
          </dl>
        </div>
      </div>
      {!summary ? (
        <p className="muted">No debug data for this scan (yet).</p>
      ) : (
        <>
          {summary.labels.length > 0 && (
            <div className="table-scroll" role="region" aria-label="Detected labels" tabIndex={0}>
              <table className="labels-table">
                <caption>Detected labels</caption>
                <thead>
                  <tr>
                    <th scope="col">Label</th>
                    <th scope="col" className="num">
                      Confidence
                    </th>
                    <th scope="col">Parents</th>
                    <th scope="col" className="num">
                      Boxes
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {summary.labels.map((label, i) => (
                    <tr key={`${label.name}-${i}`} className={label.name.toLowerCase() === 'cat' ? 'is-target' : undefined}>
                      <th scope="row">{label.name}</th>
                      <td className="num">{label.confidence === null ? '' : `${formatPercent(label.confidence)} (${label.confidence.toFixed(2)})`}</td>
                      <td>{label.parents.join(', ')}</td>
                      <td className="num">{label.instances || ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <details className="raw-json" data-testid="raw-json">
            <summary>Show the raw debug JSON</summary>
            <pre tabIndex={0}>{summary.pretty}</pre>
          </details>
        </>
      )}
    </div>
  );
}

/** One fact, named for people; the raw key is the tooltip (and in the raw JSON below). */
function Fact({ name, value, code }: { name: string; value: string; code?: boolean }) {
  return (
    <>
      <dt title={name}>{describeKey(name)}</dt>
      <dd>{code ? <code>{value}</code> : value}</dd>
    </>
  );
}
