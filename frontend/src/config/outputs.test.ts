import { afterEach, describe, expect, it, vi } from 'vitest';
import sample from '../../amplify_outputs.sample.json';
import { loadOutputs, validateOutputs } from './outputs';

afterEach(() => vi.unstubAllGlobals());

describe('outputs', () => {
  it('accepts the Gen 2 outputs shape', () => {
    expect(validateOutputs(sample)).toEqual([]);
  });

  it('lists what is missing', () => {
    expect(validateOutputs({ version: '1.4' })).toEqual([
      '"auth" (Cognito user pool) is missing',
      '"auth.identity_pool_id" is missing (uploads need it)',
      '"data.url" (the GraphQL API) is missing',
      '"storage.bucket_name" is missing',
    ]);
    expect(validateOutputs(null)).toEqual(['the file does not contain a JSON object']);
  });

  it('prefers a fresher file served next to the page in local mode', async () => {
    const fresh = { ...sample, data: { ...sample.data, url: 'http://127.0.0.1:45123/graphql' } };
    const fetch = vi.fn(() => Promise.resolve(new Response(JSON.stringify(fresh), { status: 200 })));
    vi.stubGlobal('fetch', fetch);
    const result = await loadOutputs();
    expect(fetch).toHaveBeenCalledOnce();
    expect(result).toMatchObject({ ok: true, outputs: { data: { url: 'http://127.0.0.1:45123/graphql' } } });
  });

  it('falls back to the embedded file when the page has none (or an HTML fallback)', async () => {
    vi.stubGlobal('fetch', vi.fn(() => Promise.resolve(new Response('<!doctype html>', { status: 200 }))));
    const result = await loadOutputs();
    expect(result).toMatchObject({ ok: true, outputs: { data: { url: 'http://127.0.0.1:4510/graphql' } } });
  });
});
