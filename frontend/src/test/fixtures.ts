import type { Scan } from '../graphql/types';

export const PNG_HEAD = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
export const JPEG_HEAD = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00]);
export const GIF_HEAD = new TextEncoder().encode('GIF89a\x01\x00\x01\x00');

/** A File whose content starts with `head`, padded to `size` bytes. */
export function fileOf(name: string, head: Uint8Array | string, size?: number, type = ''): File {
  const bytes = typeof head === 'string' ? new TextEncoder().encode(head) : head;
  const total = size ?? bytes.length;
  const body = new Uint8Array(total);
  body.set(bytes.subarray(0, total));
  return new File([body], name, { type });
}

let counter = 0;
export function scan(overrides: Partial<Scan> = {}): Scan {
  counter += 1;
  const id = overrides.id ?? `scan-${counter}`;
  return {
    id,
    owner: 'sub-1::sub-1',
    imageKey: `uploads/us-east-1:identity/${id}/photo.jpg`,
    fileName: 'photo.jpg',
    contentType: 'image/jpeg',
    sizeBytes: 123456,
    status: 'PENDING',
    isCat: null,
    confidence: null,
    catBoxes: null,
    reason: null,
    ownerEmail: null,
    thumbnailKey: null,
    createdAt: '2026-11-21T10:00:00.000Z',
    updatedAt: '2026-11-21T10:00:00.000Z',
    ...overrides,
  };
}
