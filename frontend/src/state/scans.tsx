/**
 * The live list of scans a view shows, read page by page from the indexes, shared by all views.
 *
 * A view picks its feed (useFeed): "mine" reads scansByOwner (newest first, by createdAt); the Admin's
 * "all" merges the byStatus partitions (most recently updated first), or reads one status / one uploader
 * (byOwnerEmail) on the server. Only PAGE_SIZE scans are read at first; loadMore reads the next page.
 *
 * Order matters: subscribe to onCreate/onUpdate/onDeleteScan FIRST, then read the first page, and merge
 * both by id with `updatedAt` (lib/merge.ts), so an update that lands while a page loads is never lost.
 * Live scans show when they fall inside the loaded window (newer than the last loaded scan), so new scans
 * appear at the top while older pages are still unread. After a realtime disruption the loaded window is
 * read again; scans still waiting for a verdict are re-read with getScan now and then, which covers a
 * verdict that raced the subscription handshake.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import * as api from '../graphql/api';
import { SCAN_STATUSES, type Scan, type ScanStatus } from '../graphql/types';
import { announcement, isTerminal } from '../lib/format';
import { applyList, emptyStore, removeScan, upsertScan, type ScanStore } from '../lib/merge';
import { mergedPager, partitionPager, type Pager } from '../lib/pager';
import { isOwnedBy, type UserInfo } from '../lib/session';
import { useUser } from './user';

export type LoadStatus = 'loading' | 'ready' | 'error';
export type LiveStatus = 'connecting' | 'connected' | 'disrupted' | 'unavailable';

/** What a view lists: the user's own scans, or (Admin) everyone's, optionally one status / uploader. */
export type FeedSource =
  | { kind: 'mine' }
  | { kind: 'all'; status?: ScanStatus | null; ownerEmail?: string | null };

/** Scans read at first and by each loadMore: a screenful and a bit. */
export const PAGE_SIZE = 24;

export interface ScansState {
  /** The current feed's scans in its order (newest first), as far as loaded, plus live ones above. */
  scans: Scan[];
  status: LoadStatus;
  error: string | null;
  live: LiveStatus;
  /** More scans can be read (loadMore). */
  hasMore: boolean;
  loadingMore: boolean;
  loadMore: () => void;
  source: FeedSource;
  setSource: (source: FeedSource) => void;
  /** Latest sentence for the aria-live region (a scan reached a verdict). */
  announcement: string;
  /** Local object URLs of images uploaded in this tab, by scan id. */
  previews: Readonly<Record<string, string>>;
  /** Ids of scans created in this tab. */
  createdHere: ReadonlySet<string>;
  reload: () => void;
  upsert: (scan: Scan, options?: { createdHere?: boolean; preview?: string }) => void;
  remove: (id: string) => void;
  /** Deletes a scan (API, then its image and thumbnail, best effort) and drops it from the list. */
  deleteScan: (scan: Scan) => Promise<void>;
}

const ScansContext = createContext<ScansState | null>(null);

export function useScans(): ScansState {
  const value = useContext(ScansContext);
  if (!value) throw new Error('useScans must be used inside <ScansProvider>');
  return value;
}

/** useScans with the view's feed selected. */
export function useFeed(source: FeedSource): ScansState {
  const state = useScans();
  const key = sourceKey(source);
  const { setSource } = state;
  // Keyed by the source's value: views pass an equal but new object on each render.
  useEffect(() => setSource(source), [key, setSource]); // eslint-disable-line react-hooks/exhaustive-deps -- `key` stands for `source`
  return state;
}

export function sourceKey(source: FeedSource): string {
  return source.kind === 'mine' ? 'mine' : `all|${source.status ?? ''}|${source.ownerEmail ?? ''}`;
}

