/**
 * Image storage, the other half of the cloud/local switch (see ./amplifyConfig.ts).
 *
 * Cloud: Amplify Storage (`uploadData` / `getUrl` / `remove`) with the path rule
 *   uploads/{identityId}/{scanId}/{fileName}.
 * Local: Amplify Storage cannot talk to an http:// endpoint, so the S3 SDK (path style, the local
 *   cloud's S3 endpoint) signs with the same identity-pool credentials from `fetchAuthSession()`:
 *   presigned PutObject sent with XMLHttpRequest (real upload progress), presigned GetObject URLs for
 *   thumbnails, presigned DeleteObject. Presigned requests carry no SDK headers, so the bucket's CORS
 *   rules only see a plain PUT/GET/DELETE. The SDK is imported lazily: only local mode downloads it.
 * Same keys, same credentials, same callers in both worlds.
 */
import { fetchAuthSession } from 'aws-amplify/auth';
import { imageKeyFor } from '../lib/keys';
import { activeOutputs, isLocalMode } from './amplifyConfig';

export interface UploadRequest {
  scanId: string;
  /** Key-safe file name (lib/keys.ts keySafeFileName). */
  keyFileName: string;
  /** The key given to createScan: imageKeyFor(identityId, scanId, keyFileName). */
  imageKey: string;
  file: Blob;
  contentType: string;
  /** Fraction 0..1 of the bytes sent. */
  onProgress?: (fraction: number) => void;
}

export interface UploadTask {
  result: Promise<void>;
  cancel: () => void;
}

export class UploadCancelledError extends Error {
  constructor() {
    super('Upload cancelled');
    this.name = 'UploadCancelledError';
  }
}

/** The signed-in user's identity-pool id: the {identityId} of the upload path. */
export async function currentIdentityId(): Promise<string> {
  const session = await fetchAuthSession();
  if (!session.identityId) throw new Error('No identity-pool identity for this session: sign out and in again.');
  return session.identityId;
}

export function startUpload(request: UploadRequest): UploadTask {
  return isLocalMode() ? localUpload(request) : cloudUpload(request);
}

const URL_TTL_SECONDS = 3600;
const urlCache = new Map<string, { url: string; expiresAt: number }>();

/** A URL the <img> can load for an uploaded image (cached until shortly before it expires). */
export async function imageUrl(key: string): Promise<string> {
  const cached = urlCache.get(key);
  if (cached && cached.expiresAt > Date.now()) return cached.url;
  const url = isLocalMode() ? await localImageUrl(key) : await cloudImageUrl(key);
  urlCache.set(key, { url, expiresAt: Date.now() + (URL_TTL_SECONDS - 300) * 1000 });
  return url;
}

/** Deletes an uploaded image (the owner's own path only). */
export async function removeImage(key: string): Promise<void> {
  urlCache.delete(key);
  if (isLocalMode()) await localRemove(key);
  else await cloudRemove(key);
}

// ---------------------------------------------------------------------------------------------- cloud

function cloudUpload({ scanId, keyFileName, imageKey, file, contentType, onProgress }: UploadRequest): UploadTask {
  let cancelled = false;
  let cancelTask: (() => void) | undefined;
  const result = (async () => {
    const { uploadData, isCancelError } = await import('aws-amplify/storage');
    if (cancelled) throw new UploadCancelledError();
    const task = uploadData({
      path: ({ identityId }) => {
        const key = imageKeyFor(identityId ?? '', scanId, keyFileName);
        if (key !== imageKey) throw new Error('The signed-in identity changed during the upload.');
        return key;
      },
      data: file,
      options: {
        contentType,
        onProgress: ({ transferredBytes, totalBytes }) => {
          if (totalBytes) onProgress?.(transferredBytes / totalBytes);
        },
      },
    });
    cancelTask = () => task.cancel();
    try {
      await task.result;
    } catch (err) {
      if (isCancelError(err)) throw new UploadCancelledError();
      throw err;
    }
    onProgress?.(1);
  })();
  return {
    result,
    cancel: () => {
      cancelled = true;
      cancelTask?.();
    },
  };
}

