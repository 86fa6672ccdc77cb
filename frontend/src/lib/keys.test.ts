import { afterEach, describe, expect, it, vi } from 'vitest';
import { imageKeyFor, keySafeFileName, newId } from './keys';

describe('keys', () => {
  it('builds the Amplify Storage path the scanner parses', () => {
    expect(imageKeyFor('us-east-1:abc', 'scan-1', 'cat.jpg')).toBe('uploads/us-east-1:abc/scan-1/cat.jpg');
  });

  it('makes file names safe for keys and S3 events', () => {
    expect(keySafeFileName('Mein Kätzchen + Hund (1).JPG', 'image/jpeg')).toBe('Mein_Katzchen_Hund_1.JPG');
    expect(keySafeFileName('../../etc/passwd', 'image/png')).toBe('passwd.png');
    expect(keySafeFileName('猫.png', 'image/png')).toBe('image.png');
    expect(keySafeFileName('photo', 'image/jpeg')).toBe('photo.jpg');
    expect(keySafeFileName('scan.webp', 'image/png')).toBe('scan.png');
    expect(keySafeFileName('really-a-png.jpg', 'image/png')).toBe('really-a-png.png');
    expect(keySafeFileName(`${'a'.repeat(300)}.png`, 'image/png').length).toBeLessThanOrEqual(104);
  });

  afterEach(() => vi.unstubAllGlobals());

  it('makes v4 ids without crypto.randomUUID (insecure contexts)', () => {
    vi.stubGlobal('crypto', { getRandomValues: (a: Uint8Array) => a.fill(0xab) });
    expect(newId()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
