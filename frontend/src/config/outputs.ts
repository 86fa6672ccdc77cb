/**
 * amplify_outputs.json (Gen 2 outputs schema): the one file both worlds share.
 *
 * Embedded at build time (virtual:amplify-outputs, see vite-plugins/amplify-outputs.ts). When the embedded
 * file describes the local cloud, or there is none, the page first asks its own origin for a fresher
 * `amplify_outputs.json` (vite dev/preview serve the repo root file; the local cloud may serve its own),
 * because local ports can change between runs. A cloud build never makes that extra request.
 */
import * as embedded from 'virtual:amplify-outputs';

export interface LocalEndpoints {
  s3?: string;
  'cognito-idp'?: string;
  'cognito-identity'?: string;
  [service: string]: string | undefined;
}

export interface AmplifyOutputs {
  version: string;
  auth?: {
    aws_region: string;
    user_pool_id: string;
    user_pool_client_id: string;
    identity_pool_id?: string;
    groups?: Array<Record<string, { precedence?: number }>>;
    username_attributes?: string[];
    standard_required_attributes?: string[];
    user_verification_types?: string[];
    password_policy?: Record<string, unknown>;
    [key: string]: unknown;
  };
  data?: {
    url: string;
    aws_region: string;
    default_authorization_type: string;
    authorization_types?: string[];
    [key: string]: unknown;
  };
  storage?: {
    aws_region: string;
    bucket_name: string;
    buckets?: unknown[];
  };
  custom?: {
    local?: { endpoints?: LocalEndpoints; [key: string]: unknown };
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export type OutputsResult =
  | { ok: true; outputs: AmplifyOutputs; source: string }
  | { ok: false; error: string; source: string };

/** What the app needs from the file; returns a list of problems (empty = usable). */
export function validateOutputs(value: unknown): string[] {
  const problems: string[] = [];
  if (!value || typeof value !== 'object') return ['the file does not contain a JSON object'];
  const o = value as Partial<AmplifyOutputs>;
  if (typeof o.version !== 'string' || !o.version.startsWith('1')) {
    problems.push('"version" is missing or not a Gen 2 outputs version (1.x)');
  }
  if (!o.auth?.user_pool_id || !o.auth.user_pool_client_id) problems.push('"auth" (Cognito user pool) is missing');
  if (!o.auth?.identity_pool_id) problems.push('"auth.identity_pool_id" is missing (uploads need it)');
  if (!o.data?.url) problems.push('"data.url" (the GraphQL API) is missing');
  if (!o.storage?.bucket_name) problems.push('"storage.bucket_name" is missing');
  return problems;
}

export function isLocalOutputs(outputs: AmplifyOutputs): boolean {
  return Boolean(outputs.custom?.local);
}

async function fetchRuntimeOutputs(timeoutMs: number): Promise<unknown> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetch(`${import.meta.env.BASE_URL}amplify_outputs.json`, {
      cache: 'no-store',
      signal: controller.signal,
      headers: { Accept: 'application/json' },
    });
    if (!response.ok) return null;
    // An SPA fallback answers unknown paths with index.html: only JSON counts.
    return JSON.parse(await response.text());
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}

function check(value: unknown, source: string): OutputsResult {
  const problems = validateOutputs(value);
  if (problems.length > 0) return { ok: false, error: problems.join('; '), source };
  return { ok: true, outputs: value as AmplifyOutputs, source };
}

export async function loadOutputs(): Promise<OutputsResult> {
  const built = embedded.outputs as AmplifyOutputs | null;
  if (!built || isLocalOutputs(built)) {
    const runtime = await fetchRuntimeOutputs(2500);
    if (runtime) return check(runtime, 'amplify_outputs.json (served next to the page)');
  }
  if (!built) return { ok: false, error: embedded.error ?? 'amplify_outputs.json is missing', source: embedded.source };
  return check(built, embedded.source);
}
