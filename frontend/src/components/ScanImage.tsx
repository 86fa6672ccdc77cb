import { useEffect, useState } from 'react';
import { imageUrl } from '../config/uploader';
import type { Scan } from '../graphql/types';
import { ImageWithBoxes } from './ImageWithBoxes';

type ImageScan = Pick<Scan, 'id' | 'imageKey' | 'fileName' | 'catBoxes' | 'status' | 'thumbnailKey'>;

/**
 * Which stored image a view of a scan downloads: cards and table rows ('thumb') only the scanner's small
 * JPEG (thumbnailKey), never the original; an opened scan ('large') the original. A rejected or failed
 * scan downloads nothing (its upload may be huge or no image at all), and a scan without a thumbnail (not
 * yet written, or a PNG too large to decode) shows the placeholder.
 */
export function storedImageKey(scan: ImageScan, variant: 'thumb' | 'large'): string | null {
  if (scan.status === 'REJECTED' || scan.status === 'FAILED') return null;
  if (variant === 'thumb') return scan.thumbnailKey ?? null;
  return scan.imageKey || null;
}

/**
 * A scan's image: the local object URL for a file uploaded in this tab, otherwise a signed URL from
 * config/uploader.ts (Amplify getUrl in the cloud, a presigned S3 GET locally) of storedImageKey.
 */
export function ScanImage({
  scan,
  preview,
  variant = 'thumb',
}: {
  scan: ImageScan;
  preview?: string;
  variant?: 'thumb' | 'large';
}) {
  const key = preview ? null : storedImageKey(scan, variant);
  const [resolved, setResolved] = useState<{ key: string; url: string | null } | null>(null);
  useEffect(() => {
    if (!key) return;
    let active = true;
    imageUrl(key)
      .then((url) => active && setResolved({ key, url }))
      .catch(() => active && setResolved({ key, url: null }));
    return () => {
      active = false;
    };
  }, [key]);
  const url = preview ?? (key && resolved?.key === key ? resolved.url : null);
  const loading = Boolean(key) && resolved?.key !== key;
  return <ImageWithBoxes src={url} alt={scan.fileName} boxes={scan.catBoxes} variant={variant} loading={loading} />;
}
