import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { z } from 'zod';
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../api/client';
import { bannerMessage } from '../api/errors';
import { keys, useStorageUsage } from '../api/hooks';
import { useUser } from '../auth/AuthProvider';
import { applyApiError } from '../lib/forms';
import { can } from '../lib/roles';
import { formatBytes } from '../lib/upload';
import { PLATFORM_LABEL } from '../lib/calendar';
import { Alert, Button, Card, EmptyState, ErrorState, Field, Input, Loading, PageHeader, ProgressBar, Select, Textarea, cx } from '../components/ui';
import { UploadList, useUploads, type Asset } from '../components/uploads';

export default function MediaLibrary() {
  const user = useUser();
  const mayUpload = can(user.role, 'create_content');
  const storage = useStorageUsage();
  const [type, setType] = useState<'' | 'image' | 'video'>('');
  const [tag, setTag] = useState('');
  const [search, setSearch] = useState('');
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const uploader = useUploads();
  const filters = { type: type || null, tag: tag.trim() || null, search: search.trim() || null };
  const clean = Object.fromEntries(Object.entries(filters).filter(([, v]) => v)) as { type?: 'image' | 'video'; tag?: string; search?: string };

  const library = useInfiniteQuery({
    queryKey: keys.media(clean),
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) => unwrap(api.GET('/api/media', { params: { query: { ...clean, limit: 24, ...(pageParam ? { cursor: pageParam } : {}) } } })),
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
  const items = library.data?.pages.flatMap((p) => p.items) ?? [];
  const selected = items.find((a) => a.id === selectedId) ?? null;

  return (
    <div>
      <PageHeader title="Media library">
        {mayUpload && (
          <label className="inline-flex cursor-pointer items-center rounded-md bg-indigo-700 px-3 py-2 text-sm font-medium text-white focus-within:ring-2 focus-within:ring-indigo-500">
            Upload files
            <input
              type="file"
              multiple
              className="sr-only"
              data-testid="library-upload"
              accept="image/jpeg,image/png,image/gif,image/webp,video/mp4,video/quicktime"
              onChange={(e) => {
                if (e.target.files?.length) void uploader.upload(e.target.files);
                e.target.value = '';
              }}
            />
          </label>
        )}
      </PageHeader>
      <Card title="Storage" className="mb-4">
        {storage.isPending ? (
          <Loading />
        ) : storage.isError ? (
          <ErrorState error={storage.error} />
        ) : (
          <div className="space-y-2 text-sm">
            <ProgressBar label="Storage used" value={storage.data.used_bytes} max={storage.data.quota_bytes} />
            <p data-testid="storage-usage">
              {formatBytes(storage.data.used_bytes)} of {formatBytes(storage.data.quota_bytes)} ({storage.data.percent_used.toFixed(1)}%)
              {storage.data.reserved_bytes > 0 && `, ${formatBytes(storage.data.reserved_bytes)} reserved by uploads in progress`}.{' '}
              {storage.data.by_type.map((k) => `${k.count} ${k.kind}${k.count === 1 ? '' : 's'}`).join(', ')}
            </p>
          </div>
        )}
      </Card>
      <div className="mb-4"><UploadList uploads={uploader.uploads} /></div>
      <form className="mb-4 grid gap-3 sm:grid-cols-3" role="search" onSubmit={(e) => e.preventDefault()}>
        <Field label="Search">{(p) => <Input {...p} type="search" value={search} onChange={(e) => setSearch(e.target.value)} />}</Field>
        <Field label="Type">
          {(p) => (
            <Select {...p} value={type} onChange={(e) => setType(e.target.value as '' | 'image' | 'video')}>
              <option value="">All</option>
              <option value="image">Images</option>
              <option value="video">Videos</option>
            </Select>
          )}
        </Field>
        <Field label="Tag">{(p) => <Input {...p} value={tag} onChange={(e) => setTag(e.target.value)} />}</Field>
      </form>
      <div className="grid gap-4 lg:grid-cols-3">
        <div className="lg:col-span-2">
          {library.isPending ? (
            <Loading />
          ) : library.isError ? (
            <ErrorState error={library.error} onRetry={() => void library.refetch()} />
          ) : items.length === 0 ? (
            <EmptyState title="No media here">{mayUpload ? 'Upload images or videos to use them in posts.' : 'Nothing matches.'}</EmptyState>
          ) : (
            <ul className="grid grid-cols-2 gap-3 sm:grid-cols-3" aria-label="Media">
              {items.map((a) => (
                <li key={a.id}>
                  <button
                    type="button"
                    aria-pressed={a.id === selectedId}
                    onClick={() => setSelectedId(a.id)}
                    className={cx('block w-full overflow-hidden rounded-lg border-2 bg-white text-left', a.id === selectedId ? 'border-indigo-600' : 'border-slate-200')}
                  >
                    {a.kind === 'image' && a.url ? (
                      <img src={a.url} alt={a.alt_text ?? ''} className="aspect-square w-full object-cover" loading="lazy" />
                    ) : (
                      <span className="flex aspect-square w-full items-center justify-center bg-slate-200 text-sm">{a.kind}</span>
                    )}
                    <span className="block truncate px-2 py-1 text-xs">{a.original_name}</span>
                  </button>
                </li>
              ))}
            </ul>
          )}
          {library.hasNextPage && (
            <Button variant="secondary" className="mt-4" busy={library.isFetchingNextPage} onClick={() => void library.fetchNextPage()}>Load more</Button>
          )}
        </div>
        <div>{selected ? <AssetPanel key={selected.id} asset={selected} mayEdit={mayUpload} onDeleted={() => setSelectedId(null)} /> : <p className="text-sm text-slate-600">Select a file to edit its alt text and tags.</p>}</div>
      </div>
    </div>
  );
}

const assetSchema = z.object({ alt_text: z.string().max(1000), tags: z.string() });
type AssetValues = z.infer<typeof assetSchema>;

function AssetPanel({ asset, mayEdit, onDeleted }: { asset: Asset; mayEdit: boolean; onDeleted: () => void }) {
  const queryClient = useQueryClient();
  const [banner, setBanner] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [variants, setVariants] = useState(asset.variants);
  const form = useForm<AssetValues>({
    resolver: zodResolver(assetSchema),
    defaultValues: { alt_text: asset.alt_text ?? '', tags: asset.tags.join(', ') },
  });
  const optimize = useMutation({
    mutationFn: () => unwrap(api.POST('/api/media/{id}/optimize', { params: { path: { id: asset.id } } })),
    onSuccess: (a) => {
      setVariants(a.variants);
      void queryClient.invalidateQueries({ queryKey: keys.storage });
    },
    onError: (e) => setBanner(bannerMessage(e)),
  });
  const remove = useMutation({
    mutationFn: () => unwrap(api.DELETE('/api/media/{id}', { params: { path: { id: asset.id } } })),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['media'] });
      void queryClient.invalidateQueries({ queryKey: keys.storage });
      onDeleted();
    },
    onError: (e) => setBanner(bannerMessage(e)),
  });
  const onSubmit = form.handleSubmit(async (v) => {
    setBanner(null);
    setSaved(false);
    try {
      await unwrap(
        api.PUT('/api/media/{id}', {
          params: { path: { id: asset.id } },
          body: { alt_text: v.alt_text.trim() || null, tags: v.tags.split(',').map((t) => t.trim()).filter(Boolean) },
        }),
      );
      setSaved(true);
      void queryClient.invalidateQueries({ queryKey: ['media'] });
    } catch (e) {
      setBanner(applyApiError(e, form.setError, ['alt_text', 'tags']));
    }
  });
  return (
    <Card title={asset.original_name}>
      <p className="text-sm text-slate-700">
        {asset.mime_type} · {formatBytes(asset.bytes)}
        {asset.width && asset.height ? ` · ${asset.width}×${asset.height}` : ''}
      </p>
      {banner && <div className="mt-2"><Alert>{banner}</Alert></div>}
      {saved && <div className="mt-2"><Alert kind="success">Saved.</Alert></div>}
      <form onSubmit={onSubmit} className="mt-3 space-y-3" noValidate>
        <Field label="Alt text" hint="What the image shows, for people using screen readers." error={form.formState.errors.alt_text?.message}>
          {(p) => <Textarea {...p} rows={3} disabled={!mayEdit} {...form.register('alt_text')} />}
        </Field>
        <Field label="Tags" hint="Separated by commas." error={form.formState.errors.tags?.message}>
          {(p) => <Input {...p} disabled={!mayEdit} {...form.register('tags')} />}
        </Field>
        {mayEdit && <Button type="submit" busy={form.formState.isSubmitting}>Save</Button>}
      </form>
      {asset.kind === 'image' && (
        <div className="mt-4 border-t border-slate-200 pt-3">
          <h3 className="text-sm font-medium">Platform versions</h3>
          {variants.length === 0 ? (
            <p className="text-sm text-slate-600">None yet.</p>
          ) : (
            <ul className="text-sm">
              {variants.map((v) => (
                <li key={`${v.platform}-${v.width}`}>{PLATFORM_LABEL[v.platform]}: {v.width}×{v.height}, {formatBytes(v.bytes)}</li>
              ))}
            </ul>
          )}
          {mayEdit && <Button variant="secondary" className="mt-2" busy={optimize.isPending} onClick={() => optimize.mutate()}>Make platform versions</Button>}
        </div>
      )}
      {mayEdit && (
        <Button variant="danger" className="mt-4" busy={remove.isPending} onClick={() => { if (window.confirm('Delete this file?')) remove.mutate(); }}>
          Delete
        </Button>
      )}
    </Card>
  );
}
