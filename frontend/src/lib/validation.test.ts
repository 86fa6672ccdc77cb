import { describe, expect, it } from 'vitest';
import { fileOf, GIF_HEAD, JPEG_HEAD, PNG_HEAD } from '../test/fixtures';
import { MAX_IMAGE_BYTES, sniffImage, validateImage, validateImageFile } from './validation';

describe('sniffImage', () => {
  it('recognises JPEG and PNG by their magic bytes', () => {
    expect(sniffImage(JPEG_HEAD)).toEqual({ accepted: true, format: 'JPEG', contentType: 'image/jpeg' });
    expect(sniffImage(PNG_HEAD)).toEqual({ accepted: true, format: 'PNG', contentType: 'image/png' });
  });

  it.each([
    ['GIF89a....', 'a GIF'],
    ['RIFF\x00\x00\x00\x00WEBPVP8 ', 'a WebP image'],
    ['\x00\x00\x00\x18ftypheic', 'a HEIC image'],
    ['\x00\x00\x00\x1cftypavif', 'an AVIF image'],
    ['BM6\x00\x00\x00', 'a BMP image'],
    ['%PDF-1.7', 'a PDF'],
    ['<svg xmlns="http://www.w3.org/2000/svg">', 'an SVG image'],
    ['hello, this is not a picture', 'a text file'],
  ])('names %j as %s', (head, description) => {
    const bytes = Uint8Array.from(head, (c) => c.charCodeAt(0));
    expect(sniffImage(bytes)).toEqual({ accepted: false, description });
  });

  it('refuses a truncated PNG signature', () => {
    expect(sniffImage(PNG_HEAD.subarray(0, 4)).accepted).toBe(false);
  });
});

describe('validateImage', () => {
  it('accepts a PNG even when it is named .jpg (content decides)', () => {
    expect(validateImage('cat.jpg', 2048, PNG_HEAD)).toEqual({ ok: true, format: 'PNG', contentType: 'image/png' });
  });

  it('refuses a GIF with a clear message', () => {
    expect(validateImage('photo.gif', 2048, GIF_HEAD)).toEqual({
      ok: false,
      message: 'photo.gif is a GIF: only JPEG and PNG images can be scanned.',
    });
  });

  it('refuses a text file named .jpg', () => {
    const head = new TextEncoder().encode('just some notes\n');
    expect(validateImage('notes.jpg', 16, head)).toEqual({
      ok: false,
      message: 'notes.jpg is a text file: only JPEG and PNG images can be scanned.',
    });
  });

  it('refuses unknown binary content', () => {
    const result = validateImage('blob.png', 4, new Uint8Array([0x00, 0x01, 0x02, 0x03]));
    expect(result).toEqual({
      ok: false,
      message: 'blob.png is not a JPEG or PNG image: only JPEG and PNG images can be scanned.',
    });
  });

  it('refuses images over 15 MB and says how big they are', () => {
    const result = validateImage('huge.jpg', 16 * 1024 * 1024 + 300 * 1024, JPEG_HEAD);
    expect(result).toEqual({ ok: false, message: 'huge.jpg is 16.3 MB: images up to 15 MB can be scanned.' });
  });

  it('accepts exactly 15 MB', () => {
    expect(validateImage('max.jpg', MAX_IMAGE_BYTES, JPEG_HEAD).ok).toBe(true);
  });

  it('refuses an empty file', () => {
    expect(validateImage('empty.png', 0, new Uint8Array())).toEqual({
      ok: false,
      message: 'empty.png is empty: only JPEG and PNG images can be scanned.',
    });
  });
});

describe('validateImageFile', () => {
  it('reads the first bytes of a real File', async () => {
    await expect(validateImageFile(fileOf('a.png', PNG_HEAD, 4096))).resolves.toMatchObject({ ok: true, format: 'PNG' });
    await expect(validateImageFile(fileOf('b.jpeg', JPEG_HEAD, 4096))).resolves.toMatchObject({ ok: true, format: 'JPEG' });
    await expect(validateImageFile(fileOf('c.gif', GIF_HEAD, 4096, 'image/gif'))).resolves.toMatchObject({
      ok: false,
      message: 'c.gif is a GIF: only JPEG and PNG images can be scanned.',
    });
  });

  it('ignores the type the browser guessed from the extension', async () => {
    const fake = fileOf('notes.jpg', 'plain text pretending to be a photo', undefined, 'image/jpeg');
    const result = await validateImageFile(fake);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toContain('text file');
  });
});
