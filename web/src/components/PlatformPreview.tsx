import type { ReactNode } from 'react';
import type { Schemas } from '../api/client';
import { PLATFORM_LABEL } from '../lib/calendar';
import { cx } from './ui';

type TargetPreview = Schemas['TargetPreview'];
type Account = Schemas['AccountView'];
type Asset = Schemas['AssetView'];

const frame: Record<TargetPreview['platform'], string> = {
  x: 'bg-white border-slate-300 rounded-2xl',
  facebook: 'bg-white border-blue-200 rounded-lg',
  instagram: 'bg-white border-pink-200 rounded-md',
  linkedin: 'bg-white border-sky-200 rounded-lg',
  tiktok: 'bg-slate-900 text-white border-slate-700 rounded-xl',
};

/**
 * A post framed as its platform shows it: the frame, the author line and the text. Used by the
 * composer's preview and by the AI assistant's variants.
 */
export function PreviewFrame({ platform, name, handle, label, children, testId }: { platform: TargetPreview['platform']; name: string; handle?: string; label: string; children: ReactNode; testId?: string }) {
  return (
    <article className={cx('border p-3 shadow-sm', frame[platform])} aria-label={label} data-preview-platform={testId ? undefined : platform} data-testid={testId} data-platform={testId ? platform : undefined}>
      <header className="mb-2 flex items-center gap-2">
        <span aria-hidden="true" className="flex h-8 w-8 items-center justify-center rounded-full bg-indigo-200 text-xs font-bold text-indigo-900">
          {name.slice(0, 1).toUpperCase()}
        </span>
        <div className="min-w-0 text-sm leading-tight">
          <p className="truncate font-semibold">{name}</p>
          <p className={cx('truncate', platform === 'tiktok' ? 'text-slate-300' : 'text-slate-600')}>
            {handle || PLATFORM_LABEL[platform]}
          </p>
        </div>
      </header>
      {children}
    </article>
  );
}

/** One account's post as the platform will show it, with the API's counters and rule checks. */
export function PlatformPreview({ preview, account, media }: { preview: TargetPreview; account?: Account; media: Asset[] }) {
  const over = preview.length > preview.max_length;
  const name = account?.account_name ?? PLATFORM_LABEL[preview.platform];
  const handle = account?.account_handle ?? '';
  const images = media.filter((m) => m.url && m.kind === 'image').slice(0, Math.max(1, preview.max_media));
  return (
    <PreviewFrame platform={preview.platform} name={name} handle={handle} label={`${PLATFORM_LABEL[preview.platform]} preview for ${name}`}>
      {preview.platform === 'instagram' && images[0] && <img src={images[0].url!} alt={images[0].alt_text ?? ''} className="mb-2 aspect-square w-full rounded object-cover" />}
      <p className="whitespace-pre-wrap break-words text-sm" data-testid="preview-text">{preview.display_text}</p>
      {preview.platform !== 'instagram' && images.length > 0 && (
        <div className={cx('mt-2 grid gap-1', images.length > 1 ? 'grid-cols-2' : 'grid-cols-1')}>
          {images.map((m) => (
            <img key={m.id} src={m.url!} alt={m.alt_text ?? ''} className="max-h-48 w-full rounded object-cover" />
          ))}
        </div>
      )}
      <footer className={cx('mt-2 flex flex-wrap gap-x-3 text-xs', preview.platform === 'tiktok' ? 'text-slate-300' : 'text-slate-700')}>
        <span data-testid="preview-counter" className={cx(over && 'font-bold text-red-700')}>
          {preview.length}/{preview.max_length} characters{preview.weighted ? ' (weighted)' : ''}
        </span>
        <span>
          {preview.media_count}/{preview.max_media} media
        </span>
        {preview.max_hashtags != null && (
          <span>
            {preview.hashtags}/{preview.max_hashtags} hashtags
          </span>
        )}
      </footer>
      {preview.errors.length > 0 && (
        <ul className="mt-2 list-disc space-y-1 rounded bg-red-50 py-1 pl-6 pr-2 text-sm text-red-800" aria-label="Problems">
          {preview.errors.map((e) => <li key={e}>{e}</li>)}
        </ul>
      )}
      {preview.warnings.length > 0 && (
        <ul className="mt-2 list-disc space-y-1 rounded bg-amber-50 py-1 pl-6 pr-2 text-sm text-amber-900" aria-label="Warnings">
          {preview.warnings.map((e) => <li key={e}>{e}</li>)}
        </ul>
      )}
    </PreviewFrame>
  );
}
