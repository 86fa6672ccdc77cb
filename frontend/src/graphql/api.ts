/**
 * Calls of the GraphQL API through Amplify's `generateClient().graphql({ query, variables })`, typed by the
 * documents GraphQL Code Generator writes from operations.graphql and the API's schema (generated.ts).
 */
import type { ResultOf } from '@graphql-typed-document-node/core';
import {
  CONNECTION_STATE_CHANGE,
  generateClient,
  type GraphQLResult,
  type GraphQLSubscription,
} from 'aws-amplify/api';
import { Hub } from 'aws-amplify/utils';
import type { ScanPage } from '../lib/pager';
import * as docs from './generated';
import type { ScanFieldsFragment, TypedDocumentString } from './generated';
import type { NewScanInput, Scan, ScanStatus, ScanWithDebug } from './types';

// The client's type as generateClient() infers it: naming it (aws-amplify's `Client`, of other options)
// makes TypeScript compare Amplify's deep model types and give up.
const createClient = () => generateClient();
type Client = ReturnType<typeof createClient>;
let client: Client | null = null;

function api(): Client {
  client ??= createClient();
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
    try {
      return JSON.stringify(err);
    } catch {
      return 'Unknown error'; // a circular or otherwise unserialisable error object
    }
  }
  return typeof err === 'number' || typeof err === 'boolean' ? String(err) : 'Unknown error';
}

/**
 * Runs a generated query or mutation: the document's generated types check the variables and type the result.
 * Amplify types a result from a type argument (GraphQLQuery<R>) through conditional types that TypeScript
 * resolves only for a concrete R, not for this generic one; hence the one cast, to the document's own result.
 */
async function request<R, V>(document: TypedDocumentString<R, V>, variables: V): Promise<R> {
  let result: GraphQLResult<R>;
  try {
    result = await (api().graphql<unknown>({ query: document.toString(), variables }) as Promise<GraphQLResult<R>>);
  } catch (err) {
    throw new ApiError(errorMessage(err), err);
  }
  if (result.errors?.length) throw new ApiError(errorMessage(result), result);
  if (!result.data) throw new ApiError('The API returned no data');
  return result.data;
}

/**
 * The UI's Scan from the API's: a missing status reads as PENDING, the status every scan is stored with
 * (schema.graphql: `@default`, written after the auth step); the schema leaves the field nullable only
 * for the transformer.
 */
function scanOf<T extends ScanFieldsFragment>(scan: T): T & { status: ScanStatus } {
  return { ...scan, status: scan.status ?? 'PENDING' };
}

function maybeScan<T extends ScanFieldsFragment>(scan: T | null): (T & { status: ScanStatus }) | null {
  return scan ? scanOf(scan) : null;
}

export async function createScan(input: NewScanInput): Promise<Scan> {
  const data = await request(docs.CreateScanDocument, { input });
  if (!data.createScan) throw new ApiError('The API returned no scan for createScan');
  return scanOf(data.createScan);
}

export async function deleteScan(id: string): Promise<Scan | null> {
  const data = await request(docs.DeleteScanDocument, { input: { id } });
  return maybeScan(data.deleteScan);
}

export async function getScan(id: string): Promise<Scan | null> {
  const data = await request(docs.GetScanDocument, { id });
  return maybeScan(data.getScan);
}

/** getScan with `debug` (Admin only). */
export async function getScanDebug(id: string): Promise<ScanWithDebug | null> {
  const data = await request(docs.GetScanDebugDocument, { id });
  return maybeScan(data.getScan);
}

type Connection = { items: Array<ScanFieldsFragment | null>; nextToken: string | null } | null;

function pageOf(connection: Connection): ScanPage {
  if (!connection) throw new ApiError('The API returned no page');
  const items = connection.items.filter((s): s is ScanFieldsFragment => Boolean(s)).map(scanOf);
  return { items, nextToken: connection.nextToken };
}

/** One page of an owner's scans, newest first. `owner` is the stored owner value, `<sub>::<username>`. */
export async function scansByOwner(owner: string, limit: number, nextToken: string | null): Promise<ScanPage> {
  const data = await request(docs.ScansByOwnerDocument, { owner, limit, nextToken, sortDirection: 'DESC' });
  return pageOf(data.scansByOwner);
}

/** One page of the scans in a status, most recently updated first (owners: only their own). */
export async function scansByStatus(status: ScanStatus, limit: number, nextToken: string | null): Promise<ScanPage> {
  const data = await request(docs.ScansByStatusDocument, { status, limit, nextToken, sortDirection: 'DESC' });
  return pageOf(data.scansByStatus);
}

/** One page of an uploader's scans (by the e-mail the scanner wrote), newest first; optionally one status. */
export async function scansByOwnerEmail(
  ownerEmail: string,
  limit: number,
  nextToken: string | null,
  status?: ScanStatus,
): Promise<ScanPage> {
  const filter = status ? { status: { eq: status } } : undefined;
  const data = await request(docs.ScansByOwnerEmailDocument, { ownerEmail, limit, nextToken, filter, sortDirection: 'DESC' });
  return pageOf(data.scansByOwnerEmail);
}

export type ScanEvent = { type: 'upsert'; scan: Scan } | { type: 'remove'; scan: Scan };

/** The payload type of a generated subscription document, as Amplify's graphql() takes it. */
type Pushed<D> = GraphQLSubscription<ResultOf<D>>;

/**
 * Subscribes to onCreateScan, onUpdateScan and onDeleteScan. Returns the unsubscribe function.
 * Subscribe before listing, so nothing that happens while the list loads is lost.
 */
export function subscribeToScans(onEvent: (event: ScanEvent) => void, onError: (err: unknown) => void): () => void {
  const emit = (type: ScanEvent['type'], scan: ScanFieldsFragment | null | undefined) => {
    if (scan?.id) onEvent({ type, scan: scanOf(scan) });
  };
  const subscriptions = [
    api()
      .graphql<Pushed<typeof docs.OnCreateScanDocument>>({ query: docs.OnCreateScanDocument.toString() })
      .subscribe({ next: ({ data }) => emit('upsert', data?.onCreateScan), error: onError }),
    api()
      .graphql<Pushed<typeof docs.OnUpdateScanDocument>>({ query: docs.OnUpdateScanDocument.toString() })
      .subscribe({ next: ({ data }) => emit('upsert', data?.onUpdateScan), error: onError }),
    api()
      .graphql<Pushed<typeof docs.OnDeleteScanDocument>>({ query: docs.OnDeleteScanDocument.toString() })
      .subscribe({ next: ({ data }) => emit('remove', data?.onDeleteScan), error: onError }),
  ];
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
