/**
 * The integrations page's logic, without React: a connect form → the request body of its type
 * (with the checks the API makes, so most mistakes show before sending), the UTM templates'
 * rule (the API's, mirrored), the per-type settings in words, statuses of integrations and
 * deliveries, and a test's result. (The dashboard's web-traffic rows are in `analytics.ts`.)
 */
import type { ConnectRequest, Delivery, Integration, IntegrationType, TestResult, UtmSettings } from '../api/integrations';

export const TYPE_ORDER: readonly IntegrationType[] = ['slack', 'webhook', 'google_analytics'];

export const TYPE_LABEL: Record<IntegrationType, string> = {
  slack: 'Slack',
  webhook: 'Outgoing webhook',
  google_analytics: 'Google Analytics 4',
};

export function typeLabel(type: string): string {
  return TYPE_LABEL[type as IntegrationType] ?? type;
}

/** What Slack and webhooks may be sent (`integration.test` is sent by "Send test" only). */
export const SUBSCRIBABLE_EVENTS = ['post.published', 'post.failed', 'report.ready'] as const;
export type SubscribableEvent = (typeof SUBSCRIBABLE_EVENTS)[number];

export const EVENT_LABEL: Record<string, string> = {
  'post.published': 'Post published',
  'post.failed': 'Post failed',
  'report.ready': 'Report ready',
  'integration.test': 'Test message',
};

export const EVENT_HINT: Record<SubscribableEvent, string> = {
  'post.published': 'a post went out on a platform',
  'post.failed': 'a post could not be published',
  'report.ready': 'an analytics report is ready to download',
};

export function eventLabel(event: string): string {
  return EVENT_LABEL[event] ?? event;
}

export function isSubscribable(event: string): event is SubscribableEvent {
  return (SUBSCRIBABLE_EVENTS as readonly string[]).includes(event);
}

// ---------------------------------------------------------------- UTM templates

export const UTM_TOKENS = ['{platform}', '{post_id}', '{date}'] as const;
export const UTM_FIELDS = ['source', 'medium', 'campaign', 'content'] as const;
export type UtmField = (typeof UTM_FIELDS)[number];

export const UTM_DEFAULTS: UtmSettings = {
  enabled: true,
  source: '{platform}',
  medium: 'social',
  campaign: 'social_post',
  content: '{post_id}',
};

/**
 * The API's rule for one template: 1 to 100 characters, and every `{` opens one of the known
 * tokens (a lone `}` is text). Returns the API's words for the problem, or null.
 */
export function utmTemplateProblem(value: string): string | null {
  const length = [...value].length;
  if (length === 0 || length > 100) return '1 to 100 characters';
  let rest = value;
  for (let open = rest.indexOf('{'); open >= 0; open = rest.indexOf('{')) {
    const closing = rest.indexOf('}', open);
    const token = closing < 0 ? null : rest.slice(open, closing + 1);
    if (token === null || !(UTM_TOKENS as readonly string[]).includes(token)) return 'may only use {platform}, {post_id} and {date}';
    rest = rest.slice(closing + 1);
  }
  return null;
}

/** Each template's problem, keyed as the API names the field (`utm.source`…). */
export function utmProblems(utm: UtmSettings): Record<string, string> {
  const problems: Record<string, string> = {};
  for (const field of UTM_FIELDS) {
    const problem = utmTemplateProblem(utm[field]);
    if (problem) problems[`utm.${field}`] = problem;
  }
  return problems;
}

/** What a tagged link looks like, with example values for the tokens. */
export function utmPreview(utm: UtmSettings, example = { platform: 'linkedin', post_id: '<post id>', date: '2026-11-26' }): string {
  const fill = (template: string) =>
    template.replaceAll('{platform}', example.platform).replaceAll('{post_id}', example.post_id).replaceAll('{date}', example.date);
  const query = new URLSearchParams(UTM_FIELDS.map((f) => [`utm_${f}`, fill(utm[f])]));
  return `https://example.com/page?${query.toString()}`;
}

// ---------------------------------------------------------------- the connect form

/** One form for every type; each type sends only its own fields. */
export interface ConnectForm {
  name: string;
  /** Slack: the channel's incoming webhook URL (`webhook_url`); webhook: the endpoint (`url`). */
  url: string;
  events: SubscribableEvent[];
  propertyId: string;
  /** The service account's JSON key file, as pasted or read from the file. */
  keyText: string;
  utm: UtmSettings;
}

