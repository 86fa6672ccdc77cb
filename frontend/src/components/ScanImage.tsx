import { useEffect, useState } from 'react';
import { imageUrl } from '../config/uploader';
import type { Scan } from '../graphql/types';
import { ImageWithBoxes } from './ImageWithBoxes';

/**
 * A scan's image: the local object URL for a file uploaded in this tab, otherwise a signed URL from
 * config/uploader.ts (Amplify getUrl in the cloud, a presigned S3 GET locally).
 */
export function ScanImage({
  scan,
  preview,
  variant = 'thumb',
}: {
  scan: Pick<Scan, 'id' | 'imageKey' | 'fileName' | 'catBoxes'>;
  preview?: string;
  variant?: 'thumb' | 'large';
}) {
  const [resolved, setResolved] = useState<{ key: string; url: string | null } | null>(null);
  useEffect(() => {
    if (preview || !scan.imageKey) return;
    let active = true;
    imageUrl(scan.imageKey)
      .then((url) => active && setResolved({ key: scan.imageKey, url }))
      .catch(() => active && setResolved({ key: scan.imageKey, url: null }));
    return () => {
      active = false;
    };
  }, [preview, scan.imageKey]);
  const url = preview ?? (resolved?.key === scan.imageKey ? resolved.url : null);
  const loading = !preview && resolved?.key !== scan.imageKey;
  return <ImageWithBoxes src={url} alt={scan.fileName} boxes={scan.catBoxes} variant={variant} loading={loading} />;
}
