/** The Scan model of ../../../schema.graphql as the client sees it. */

export type ScanStatus = 'PENDING' | 'PROCESSING' | 'DONE' | 'REJECTED' | 'FAILED';

export const SCAN_STATUSES: readonly ScanStatus[] = ['PENDING', 'PROCESSING', 'DONE', 'REJECTED', 'FAILED'];

/** A cat's bounding box as ratios (0..1) of the image width/height; confidence 0..100. */
export interface CatBox {
  left: number;
  top: number;
  width: number;
  height: number;
  confidence?: number | null;
}

export interface Scan {
  id: string;
  owner?: string | null;
  imageKey: string;
  fileName: string;
  contentType?: string | null;
  sizeBytes?: number | null;
  status: ScanStatus;
  isCat?: boolean | null;
  /** The detector's confidence (0..100) that a cat is present. */
  confidence?: number | null;
  catBoxes?: Array<CatBox | null> | null;
  reason?: string | null;
  /** The uploader's e-mail, written by the scanner from Cognito (null until the scanner saw the scan). */
  ownerEmail?: string | null;
  /** thumbnails/{identityId}/{scanId}.jpg, written by the scanner after a DONE verdict (null: none). */
  thumbnailKey?: string | null;
  createdAt?: string | null;
  updatedAt?: string | null;
  /** AWSJSON, Admin only, read with getScan (null in mutation responses and subscription payloads). */
  debug?: string | Record<string, unknown> | null;
}

export interface CreateScanInput {
  id: string;
  imageKey: string;
  fileName: string;
  contentType: string;
  sizeBytes: number;
}
