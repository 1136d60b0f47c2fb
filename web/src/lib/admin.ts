/**
 * The admin console's logic, without React: filters ⇄ the address bar ⇄ the API's query,
 * paging, and figures in words.
 */
import type { AuditAction, AuditQuery, HealthLevel, OrganizationQuery, UserQuery } from '../api/admin';
import type { Plan } from '../api/billing';
import { PLAN_ORDER } from './billing';
import { zonedToInstant } from './time';

export const PAGE_SIZE = 25;

function clean(value: string | null | undefined): string {
  return (value ?? '').trim();
}

/** `?offset=` as a page's offset (0 unless a positive whole number). */
export function offsetOf(params: URLSearchParams): number {
  const n = Number(params.get('offset') ?? 0);
  return Number.isInteger(n) && n > 0 ? n : 0;
}

/** `?q=&offset=` → the users query. */
export function userQueryFrom(params: URLSearchParams): UserQuery {
  const q = clean(params.get('q'));
  return { ...(q ? { q } : {}), limit: PAGE_SIZE, offset: offsetOf(params) };
}

export function isPlan(value: string | null | undefined): value is Plan {
  return !!value && (PLAN_ORDER as readonly string[]).includes(value);
}

/** `?q=&plan=&offset=` → the organizations query (an unknown plan is ignored). */
export function organizationQueryFrom(params: URLSearchParams): OrganizationQuery {
  const q = clean(params.get('q'));
  const plan = params.get('plan');
  return { ...(q ? { q } : {}), ...(isPlan(plan) ? { plan } : {}), limit: PAGE_SIZE, offset: offsetOf(params) };
}

/** The audit log's kinds of action (the API's `AuditAction`). */
export const AUDIT_ACTIONS: readonly AuditAction[] = ['create', 'read', 'update', 'delete', 'export', 'login', 'logout', 'publish', 'schedule', 'invite', 'connect', 'disconnect'];

export function isAuditAction(value: string): value is AuditAction {
  return (AUDIT_ACTIONS as readonly string[]).includes(value);
}

/** The audit log's filters as the form holds them (since/until as `YYYY-MM-DDTHH:MM` in the admin's zone). */
export interface AuditFilters {
  organization_id: string;
  user_id: string;
  action: string;
  resource_type: string;
  since: string;
  until: string;
}

export const EMPTY_AUDIT_FILTERS: AuditFilters = { organization_id: '', user_id: '', action: '', resource_type: '', since: '', until: '' };
const AUDIT_FIELDS = Object.keys(EMPTY_AUDIT_FILTERS) as (keyof AuditFilters)[];

const LOCAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/;

export function auditFiltersFrom(params: URLSearchParams): AuditFilters {
  const out = { ...EMPTY_AUDIT_FILTERS };
  for (const f of AUDIT_FIELDS) out[f] = clean(params.get(f));
  for (const f of ['since', 'until'] as const) if (out[f] && !LOCAL_TIME.test(out[f])) out[f] = '';
  if (out.action && !isAuditAction(out.action)) out.action = '';
  return out;
}

/** The filters (and a page) as the address bar's search, set fields only. */
export function auditFiltersToSearch(filters: AuditFilters, offset = 0): URLSearchParams {
  const params = new URLSearchParams();
  for (const f of AUDIT_FIELDS) {
    const v = clean(filters[f]);
    if (v) params.set(f, v);
  }
  if (offset > 0) params.set('offset', String(offset));
  return params;
}

/** What is wrong with the filters, in a sentence; null when they can be sent. */
export function auditFilterProblem(filters: AuditFilters): string | null {
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  if (clean(filters.organization_id) && !uuid.test(clean(filters.organization_id))) return 'The organization ID is not an ID (copy it from the organizations tab).';
  if (clean(filters.user_id) && !uuid.test(clean(filters.user_id))) return 'The user ID is not an ID (copy it from the users tab).';
  if (filters.since && filters.until && filters.since >= filters.until) return '“Since” must be before “until”.';
  return null;
}

/** The filters as the API's query: instants in UTC from the admin's zone, empty fields left out. */
export function auditQuery(filters: AuditFilters, timeZone: string, offset = 0, limit = PAGE_SIZE): AuditQuery {
  const q: AuditQuery = { limit, offset };
  for (const f of ['organization_id', 'user_id', 'resource_type'] as const) {
    const v = clean(filters[f]);
    if (v) q[f] = v;
  }
  if (isAuditAction(filters.action)) q.action = filters.action;
  if (LOCAL_TIME.test(filters.since)) q.since = zonedToInstant(filters.since, timeZone);
  if (LOCAL_TIME.test(filters.until)) q.until = zonedToInstant(filters.until, timeZone);
  return q;
}

/** Search params with one value changed (empty removes it) and the page reset. */
export function withParam(params: URLSearchParams, key: string, value: string): URLSearchParams {
  const next = new URLSearchParams(params);
  if (value.trim()) next.set(key, value.trim());
  else next.delete(key);
  next.delete('offset');
  return next;
}

export interface PageInfo {
  text: string;
  prev: number | null;
  next: number | null;
}

/** "26–50 of 130" and the offsets of the pages around. */
export function pageInfo(offset: number, limit: number, total: number, shown: number): PageInfo {
  if (total === 0 || shown === 0) return { text: total === 0 ? 'None' : `None of ${total}`, prev: offset > 0 ? Math.max(0, offset - limit) : null, next: null };
  const from = offset + 1;
  const to = offset + shown;
  return {
    text: `${from}–${to} of ${total}`,
    prev: offset > 0 ? Math.max(0, offset - limit) : null,
    next: to < total ? offset + limit : null,
  };
}

export function fullName(u: { first_name?: string | null; last_name?: string | null; email: string }): string {
  return [u.first_name, u.last_name].filter(Boolean).join(' ') || u.email;
}

export const HEALTH_LABEL: Record<HealthLevel, string> = { ok: 'OK', warning: 'Warning', failing: 'Failing' };

/** How a check's level reads (its badge's colour). */
export function healthTone(level: string): 'ok' | 'warning' | 'bad' {
  if (level === 'ok') return 'ok';
  if (level === 'warning' || level === 'degraded') return 'warning';
  return 'bad';
}

/** Messages waiting in a dead-letter queue need a look. */
export function deadLettersNeedAttention(n: number | null | undefined): boolean {
  return typeof n === 'number' && n > 0;
}

/** A queue name for people: "publish-dlq" → "publish dlq". */
export function queueLabel(name: string): string {
  return name.replace(/[-_]+/g, ' ');
}

/** Dollars: 12.5 → "$12.50", 0.004 → "$0.004". */
export function formatUsd(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  const digits = value !== 0 && Math.abs(value) < 0.01 ? 4 : 2;
  return new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: digits }).format(value);
}

/** The top-level keys whose values differ between an audit entry's old and new values. */
export function changedKeys(oldValues: unknown, newValues: unknown): string[] {
  const obj = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
  const a = obj(oldValues);
  const b = obj(newValues);
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  return keys.filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k])).sort();
}

export const HEALTH_SUMMARY: Record<HealthLevel, string> = { ok: 'All systems OK', warning: 'Needs a look', failing: 'Failing' };

/** An audit action for people: "disconnect" → "Disconnect", "plan_changed" → "Plan changed". */
export function actionLabel(action: string): string {
  const text = action.replace(/[._]+/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Published and failed posts over the days. */
export function postTotals(days: readonly { published: number; failed: number }[]): { published: number; failed: number } {
  return days.reduce((t, d) => ({ published: t.published + d.published, failed: t.failed + d.failed }), { published: 0, failed: 0 });
}
