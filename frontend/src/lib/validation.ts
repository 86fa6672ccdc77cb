/**
 * Client-side checks before anything is created or uploaded: JPEG or PNG by magic bytes (the content,
 * not the name or the browser's guess), not empty, at most 15 MB (Rekognition's limit for an S3 object).
 * The scanner checks again; this only saves a round trip and explains the problem at once.
 */
import { formatBytes } from './format';

export const MAX_IMAGE_BYTES = 15 * 1024 * 1024;
export const ACCEPTED_CONTENT_TYPES = ['image/jpeg', 'image/png'] as const;
export type AcceptedContentType = (typeof ACCEPTED_CONTENT_TYPES)[number];

/** What the first bytes say the file is. `accepted` formats carry their content type. */
export type Sniffed =
  | { accepted: true; format: 'JPEG' | 'PNG'; contentType: AcceptedContentType }
  | { accepted: false; description: string | null };

const ascii = (bytes: Uint8Array, start: number, end: number): string =>
  String.fromCharCode(...bytes.subarray(start, end));

const startsWith = (bytes: Uint8Array, signature: number[], offset = 0): boolean =>
  bytes.length >= offset + signature.length && signature.every((b, i) => bytes[offset + i] === b);

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_SIGNATURE = [0xff, 0xd8, 0xff];

function looksLikeText(bytes: Uint8Array): boolean {
  if (bytes.length === 0) return false;
  return bytes.every((b) => b === 0x09 || b === 0x0a || b === 0x0d || (b >= 0x20 && b !== 0x7f));
}

/** Identifies a file from its first bytes (32 are plenty). */
export function sniffImage(bytes: Uint8Array): Sniffed {
  if (startsWith(bytes, JPEG_SIGNATURE)) return { accepted: true, format: 'JPEG', contentType: 'image/jpeg' };
  if (startsWith(bytes, PNG_SIGNATURE)) return { accepted: true, format: 'PNG', contentType: 'image/png' };
  const head = ascii(bytes, 0, Math.min(bytes.length, 16));
  if (head.startsWith('GIF87a') || head.startsWith('GIF89a')) return { accepted: false, description: 'a GIF' };
  if (head.startsWith('RIFF') && ascii(bytes, 8, 12) === 'WEBP') return { accepted: false, description: 'a WebP image' };
  if (ascii(bytes, 4, 8) === 'ftyp') {
    const brand = ascii(bytes, 8, 12);
    if (brand.startsWith('avi')) return { accepted: false, description: 'an AVIF image' };
    if (/^(hei|hev|mif1|msf1)/.test(brand)) return { accepted: false, description: 'a HEIC image' };
    return { accepted: false, description: 'a video or ISO media file' };
  }
  if (head.startsWith('BM')) return { accepted: false, description: 'a BMP image' };
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) {
    return { accepted: false, description: 'a TIFF image' };
  }
  if (startsWith(bytes, [0x00, 0x00, 0x01, 0x00])) return { accepted: false, description: 'an icon (ICO)' };
  if (head.startsWith('%PDF')) return { accepted: false, description: 'a PDF' };
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04])) return { accepted: false, description: 'a ZIP archive' };
  if (looksLikeText(bytes)) {
    const text = ascii(bytes, 0, bytes.length).trimStart().toLowerCase();
    if (text.startsWith('<svg') || (text.startsWith('<?xml') && text.includes('<svg'))) {
      return { accepted: false, description: 'an SVG image' };
    }
    return { accepted: false, description: 'a text file' };
  }
  return { accepted: false, description: null };
}

export type Validation =
  | { ok: true; format: 'JPEG' | 'PNG'; contentType: AcceptedContentType }
  | { ok: false; message: string };

const ONLY = 'only JPEG and PNG images can be scanned.';

/** The verdict for a file given its name, size and first bytes (pure: unit-testable without files). */
export function validateImage(name: string, size: number, head: Uint8Array): Validation {
  if (size === 0) return { ok: false, message: `${name} is empty: ${ONLY}` };
  const sniffed = sniffImage(head);
  if (!sniffed.accepted) {
    const what = sniffed.description ? `is ${sniffed.description}` : 'is not a JPEG or PNG image';
    return { ok: false, message: `${name} ${what}: ${ONLY}` };
  }
  if (size > MAX_IMAGE_BYTES) {
    return {
      ok: false,
      message: `${name} is ${formatBytes(size)}: images up to ${formatBytes(MAX_IMAGE_BYTES)} can be scanned.`,
    };
  }
  return { ok: true, format: sniffed.format, contentType: sniffed.contentType };
}

/** Reads the first `count` bytes of a Blob (FileReader fallback for older engines and jsdom). */
export async function readHead(blob: Blob, count = 32): Promise<Uint8Array> {
  const slice = blob.slice(0, count);
  if (typeof slice.arrayBuffer === 'function') return new Uint8Array(await slice.arrayBuffer());
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(new Uint8Array(reader.result as ArrayBuffer));
    reader.onerror = () => reject(reader.error ?? new Error('The file could not be read'));
    reader.readAsArrayBuffer(slice);
  });
}

export async function validateImageFile(file: File): Promise<Validation> {
  if (file.size === 0) return validateImage(file.name, 0, new Uint8Array());
  let head: Uint8Array;
  try {
    head = await readHead(file);
  } catch {
    return { ok: false, message: `${file.name} could not be read.` };
  }
  return validateImage(file.name, file.size, head);
}
