/**
 * The live list of scans the user may see (own scans; every scan for Admin), shared by all views.
 *
 * Order matters: subscribe to onCreate/onUpdate/onDeleteScan FIRST, then listScans, and merge both by id
 * with `updatedAt` (lib/merge.ts), so an update that lands while the list loads is never lost. After a
 * realtime disruption the list is read again; scans still waiting for a verdict are re-read with getScan
 * now and then, which covers a verdict that raced the subscription handshake.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import * as api from '../graphql/api';
import type { Scan } from '../graphql/types';
import { announcement, isTerminal } from '../lib/format';
import { applyList, emptyStore, removeScan, sortedScans, upsertScan, type ScanStore } from '../lib/merge';

export type LoadStatus = 'loading' | 'ready' | 'error';
export type LiveStatus = 'connecting' | 'connected' | 'disrupted' | 'unavailable';

export interface ScansState {
  scans: Scan[];
  status: LoadStatus;
  error: string | null;
  live: LiveStatus;
  /** Latest sentence for the aria-live region (a scan reached a verdict). */
  announcement: string;
  /** Local object URLs of images uploaded in this tab, by scan id. */
  previews: Readonly<Record<string, string>>;
  /** Ids of scans created in this tab. */
  createdHere: ReadonlySet<string>;
  reload: () => void;
  upsert: (scan: Scan, options?: { createdHere?: boolean; preview?: string }) => void;
  remove: (id: string) => void;
  /** Deletes a scan (API, then its image, best effort) and drops it from the list. */
  deleteScan: (scan: Scan) => Promise<void>;
}

const ScansContext = createContext<ScansState | null>(null);

export function useScans(): ScansState {
  const value = useContext(ScansContext);
  if (!value) throw new Error('useScans must be used inside <ScansProvider>');
  return value;
}

/** How often scans without a verdict are re-read (ms): rarely while realtime works, often when not. */
const POLL_WHEN_LIVE_MS = 15_000;
const POLL_WHEN_NOT_LIVE_MS = 5_000;

export interface ScansProviderProps {
  children: ReactNode;
  /** Deletes the image of a deleted scan (config/uploader.ts removeImage); injectable for tests. */
  removeImage?: (key: string) => Promise<void>;
}

export function ScansProvider({ children, removeImage }: ScansProviderProps) {
  const storeRef = useRef<ScanStore>(emptyStore());
  const [version, setVersion] = useState(0);
  const [status, setStatus] = useState<LoadStatus>('loading');
  const [error, setError] = useState<string | null>(null);
  const [live, setLive] = useState<LiveStatus>('connecting');
  const [message, setMessage] = useState('');
  const [previews, setPreviews] = useState<Record<string, string>>({});
  const [createdHere, setCreatedHere] = useState<ReadonlySet<string>>(() => new Set());
  const [reloadToken, setReloadToken] = useState(0);

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

  // Subscribe first, then list; re-list after the realtime connection recovers.
  useEffect(() => {
    let active = true;
    let disrupted = false;
    setStatus((s) => (s === 'ready' ? s : 'loading'));

    const load = async (resync: boolean) => {
      const startedAt = storeRef.current.seq;
      try {
        const items = await api.listAllScans();
        if (!active) return;
        apply((s) => applyList(s, items, resync ? startedAt : undefined), true);
        setStatus('ready');
        setError(null);
      } catch (err) {
        if (!active) return;
        setError(api.errorMessage(err));
        setStatus((s) => (s === 'ready' ? s : 'error'));
      }
    };

    const stopHub = api.onConnectionStateChange((state) => {
      if (!active) return;
      if (state === 'Connected') {
        setLive('connected');
        if (disrupted) {
          disrupted = false;
          void load(true);
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
    void load(false);

    return () => {
      active = false;
      unsubscribe();
      stopHub();
    };
  }, [apply, remove, reloadToken]);

  // `version` changes whenever storeRef.current does.
  const scans = useMemo(() => sortedScans(storeRef.current), [version]);

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
      if (removeImage && scan.imageKey) {
        removeImage(scan.imageKey).catch((err: unknown) => console.warn('catscan: image not deleted', err));
      }
    },
    [remove, removeImage],
  );

  const value = useMemo<ScansState>(
    () => ({
      scans,
      status,
      error,
      live,
      announcement: message,
      previews,
      createdHere,
      reload: () => setReloadToken((t) => t + 1),
      upsert,
      remove,
      deleteScan,
    }),
    [scans, status, error, live, message, previews, createdHere, upsert, remove, deleteScan],
  );

  return <ScansContext.Provider value={value}>{children}</ScansContext.Provider>;
}
