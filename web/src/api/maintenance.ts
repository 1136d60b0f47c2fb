/**
 * Site-wide maintenance mode as the app learns it: while a platform administrator has turned it
 * on, every write answers 503 `{"error":{"code":"maintenance_mode",…}}` (reads keep working).
 * The API client reports each write's answer here (`noteWrite`); the layout's banner reads the
 * state with `useMaintenance`. The banner goes away on the next successful write, or once the
 * answer's `Retry-After` has passed. No React here beyond the hook, and nothing heavy: this
 * module is part of the first load.
 */
import { useSyncExternalStore } from 'react';

export const MAINTENANCE_CODE = 'maintenance_mode';

export interface MaintenanceNotice {
  /** The API's message (the administrator's text when one was given). */
  message: string;
  /** When to drop the banner by itself (ms since the epoch), from `Retry-After`; null: until a write succeeds. */
  until: number | null;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function isWrite(method: string): boolean {
  return WRITE_METHODS.has(method.toUpperCase());
}

/** The notice a 503 answer carries, or null when it is another error. */
export function maintenanceFromAnswer(status: number, body: unknown, retryAfter: string | null, now = Date.now()): MaintenanceNotice | null {
  if (status !== 503 || typeof body !== 'object' || body === null) return null;
  const error = (body as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null) return null;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (code !== MAINTENANCE_CODE) return null;
  return { message: typeof message === 'string' && message.trim() ? sentence(message) : 'Changes are paused for maintenance.', until: retryAfterAt(retryAfter, now) };
}

/** "back soon" → "Back soon." */
function sentence(text: string): string {
  const t = text.trim();
  return `${t.charAt(0).toUpperCase()}${t.slice(1)}${/[.!?]$/.test(t) ? '' : '.'}`;
}

/** `Retry-After` (seconds, or an HTTP date) as an instant; null when absent or unreadable. */
export function retryAfterAt(header: string | null | undefined, now = Date.now()): number | null {
  if (!header) return null;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return now + Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : date;
}

type Listener = () => void;

/** The current notice and its listeners (one per tab). */
export class MaintenanceState {
  private notice: MaintenanceNotice | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly listeners = new Set<Listener>();

  constructor(private readonly now: () => number = () => Date.now()) {}

  get = (): MaintenanceNotice | null => this.notice;

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  set(notice: MaintenanceNotice | null): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const same = notice && this.notice && notice.message === this.notice.message && notice.until === this.notice.until;
    if (!same && (notice || this.notice)) {
      this.notice = notice;
      for (const l of this.listeners) l();
    }
    if (notice?.until != null) {
      this.timer = setTimeout(() => this.set(null), Math.max(0, notice.until - this.now()));
    }
  }

  /** What a write's answer says: 503 maintenance_mode sets the notice, a success clears it. */
  async noteWrite(method: string, response: Response): Promise<void> {
    if (!isWrite(method)) return;
    if (response.ok) {
      if (this.notice) this.set(null);
      return;
    }
    if (response.status !== 503) return;
    let body: unknown = null;
    try {
      body = await response.clone().json();
    } catch {
      return;
    }
    const notice = maintenanceFromAnswer(response.status, body, response.headers.get('Retry-After'), this.now());
    if (notice) this.set(notice);
  }
}

export const maintenance = new MaintenanceState();

/** The maintenance notice to show, or null. */
export function useMaintenance(): MaintenanceNotice | null {
  return useSyncExternalStore(maintenance.subscribe, maintenance.get);
}
