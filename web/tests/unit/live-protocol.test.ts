import { describe, expect, it } from 'vitest';
import { backoffDelay, liveUrl, parseLiveMessage } from '../../src/live/protocol';

const notification = {
  id: 'n1',
  kind: 'post_failed',
  title: 'A post failed',
  body: 'X refused it: duplicate content',
  link: '/posts/p1',
  post_id: 'p1',
  social_account_id: 'a1',
  read: false,
  created_at: '2026-11-26T10:00:00Z',
};
const frame = (type: string, data: unknown, v: unknown = 1) => JSON.stringify({ v, type, data, sent_at: '2026-11-26T10:00:01Z' });

describe('live messages', () => {
  it('reads each known type', () => {
    expect(parseLiveMessage(frame('notification.created', { notification, unread: 3 }))).toEqual({
      type: 'notification.created',
      data: { notification, unread: 3 },
      sentAt: '2026-11-26T10:00:01Z',
    });
    expect(parseLiveMessage(frame('notifications.unread', { unread: 0 }))?.data).toEqual({ unread: 0 });
    expect(
      parseLiveMessage(frame('post.status', { post_id: 'p1', status: 'published', targets: [{ id: 't1', platform: 'x', status: 'published' }] }))?.data,
    ).toEqual({ post_id: 'p1', status: 'published', targets: [{ id: 't1', platform: 'x', status: 'published' }] });
    expect(parseLiveMessage(frame('export.progress', { export_id: 'e1', stage: 'uploading', percent: 80 }))?.data).toEqual({
      export_id: 'e1',
      stage: 'uploading',
      percent: 80,
    });
    expect(parseLiveMessage(frame('report.progress', { report_id: 'r1', stage: 'running', percent: 40 }))).toEqual({
      type: 'report.progress',
      data: { report_id: 'r1', stage: 'running', percent: 40 },
      sentAt: '2026-11-26T10:00:01Z',
    });
    expect(parseLiveMessage(frame('report.progress', { report_id: 'r1', stage: 'ready', percent: 100 }))?.data).toEqual({ report_id: 'r1', stage: 'ready', percent: 100 });
    expect(parseLiveMessage(frame('pong', {}))?.type).toBe('pong');
    expect(parseLiveMessage(frame('error', { code: 'bad_action', message: 'unknown action' }))?.data).toEqual({ code: 'bad_action', message: 'unknown action' });
  });

  it('ignores unknown types and other protocol versions (forward compatible)', () => {
    expect(parseLiveMessage(frame('post.comment', { post_id: 'p1' }))).toBeNull();
    expect(parseLiveMessage(frame('notifications.unread', { unread: 1 }, 2))).toBeNull();
    expect(parseLiveMessage(frame('notifications.unread', { unread: 1 }, '1'))).toBeNull();
    expect(parseLiveMessage(JSON.stringify({ type: 'notifications.unread', data: { unread: 1 } }))).toBeNull();
  });

  it('ignores malformed frames', () => {
    expect(parseLiveMessage('not json')).toBeNull();
    expect(parseLiveMessage(new ArrayBuffer(4))).toBeNull();
    expect(parseLiveMessage('[1,2]')).toBeNull();
    expect(parseLiveMessage(frame('notifications.unread', { unread: -1 }))).toBeNull();
    expect(parseLiveMessage(frame('notifications.unread', { unread: 1.5 }))).toBeNull();
    expect(parseLiveMessage(frame('notifications.unread', null))).toBeNull();
    expect(parseLiveMessage(frame('notification.created', { notification: { ...notification, read: 'no' }, unread: 1 }))).toBeNull();
    expect(parseLiveMessage(frame('notification.created', { notification: { ...notification, title: undefined }, unread: 1 }))).toBeNull();
    expect(parseLiveMessage(frame('export.progress', { export_id: 'e1', stage: 'zipping', percent: 5 }))).toBeNull();
    expect(parseLiveMessage(frame('report.progress', { report_id: 'r1', stage: 'queued', percent: 0 }))).toBeNull();
    expect(parseLiveMessage(frame('report.progress', { report_id: 7, stage: 'running', percent: 5 }))).toBeNull();
    expect(parseLiveMessage(frame('report.progress', { report_id: 'r1', stage: 'running', percent: '5' }))).toBeNull();
    expect(parseLiveMessage(frame('post.status', { post_id: 'p1', status: 'teleported', targets: [] }))).toBeNull();
    expect(parseLiveMessage(frame('post.status', { post_id: 'p1', status: 'published', targets: [{ id: 't1' }] }))).toBeNull();
  });

  it('keeps a notification of a kind it does not know, and leaves out target statuses it does not know', () => {
    expect(parseLiveMessage(frame('notification.created', { notification: { ...notification, kind: 'billing_due' }, unread: 1 }))?.type).toBe(
      'notification.created',
    );
    const m = parseLiveMessage(
      frame('post.status', { post_id: 'p1', status: 'publishing', targets: [{ id: 't1', platform: 'x', status: 'queued_elsewhere' }, { id: 't2', platform: 'linkedin', status: 'publishing' }] }),
    );
    expect(m?.type === 'post.status' && m.data.targets.map((t) => t.id)).toEqual(['t2']);
  });

  it('fills missing optional notification fields with null and clamps progress', () => {
    const { link: _l, post_id: _p, social_account_id: _s, ...bare } = notification;
    const m = parseLiveMessage(frame('notification.created', { notification: bare, unread: 1 }));
    expect(m?.type === 'notification.created' && m.data.notification.link).toBeNull();
    const p = parseLiveMessage(frame('export.progress', { export_id: 'e1', stage: 'collecting', percent: 140 }));
    expect(p?.type === 'export.progress' && p.data.percent).toBe(100);
    const r = parseLiveMessage(frame('report.progress', { report_id: 'r1', stage: 'running', percent: -3 }));
    expect(r?.type === 'report.progress' && r.data.percent).toBe(0);
  });
});

describe('reconnect backoff', () => {
  it('doubles from 1 s up to 30 s', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 50].map(backoffDelay)).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });
});

describe('live URL', () => {
  const location = { protocol: 'https:', host: 'app.example.com' };
  it('uses /live on the page origin by default, with the token', () => {
    expect(liveUrl('a b', { location })).toBe('wss://app.example.com/live?token=a+b');
    expect(liveUrl('t', { location: { protocol: 'http:', host: '127.0.0.1:3000' } })).toBe('ws://127.0.0.1:3000/live?token=t');
  });
  it('uses VITE_LIVE_URL when set (the WebSocket API in AWS)', () => {
    expect(liveUrl('t', { liveUrl: 'wss://abc.execute-api.eu-west-1.amazonaws.com/prod', location })).toBe(
      'wss://abc.execute-api.eu-west-1.amazonaws.com/prod?token=t',
    );
  });
  it('follows a cross-origin API', () => {
    expect(liveUrl('t', { apiBase: 'https://api.example.com', location })).toBe('wss://api.example.com/live?token=t');
  });
});
