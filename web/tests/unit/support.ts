/** What the screen tests share: JSON answers for a mocked fetch, and a live feed they drive. */
import { LiveClient, type SocketLike } from '../../src/live/LiveClient';

export function json(status: number, body: unknown) {
  return new Response(status === 204 ? null : JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

/** A WebSocket the test opens and pushes events into. */
export class FakeSocket implements SocketLike {
  readyState = 0;
  sent: string[] = [];
  onopen: ((ev: Event) => void) | null = null;
  onmessage: ((ev: MessageEvent) => void) | null = null;
  onclose: ((ev: CloseEvent) => void) | null = null;
  onerror: ((ev: Event) => void) | null = null;
  send(data: string) {
    this.sent.push(data);
  }
  close() {
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }
  push(type: string, data: unknown) {
    this.onmessage?.(new MessageEvent('message', { data: JSON.stringify({ v: 1, type, data, sent_at: new Date().toISOString() }) }));
  }
}

/** A live client signed in, whose sockets are the test's. */
export function liveClient() {
  const sockets: FakeSocket[] = [];
  const client = new LiveClient({
    url: (t) => `ws://test/live?token=${t}`,
    auth: { signedIn: true, token: async () => 'token', refresh: async () => true },
    createSocket: () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
  });
  return { client, sockets };
}
