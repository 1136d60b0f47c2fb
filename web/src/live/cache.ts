/**
 * What live messages do to the TanStack Query cache. The message is applied to cached data at
 * once (the badge, a post's status, a calendar entry's color change without a request), and
 * the queries whose other fields may have moved with it (permalinks, errors, list membership
 * under a status filter) are refetched, batched, so a burst of events costs one request per
 * query.
 */
import type { InfiniteData, QueryClient, QueryKey } from '@tanstack/react-query';
import type { Schemas } from '../api/client';
import { notificationKeys, type Notification, type NotificationPage } from '../api/notifications';
import { aiKeys, keysAfterTaskEvent } from '../api/ai';
import { insightKeys, type CrisisStatus } from '../api/crisis';
import type { PostStatusData, LiveMessage } from './protocol';

type Post = Schemas['Post'];
type PostPage = Schemas['PostPage'];
type Calendar = Schemas['Calendar'];

export const INVALIDATE_AFTER_MS = 400;

/** Collects query keys to refetch and refetches them together after a short pause. */
export class BatchedInvalidator {
  private pending = new Map<string, QueryKey>();
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly queryClient: QueryClient,
    private readonly delayMs = INVALIDATE_AFTER_MS,
  ) {}

  add(...keys: QueryKey[]): void {
    for (const key of keys) this.pending.set(JSON.stringify(key), key);
    if (!this.timer) this.timer = setTimeout(() => this.flush(), this.delayMs);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const keys = [...this.pending.values()];
    this.pending.clear();
    for (const queryKey of keys) void this.queryClient.invalidateQueries({ queryKey });
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending.clear();
  }
}

/** The unread count, as the bell shows it. */
export function setUnread(queryClient: QueryClient, unread: number): void {
  // A fetch still in flight holds an older count: the pushed value is newer.
  void queryClient.cancelQueries({ queryKey: notificationKeys.unread, exact: true });
  queryClient.setQueryData<number>(notificationKeys.unread, unread);
}

type NotificationList = InfiniteData<NotificationPage, string | null>;

/** Puts a new notification at the top of the cached list (once). */
export function prependNotification(list: NotificationList | undefined, notification: Notification): NotificationList | undefined {
  if (!list || list.pages.length === 0) return list;
  if (list.pages.some((p) => p.notifications.some((n) => n.id === notification.id))) return list;
  const [first, ...rest] = list.pages as [NotificationPage, ...NotificationPage[]];
  return { ...list, pages: [{ ...first, notifications: [notification, ...first.notifications] }, ...rest] };
}

/** Applies a change to every cached notification (read flags) or removes one. */
export function mapNotifications(list: NotificationList | undefined, fn: (n: Notification) => Notification | null): NotificationList | undefined {
  if (!list) return list;
  return {
    ...list,
    pages: list.pages.map((p) => ({
      ...p,
      notifications: p.notifications.flatMap((n) => {
        const next = fn(n);
        return next ? [next] : [];
      }),
    })),
  };
}

function patchPost<T extends Pick<Post, 'id' | 'status' | 'targets'>>(post: T, data: PostStatusData): T {
  if (post.id !== data.post_id) return post;
  const byId = new Map(data.targets.map((t) => [t.id, t.status]));
  return { ...post, status: data.status, targets: post.targets.map((t) => (byId.has(t.id) ? { ...t, status: byId.get(t.id)! } : t)) };
}

/** A post's new status in a cached post list: a plain page (dashboard) or infinite pages (posts). */
export function patchPostLists(data: unknown, change: PostStatusData): unknown {
  if (!data || typeof data !== 'object') return data;
  if ('pages' in data && Array.isArray((data as InfiniteData<PostPage>).pages)) {
    const inf = data as InfiniteData<PostPage>;
    return { ...inf, pages: inf.pages.map((p) => patchPostLists(p, change) as PostPage) };
  }
  if ('items' in data && Array.isArray((data as PostPage).items)) {
    const page = data as PostPage;
    if (!page.items.some((p) => p.id === change.post_id)) return data;
    return { ...page, items: page.items.map((p) => patchPost(p, change)) };
  }
  return data;
}

