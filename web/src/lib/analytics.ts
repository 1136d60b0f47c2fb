/**
 * Pure helpers of the analytics screens: periods and their presets, the filters ↔ the URL and
 * the API's query, number and change formatting, and the arithmetic of the hand-rolled charts.
 * No React here (unit-tested).
 */
import type { components } from '../api/schema';
import { addDays } from './time';
import { PLATFORM_LABEL, type Platform } from './calendar';

// ---------------------------------------------------------------- periods

/** The quick choices of the date-range picker, in days ending today. */
export const RANGE_PRESETS = [7, 30, 90] as const;
export type RangePreset = (typeof RANGE_PRESETS)[number];
/** The API serves periods of at most three years (3 × 366 days). */
export const MAX_PERIOD_DAYS = 3 * 366;

export type Interval = 'day' | 'week' | 'month';
export const INTERVALS: readonly Interval[] = ['day', 'week', 'month'];

export interface Period {
  from: string;
  to: string;
}

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

export function isDay(text: string): boolean {
  if (!DAY_RE.test(text)) return false;
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
}

/** The last `days` days, today included. */
export function presetPeriod(days: number, today: string): Period {
  return { from: addDays(today, -(days - 1)), to: today };
}

/** Days in a period, both ends included. */
export function periodDays(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;
}

/** The period of the same length just before (what the API compares with). */
export function previousPeriod({ from, to }: Period): Period {
  const days = periodDays(from, to);
  return { from: addDays(from, -days), to: addDays(from, -1) };
}

/** Why a custom period cannot be asked for, in words (null when it can). */
export function periodProblem(from: string, to: string): string | null {
  if (!isDay(from) || !isDay(to)) return 'Enter both days.';
  if (from > to) return 'The first day must not be after the last.';
  if (periodDays(from, to) > MAX_PERIOD_DAYS) return `A period covers at most ${MAX_PERIOD_DAYS} days.`;
  return null;
}

/** Day buckets for at most 400 days (the API's limit); longer periods go by week. */
export function usableInterval(interval: Interval, period: Period): Interval {
  return interval === 'day' && periodDays(period.from, period.to) > 400 ? 'week' : interval;
}

