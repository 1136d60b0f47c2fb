/**
 * One WebSocket to the live feed per signed-in tab, with no React in it (unit-tested with a
 * fake socket).
 *
 * - On every (re)connect it sends `sync` (the server answers with the unread count) and tells
 *   `onOpen` listeners, which refetch what may have changed while the tab was not listening.
 * - `ping` every 5 minutes keeps the connection inside API Gateway's 10-minute idle timeout.
 * - Any close reconnects after 1 s, 2 s, 4 s … (at most 30 s) with a current access token.
 *   A handshake refused, or a close with 4401 (session revoked), refreshes the session first:
 *   when that fails because the user is signed out, the client stops until the next sign-in
 *   (a new client).
 */
import { backoffDelay, CLOSE_SESSION_REVOKED, parseLiveMessage, type LiveAction, type LiveMessage } from './protocol';

export type LiveStatus = 'connecting' | 'open' | 'closed' | 'stopped';

/** What the client needs from the session (`src/auth/session.ts` fits). */
export interface LiveAuth {
  readonly signedIn: boolean;
  token(): Promise<string | null>;
  refresh(): Promise<boolean>;
}

/** The part of the browser's WebSocket the client uses. */
export interface SocketLike {
  readonly readyState: number;
  onopen: ((ev: Event) => void) | null;
  onmessage: ((ev: MessageEvent) => void) | null;
  onclose: ((ev: CloseEvent) => void) | null;
  onerror: ((ev: Event) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface LiveClientOptions {
  url: (token: string) => string;
  auth: LiveAuth;
  createSocket?: (url: string) => SocketLike;
  pingEveryMs?: number;
}

export const PING_EVERY_MS = 5 * 60_000;
const OPEN = 1;

export class LiveClient {
  private socket: SocketLike | null = null;
  private status: LiveStatus = 'closed';
  private stopped = true;
  private attempt = 0;
  /** Refresh the session before the next attempt (after a refusal or a revocation). */
  private refreshFirst = false;
  /** A refresh was already tried since the last working connection: don't rotate tokens in a loop. */
  private refreshedInStreak = false;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private readonly messageListeners = new Set<(message: LiveMessage) => void>();
  private readonly openListeners = new Set<(reconnected: boolean) => void>();
  private readonly statusListeners = new Set<() => void>();
  private opens = 0;
  /** Bumped by start/stop, so an attempt begun before a stop (awaiting a token) gives up. */
  private generation = 0;
  private readonly url: (token: string) => string;
  private readonly auth: LiveAuth;
  private readonly createSocket: (url: string) => SocketLike;
  private readonly pingEveryMs: number;

  constructor(options: LiveClientOptions) {
    this.url = options.url;
    this.auth = options.auth;
    this.createSocket = options.createSocket ?? ((url) => new WebSocket(url));
    this.pingEveryMs = options.pingEveryMs ?? PING_EVERY_MS;
  }

  getStatus = (): LiveStatus => this.status;

  /** Every valid message of the feed. */
  subscribe(listener: (message: LiveMessage) => void): () => void {
    this.messageListeners.add(listener);
    return () => this.messageListeners.delete(listener);
  }

  /** Each time a connection opens; `reconnected` is false for the first one. */
  onOpen(listener: (reconnected: boolean) => void): () => void {
    this.openListeners.add(listener);
    return () => this.openListeners.delete(listener);
  }

  onStatus = (listener: () => void): (() => void) => {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  };

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.attempt = 0;
    void this.connect(++this.generation);
  }

  stop(): void {
    this.stopped = true;
    this.generation++;
    this.clearTimers();
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onopen = socket.onmessage = socket.onerror = socket.onclose = null;
      socket.close(1000, 'signed out');
    }
    this.setStatus('stopped');
  }

  /** Reconnects now instead of waiting out the backoff (the browser came back online). */
  retryNow(): void {
    if (this.stopped || this.status !== 'closed') return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.attempt = 0;
    void this.connect(this.generation);
  }

  send(action: LiveAction): boolean {
    if (!this.socket || this.socket.readyState !== OPEN) return false;
    this.socket.send(JSON.stringify(action));
    return true;
  }

  private setStatus(status: LiveStatus): void {
    if (this.status === status) return;
    this.status = status;
    for (const l of this.statusListeners) l();
  }

  private clearTimers(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.retryTimer = null;
    this.pingTimer = null;
  }

  private async connect(generation: number): Promise<void> {
    const gone = () => this.stopped || generation !== this.generation;
    if (gone()) return;
    this.setStatus('connecting');
    if (this.refreshFirst) {
      this.refreshFirst = false;
      this.refreshedInStreak = true;
      await this.auth.refresh();
      if (gone()) return;
    }
    const token = await this.auth.token();
    if (gone()) return;
    if (!token) {
      // Signed out (the refresh was refused): wait for the next sign-in. Otherwise the API
      // could not be reached for a token: try again later.
      if (!this.auth.signedIn) this.stop();
      else this.scheduleReconnect(generation);
      return;
    }
    let socket: SocketLike;
    try {
      socket = this.createSocket(this.url(token));
    } catch {
      this.scheduleReconnect(generation);
      return;
    }
    this.socket = socket;
    let opened = false;
    socket.onopen = () => {
      opened = true;
      this.setStatus('open');
      this.send({ action: 'sync' });
      this.pingTimer = setInterval(() => this.send({ action: 'ping' }), this.pingEveryMs);
      const reconnected = this.opens++ > 0;
      for (const l of this.openListeners) l(reconnected);
    };
    socket.onmessage = (ev) => {
      const message = parseLiveMessage(ev.data);
      if (!message) return;
      // The server answered: the connection works, so the next failure starts the backoff
      // again from 1 s (an accept-then-close loop keeps growing it instead).
      this.attempt = 0;
      this.refreshedInStreak = false;
      for (const l of this.messageListeners) l(message);
    };
    socket.onerror = () => undefined; // a close always follows
    socket.onclose = (ev) => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.pingTimer) clearInterval(this.pingTimer);
      this.pingTimer = null;
      if (this.stopped) return;
      // Refused at the handshake (expired token or ended session) or revoked while open:
      // the next attempt starts with a refresh, once per streak of failures.
      if (ev.code === CLOSE_SESSION_REVOKED || (!opened && !this.refreshedInStreak)) this.refreshFirst = true;
      this.scheduleReconnect(generation);
    };
  }

  private scheduleReconnect(generation: number): void {
    if (this.stopped || generation !== this.generation) return;
    this.setStatus('closed');
    const delay = backoffDelay(this.attempt++);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connect(generation);
    }, delay);
  }
}