export function emptyForm(): ConnectForm {
  return { name: '', url: '', events: [...SUBSCRIBABLE_EVENTS], propertyId: '', keyText: '', utm: { ...UTM_DEFAULTS } };
}

/** The request fields of a type, as the API names them in its errors. */
export function fieldsOf(type: IntegrationType): string[] {
  switch (type) {
    case 'slack':
      return ['name', 'webhook_url', 'events'];
    case 'webhook':
      return ['name', 'url', 'events'];
    case 'google_analytics':
      return ['name', 'property_id', 'service_account_key', ...UTM_FIELDS.map((f) => `utm.${f}`), 'utm'];
  }
}

/** The field the URL input stands for. */
export function urlField(type: IntegrationType): 'webhook_url' | 'url' {
  return type === 'slack' ? 'webhook_url' : 'url';
}

export const KEY_FILE_PROBLEM = "must be the service account's JSON key file (client_email, private_key, token_uri)";

/** The key file's text as the object the API takes, or what is wrong with it. */
export function parseKeyFile(text: string): { key: Record<string, unknown> } | { problem: string } {
  const trimmed = text.trim();
  if (!trimmed) return { problem: 'is required' };
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    return { problem: 'is not valid JSON: paste the whole key file' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { problem: KEY_FILE_PROBLEM };
  const key = value as Record<string, unknown>;
  if (!['client_email', 'private_key', 'token_uri'].every((f) => typeof key[f] === 'string' && key[f])) return { problem: KEY_FILE_PROBLEM };
  return { key };
}

/** `properties/123456` or `123456` → `123456`; null when it is not a GA4 property id. */
export function normalizePropertyId(text: string): string | null {
  const id = text.trim().replace(/^properties\//, '');
  return /^\d{1,20}$/.test(id) ? id : null;
}

/** A web address the API may accept (it also refuses private, loopback and metadata addresses). */
export function urlProblem(text: string): string | null {
  const value = text.trim();
  if (!value) return 'is required';
  if (value.length > 2000) return 'at most 2000 characters';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'a full web address, starting with https://';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'a full web address, starting with https://';
  return null;
}

export type BuiltRequest = { ok: true; body: ConnectRequest } | { ok: false; errors: Record<string, string> };

/** The form → the body of `POST /api/integrations/{type}/connect`, or the problems keyed by API field. */
export function connectRequest(type: IntegrationType, form: ConnectForm): BuiltRequest {
  const errors: Record<string, string> = {};
  const name = form.name.trim();
  if ([...name].length > 100) errors.name = 'at most 100 characters';
  const body: ConnectRequest = name ? { name } : {};

  if (type === 'slack' || type === 'webhook') {
    const field = urlField(type);
    const problem = urlProblem(form.url);
    if (problem) errors[field] = problem;
    else body[field] = form.url.trim();
    const events = SUBSCRIBABLE_EVENTS.filter((e) => form.events.includes(e));
    if (events.length === 0) errors.events = 'choose at least one event';
    else body.events = events;
  } else {
    const property = normalizePropertyId(form.propertyId);
    if (!form.propertyId.trim()) errors.property_id = 'is required';
    else if (!property) errors.property_id = "the GA4 property's numeric id";
    else body.property_id = property;
    const key = parseKeyFile(form.keyText);
    if ('problem' in key) errors.service_account_key = key.problem;
    else body.service_account_key = key.key;
    Object.assign(errors, utmProblems(form.utm));
    body.utm = {
      enabled: form.utm.enabled,
      source: form.utm.source,
      medium: form.utm.medium,
      campaign: form.utm.campaign,
      content: form.utm.content,
    };
  }
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, body };
}

/** Google Analytics is connected once per organization; the others as often as needed. */
export function connectBlocked(type: IntegrationType, connected: readonly Pick<Integration, 'type'>[]): string | null {
  if (type === 'google_analytics' && connected.some((i) => i.type === 'google_analytics')) {
    return 'Google Analytics is connected already: disconnect it first to use another property.';
  }
  return null;
}

// ---------------------------------------------------------------- a connected integration

export interface SettingsView {
  events: string[];
  url: string | null;
  host: string | null;
  propertyId: string | null;
  clientEmail: string | null;
  utm: UtmSettings | null;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

/** The integration's non-secret settings, read defensively (the API types them as any JSON). */
export function settingsOf(integration: Pick<Integration, 'settings'>): SettingsView {
  const s = (typeof integration.settings === 'object' && integration.settings !== null ? integration.settings : {}) as Record<string, unknown>;
  const u = (typeof s.utm === 'object' && s.utm !== null ? s.utm : null) as Partial<UtmSettings> | null;
  return {
    events: Array.isArray(s.events) ? s.events.filter((e): e is string => typeof e === 'string') : [],
    url: str(s.url),
    host: str(s.host),
    propertyId: str(s.property_id),
    clientEmail: str(s.client_email),
    utm: u ? { ...UTM_DEFAULTS, ...u } : null,
  };
}

/** The settings as label/value rows. */
export function settingsRows(integration: Pick<Integration, 'type' | 'settings'>): [string, string][] {
  const s = settingsOf(integration);
  const events = s.events.length ? s.events.map(eventLabel).join(', ') : '—';
  switch (integration.type) {
    case 'slack':
      return [
        ['Incoming webhook', s.host ? `on ${s.host}` : '—'],
        ['Events', events],
      ];
    case 'webhook':
      return [
        ['URL', s.url ?? '—'],
        ['Events', events],
      ];
    case 'google_analytics':
      return [
        ['Property', s.propertyId ?? '—'],
        ['Service account', s.clientEmail ?? '—'],
        [
          'UTM tags',
          !s.utm ? '—' : s.utm.enabled ? UTM_FIELDS.map((f) => `utm_${f}=${s.utm![f]}`).join(' · ') : 'Off: links are published as written',
        ],
      ];
    default:
      return [];
  }
}

export type Tone = 'ok' | 'pending' | 'bad';

export function integrationStatus(integration: Pick<Integration, 'status' | 'is_active' | 'error_message'>): { label: string; tone: Tone; message: string | null } {
  if (!integration.is_active) return { label: 'Paused', tone: 'pending', message: null };
  if (integration.status === 'error') {
    return { label: 'Error', tone: 'bad', message: integration.error_message || 'The last delivery, test or import failed.' };
  }
  if (integration.status === 'active') return { label: 'Active', tone: 'ok', message: null };
  return { label: capitalize(integration.status.replace(/_/g, ' ')), tone: 'pending', message: integration.error_message ?? null };
}

/** Whether the type keeps a delivery log (Slack and webhooks; GA4 is read from). */
export function hasDeliveries(type: IntegrationType): boolean {
  return type === 'slack' || type === 'webhook';
}

// ---------------------------------------------------------------- deliveries and tests

export const DELIVERY_STATUS_LABEL: Record<string, string> = {
  delivered: 'Delivered',
  failed: 'Failed',
  pending: 'Pending',
};

/** A delivery's status in words: pending is "Queued" before its first attempt, "Retrying" after. */
export function deliveryStatus(d: Pick<Delivery, 'status' | 'attempts'>): { label: string; tone: Tone } {
  switch (d.status) {
    case 'delivered':
      return { label: 'Delivered', tone: 'ok' };
    case 'failed':
      return { label: 'Failed', tone: 'bad' };
    case 'pending':
      return { label: d.attempts > 0 ? 'Retrying' : 'Queued', tone: 'pending' };
  }
}

/** The last answer: "HTTP 500 · connection refused", "HTTP 200", or null before any attempt. */
export function lastAnswer(d: Pick<Delivery, 'last_status_code' | 'last_error'>): string | null {
  const parts = [d.last_status_code != null ? `HTTP ${d.last_status_code}` : null, d.last_error || null].filter(Boolean);
  return parts.length ? parts.join(' · ') : null;
}

/** Whether the log should be looked at again soon (a delivery still pending). */
export function hasPending(deliveries: readonly Pick<Delivery, 'status'>[]): boolean {
  return deliveries.some((d) => d.status === 'pending');
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** A test's result in words: a title and a line of status, detail and time. */
export function testSummary(type: IntegrationType, result: TestResult): { title: string; line: string; tone: Tone } {
  const title = result.ok ? (type === 'google_analytics' ? 'Import worked' : 'Test delivered') : 'Test failed';
  const parts = [result.status_code != null ? `HTTP ${result.status_code}` : 'no answer', result.detail, formatDuration(result.duration_ms)].filter(Boolean);
  // "no answer" is only worth saying when it failed.
  if (result.ok && result.status_code == null) parts.shift();
  return { title, line: parts.join(' · '), tone: result.ok ? 'ok' : 'bad' };
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
