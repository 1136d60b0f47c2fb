import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveClient, type LiveAuth, type SocketLike } from '../../src/live/LiveClient';
import type { LiveMessage } from '../../src/live/protocol';

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: string[] = [];
  closedWith: number | undefined;
  onopen: ((ev: Event) => void) | null = null;
  onmessage: ((ev: MessageEvent) => void) | null = null;
  onclose: ((ev: CloseEvent) => void) | null = null;
  onerror: ((ev: Event) => void) | null = null;
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(data);
  }
  close(code?: number) {
    this.closedWith = code;
    this.readyState = 3;
  }
  // What the server does:
  open() {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }
  message(body: unknown) {
    this.onmessage?.(new MessageEvent('message', { data: JSON.stringify(body) }));
  }
  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.(new CloseEvent('close', { code }));
  }
}

function fakeAuth(tokens: string[] = ['t1', 't2', 't3', 't4', 't5', 't6', 't7', 't8']) {
  let current = tokens[0] ?? null;
  let i = 0;
  const auth: LiveAuth & { signedIn: boolean; refreshWorks: boolean; token: ReturnType<typeof vi.fn<() => Promise<string | null>>>; refresh: ReturnType<typeof vi.fn<() => Promise<boolean>>> } = {
    signedIn: true,
    token: vi.fn(async () => current),
    refresh: vi.fn(async () => {
      if (!auth.refreshWorks) {
        auth.signedIn = false;
        current = null;
        return false;
      }
      current = tokens[++i] ?? null;
      return true;
    }),
    refreshWorks: true,
  };
  return auth;
}

function setup(auth = fakeAuth()) {
  const sockets: FakeSocket[] = [];
  const client = new LiveClient({
    url: (token) => `ws://app.test/live?token=${token}`,
    auth,
    createSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
  });
  const last = () => sockets.at(-1)!;
  return { client, sockets, last, auth };
}

