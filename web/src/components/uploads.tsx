import { useCallback, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../api/client';
import { ApiError, bannerMessage } from '../api/errors';
import { acceptedType, formatBytes, sendFile } from '../lib/upload';
import { keys } from '../api/hooks';
import { ProgressBar } from './ui';

export type Asset = Schemas['AssetView'];

export interface UploadState {
  key: string;
  name: string;
  loaded: number;
  total: number;
  status: 'uploading' | 'confirming' | 'done' | 'failed';
  error?: string;
  asset?: Asset;
}

/** Uploads files straight to storage (presigned PUT or parts) and confirms them with the API. */
export function useUploads(onDone?: (asset: Asset) => void) {
  const [uploads, setUploads] = useState<UploadState[]>([]);
  const queryClient = useQueryClient();

  const update = (key: string, patch: Partial<UploadState>) =>
    setUploads((list) => list.map((u) => (u.key === key ? { ...u, ...patch } : u)));

  const uploadOne = useCallback(
    async (file: File) => {
      const key = crypto.randomUUID();
      setUploads((list) => [...list, { key, name: file.name, loaded: 0, total: file.size, status: 'uploading' }]);
      try {
        const type = acceptedType(file.type);
        if (!type) throw new Error(`${file.name}: only JPEG, PNG, GIF, WebP, MP4 and MOV files can be uploaded`);
        const ticket = await unwrap(
          api.POST('/api/media/upload', { body: { file_name: file.name, content_type: type, size_bytes: file.size } }),
        );
        const confirmation = await sendFile(file, ticket, ({ loaded }) => update(key, { loaded }));
        update(key, { status: 'confirming', loaded: file.size });
        const asset = await unwrap(
          api.POST('/api/media/{id}/confirm', { params: { path: { id: ticket.id } }, body: confirmation }),
        );
        update(key, { status: 'done', asset });
        void queryClient.invalidateQueries({ queryKey: ['media'] });
        void queryClient.invalidateQueries({ queryKey: keys.storage });
        onDone?.(asset);
        return asset;
      } catch (e) {
        const message = e instanceof ApiError ? bannerMessage(e) ?? e.message : e instanceof Error ? e.message : String(e);
        update(key, { status: 'failed', error: message });
        return null;
      }
    },
    [onDone, queryClient],
  );

  const upload = useCallback(
    async (files: FileList | File[]) => {
      const results: (Asset | null)[] = [];
      for (const file of Array.from(files)) results.push(await uploadOne(file));
      return results;
    },
    [uploadOne],
  );

  return { uploads, upload, clear: () => setUploads((l) => l.filter((u) => u.status === 'uploading' || u.status === 'confirming')) };
}

export function UploadList({ uploads }: { uploads: UploadState[] }) {
  if (uploads.length === 0) return null;
  return (
    <ul className="space-y-2" aria-label="Uploads">
      {uploads.map((u) => (
        <li key={u.key} className="text-sm" data-upload-status={u.status}>
          <div className="flex justify-between gap-2">
            <span className="truncate">{u.name}</span>
            <span className="shrink-0 text-slate-600">
              {u.status === 'uploading' && `${formatBytes(u.loaded)} / ${formatBytes(u.total)}`}
              {u.status === 'confirming' && 'Checking…'}
              {u.status === 'done' && 'Uploaded'}
              {u.status === 'failed' && 'Failed'}
            </span>
          </div>
          <ProgressBar label={`Upload of ${u.name}`} value={u.loaded} max={u.total} />
          {u.error && <p className="text-red-800">{u.error}</p>}
        </li>
      ))}
    </ul>
  );
}
