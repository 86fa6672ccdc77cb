/**
 * The upload queue. Per file: validate (magic bytes, size) -> createScan {imageKey, fileName,
 * contentType, sizeBytes} (the API starts it PENDING) -> upload with progress -> the verdict arrives through the
 * scans subscription. A failed or cancelled upload deletes its scan again, so nothing waits forever for
 * an image that never came.
 */
import { createContext, useCallback, useContext, useEffect, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import * as api from '../graphql/api';
import * as uploader from '../config/uploader';
import { imageKeyFor, keySafeFileName, newId } from '../lib/keys';
import { validateImageFile, type AcceptedContentType } from '../lib/validation';
import { useScans } from './scans';

export type UploadPhase = 'checking' | 'rejected' | 'queued' | 'creating' | 'uploading' | 'done' | 'failed' | 'cancelled';

export interface UploadItem {
  id: string;
  file: File;
  fileName: string;
  size: number;
  phase: UploadPhase;
  /** 0..1 while uploading. */
  progress: number;
  /** Why the file was refused or the upload failed. */
  message?: string;
  contentType?: AcceptedContentType;
  scanId?: string;
}

export interface UploadsState {
  items: UploadItem[];
  addFiles: (files: Iterable<File>) => void;
  cancel: (id: string) => void;
  retry: (id: string) => void;
  dismiss: (id: string) => void;
  clearFinished: () => void;
  /** Upload progress (0..1) of a scan still uploading, by scan id. */
  progressByScan: Readonly<Record<string, number>>;
}

const UploadsContext = createContext<UploadsState | null>(null);

export function useUploads(): UploadsState {
  const value = useContext(UploadsContext);
  if (!value) throw new Error('useUploads must be used inside <UploadsProvider>');
  return value;
}

/** Parallel uploads: enough to overlap round trips, few enough to give each file bandwidth. */
const CONCURRENCY = 3;
/** Finished uploads leave the queue after this delay; the scan list shows the rest. */
const DONE_LINGER_MS = 6000;

const ACTIVE: UploadPhase[] = ['checking', 'queued', 'creating', 'uploading'];
export const isActive = (item: UploadItem) => ACTIVE.includes(item.phase);

export function UploadsProvider({ children }: { children: ReactNode }) {
  const { upsert: upsertScan, remove: removeScan } = useScans();
  const [items, setItems] = useState<UploadItem[]>([]);
  // The latest items for cancel/retry, which stay the same functions across renders (set after each commit).
  const itemsRef = useRef(items);
  useLayoutEffect(() => {
    itemsRef.current = items;
  }, [items]);
  const running = useRef(new Map<string, uploader.UploadTask | null>());
  const cancelled = useRef(new Set<string>());
  const timers = useRef(new Map<string, ReturnType<typeof setTimeout>>());

  const patch = useCallback((id: string, change: Partial<UploadItem>) => {
    setItems((list) => list.map((item) => (item.id === id ? { ...item, ...change } : item)));
  }, []);

  const dismiss = useCallback((id: string) => {
    const timer = timers.current.get(id);
    if (timer) clearTimeout(timer);
    timers.current.delete(id);
    setItems((list) => list.filter((item) => item.id !== id || isActive(item)));
  }, []);

  const process = useCallback(
    async (item: UploadItem) => {
      const { id, file } = item;
      const contentType = item.contentType as AcceptedContentType;
      let scanId: string | undefined;
      let created = false;
      try {
        patch(id, { phase: 'creating', progress: 0, message: undefined });
        const identityId = await uploader.currentIdentityId();
        scanId = newId();
        const keyFileName = keySafeFileName(file.name, contentType);
        const imageKey = imageKeyFor(identityId, scanId, keyFileName);
        const scan = await api.createScan({
          id: scanId,
          imageKey,
          fileName: file.name,
          contentType,
          sizeBytes: file.size,
        });
        created = true;
        upsertScan(scan, { createdHere: true, preview: URL.createObjectURL(file) });
        if (cancelled.current.has(id)) throw new uploader.UploadCancelledError();
        patch(id, { phase: 'uploading', scanId });
        const task = uploader.startUpload({
          scanId,
          keyFileName,
          imageKey,
          file,
          contentType,
          onProgress: (fraction) => patch(id, { progress: Math.min(1, Math.max(0, fraction)) }),
        });
        running.current.set(id, task);
        await task.result;
        patch(id, { phase: 'done', progress: 1 });
        timers.current.set(
          id,
          setTimeout(() => dismiss(id), DONE_LINGER_MS),
        );
      } catch (err) {
        const wasCancelled = err instanceof uploader.UploadCancelledError || cancelled.current.has(id);
        patch(id, {
          phase: wasCancelled ? 'cancelled' : 'failed',
          message: wasCancelled ? 'Upload cancelled.' : `${file.name} was not uploaded: ${api.errorMessage(err)}`,
        });
        if (scanId && created) {
          // The image never (fully) arrived: remove the scan so it does not wait forever.
          const id2 = scanId;
          api
            .deleteScan(id2)
            .then(() => removeScan(id2))
            .catch(() => {});
        }
      } finally {
        running.current.delete(id);
        cancelled.current.delete(id);
      }
    },
    [patch, dismiss, upsertScan, removeScan],
  );

  // Start queued items while there is capacity.
  useEffect(() => {
    const inFlight = items.filter((i) => i.phase === 'creating' || i.phase === 'uploading').length;
    const startable = items.filter((i) => i.phase === 'queued' && !running.current.has(i.id));
    for (const item of startable.slice(0, Math.max(0, CONCURRENCY - inFlight))) {
      running.current.set(item.id, null);
      void process(item);
    }
  }, [items, process]);

  const check = useCallback(
    async (item: UploadItem) => {
      const result = await validateImageFile(item.file);
      if (result.ok) patch(item.id, { phase: 'queued', contentType: result.contentType });
      else patch(item.id, { phase: 'rejected', message: result.message });
    },
    [patch],
  );

  const addFiles = useCallback(
    (files: Iterable<File>) => {
      const added: UploadItem[] = Array.from(files, (file) => ({
        id: newId(),
        file,
        fileName: file.name,
        size: file.size,
        phase: 'checking' as const,
        progress: 0,
      }));
      if (added.length === 0) return;
      setItems((list) => [...added, ...list]);
      added.forEach((item) => void check(item));
    },
    [check],
  );

  const cancel = useCallback(
    (id: string) => {
      const item = itemsRef.current.find((i) => i.id === id);
      if (!item) return;
      if (item.phase === 'queued' || item.phase === 'checking') {
        patch(id, { phase: 'cancelled', message: 'Upload cancelled.' });
        return;
      }
      cancelled.current.add(id);
      running.current.get(id)?.cancel();
    },
    [patch],
  );

  const retry = useCallback(
    (id: string) => {
      const item = itemsRef.current.find((i) => i.id === id);
      if (!item || (item.phase !== 'failed' && item.phase !== 'cancelled')) return;
      if (item.contentType) patch(id, { phase: 'queued', progress: 0, message: undefined, scanId: undefined });
      else {
        patch(id, { phase: 'checking', progress: 0, message: undefined });
        void check(item);
      }
    },
    [patch, check],
  );

  const clearFinished = useCallback(() => {
    setItems((list) => list.filter(isActive));
  }, []);

  useEffect(() => {
    const pending = timers.current;
    return () => pending.forEach((t) => clearTimeout(t));
  }, []);

  const progressByScan = useMemo(() => {
    const map: Record<string, number> = {};
    for (const item of items) {
      if (item.scanId && (item.phase === 'uploading' || item.phase === 'creating')) map[item.scanId] = item.progress;
    }
    return map;
  }, [items]);

  const value = useMemo<UploadsState>(
    () => ({ items, addFiles, cancel, retry, dismiss, clearFinished, progressByScan }),
    [items, addFiles, cancel, retry, dismiss, clearFinished, progressByScan],
  );
  return <UploadsContext.Provider value={value}>{children}</UploadsContext.Provider>;
}
