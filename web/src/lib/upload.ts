/**
 * Direct uploads to S3 through the presigned URL(s) the API hands out: one PUT, or one PUT per
 * part (collecting each answer's ETag for the confirmation). XHR rather than fetch, because
 * only XHR reports upload progress.
 */
import type { components } from '../api/schema';

export type UploadTicket = components['schemas']['UploadTicket'];
export type UploadedPart = components['schemas']['UploadedPart'];

export interface PartSlice {
  part_number: number;
  url: string;
  start: number;
  end: number; // exclusive
}

/** Cuts a file of `size` bytes into `part_size` slices, one per presigned part URL. */
export function planParts(
  size: number,
  partSize: number,
  parts: { part_number: number; url: string }[],
): PartSlice[] {
  if (partSize <= 0) throw new Error('part_size must be positive');
  const needed = Math.ceil(size / partSize);
  if (needed !== parts.length) {
    throw new Error(`the file needs ${needed} parts but the API gave ${parts.length} URLs`);
  }
  return [...parts]
    .sort((a, b) => a.part_number - b.part_number)
    .map((p, i) => ({
      part_number: p.part_number,
      url: p.url,
      start: i * partSize,
      end: Math.min(size, (i + 1) * partSize),
    }));
}

export interface PutResult {
  etag: string | null;
}

/** PUTs a body to a URL; reports bytes sent; resolves with the ETag response header. */
export type Putter = (
  url: string,
  body: Blob,
  contentType: string | null,
  onProgress: (loaded: number) => void,
  signal?: AbortSignal,
) => Promise<PutResult>;

export const xhrPut: Putter = (url, body, contentType, onProgress, signal) =>
  new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', url);
    if (contentType) xhr.setRequestHeader('Content-Type', contentType);
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(body.size);
        resolve({ etag: xhr.getResponseHeader('ETag') });
      } else {
        reject(new Error(`the storage refused the upload (HTTP ${xhr.status})`));
      }
    };
    xhr.onerror = () => reject(new Error('the upload failed (network or CORS)'));
    xhr.onabort = () => reject(new DOMException('aborted', 'AbortError'));
    signal?.addEventListener('abort', () => xhr.abort());
    xhr.send(body);
  });

export interface UploadProgress {
  loaded: number;
  total: number;
}

/**
 * Sends the file as the ticket says. Returns what `POST /api/media/{id}/confirm` needs:
 * `{}` for a single PUT, `{parts:[{part_number, etag}]}` for a multipart upload.
 */
export async function sendFile(
  file: Blob,
  ticket: UploadTicket,
  onProgress: (p: UploadProgress) => void,
  put: Putter = xhrPut,
  signal?: AbortSignal,
): Promise<{ parts?: UploadedPart[] }> {
  const total = file.size;
  const upload = ticket.upload;
  if (upload.method === 'PUT') {
    await put(upload.url, file, upload.content_type, (loaded) => onProgress({ loaded, total }), signal);
    return {};
  }
  const slices = planParts(total, upload.part_size, upload.parts);
  const loadedByPart = new Map<number, number>();
  const report = () => {
    let loaded = 0;
    for (const v of loadedByPart.values()) loaded += v;
    onProgress({ loaded, total });
  };
  const parts: UploadedPart[] = [];
  // Two parts at a time: enough to fill the pipe without starving the page.
  let next = 0;
  const worker = async () => {
    while (next < slices.length) {
      const slice = slices[next++]!;
      const { etag } = await put(
        slice.url,
        file.slice(slice.start, slice.end),
        null,
        (loaded) => {
          loadedByPart.set(slice.part_number, loaded);
          report();
        },
        signal,
      );
      if (!etag) {
        throw new Error(`part ${slice.part_number} was stored without an ETag (is ETag exposed by CORS?)`);
      }
      parts.push({ part_number: slice.part_number, etag });
    }
  };
  await Promise.all([worker(), worker()]);
  parts.sort((a, b) => a.part_number - b.part_number);
  return { parts };
}

export const ACCEPTED_TYPES = [
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/webp',
  'video/mp4',
  'video/quicktime',
] as const;
export type AcceptedType = (typeof ACCEPTED_TYPES)[number];

export function acceptedType(type: string): AcceptedType | null {
  return (ACCEPTED_TYPES as readonly string[]).includes(type) ? (type as AcceptedType) : null;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
