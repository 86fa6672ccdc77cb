import type { Scan } from '../graphql/types';
import { verdictText } from '../lib/format';

/** "Cat · 97% confidence" / "No cat · 3% cat confidence" for a finished scan; nothing otherwise. */
export function Verdict({ scan }: { scan: Pick<Scan, 'status' | 'isCat' | 'confidence'> }) {
  const verdict = verdictText(scan);
  if (!verdict) return null;
  return (
    <span className={`verdict ${scan.isCat ? 'verdict-cat' : 'verdict-nocat'}`} data-testid="verdict">
      <strong className="verdict-label">{verdict.label}</strong>
      {verdict.detail && <span className="verdict-detail">{verdict.detail}</span>}
    </span>
  );
}
