/** Object keys and ids shared by the upload flow, the uploader and the scanner's key parser. */

/** uploads/{identityId}/{scanId}/{fileName}: the Amplify Storage path rule the scanner parses. */
export function imageKeyFor(identityId: string, scanId: string, keyFileName: string): string {
  return `uploads/${identityId}/${scanId}/${keyFileName}`;
}

const EXTENSIONS: Record<string, string> = { 'image/jpeg': '.jpg', 'image/png': '.png' };

/**
 * A file name safe as the last segment of an S3 key and in S3 event notifications (which arrive
 * URL-encoded): ASCII letters, digits, dot, dash and underscore only. The original name is kept in the
 * Scan's `fileName`; this is only for the key.
 */
export function keySafeFileName(fileName: string, contentType: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? '';
  const dot = base.lastIndexOf('.');
  const ext = dot > 0 ? base.slice(dot) : '';
  const stem = (dot > 0 ? base.slice(0, dot) : base)
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/_+/g, '_')
    .slice(0, 100)
    .replace(/^[._-]+|[._-]+$/g, '');
  // Keep the user's extension when it matches the content (.JPEG stays), otherwise use the content's.
  const matches = contentType === 'image/png' ? /^\.png$/i : /^\.jpe?g$/i;
  const safeExt = matches.test(ext) ? ext : (EXTENSIONS[contentType] ?? '');
  return `${stem || 'image'}${safeExt}`;
}

/** RFC 4122 v4 id; crypto.randomUUID exists only in secure contexts (not on http://<lan-ip>). */
export function newId(): string {
  const c = globalThis.crypto;
  if (typeof c?.randomUUID === 'function') return c.randomUUID();
  const bytes = new Uint8Array(16);
  c.getRandomValues(bytes);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
