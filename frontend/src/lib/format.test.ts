import { describe, expect, it } from 'vitest';
import { scan } from '../test/fixtures';
import { announcement, formatBytes, formatOwner, formatPercent, formatRelativeTime, verdictText } from './format';

describe('format', () => {
  it('formats bytes', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(2048)).toBe('2.0 KB');
    expect(formatBytes(200 * 1024)).toBe('200 KB');
    expect(formatBytes(15 * 1024 * 1024)).toBe('15 MB');
    expect(formatBytes(3.45 * 1024 * 1024)).toBe('3.5 MB');
  });

  it('formats confidence (0..100) without lying at the edges', () => {
    expect(formatPercent(97.4)).toBe('97%');
    expect(formatPercent(0)).toBe('0%');
    expect(formatPercent(0.4)).toBe('<1%');
    expect(formatPercent(99.6)).toBe('>99%');
    expect(formatPercent(100)).toBe('100%');
    expect(formatPercent(null)).toBe('');
  });

  it('words the verdict', () => {
    expect(verdictText({ status: 'DONE', isCat: true, confidence: 97.2 })).toMatchObject({
      label: 'Cat',
      detail: '97% confidence',
      spoken: 'Cat, 97% confidence',
    });
    expect(verdictText({ status: 'DONE', isCat: false, confidence: 3 })).toMatchObject({
      label: 'No cat',
      detail: '3% cat confidence',
    });
    expect(verdictText({ status: 'PROCESSING', isCat: null, confidence: null })).toBeNull();
  });

  it('announces finished scans', () => {
    expect(announcement(scan({ fileName: 'a.jpg', status: 'DONE', isCat: true, confidence: 90 }))).toBe(
      'a.jpg: Cat, 90% confidence.',
    );
    expect(announcement(scan({ fileName: 'b.png', status: 'REJECTED', reason: 'Too small.' }))).toBe(
      'b.png was rejected: Too small.',
    );
  });

  it('formats relative times', () => {
    const now = Date.parse('2026-11-21T12:00:00Z');
    expect(formatRelativeTime('2026-11-21T11:59:50Z', now)).toBe('just now');
    expect(formatRelativeTime('2026-11-21T11:55:00Z', now)).toBe('5 minutes ago');
    expect(formatRelativeTime('2026-11-20T12:00:00Z', now)).toBe('yesterday');
    expect(formatRelativeTime(null, now)).toBe('');
  });

  it('shows the username part of an Amplify owner', () => {
    expect(formatOwner('1f2e3d4c-0000-4000-8000-000000000000::1f2e3d4c-0000-4000-8000-000000000000')).toBe('1f2e3d4c…');
    expect(formatOwner('abc::alice')).toBe('alice');
    expect(formatOwner(null)).toBe('unknown');
  });
});