/** The order of a feed: its index's sort key (byOwner, byOwnerEmail: createdAt; byStatus: updatedAt). */
function sortKey(source: FeedSource): (scan: Scan) => string {
  return source.kind === 'mine' || source.ownerEmail ? (s) => s.createdAt ?? '' : (s) => s.updatedAt ?? '';
}

/** The stored owner value, the byOwner partition key (`<sub>::<username>`, see schema.graphql). */
export const ownerKey = (user: Pick<UserInfo, 'sub' | 'username'>) => `${user.sub}::${user.username}`;

function makePager(source: FeedSource, user: UserInfo | null): Pager | null {
  if (source.kind === 'mine') {
    if (!user) return null;
    const owner = ownerKey(user);
    return partitionPager((limit, token) => api.scansByOwner(owner, limit, token));
  }
  const { status, ownerEmail } = source;
  if (ownerEmail) {
    return partitionPager((limit, token) => api.scansByOwnerEmail(ownerEmail, limit, token, status ?? undefined));
  }
  if (status) return partitionPager((limit, token) => api.scansByStatus(status, limit, token));
  const statuses = SCAN_STATUSES.map((s) => (limit: number, token: string | null) => api.scansByStatus(s, limit, token));
  return mergedPager(statuses, (s) => s.updatedAt ?? '');
}

/** Whether a scan (from a page or a live event) belongs to the feed. */
function belongs(source: FeedSource, user: UserInfo | null, createdHere: ReadonlySet<string>, scan: Scan): boolean {
  if (source.kind === 'mine') return createdHere.has(scan.id) || Boolean(user && isOwnedBy(scan.owner, user));
  if (source.status && scan.status !== source.status) return false;
  if (source.ownerEmail && scan.ownerEmail !== source.ownerEmail) return false;
  return true;
}

interface Feed {
  key: string;
  source: FeedSource;
  pager: Pager | null;
  /** Sort key of the last scan read from the server; scans at or above it are inside the window. */
  boundary: string | null;
  exhausted: boolean;
  loaded: number;
}

const newFeed = (source: FeedSource, user: UserInfo | null): Feed => ({
  key: sourceKey(source),
  source,
  pager: makePager(source, user),
  boundary: null,
  exhausted: false,
  loaded: 0,
});

/** How often scans without a verdict are re-read (ms): rarely while realtime works, often when not. */
const POLL_WHEN_LIVE_MS = 15_000;
const POLL_WHEN_NOT_LIVE_MS = 5_000;
/** At most this many scans are read again after a realtime disruption. */
const MAX_RESYNC = 200;

export interface ScansProviderProps {
  children: ReactNode;
  /** Deletes the image of a deleted scan (config/uploader.ts removeImage); injectable for tests. */
  removeImage?: (key: string) => Promise<void>;
}