/** Lets the client's awaits (token, refresh) settle. */
const settle = () => vi.advanceTimersByTimeAsync(0);

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('LiveClient', () => {
  it('connects with the token, sends sync on open, and passes valid messages on', async () => {
    const { client, sockets, last } = setup();
    const seen: LiveMessage[] = [];
    client.subscribe((m) => seen.push(m));
    const opens: boolean[] = [];
    client.onOpen((r) => opens.push(r));
    client.start();
    await settle();
    expect(sockets).toHaveLength(1);
    expect(last().url).toBe('ws://app.test/live?token=t1');
    expect(client.getStatus()).toBe('connecting');
    last().open();
    expect(client.getStatus()).toBe('open');
    expect(last().sent).toEqual(['{"action":"sync"}']);
    expect(opens).toEqual([false]);
    last().message({ v: 1, type: 'notifications.unread', data: { unread: 4 }, sent_at: 'x' });
    last().message({ v: 2, type: 'notifications.unread', data: { unread: 9 }, sent_at: 'x' });
    last().message({ v: 1, type: 'something.new', data: {}, sent_at: 'x' });
    expect(seen).toEqual([{ type: 'notifications.unread', data: { unread: 4 }, sentAt: 'x' }]);
    client.stop();
  });

  it('pings every 5 minutes while open', async () => {
    const { client, last } = setup();
    client.start();
    await settle();
    last().open();
    await vi.advanceTimersByTimeAsync(5 * 60_000 - 1);
    expect(last().sent).toEqual(['{"action":"sync"}']);
    await vi.advanceTimersByTimeAsync(1);
    expect(last().sent).toEqual(['{"action":"sync"}', '{"action":"ping"}']);
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect(last().sent.filter((s) => s.includes('ping'))).toHaveLength(2);
    client.stop();
  });

  it('reconnects after 1 s, 2 s, 4 s … and starts again from 1 s once a connection works', async () => {
    const { client, sockets, last } = setup();
    const opens: boolean[] = [];
    client.onOpen((r) => opens.push(r));
    client.start();
    await settle();
    last().open();
    last().message({ v: 1, type: 'pong', data: {}, sent_at: 'x' });
    // An open connection drops: retry after 1 s.
    last().drop();
    expect(client.getStatus()).toBe('closed');
    await vi.advanceTimersByTimeAsync(999);
    expect(sockets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sockets).toHaveLength(2);
    // Refused at the handshake, again and again: 2 s, then 4 s.
    last().drop();
    await vi.advanceTimersByTimeAsync(1999);
    expect(sockets).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(sockets).toHaveLength(3);
    last().drop();
    await vi.advanceTimersByTimeAsync(3999);
    expect(sockets).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(sockets).toHaveLength(4);
    // This one works: the sync is sent again and the backoff starts over.
    last().open();
    expect(last().sent).toEqual(['{"action":"sync"}']);
    expect(opens).toEqual([false, true]);
    last().message({ v: 1, type: 'notifications.unread', data: { unread: 0 }, sent_at: 'x' });
    last().drop();
    await vi.advanceTimersByTimeAsync(1000);
    expect(sockets).toHaveLength(5);
    client.stop();
  });

  it('never waits more than 30 s', async () => {
    const { client, sockets, last } = setup();
    client.start();
    await settle();
    for (let i = 0; i < 8; i++) {
      last().drop();
      await vi.advanceTimersByTimeAsync(30_000);
    }
    expect(sockets).toHaveLength(9);
    client.stop();
  });

  it('refreshes the session once after a refused handshake, and reconnects with the fresh token', async () => {
    const { client, sockets, last, auth } = setup();
    client.start();
    await settle();
    last().drop(); // refused: no open
    await vi.advanceTimersByTimeAsync(1000);
    expect(auth.refresh).toHaveBeenCalledTimes(1);
    expect(last().url).toBe('ws://app.test/live?token=t2');
    last().drop(); // still refused: no refresh loop, only the backoff
    await vi.advanceTimersByTimeAsync(2000);
    expect(auth.refresh).toHaveBeenCalledTimes(1);
    expect(sockets).toHaveLength(3);
    client.stop();
  });

  it('refreshes after a 4401 close (session revoked) and stops when that signs the user out', async () => {
    const { client, sockets, last, auth } = setup();
    client.start();
    await settle();
    last().open();
    last().message({ v: 1, type: 'pong', data: {}, sent_at: 'x' });
    auth.refreshWorks = false;
    last().drop(4401);
    await vi.advanceTimersByTimeAsync(1000);
    expect(auth.refresh).toHaveBeenCalledTimes(1);
    expect(client.getStatus()).toBe('stopped');
    await vi.advanceTimersByTimeAsync(120_000);
    expect(sockets).toHaveLength(1);
  });

  it('stops when the connection just closes and the session is over (AWS closes without a code)', async () => {
    const { client, sockets, last, auth } = setup();
    client.start();
    await settle();
    last().open();
    last().message({ v: 1, type: 'pong', data: {}, sent_at: 'x' });
    last().drop(1001);
    await vi.advanceTimersByTimeAsync(1000);
    // The reconnect with the current token is refused, so the next attempt refreshes: refused.
    auth.refreshWorks = false;
    last().drop();
    await vi.advanceTimersByTimeAsync(2000);
    expect(client.getStatus()).toBe('stopped');
    expect(sockets).toHaveLength(2);
  });

  it('keeps retrying when no token can be had but the user is still signed in (offline)', async () => {
    const auth = fakeAuth();
    auth.token.mockResolvedValueOnce(null);
    const { client, sockets } = setup(auth);
    client.start();
    await settle();
    expect(sockets).toHaveLength(0);
    expect(client.getStatus()).toBe('closed');
    await vi.advanceTimersByTimeAsync(1000);
    expect(sockets).toHaveLength(1);
    client.stop();
  });

  it('stop closes the socket and nothing reconnects; a stop/start pair (React StrictMode) opens one socket', async () => {
    const { client, sockets, last } = setup();
    client.start();
    client.stop();
    client.start();
    await settle();
    expect(sockets).toHaveLength(1);
    last().open();
    client.stop();
    expect(last().closedWith).toBe(1000);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sockets).toHaveLength(1);
    expect(client.getStatus()).toBe('stopped');
  });

  it('reconnects at once when the browser comes back online', async () => {
    const { client, sockets, last } = setup();
    client.start();
    await settle();
    for (let i = 0; i < 4; i++) {
      last().drop();
      await vi.advanceTimersByTimeAsync(30_000);
    }
    last().drop();
    const before = sockets.length;
    client.retryNow();
    await settle();
    expect(sockets).toHaveLength(before + 1);
    client.stop();
  });
});
