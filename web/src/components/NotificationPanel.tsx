/** The bell's panel: notifications newest first, with read, delete and mark-all. */
import { useEffect, useId, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { useInfiniteQuery, useMutation, useQueryClient, type InfiniteData } from '@tanstack/react-query';
import {
  deleteNotification,
  inAppPath,
  listNotifications,
  markAllRead,
  markRead,
  notificationKeys,
  type Notification,
  type NotificationPage,
} from '../api/notifications';
import { bannerMessage } from '../api/errors';
import { useAuth } from '../auth/AuthProvider';
import { mapNotifications, setUnread } from '../live/cache';
import { formatInstant, relativeTime } from '../lib/time';
import { PANEL_CLASS } from './NotificationBell';
import { Alert, Button, cx, EmptyState, ErrorState, Spinner } from './ui';

type NotificationList = InfiniteData<NotificationPage, string | null>;

export default function NotificationPanel({ id, unread, onClose }: { id: string; unread: number; onClose: (refocus: boolean) => void }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const timezone = useAuth().user?.timezone ?? 'UTC';
  const headingId = useId();
  const [error, setError] = useState<string | null>(null);
  // Relative times move on while the panel stays open.
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 60_000);
    return () => clearInterval(timer);
  }, []);

  const list = useInfiniteQuery({
    queryKey: notificationKeys.list,
    initialPageParam: null as string | null,
    queryFn: async ({ pageParam }) => {
      const page = await listNotifications({ cursor: pageParam });
      if (!pageParam) setUnread(queryClient, page.unread);
      return page;
    },
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
  const items = list.data?.pages.flatMap((p) => p.notifications) ?? [];

  /** Changes the cached list at once; the API's answer (or a refetch on failure) settles it. */
  const editList = (fn: (n: Notification) => Notification | null) =>
    queryClient.setQueryData<NotificationList>(notificationKeys.list, (l) => mapNotifications(l, fn));
  const oneLessUnread = () => setUnread(queryClient, Math.max(0, (queryClient.getQueryData<number>(notificationKeys.unread) ?? 1) - 1));
  const resync = () => {
    void queryClient.invalidateQueries({ queryKey: notificationKeys.list });
    void queryClient.invalidateQueries({ queryKey: notificationKeys.unread });
  };

  const read = useMutation({
    mutationFn: (n: Notification) => markRead(n.id),
    onMutate: (n) => {
      setError(null);
      if (!n.read) oneLessUnread();
      editList((x) => (x.id === n.id ? { ...x, read: true } : x));
    },
    onSuccess: (answer) => {
      setUnread(queryClient, answer.unread);
      editList((x) => (x.id === answer.notification.id ? answer.notification : x));
    },
    onError: (e) => {
      setError(bannerMessage(e));
      resync();
    },
  });
  const remove = useMutation({
    mutationFn: (n: Notification) => deleteNotification(n.id),
    onMutate: (n) => {
      setError(null);
      if (!n.read) oneLessUnread();
      editList((x) => (x.id === n.id ? null : x));
    },
    onError: (e) => {
      setError(bannerMessage(e));
      resync();
    },
  });
  const readAll = useMutation({
    mutationFn: markAllRead,
    onMutate: () => setError(null),
    onSuccess: (answer) => {
      setUnread(queryClient, answer.unread);
      editList((x) => ({ ...x, read: true }));
    },
    onError: (e) => setError(bannerMessage(e)),
  });

  const openItem = (n: Notification) => {
    if (!n.read) read.mutate(n);
    const path = inAppPath(n.link);
    if (path) {
      onClose(false);
      navigate(path);
    }
  };

  return (
    <section
      id={id}
      aria-labelledby={headingId}
      data-testid="notification-panel"
      className={PANEL_CLASS}
    >
      <div className="flex items-center justify-between gap-2 border-b border-slate-200 px-4 py-2">
        <h2 id={headingId} className="text-base font-semibold text-slate-900">Notifications</h2>
        <Button variant="ghost" busy={readAll.isPending} disabled={unread === 0} onClick={() => readAll.mutate()}>
          Mark all as read
        </Button>
      </div>
      {error && <div className="px-4 pt-2"><Alert>{error}</Alert></div>}
      <div className="min-h-0 flex-1 overflow-y-auto">
        {list.isPending ? (
          <div className="flex justify-center py-6"><Spinner label="Loading…" /></div>
        ) : list.isError ? (
          <div className="p-3"><ErrorState error={list.error} onRetry={() => void list.refetch()} /></div>
        ) : items.length === 0 ? (
          <div className="p-3"><EmptyState title="No notifications yet">Publishing results and team news show up here.</EmptyState></div>
        ) : (
          <ul className="divide-y divide-slate-200" aria-label="Notifications, newest first">
            {items.map((n) => (
              <li key={n.id} className={cx('flex items-start gap-1 px-2 py-1', !n.read && 'bg-indigo-50')} data-notification-id={n.id} data-read={n.read}>
                <button type="button" className="min-w-0 flex-1 rounded-md px-2 py-1.5 text-left hover:bg-slate-100 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500" onClick={() => openItem(n)}>
                  <span className="flex items-start gap-2">
                    {!n.read && <span aria-hidden="true" className="mt-1.5 h-2 w-2 shrink-0 rounded-full bg-indigo-700" />}
                    <span className={cx('text-sm text-slate-900', n.read ? 'font-medium' : 'font-bold')}>{n.title}</span>
                    {!n.read && <span className="sr-only">(unread)</span>}
                  </span>
                  <span className="mt-0.5 block whitespace-pre-wrap break-words text-sm text-slate-700">{n.body}</span>
                  <time className="mt-0.5 block text-xs text-slate-600" dateTime={n.created_at} title={formatInstant(n.created_at, timezone)}>
                    {relativeTime(n.created_at, now)}
                  </time>
                </button>
                <button
                  type="button"
                  aria-label={`Delete notification: ${n.title}`}
                  className="rounded-md p-2 text-slate-600 hover:bg-slate-100 hover:text-red-800 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500"
                  onClick={() => remove.mutate(n)}
                >
                  <svg aria-hidden="true" viewBox="0 0 24 24" className="h-4 w-4" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round">
                    <path d="M6 6l12 12M18 6L6 18" />
                  </svg>
                </button>
              </li>
            ))}
          </ul>
        )}
        {list.hasNextPage && (
          <div className="p-2">
            <Button variant="secondary" className="w-full" busy={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
              Load more
            </Button>
          </div>
        )}
      </div>
      <div className="border-t border-slate-200 px-4 py-2 text-sm">
        <Link className="font-medium text-indigo-800 underline" to="/settings/notifications" onClick={() => onClose(false)}>
          Notification settings
        </Link>
      </div>
    </section>
  );
}
