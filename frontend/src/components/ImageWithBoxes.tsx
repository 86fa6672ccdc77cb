import { useState } from 'react';
import type { CatBox } from '../graphql/types';
import { formatPercent } from '../lib/format';

const clamp01 = (v: number) => Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0));

/** Box ratios (0..1 of the image) as CSS percentages, clipped to the image. */
export function boxStyle(box: CatBox): { left: string; top: string; width: string; height: string } {
  const left = clamp01(box.left);
  const top = clamp01(box.top);
  const width = Math.min(clamp01(box.width), 1 - left);
  const height = Math.min(clamp01(box.height), 1 - top);
  const pct = (v: number) => `${Number((v * 100).toFixed(3))}%`;
  return { left: pct(left), top: pct(top), width: pct(width), height: pct(height) };
}

export interface ImageWithBoxesProps {
  src: string | null;
  alt: string;
  boxes?: Array<CatBox | null> | null;
  /** 'thumb' fits the card, 'large' the dialogs. */
  variant?: 'thumb' | 'large';
  loading?: boolean;
  onError?: () => void;
}

/**
 * The image with the cats' bounding boxes drawn over it. The frame shrink-wraps the rendered image, so
 * boxes in percent land on the same pixels whatever size the image is shown at.
 */
export function ImageWithBoxes({ src, alt, boxes, variant = 'thumb', loading, onError }: ImageWithBoxesProps) {
  const [failedSrc, setFailedSrc] = useState<string | null>(null);
  const failed = src !== null && failedSrc === src;
  const shown = (boxes ?? []).filter((b): b is CatBox => Boolean(b));
  const label = shown.length > 0 ? `${alt} (${shown.length} ${shown.length === 1 ? 'cat' : 'cats'} outlined)` : alt;
  return (
    <div className={`shot shot-${variant}`}>
      {src && !failed ? (
        <div className="shot-frame">
          <img
            src={src}
            alt={label}
            loading="lazy"
            decoding="async"
            onError={() => {
              setFailedSrc(src);
              onError?.();
            }}
          />
          {shown.map((box, i) => (
            <span
              key={i}
              className="cat-box"
              data-testid="cat-box"
              style={boxStyle(box)}
              title={box.confidence != null ? `Cat ${formatPercent(box.confidence)}` : 'Cat'}
              aria-hidden="true"
            >
              {variant === 'large' && box.confidence != null && (
                <span className="cat-box-tag">Cat {formatPercent(box.confidence)}</span>
              )}
            </span>
          ))}
        </div>
      ) : (
        <div className="shot-placeholder" role="img" aria-label={loading ? `Loading ${alt}` : `${alt} (image unavailable)`}>
          {loading ? <span className="spinner" aria-hidden="true" /> : <PhotoIcon />}
        </div>
      )}
    </div>
  );
}

function PhotoIcon() {
  return (
    <svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true" focusable="false">
      <path
        fill="currentColor"
        d="M19 3H5a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h14a2 2 0 0 0 2-2V5a2 2 0 0 0-2-2Zm0 16H5V5h14v14Zm-5.04-6.71-2.75 3.54-1.96-2.36L6.5 17h11l-3.54-4.71Z"
      />
    </svg>
  );
}
