/**
 * The notifications API: types, query keys and calls, for the bell, the settings screen, the
 * unsubscribe page and the live feed.
 */
import { api, API_BASE, unwrap, type Schemas } from './client';
import { ApiError, toApiError } from './errors';
import type { paths } from './schema';

export type NotificationKind = Schemas['NotificationKind'];
export type Notification = Schemas['Notification'];
export type NotificationPage = Schemas['NotificationPage'];
export type EmailDelivery = Schemas['EmailDelivery'];
export type QuietHours = Schemas['QuietHours'];
export type KindSetting = Schemas['KindSetting'];
export type NotificationSettings = Schemas['NotificationSettings'];
export type NotificationSettingsUpdate = paths['/api/notifications/settings']['put']['requestBody']['content']['application/json'];

/** Every kind, in the API's order (the settings screen shows what the API lists). */
export const NOTIFICATION_KINDS: readonly NotificationKind[] = [
  'post_published',
  'post_failed',
  'post_unconfirmed',
  'account_needs_reconnect',
  'export_ready',
  'report_ready',
  'ai_task_failed',
  'ai_workflow_finished',
  'crisis_alert',
  'performance_alert',
  'competitor_alert',
  'member_invited',
  'member_joined',
  'billing_alert',
];

/** What each kind is called on screen (an unknown future kind shows its name). */
export const KIND_LABEL: Record<NotificationKind, string> = {
  post_published: 'A post was published',
  post_failed: 'A post failed to publish',
  post_unconfirmed: 'A post could not be confirmed',
  account_needs_reconnect: 'A social account needs reconnecting',
  export_ready: 'Your data export is ready',
  report_ready: 'An analytics report is ready',
  ai_task_failed: 'An AI task failed',
  ai_workflow_finished: 'An AI workflow finished or stopped',
  crisis_alert: 'A possible crisis in your mentions',
  performance_alert: 'A post did far better or worse than expected',
  competitor_alert: 'A competitor had an unusual spike',
  member_invited: 'Someone was invited to the organization',
  member_joined: 'Someone joined the organization',
  billing_alert: 'A payment failed or the plan changed',
};

export function kindLabel(kind: string): string {
  return (KIND_LABEL as Record<string, string>)[kind] ?? kind.replace(/_/g, ' ');
}

export const PAGE_SIZE = 20;

export const notificationKeys = {
  unread: ['notifications', 'unread'] as const,
  list: ['notifications', 'list'] as const,
  settings: ['notifications', 'settings'] as const,
};

export function listNotifications(options: { limit?: number; cursor?: string | null; unreadOnly?: boolean } = {}): Promise<NotificationPage> {
  const query = { limit: options.limit ?? PAGE_SIZE, ...(options.cursor ? { cursor: options.cursor } : {}), ...(options.unreadOnly ? { unread_only: true } : {}) };
  return unwrap(api.GET('/api/notifications', { params: { query } }));
}

export function markRead(id: string): Promise<Schemas['ReadResult']> {
  return unwrap(api.PUT('/api/notifications/{id}/read', { params: { path: { id } } }));
}

export function deleteNotification(id: string): Promise<unknown> {
  return unwrap(api.DELETE('/api/notifications/{id}', { params: { path: { id } } }));
}

export function markAllRead(): Promise<Schemas['MarkAllResult']> {
  return unwrap(api.POST('/api/notifications/mark-all-read'));
}

export function getSettings(): Promise<NotificationSettings> {
  return unwrap(api.GET('/api/notifications/settings'));
}

export function putSettings(body: NotificationSettingsUpdate): Promise<NotificationSettings> {
  return unwrap(api.PUT('/api/notifications/settings', { body }));
}

/**
 * The one-click unsubscribe of the emails' links: no session (the link's token is the
 * credential), so it goes out with a plain fetch, without cookies.
 */
export async function unsubscribe(body: Schemas['UnsubscribeRequest']): Promise<Schemas['Unsubscribed']> {
  let response: Response;
  try {
    response = await fetch(`${API_BASE}/api/notifications/unsubscribe`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      credentials: 'omit',
      body: JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, 'network_error', e instanceof Error ? `Network error: ${e.message}` : 'Network error');
  }
  const json: unknown = await response.json().catch(() => null);
  if (!response.ok) throw toApiError(response.status, json, response.headers.get('Retry-After'));
  return json as Schemas['Unsubscribed'];
}

/** Only in-app paths are followed from a notification (never another site). */
export function inAppPath(link: string | null | undefined): string | null {
  if (!link || !link.startsWith('/') || link.startsWith('//') || link.startsWith('/\\')) return null;
  return link;
}