async function cloudImageUrl(key: string): Promise<string> {
  const { getUrl } = await import('aws-amplify/storage');
  const { url } = await getUrl({ path: key, options: { expiresIn: URL_TTL_SECONDS } });
  return url.toString();
}

async function cloudRemove(key: string): Promise<void> {
  const { remove } = await import('aws-amplify/storage');
  await remove({ path: key });
}

// ---------------------------------------------------------------------------------------------- local

type S3Sdk = typeof import('@aws-sdk/client-s3');

interface LocalS3 {
  sdk: S3Sdk;
  client: InstanceType<S3Sdk['S3Client']>;
  presign: typeof import('@aws-sdk/s3-request-presigner')['getSignedUrl'];
  bucket: string;
}

let localS3Promise: Promise<LocalS3> | null = null;

function localS3(): Promise<LocalS3> {
  localS3Promise ??= (async () => {
    const outputs = activeOutputs();
    const endpoint = outputs.custom?.local?.endpoints?.s3;
    const storage = outputs.storage;
    if (!endpoint || !storage) throw new Error('amplify_outputs.json has no local S3 endpoint or storage bucket');
    const [sdk, presigner] = await Promise.all([
      import('@aws-sdk/client-s3'),
      import('@aws-sdk/s3-request-presigner'),
    ]);
    const client = new sdk.S3Client({
      region: storage.aws_region,
      endpoint,
      forcePathStyle: true,
      // Checksums in presigned URLs would pin the body to an empty one.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      credentials: async () => {
        const { credentials } = await fetchAuthSession();
        if (!credentials) throw new Error('No AWS credentials for this session: sign out and in again.');
        return credentials;
      },
    });
    return { sdk, client, presign: presigner.getSignedUrl, bucket: storage.bucket_name };
  })();
  localS3Promise.catch(() => {
    localS3Promise = null;
  });
  return localS3Promise;
}

function localUpload({ imageKey, file, contentType, onProgress }: UploadRequest): UploadTask {
  let cancelled = false;
  let xhr: XMLHttpRequest | undefined;
  const result = (async () => {
    const { sdk, client, presign, bucket } = await localS3();
    const url = await presign(client, new sdk.PutObjectCommand({ Bucket: bucket, Key: imageKey, ContentType: contentType }), {
      expiresIn: 900,
    });
    if (cancelled) throw new UploadCancelledError();
    await new Promise<void>((resolve, reject) => {
      const request = new XMLHttpRequest();
      xhr = request;
      request.open('PUT', url);
      request.setRequestHeader('Content-Type', contentType);
      request.upload.onprogress = (event) => {
        if (event.lengthComputable && event.total > 0) onProgress?.(event.loaded / event.total);
      };
      request.onload = () => {
        if (request.status >= 200 && request.status < 300) resolve();
        else reject(new Error(`The storage service refused the upload (HTTP ${request.status}).`));
      };
      request.onerror = () => reject(new Error('The upload failed: the storage service could not be reached.'));
      request.onabort = () => reject(new UploadCancelledError());
      request.send(file);
    });
    onProgress?.(1);
  })();
  return {
    result,
    cancel: () => {
      cancelled = true;
      xhr?.abort();
    },
  };
}

async function localImageUrl(key: string): Promise<string> {
  const { sdk, client, presign, bucket } = await localS3();
  return presign(client, new sdk.GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: URL_TTL_SECONDS });
}

async function localRemove(key: string): Promise<void> {
  // A presigned DELETE sent without extra headers: the SDK's own request headers fail moto's CORS preflight.
  const { sdk, client, presign, bucket } = await localS3();
  const url = await presign(client, new sdk.DeleteObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: 300 });
  const response = await fetch(url, { method: 'DELETE' });
  if (!response.ok && response.status !== 404) {
    throw new Error(`The storage service refused the delete (HTTP ${response.status}).`);
  }
}