/** A post's new status in a cached calendar (its color and whether it can be dragged). */
export function patchCalendar(calendar: Calendar | undefined, change: PostStatusData): Calendar | undefined {
  if (!calendar?.days) return calendar;
  let hit = false;
  const days: Calendar['days'] = {};
  for (const [day, entries] of Object.entries(calendar.days)) {
    days[day] = (entries ?? []).map((e) => {
      if (e.id !== change.post_id) return e;
      hit = true;
      return { ...e, status: change.status };
    });
  }
  return hit ? { ...calendar, days } : calendar;
}

export function postQueryKey(id: string) {
  return ['post', id] as const;
}

/** Applies one live message to the cache. */
export function applyLiveMessage(queryClient: QueryClient, message: LiveMessage, invalidator: BatchedInvalidator): void {
  switch (message.type) {
    case 'notification.created': {
      setUnread(queryClient, message.data.unread);
      queryClient.setQueryData<NotificationList>(notificationKeys.list, (list) => prependNotification(list, message.data.notification));
      return;
    }
    case 'notifications.unread': {
      const known = queryClient.getQueryData<number>(notificationKeys.unread);
      setUnread(queryClient, message.data.unread);
      // Another tab read or deleted something: the cached list's flags are stale. (Our own
      // actions already updated it and the count then matches.)
      if (known !== undefined && known !== message.data.unread) invalidator.add(notificationKeys.list);
      return;
    }
    case 'post.status': {
      const change = message.data;
      queryClient.setQueryData<Post>(postQueryKey(change.post_id), (post) => (post ? patchPost(post, change) : post));
      queryClient.setQueriesData({ queryKey: ['posts'] }, (data: unknown) => patchPostLists(data, change));
      queryClient.setQueriesData<Calendar>({ queryKey: ['calendar'] }, (data) => patchCalendar(data, change));
      invalidator.add(postQueryKey(change.post_id), ['posts'], ['calendar']);
      return;
    }
    case 'report.progress': {
      // The reports screen follows the progress itself; a finished report changes the list
      // (status, download links) even when that screen is not open.
      if (message.data.stage !== 'running') invalidator.add(['analytics', 'reports'], ['analytics', 'report', message.data.report_id]);
      return;
    }
    case 'ai_task.status': {
      // The task, the history, its workflow (a step moved on) and, once it finished, the
      // agents' counters and the month's spending: refetched, batched.
      invalidator.add(...keysAfterTaskEvent(message.data));
      return;
    }
    case 'crisis.changed': {
      // The banner changes at once; the alert's evidence and the pause's details are refetched.
      const { level, paused } = message.data;
      queryClient.setQueryData<CrisisStatus>(insightKeys.crisis, (status) =>
        status ? { ...status, level, publishing: { ...status.publishing, paused } } : status,
      );
      invalidator.add(insightKeys.crisis);
      return;
    }
    case 'subscription.changed': {
      // The plan page (and the organization's limits) refetch, batched.
      invalidator.add(['subscription'], ['organization']);
      return;
    }
    default:
      return; // export progress is read by the profile page; pong and error change nothing
  }
}

/** After a (re)connect: what may have changed while the tab was not listening. */
export function refreshAfterConnect(queryClient: QueryClient, reconnected: boolean): void {
  void queryClient.invalidateQueries({ queryKey: notificationKeys.unread });
  void queryClient.invalidateQueries({ queryKey: notificationKeys.list });
  if (reconnected) {
    // Status changes sent while disconnected were lost.
    void queryClient.invalidateQueries({ queryKey: ['post'] });
    void queryClient.invalidateQueries({ queryKey: ['posts'] });
    void queryClient.invalidateQueries({ queryKey: ['calendar'] });
    // So were report progress events.
    void queryClient.invalidateQueries({ queryKey: ['analytics', 'reports'] });
    void queryClient.invalidateQueries({ queryKey: ['analytics', 'report'] });
    // And AI task status events.
    void queryClient.invalidateQueries({ queryKey: aiKeys.all });
    // And crisis changes.
    void queryClient.invalidateQueries({ queryKey: insightKeys.crisis });
    // And plan changes (Stripe's webhook).
    void queryClient.invalidateQueries({ queryKey: ['subscription'] });
  }
}