export function ScansProvider({ children, removeImage }: ScansProviderProps) {
  const { user } = useUser();
  const storeRef = useRef<ScanStore>(emptyStore());
  const [version, setVersion] = useState(0);
  const [source, setSourceState] = useState<FeedSource>({ kind: 'mine' });
  const feedRef = useRef<Feed>(newFeed(source, user));
  const [feedVersion, setFeedVersion] = useState(0);
  const [status, setStatus] = useState<LoadStatus>('loading');
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [live, setLive] = useState<LiveStatus>('connecting');
  const [message, setMessage] = useState('');
  const [previews, setPreviews] = useState<Record<string, string>>({});
  const [createdHere, setCreatedHere] = useState<ReadonlySet<string>>(() => new Set());
  const [reloadToken, setReloadToken] = useState(0);
  const createdHereRef = useRef(createdHere);
  createdHereRef.current = createdHere;
  const userRef = useRef(user);
  userRef.current = user;

  const apply = useCallback((change: (store: ScanStore) => ScanStore, announce = false) => {
    const before = storeRef.current;
    const after = change(before);
    if (after === before) return;
    storeRef.current = after;
    setVersion((v) => v + 1);
    if (!announce) return;
    // Announce scans that just reached a verdict (never on the initial load).
    for (const [id, entry] of Object.entries(after.entries)) {
      const previous = before.entries[id]?.scan;
      if (previous && !isTerminal(previous.status) && isTerminal(entry.scan.status)) {
        setMessage(announcement(entry.scan));
      }
    }
  }, []);

  const setSource = useCallback((next: FeedSource) => {
    setSourceState((current) => (sourceKey(current) === sourceKey(next) ? current : next));
  }, []);

  const upsert = useCallback<ScansState['upsert']>(
    (scan, options) => {
      apply((s) => upsertScan(s, scan), true);
      if (options?.createdHere) setCreatedHere((ids) => new Set(ids).add(scan.id));
      const preview = options?.preview;
      if (preview) setPreviews((p) => ({ ...p, [scan.id]: preview }));
    },
    [apply],
  );

  const remove = useCallback(
    (id: string) => {
      apply((s) => removeScan(s, id));
      setPreviews((p) => {
        if (!(id in p)) return p;
        const { [id]: url, ...rest } = p;
        URL.revokeObjectURL(url);
        return rest;
      });
    },
    [apply],
  );

  /** Reads the feed's next page (or, with `resync`, the loaded window again from the start). */
  const read = useCallback(
    async (feed: Feed, resync: boolean) => {
      const pager = resync ? makePager(feed.source, userRef.current) : feed.pager;
      if (!pager) return;
      const count = resync ? Math.min(Math.max(feed.loaded, PAGE_SIZE), MAX_RESYNC) : PAGE_SIZE;
      const startedAt = storeRef.current.seq;
      const items = await pager.next(count);
      if (feedRef.current !== feed) return; // the view switched feeds meanwhile
      const key = sortKey(feed.source);
      const boundary = items.length ? key(items[items.length - 1]) : feed.boundary;
      const exhausted = pager.done;
      const covered = (scan: Scan) =>
        belongs(feed.source, userRef.current, createdHereRef.current, scan) &&
        (exhausted || (boundary !== null && key(scan) >= boundary));
      apply((s) => applyList(s, items, resync ? startedAt : undefined, covered), true);
      feed.pager = pager;
      feed.boundary = boundary;
      feed.exhausted = exhausted;
      feed.loaded = resync ? items.length : feed.loaded + items.length;
      setFeedVersion((v) => v + 1);
    },
    [apply],
  );

  // Subscribe first (once); after the realtime connection recovers, read the loaded window again.
  useEffect(() => {
    let active = true;
    let disrupted = false;
    const resync = () => {
      const feed = feedRef.current;
      read(feed, true).catch((err: unknown) => active && setError(api.errorMessage(err)));
    };

    const stopHub = api.onConnectionStateChange((state) => {
      if (!active) return;
      if (state === 'Connected') {
        setLive('connected');
        if (disrupted) {
          disrupted = false;
          resync();
        }
      } else if (state.startsWith('ConnectionDisrupted')) {
        disrupted = true;
        setLive('disrupted');
      } else if (state === 'Connecting' && !disrupted) {
        setLive('connecting');
      }
    });

    let unsubscribe = () => {};
    try {
      unsubscribe = api.subscribeToScans(
        (event) => {
          if (!active) return;
          if (event.type === 'remove') remove(event.scan.id);
          else apply((s) => upsertScan(s, event.scan), true);
        },
        (err) => {
          if (!active) return;
          console.warn('catscan: realtime subscription failed', err);
          setLive('unavailable');
        },
      );
    } catch (err) {
      console.warn('catscan: could not subscribe', err);
      setLive('unavailable');
    }

    return () => {
      active = false;
      unsubscribe();
      stopHub();
    };
  }, [apply, remove, read, reloadToken]);

  // The feed: its first page whenever the view picks another one (or the user becomes known).
  const userKey = user ? ownerKey(user) : '';
  useEffect(() => {
    const feed = newFeed(source, userRef.current);
    feedRef.current = feed;
    setFeedVersion((v) => v + 1);
    if (!feed.pager) return; // "mine" waits for the user
    setStatus('loading');
    setError(null);
    read(feed, false)
      .then(() => feedRef.current === feed && setStatus('ready'))
      .catch((err: unknown) => {
        if (feedRef.current !== feed) return;
        setError(api.errorMessage(err));
        setStatus('error');
      });
  }, [source, userKey, reloadToken, read]);

  const loadMore = useCallback(() => {
    const feed = feedRef.current;
    if (loadingMore || feed.exhausted || !feed.pager || feed.loaded === 0) return;
    setLoadingMore(true);
    read(feed, false)
      .catch((err: unknown) => feedRef.current === feed && setError(api.errorMessage(err)))
      .finally(() => setLoadingMore(false));
  }, [loadingMore, read]);

  // `version` / `feedVersion` change whenever storeRef.current / feedRef.current do.
  const scans = useMemo(() => {
    const feed = feedRef.current;
    const key = sortKey(feed.source);
    const inWindow = (s: Scan) =>
      feed.exhausted || createdHere.has(s.id) || (feed.boundary !== null && key(s) >= feed.boundary);
    return Object.values(storeRef.current.entries)
      .map((e) => e.scan)
      .filter((s) => belongs(feed.source, user, createdHere, s) && inWindow(s))
      .sort((a, b) => {
        // A scan without the key (a just-created one) sorts first.
        const ka = key(a) || '\uffff';
        const kb = key(b) || '\uffff';
        if (ka !== kb) return ka < kb ? 1 : -1;
        return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
      });
  }, [version, feedVersion, createdHere, user]); // eslint-disable-line react-hooks/exhaustive-deps -- the refs are read through their versions

  // Safety net for verdicts that raced the subscription: re-read scans still waiting.
  const waitingIds = useMemo(
    () => scans.filter((s) => !isTerminal(s.status)).map((s) => s.id).join(','),
    [scans],
  );
  useEffect(() => {
    if (!waitingIds) return;
    const ids = waitingIds.split(',');
    const timer = setInterval(
      () => {
        if (typeof document !== 'undefined' && document.visibilityState === 'hidden') return;
        for (const id of ids.slice(0, 10)) {
          api
            .getScan(id)
            .then((scan) => scan && apply((s) => upsertScan(s, scan), true))
            .catch(() => {});
        }
      },
      live === 'connected' ? POLL_WHEN_LIVE_MS : POLL_WHEN_NOT_LIVE_MS,
    );
    return () => clearInterval(timer);
  }, [waitingIds, live, apply]);

  // Object URLs live as long as the provider.
  const previewsRef = useRef(previews);
  previewsRef.current = previews;
  useEffect(() => () => Object.values(previewsRef.current).forEach((url) => URL.revokeObjectURL(url)), []);

  const deleteScan = useCallback(
    async (scan: Scan) => {
      await api.deleteScan(scan.id);
      remove(scan.id);
      for (const key of [scan.imageKey, scan.thumbnailKey]) {
        if (removeImage && key) {
          removeImage(key).catch((err: unknown) => console.warn('catscan: image not deleted', err));
        }
      }
    },
    [remove, removeImage],
  );

  const feed = feedRef.current;
  const hasMore = !feed.exhausted && feed.loaded > 0;
  const value = useMemo<ScansState>(
    () => ({
      scans,
      status,
      error,
      live,
      hasMore,
      loadingMore,
      loadMore,
      source,
      setSource,
      announcement: message,
      previews,
      createdHere,
      reload: () => setReloadToken((t) => t + 1),
      upsert,
      remove,
      deleteScan,
    }),
    [scans, status, error, live, hasMore, loadingMore, loadMore, source, setSource, message, previews, createdHere,
      upsert, remove, deleteScan],
  );

  return <ScansContext.Provider value={value}>{children}</ScansContext.Provider>;
}
