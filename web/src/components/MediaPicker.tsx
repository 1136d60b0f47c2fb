import { useEffect, useRef } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../api/client';
import { keys } from '../api/hooks';
import { Button, EmptyState, ErrorState, Loading, cx } from './ui';
import type { Asset } from './uploads';

/** A dialog listing the library; toggles assets in and out of a post. */
export function MediaPicker({ selected, onToggle, onClose, onAssets }: { selected: string[]; onToggle: (a: Asset) => void; onClose: () => void; onAssets: (a: Asset[]) => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const library = useQuery({
    queryKey: keys.media({ picker: true }),
    queryFn: () => unwrap(api.GET('/api/media', { params: { query: { limit: 60 } } })),
  });
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  useEffect(() => {
    if (library.data) onAssets(library.data.items);
  }, [library.data, onAssets]);
  return (
    <dialog ref={dialog} onClose={onClose} className="w-full max-w-3xl rounded-lg p-0 backdrop:bg-slate-900/50" aria-labelledby="picker-title">
      <div className="p-4">
        <div className="mb-3 flex items-center justify-between">
          <h2 id="picker-title" className="text-lg font-semibold">Choose media</h2>
          <Button variant="secondary" onClick={() => dialog.current?.close()}>Done</Button>
        </div>
        {library.isPending ? (
          <Loading />
        ) : library.isError ? (
          <ErrorState error={library.error} onRetry={() => void library.refetch()} />
        ) : library.data.items.length === 0 ? (
          <EmptyState title="The library is empty">Upload files from the composer or the media library.</EmptyState>
        ) : (
          <ul className="grid grid-cols-3 gap-2 sm:grid-cols-4">
            {library.data.items.map((a) => {
              const on = selected.includes(a.id);
              return (
                <li key={a.id}>
                  <button
                    type="button"
                    aria-pressed={on}
                    onClick={() => onToggle(a)}
                    className={cx('block w-full overflow-hidden rounded border-2 text-left text-xs', on ? 'border-indigo-600' : 'border-transparent')}
                  >
                    {a.kind === 'image' && a.url ? (
                      <img src={a.url} alt={a.alt_text ?? a.original_name} className="aspect-square w-full object-cover" />
                    ) : (
                      <span className="flex aspect-square w-full items-center justify-center bg-slate-200">{a.kind}</span>
                    )}
                    <span className="block truncate p-1">{a.original_name}</span>
                  </button>
                </li>
              );
            })}
          </ul>
        )}
      </div>
    </dialog>
  );
}
