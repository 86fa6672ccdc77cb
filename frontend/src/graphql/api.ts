/** Typed calls of the GraphQL API through Amplify's `generateClient().graphql({ query, variables })`. */
import { CONNECTION_STATE_CHANGE, generateClient } from 'aws-amplify/api';
import { Hub } from 'aws-amplify/utils';
import type { ScanPage } from '../lib/pager';
import * as docs from './documents';
import type { CreateScanInput, Scan, ScanStatus } from './types';

/** The part of Amplify's client used here (its full generic type is too deep for an SDL-only API). */
interface Client {
  graphql(options: { query: string; variables?: Record<string, unknown> }): unknown;
}
let client: Client | null = null;

function api(): Client {
  client ??= generateClient() as unknown as Client;
  return client;
}

export class ApiError extends Error {
  constructor(message: string, readonly cause?: unknown) {
    super(message);
    this.name = 'ApiError';
  }
}

/** A message a person can read, from whatever Amplify rejected with (Error, GraphQLResult, string). */
export function errorMessage(err: unknown): string {
  if (!err) return 'Unknown error';
  if (typeof err === 'string') return err;
  if (typeof err === 'object') {
    const errors = (err as { errors?: Array<{ message?: string }> }).errors;
    if (Array.isArray(errors) && errors.length > 0) {
      const messages = [...new Set(errors.map((e) => e?.message).filter(Boolean))];
      if (messages.length > 0) return messages.join('; ');
    }
    const message = (err as { message?: unknown }).message;
    if (typeof message === 'string' && message) return message;
  }
  return String(err);
}

async function request<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
  let result: { data?: T; errors?: unknown[] };
  try {
    result = (await api().graphql({ query, variables })) as { data?: T; errors?: unknown[] };
  } catch (err) {
    throw new ApiError(errorMessage(err), err);
  }
  if (result.errors?.length) throw new ApiError(errorMessage(result), result);
  if (!result.data) throw new ApiError('The API returned no data');
  return result.data;
}

export async function createScan(input: CreateScanInput): Promise<Scan> {
  const data = await request<{ createScan: Scan }>(docs.createScan, { input });
  return data.createScan;
}

export async function deleteScan(id: string): Promise<Scan | null> {
  const data = await request<{ deleteScan: Scan | null }>(docs.deleteScan, { input: { id } });
  return data.deleteScan;
}

export async function getScan(id: string): Promise<Scan | null> {
  const data = await request<{ getScan: Scan | null }>(docs.getScan, { id });
  return data.getScan;
}

/** getScan with `debug` (Admin only). */
export async function getScanDebug(id: string): Promise<Scan | null> {
  const data = await request<{ getScan: Scan | null }>(docs.getScanDebug, { id });
  return data.getScan;
}

type Connection = { items: Array<Scan | null>; nextToken?: string | null };

async function indexPage(query: string, field: string, variables: Record<string, unknown>): Promise<ScanPage> {
  const data = await request<Record<string, Connection>>(query, { sortDirection: 'DESC', ...variables });
  const page = data[field];
  return { items: page.items.filter((s): s is Scan => Boolean(s)), nextToken: page.nextToken ?? null };
}

/** One page of an owner's scans, newest first. `owner` is the stored owner value, `<sub>::<username>`. */
export function scansByOwner(owner: string, limit: number, nextToken: string | null): Promise<ScanPage> {
  return indexPage(docs.scansByOwner, 'scansByOwner', { owner, limit, nextToken });
}

/** One page of the scans in a status, most recently updated first (owners: only their own). */
export function scansByStatus(status: ScanStatus, limit: number, nextToken: string | null): Promise<ScanPage> {
  return indexPage(docs.scansByStatus, 'scansByStatus', { status, limit, nextToken });
}

/** One page of an uploader's scans (by the e-mail the scanner wrote), newest first; optionally one status. */
export function scansByOwnerEmail(
  ownerEmail: string,
  limit: number,
  nextToken: string | null,
  status?: ScanStatus,
): Promise<ScanPage> {
  const filter = status ? { status: { eq: status } } : undefined;
  return indexPage(docs.scansByOwnerEmail, 'scansByOwnerEmail', { ownerEmail, limit, nextToken, filter });
}

export type ScanEvent = { type: 'upsert'; scan: Scan } | { type: 'remove'; scan: Scan };

interface Subscribable {
  subscribe(observer: {
    next: (message: { data?: Record<string, Scan | null> }) => void;
    error: (err: unknown) => void;
  }): { unsubscribe: () => void };
}

/**
 * Subscribes to onCreateScan, onUpdateScan and onDeleteScan. Returns the unsubscribe function.
 * Subscribe before listing, so nothing that happens while the list loads is lost.
 */
export function subscribeToScans(onEvent: (event: ScanEvent) => void, onError: (err: unknown) => void): () => void {
  const specs: Array<[string, string, ScanEvent['type']]> = [
    [docs.onCreateScan, 'onCreateScan', 'upsert'],
    [docs.onUpdateScan, 'onUpdateScan', 'upsert'],
    [docs.onDeleteScan, 'onDeleteScan', 'remove'],
  ];
  const subscriptions = specs.map(([query, field, type]) =>
    (api().graphql({ query }) as unknown as Subscribable).subscribe({
      next: (message) => {
        const scan = message.data?.[field];
        if (scan?.id) onEvent({ type, scan });
      },
      error: onError,
    }),
  );
  return () => subscriptions.forEach((s) => s.unsubscribe());
}

/** Calls back with Amplify's realtime connection state ('Connected', 'ConnectionDisrupted', ...). */
export function onConnectionStateChange(callback: (state: string) => void): () => void {
  return Hub.listen('api', ({ payload }) => {
    if (payload.event !== CONNECTION_STATE_CHANGE) return;
    const state = (payload.data as { connectionState?: string } | undefined)?.connectionState;
    if (state) callback(state);
  });
}