/** "1 – 30 Nov 2026", "28 Oct – 26 Nov 2026", "1 Dec 2025 – 3 Jan 2026". */
export function describePeriod({ from, to }: Period): string {
  const d = (day: string, opts: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat('en-GB', { ...opts, timeZone: 'UTC' }).format(new Date(`${day}T12:00:00Z`));
  const full: Intl.DateTimeFormatOptions = { day: 'numeric', month: 'short', year: 'numeric' };
  if (from === to) return d(to, full);
  if (from.slice(0, 4) !== to.slice(0, 4)) return `${d(from, full)} – ${d(to, full)}`;
  if (from.slice(0, 7) !== to.slice(0, 7)) return `${d(from, { day: 'numeric', month: 'short' })} – ${d(to, full)}`;
  return `${d(from, { day: 'numeric' })} – ${d(to, full)}`;
}

// ---------------------------------------------------------------- filters

export const CONTENT_TYPES = ['text', 'image', 'video', 'carousel'] as const;
export type ContentType = (typeof CONTENT_TYPES)[number];
export const CONTENT_TYPE_LABEL: Record<ContentType, string> = { text: 'Text', image: 'Image', video: 'Video', carousel: 'Carousel' };

export const POST_SORTS = ['published_at', 'engagements', 'impressions', 'engagement_rate', 'likes', 'comments', 'shares'] as const;
export type PostSort = (typeof POST_SORTS)[number];
export const SORT_LABEL: Record<PostSort, string> = {
  published_at: 'Published',
  engagements: 'Engagements',
  impressions: 'Impressions',
  engagement_rate: 'Engagement rate',
  likes: 'Likes',
  comments: 'Comments',
  shares: 'Shares',
};

const PLATFORMS = ['x', 'facebook', 'instagram', 'linkedin', 'tiktok'] as const;
export type AnalyticsPlatform = (typeof PLATFORMS)[number];

/** What the dashboard shows, as kept in its URL (so a view can be shared or reloaded). */
export interface AnalyticsFilters {
  /** A preset's day count, or 'custom' with `from`/`to`. */
  range: RangePreset | 'custom';
  from: string;
  to: string;
  accounts: string[];
  platform: AnalyticsPlatform | '';
  contentType: ContentType | '';
  tag: string;
  interval: Interval;
  sort: PostSort;
  order: 'asc' | 'desc';
}

export const DEFAULT_RANGE: RangePreset = 30;

/** Reads the filters from the URL; anything missing or malformed takes its default. */
export function parseFilters(params: URLSearchParams, today: string): AnalyticsFilters {
  const rangeText = params.get('range');
  const preset = RANGE_PRESETS.find((p) => String(p) === rangeText);
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  const custom = rangeText === 'custom' && !periodProblem(from, to);
  const range: AnalyticsFilters['range'] = custom ? 'custom' : (preset ?? DEFAULT_RANGE);
  const period = custom ? { from, to } : presetPeriod(range as RangePreset, today);
  const pick = <T extends string>(value: string | null, allowed: readonly T[], fallback: T | ''): T | '' =>
    allowed.includes(value as T) ? (value as T) : fallback;
  return {
    range,
    ...period,
    accounts: (params.get('accounts') ?? '').split(',').filter(Boolean),
    platform: pick(params.get('platform'), PLATFORMS, ''),
    contentType: pick(params.get('content_type'), CONTENT_TYPES, ''),
    tag: params.get('tag') ?? '',
    interval: (pick(params.get('interval'), INTERVALS, 'day') || 'day') as Interval,
    sort: (pick(params.get('sort'), POST_SORTS, 'published_at') || 'published_at') as PostSort,
    order: params.get('order') === 'asc' ? 'asc' : 'desc',
  };
}

/** The URL's search for the filters; defaults are left out. */
export function filtersToSearch(f: AnalyticsFilters): URLSearchParams {
  const out = new URLSearchParams();
  if (f.range === 'custom') {
    out.set('range', 'custom');
    out.set('from', f.from);
    out.set('to', f.to);
  } else if (f.range !== DEFAULT_RANGE) {
    out.set('range', String(f.range));
  }
  if (f.accounts.length) out.set('accounts', f.accounts.join(','));
  if (f.platform) out.set('platform', f.platform);
  if (f.contentType) out.set('content_type', f.contentType);
  if (f.tag.trim()) out.set('tag', f.tag.trim());
  if (f.interval !== 'day') out.set('interval', f.interval);
  if (f.sort !== 'published_at') out.set('sort', f.sort);
  if (f.order !== 'desc') out.set('order', f.order);
  return out;
}

export interface PeriodQuery {
  from: string;
  to: string;
  tz: string;
  accounts?: string;
  platform?: AnalyticsPlatform;
}
export interface PostFilterQuery extends PeriodQuery {
  content_type?: ContentType;
  tag?: string;
}

/** The query every analytics call shares: the period in the zone, accounts and platform. */
export function periodQuery(f: Pick<AnalyticsFilters, 'from' | 'to' | 'accounts' | 'platform'>, tz: string): PeriodQuery {
  return {
    from: f.from,
    to: f.to,
    tz,
    ...(f.accounts.length ? { accounts: f.accounts.join(',') } : {}),
    ...(f.platform ? { platform: f.platform } : {}),
  };
}

/** …plus what narrows posts down: content type and hashtag (posts table, export). */
export function postFilterQuery(f: AnalyticsFilters, tz: string): PostFilterQuery {
  const tag = f.tag.trim().replace(/^#/, '');
  return { ...periodQuery(f, tz), ...(f.contentType ? { content_type: f.contentType } : {}), ...(tag ? { tag } : {}) };
}

// ---------------------------------------------------------------- numbers

const grouped = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const compactFmt = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

/** 1234567 → "1,234,567"; null → "—". */
export function formatCount(n: number | null | undefined): string {
  return n === null || n === undefined || !Number.isFinite(n) ? '—' : grouped.format(n);
}

/** 1234567 → "1.2M", 12345 → "12.3K", 999 → "999". */
export function formatCompact(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return Math.abs(n) < 10_000 ? grouped.format(n) : compactFmt.format(n);
}

/** An engagement rate (already a percent): 2.456 → "2.46%"; null → "—". */
export function formatRate(rate: number | null | undefined, digits = 2): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return '—';
  return `${rate.toFixed(digits)}%`;
}

/** Part of a whole as a percent with one decimal: "12.5%". */
export function formatShare(part: number, total: number): string {
  if (!total) return '—';
  return `${((part / total) * 100).toFixed(1)}%`;
}

export type Direction = 'up' | 'down' | 'flat' | 'none';

export interface ChangeView {
  /** "+12.3%", "−0.5 pts", "0%", or "" without earlier data. */
  text: string;
  direction: Direction;
  /** For screen readers and tooltips: "up 12.3% on the previous period". */
  label: string;
}

/**
 * A change from the previous period: `percent` for counts (the API's percent change),
 * `points` for the engagement rate (percentage points). Null means there was nothing to compare
 * with. Small changes keep one decimal; 100% and more are rounded.
 */
export function formatChange(value: number | null | undefined, unit: 'percent' | 'points' = 'percent'): ChangeView {
  if (value === null || value === undefined || !Number.isFinite(value)) {
    return { text: '', direction: 'none', label: 'no earlier data' };
  }
  const abs = Math.abs(value);
  const rounded = unit === 'points' ? abs.toFixed(abs >= 10 ? 0 : abs >= 1 ? 1 : 2) : abs >= 100 ? grouped.format(Math.round(abs)) : abs.toFixed(1);
  const zero = Number(rounded.replace(/,/g, '')) === 0;
  const direction: Direction = zero ? 'flat' : value > 0 ? 'up' : 'down';
  const suffix = unit === 'points' ? ' pts' : '%';
  const sign = direction === 'up' ? '+' : direction === 'down' ? '−' : '';
  const text = `${sign}${zero ? '0' : rounded}${suffix}`;
  const amount = `${zero ? '0' : rounded}${unit === 'points' ? ' percentage points' : '%'}`;
  const label = direction === 'flat' ? 'unchanged from the previous period' : `${direction} ${amount} on the previous period`;
  return { text, direction, label };
}

// ---------------------------------------------------------------- charts

export interface Scale {
  /** The axis maximum: a round number at or above the data's maximum. */
  max: number;
  ticks: number[];
}

/** The round step (1, 2, 2.5 or 5 × 10ⁿ) at or above `raw`. */
export function niceStep(raw: number): number {
  if (!Number.isFinite(raw) || raw <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  return Number((([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= raw - 1e-12) ?? 10) * magnitude).toPrecision(12));
}

/** An axis from 0 with exactly `steps` round steps covering `max` (a second axis whose ticks
 *  share the first one's grid lines). */
export function alignedScale(max: number, steps: number): Scale {
  const step = niceStep((Number.isFinite(max) && max > 0 ? max : 1) / Math.max(1, steps));
  const ticks = Array.from({ length: steps + 1 }, (_, i) => Number((i * step).toPrecision(12)));
  return { max: step * steps, ticks };
}

/** A round axis from 0 to at least `max` with about `count` steps of 1, 2, 2.5 or 5 × 10ⁿ. */
export function niceScale(max: number, count = 4): Scale {
  if (!Number.isFinite(max) || max <= 0) return { max: 1, ticks: [0, 1] };
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude;
  const top = Math.ceil(max / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let v = 0; v <= top + step / 2; v += step) ticks.push(Number(v.toPrecision(12)));
  return { max: top, ticks };
}

/**
 * A round axis around [min, max] that need not start at 0 (follower counts move little
 * against their size): about `count` steps, with room when all values are equal.
 */
export function niceRange(min: number, max: number, count = 4): { min: number; max: number; ticks: number[] } {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return { min: 0, max: 1, ticks: [0, 1] };
  if (max < min) [min, max] = [max, min];
  if (max === min) {
    const pad = Math.max(1, Math.abs(max) * 0.01);
    min -= pad;
    max += pad;
  }
  const raw = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude;
  let lo = Math.floor(min / step + 1e-9) * step;
  if (lo < 0 && min >= 0) lo = 0;
  const hi = Math.ceil(max / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let v = lo; v <= hi + step / 2; v += step) ticks.push(Number(v.toPrecision(12)));
  return { min: lo, max: hi, ticks };
}

/** Maps [d0, d1] onto [r0, r1]. */
export function linear(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const span = d1 - d0 || 1;
  return (v) => r0 + ((v - d0) / span) * (r1 - r0);
}

/** An SVG path through the points, skipping gaps (null y): "M1 2L3 4M7 8". */
export function linePath(points: readonly { x: number; y: number | null }[]): string {
  let d = '';
  let pen = false;
  for (const { x, y } of points) {
    if (y === null || !Number.isFinite(y)) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${round2(x)} ${round2(y)}`;
    pen = true;
  }
  return d;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/** Which of `n` labels to show so that at most `max` fit, evenly spaced, the last one included. */
export function labelIndexes(n: number, max: number): number[] {
  if (n <= 0) return [];
  if (max <= 1) return [n - 1];
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const every = Math.ceil((n - 1) / (max - 1));
  const out: number[] = [];
  for (let i = n - 1; i >= 0; i -= every) out.unshift(i);
  return out;
}

/** Slots for `n` bars across `width`: each bar's x and width, with gaps between. */
export function bandLayout(n: number, width: number, gapRatio = 0.3): { x: number; width: number; center: number }[] {
  if (n <= 0) return [];
  const slot = width / n;
  const bar = Math.max(1, slot * (1 - gapRatio));
  return Array.from({ length: n }, (_, i) => {
    const x = i * slot + (slot - bar) / 2;
    return { x, width: bar, center: x + bar / 2 };
  });
}

const shortDay = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
const longDay = new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
const monthYear = new Intl.DateTimeFormat('en-GB', { month: 'short', year: 'numeric', timeZone: 'UTC' });
const monthLong = new Intl.DateTimeFormat('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' });
const noon = (day: string) => new Date(`${day}T12:00:00Z`);

/** A bucket's axis label: "3 Nov" (day and week) or "Nov 2026" (month). */
export function bucketLabel(start: string, interval: Interval): string {
  return interval === 'month' ? monthYear.format(noon(start)) : shortDay.format(noon(start));
}

/** A bucket in words: "Tue, 3 Nov 2026", "Week of 2 Nov 2026", "November 2026". */
export function bucketTitle(start: string, interval: Interval): string {
  if (interval === 'month') return monthLong.format(noon(start));
  if (interval === 'week') return `Week of ${shortDay.format(noon(start))} ${start.slice(0, 4)}`;
  return longDay.format(noon(start));
}

/** "26 Nov 2026" for a `YYYY-MM-DD` day. */
export function formatDay(day: string): string {
  return new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).format(noon(day));
}

export const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;

/** ISO weekday (1 = Monday … 7 = Sunday) → its name. */
export function weekdayName(weekday: number, short = false): string {
  const name = WEEKDAYS[(((weekday - 1) % 7) + 7) % 7]!;
  return short ? name.slice(0, 3) : name;
}

/** An hour of the day as a slot: 9 → "09:00–10:00". */
export function hourSlot(hour: number): string {
  const h = (n: number) => `${String(n % 24).padStart(2, '0')}:00`;
  return `${h(hour)}–${h(hour + 1)}`;
}

/** A heat-map level 0 (nothing) … 5 (the busiest) for a value against the maximum. */
export function heatLevel(value: number | null | undefined, max: number): number {
  if (!value || value <= 0 || !max || max <= 0) return 0;
  return Math.max(1, Math.min(5, Math.ceil((value / max) * 5)));
}

// ---------------------------------------------------------------- reports

export const REPORT_SECTIONS = ['overview', 'engagement', 'growth', 'top_posts', 'audience'] as const;
export type ReportSection = (typeof REPORT_SECTIONS)[number];
export const SECTION_LABEL: Record<ReportSection, string> = {
  overview: 'Overview',
  engagement: 'Engagement',
  growth: 'Follower growth',
  top_posts: 'Top posts',
  audience: 'Audience',
};

export type ReportStatus = 'queued' | 'running' | 'ready' | 'failed';

export function isReportInFlight(status: string | undefined): boolean {
  return status === 'queued' || status === 'running';
}

/** Whether presigned links expire within `marginMs` (or have no known expiry). */
export function linksExpiring(expiresAt: string | null | undefined, now = Date.now(), marginMs = 60_000): boolean {
  if (!expiresAt) return true;
  const t = Date.parse(expiresAt);
  return !Number.isFinite(t) || t - now < marginMs;
}

// ---------------------------------------------------------------- web traffic (imported from Google Analytics 4)

export type WebTrafficSource = components['schemas']['WebTrafficSource'];

export interface TrafficRow {
  source: string;
  label: string;
  sessions: number;
  engaged: number;
  /** Engaged sessions as a share of sessions (0–1), null without sessions. */
  engagedRate: number | null;
}

/** GA4's source names (as the UTM tags wrote them) with the platform's name when it is one. */
export function sourceLabel(source: string): string {
  return PLATFORM_LABEL[source as Platform] ?? (source === '(direct)' ? 'Direct' : source);
}

/** The sources, most sessions first (as the API sends them), with their engaged share. */
export function trafficRows(sources: readonly WebTrafficSource[]): TrafficRow[] {
  return [...sources]
    .sort((a, b) => b.sessions - a.sessions || a.source.localeCompare(b.source))
    .map((s) => ({
      source: s.source,
      label: sourceLabel(s.source),
      sessions: s.sessions,
      engaged: s.engaged_sessions,
      engagedRate: s.sessions > 0 ? s.engaged_sessions / s.sessions : null,
    }));
}
