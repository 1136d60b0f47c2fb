/**
 * The header's notification bell: the unread count (from the API once, then from the live
 * feed — never polled) and, on demand, the panel with the notifications (a lazy chunk: the
 * first load carries only the button).
 */
import { lazy, Suspense, useCallback, useEffect, useId, useRef, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { listNotifications, notificationKeys } from '../api/notifications';
import { useLiveMessages, useLiveStatus } from '../live/LiveProvider';
import { Spinner } from './ui';

const NotificationPanel = lazy(() => import('./NotificationPanel'));

/** The unread count; null until known. Kept current by the live feed (see `live/cache.ts`). */
export function useUnreadCount(): number | null {
  const unread = useQuery({
    queryKey: notificationKeys.unread,
    queryFn: async () => (await listNotifications({ limit: 1, unreadOnly: true })).unread,
    staleTime: Infinity,
  });
  return unread.data ?? null;
}

export function unreadLabel(count: number | null): string {
  return count ? `Notifications, ${count} unread` : 'Notifications';
}

export function NotificationBell() {
  const [open, setOpen] = useState(false);
  const [announcement, setAnnouncement] = useState('');
  const count = useUnreadCount();
  const live = useLiveStatus();
  const button = useRef<HTMLButtonElement>(null);
  const box = useRef<HTMLDivElement>(null);
  const panelId = useId();

  // A screen reader does not hear a button's label change: say that something arrived.
  useLiveMessages((m) => {
    if (m.type === 'notification.created') setAnnouncement(`New notification: ${m.data.notification.title}`);
  });

  const close = useCallback((refocus: boolean) => {
    setOpen(false);
    if (refocus) button.current?.focus();
  }, []);

  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') close(true);
    };
    const onPointer = (e: PointerEvent) => {
      if (box.current && !box.current.contains(e.target as Node)) close(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('pointerdown', onPointer);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('pointerdown', onPointer);
    };
  }, [open, close]);

  return (
    <div ref={box} className="relative" data-live={live}>
      <button
        ref={button}
        type="button"
        aria-label={unreadLabel(count)}
        aria-expanded={open}
        aria-controls={panelId}
        data-testid="notification-bell"
        data-unread={count ?? ''}
        onClick={() => setOpen((o) => !o)}
        className="relative inline-flex h-9 w-9 items-center justify-center rounded-md text-slate-700 hover:bg-slate-100 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500"
      >
        <svg aria-hidden="true" viewBox="0 0 24 24" className="h-5 w-5" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
          <path d="M6 8a6 6 0 1 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
          <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
        </svg>
        {!!count && (
          <span aria-hidden="true" className="absolute -right-1 -top-1 min-w-[1.25rem] rounded-full bg-red-700 px-1 text-center text-xs font-semibold leading-5 text-white">
            {count > 99 ? '99+' : count}
          </span>
        )}
      </button>
      <p className="sr-only" aria-live="polite">{announcement}</p>
      {open && (
        <Suspense fallback={<div id={panelId} className={PANEL_CLASS}><div className="flex justify-center py-6"><Spinner label="Loading…" /></div></div>}>
          <NotificationPanel id={panelId} unread={count ?? 0} onClose={close} />
        </Suspense>
      )}
    </div>
  );
}

/** Where the panel sits: under the bell on wide screens, across the top on phones. */
export const PANEL_CLASS =
  'fixed inset-x-2 top-16 z-40 flex max-h-[75vh] flex-col rounded-lg border border-slate-200 bg-white shadow-lg sm:absolute sm:inset-x-auto sm:right-0 sm:top-full sm:mt-2 sm:w-96';
