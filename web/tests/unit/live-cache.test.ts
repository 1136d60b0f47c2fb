import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { QueryClient, type InfiniteData } from '@tanstack/react-query';
import { applyLiveMessage, BatchedInvalidator } from '../../src/live/cache';
import { notificationKeys, type Notification, type NotificationPage } from '../../src/api/notifications';
import type { Schemas } from '../../src/api/client';
import type { LiveMessage } from '../../src/live/protocol';

const note = (id: string, read = false): Notification => ({
  id,
  kind: 'post_failed',
  title: `Title ${id}`,
  body: 'Body',
  link: null,
  post_id: null,
  social_account_id: null,
  read,
  created_at: '2026-11-26T10:00:00Z',
});

const post = (id: string, status: Schemas['PostStatus']) =>
  ({ id, status, targets: [{ id: `${id}-t1`, status: 'pending' }, { id: `${id}-t2`, status: 'pending' }] }) as unknown as Schemas['Post'];

let queryClient: QueryClient;
let invalidator: BatchedInvalidator;
const apply = (m: LiveMessage) => applyLiveMessage(queryClient, m, invalidator);

beforeEach(() => {
  vi.useFakeTimers();
  queryClient = new QueryClient();
  invalidator = new BatchedInvalidator(queryClient, 400);
});
afterEach(() => vi.useRealTimers());

describe('live messages in the query cache', () => {
  it('sets the unread count and puts a new notification on top of the cached list, once', () => {
    const list: InfiniteData<NotificationPage, string | null> = {
      pages: [{ notifications: [note('a')], next_cursor: 'c', unread: 1 }, { notifications: [note('b', true)], next_cursor: null, unread: 1 }],
      pageParams: [null, 'c'],
    };
    queryClient.setQueryData(notificationKeys.list, list);
    queryClient.setQueryData(notificationKeys.unread, 1);
    const created: LiveMessage = { type: 'notification.created', data: { notification: note('new'), unread: 2 }, sentAt: '' };
    apply(created);
    apply(created);
    expect(queryClient.getQueryData(notificationKeys.unread)).toBe(2);
    const after = queryClient.getQueryData<typeof list>(notificationKeys.list)!;
    expect(after.pages[0]!.notifications.map((n) => n.id)).toEqual(['new', 'a']);
    expect(after.pages[1]!.notifications.map((n) => n.id)).toEqual(['b']);
  });

  it('refetches the list when another tab changed the unread count, not for our own echo', async () => {
    const spy = vi.spyOn(queryClient, 'invalidateQueries');
    queryClient.setQueryData(notificationKeys.unread, 3);
    apply({ type: 'notifications.unread', data: { unread: 3 }, sentAt: '' });
    await vi.advanceTimersByTimeAsync(500);
    expect(spy).not.toHaveBeenCalled();
    apply({ type: 'notifications.unread', data: { unread: 0 }, sentAt: '' });
    expect(queryClient.getQueryData(notificationKeys.unread)).toBe(0);
    await vi.advanceTimersByTimeAsync(500);
    expect(spy).toHaveBeenCalledWith({ queryKey: notificationKeys.list });
  });

  it('changes a post status in the post, the post lists and the calendar at once, then refetches them together', async () => {
    const spy = vi.spyOn(queryClient, 'invalidateQueries');
    queryClient.setQueryData(['post', 'p1'], post('p1', 'scheduled'));
    queryClient.setQueryData(['posts', { status: 'scheduled' }], { items: [post('p1', 'scheduled'), post('p2', 'scheduled')], next_cursor: null });
    queryClient.setQueryData(['posts', {}], { pages: [{ items: [post('p1', 'scheduled')], next_cursor: null }], pageParams: [null] });
    queryClient.setQueryData(['calendar', '2026-11-01', '2026-12-01', 'UTC'], {
      days: { '2026-11-26': [{ id: 'p1', status: 'scheduled', local_time: '10:00', platforms: ['x'], excerpt: 'hi' }] },
    });
    apply({ type: 'post.status', data: { post_id: 'p1', status: 'publishing', targets: [{ id: 'p1-t1', platform: 'x', status: 'publishing' }] }, sentAt: '' });
    apply({ type: 'post.status', data: { post_id: 'p1', status: 'published', targets: [{ id: 'p1-t1', platform: 'x', status: 'published' }, { id: 'p1-t2', platform: 'x', status: 'published' }] }, sentAt: '' });

    const p = queryClient.getQueryData<Schemas['Post']>(['post', 'p1'])!;
    expect(p.status).toBe('published');
    expect(p.targets.map((t) => t.status)).toEqual(['published', 'published']);
    const page = queryClient.getQueryData<Schemas['PostPage']>(['posts', { status: 'scheduled' }])!;
    expect(page.items.map((i) => i.status)).toEqual(['published', 'scheduled']);
    const inf = queryClient.getQueryData<InfiniteData<Schemas['PostPage']>>(['posts', {}])!;
    expect(inf.pages[0]!.items[0]!.status).toBe('published');
    const cal = queryClient.getQueryData<Schemas['Calendar']>(['calendar', '2026-11-01', '2026-12-01', 'UTC'])!;
    expect(cal.days['2026-11-26']![0]!.status).toBe('published');

    expect(spy).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(400);
    expect(spy.mock.calls.map((c) => c[0]?.queryKey)).toEqual([['post', 'p1'], ['posts'], ['calendar']]);
  });

  it('leaves other posts and uncached queries alone', () => {
    queryClient.setQueryData(['post', 'p2'], post('p2', 'scheduled'));
    apply({ type: 'post.status', data: { post_id: 'p1', status: 'failed', targets: [] }, sentAt: '' });
    expect(queryClient.getQueryData<Schemas['Post']>(['post', 'p2'])!.status).toBe('scheduled');
    expect(queryClient.getQueryData(['post', 'p1'])).toBeUndefined();
  });

  it('refetches the reports when one finished, not for each step', async () => {
    const spy = vi.spyOn(queryClient, 'invalidateQueries');
    apply({ type: 'report.progress', data: { report_id: 'r1', stage: 'running', percent: 40 }, sentAt: '' });
    await vi.advanceTimersByTimeAsync(500);
    expect(spy).not.toHaveBeenCalled();
    apply({ type: 'report.progress', data: { report_id: 'r1', stage: 'ready', percent: 100 }, sentAt: '' });
    await vi.advanceTimersByTimeAsync(500);
    expect(spy.mock.calls.map((c) => c[0]?.queryKey)).toEqual([
      ['analytics', 'reports'],
      ['analytics', 'report', 'r1'],
    ]);
  });
});
