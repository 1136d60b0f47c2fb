/**
 * The insight screens' logic, free of React: reading the agents' outputs (JSON whose shape
 * depends on the task), the best-time heat map's colours (lift) and shading (confidence),
 * predictions and effects in words, trend sparklines, share-of-voice bars and the crisis
 * banner's levels.
 */
import type {
  AccountPerformance,
  AccountSlots,
  Assignment,
  CrisisEvidence,
  CrisisLevel,
  CrisisStatus,
  EngagementPrediction,
  PerformanceReview,
  PostOutlier,
  ScheduleOptimization,
  Slot,
  Suggestion,
  TrendReport,
  TrendTerm,
} from '../api/insights';
import { hourSlot, weekdayName } from './analytics';
import { crisisLevel } from './crisis';
import { isNum, isObj, isStr, strings } from './read';
import { localDateTime, zonedToInstant } from './time';

export { CRISIS_LEVELS, crisisLevel, showCrisisBanner } from './crisis';

const num = (v: unknown, fallback = 0): number => (isNum(v) ? v : fallback);
const list = <T>(v: unknown, read: (x: unknown) => T | null): T[] => (Array.isArray(v) ? v.map(read).filter((x): x is T => x !== null) : []);

// ---------------------------------------------------------------- weekdays and slots

/** The API's weekday (0 = Monday … 6 = Sunday) → "Tuesday" (or "Tue"). */
export function dayName(weekday: number, short = false): string {
  return weekdayName(weekday + 1, short);
}

/** "Tuesday 18:00–19:00". */
export function describeSlot(slot: Pick<Slot, 'weekday' | 'hour'>, short = false): string {
  return `${dayName(slot.weekday, short)} ${hourSlot(slot.hour)}`;
}

/** The 7 × 24 grid of an account's slots (rows Monday–Sunday, columns 0–23); a missing hour is null. */
export function slotGrid(slots: readonly Slot[]): (Slot | null)[][] {
  const grid: (Slot | null)[][] = Array.from({ length: 7 }, () => Array.from({ length: 24 }, () => null));
  for (const s of slots) {
    if (s.weekday >= 0 && s.weekday < 7 && s.hour >= 0 && s.hour < 24) grid[s.weekday]![s.hour] = s;
  }
  return grid;
}

export const slotKey = (s: Pick<Slot, 'weekday' | 'hour'>) => `${s.weekday}-${s.hour}`;

/**
 * The heat map's colour level for a lift: 0 is the account's average (lift 1), each step is a
 * quarter of a doubling (×1.19), up to ±3 (×1.68 and more, ÷1.68 and less). A log scale, so
 * "twice as good" and "half as good" look equally far from average.
 */
export function liftLevel(lift: number | null | undefined): number {
  if (!isNum(lift) || lift <= 0) return 0;
  const steps = Math.round(Math.log2(lift) / 0.25);
  return Math.max(-3, Math.min(3, steps)) || 0; // no "-0" level
}

/** Tailwind classes per level, −3 … +3 (orange below average, indigo above). */
export const LIFT_CLASS: Record<number, string> = {
  [-3]: 'bg-orange-400',
  [-2]: 'bg-orange-300',
  [-1]: 'bg-orange-100',
  0: 'bg-slate-100',
  1: 'bg-indigo-200',
  2: 'bg-indigo-400',
  3: 'bg-indigo-700',
};

export function liftClass(lift: number | null | undefined): string {
  return LIFT_CLASS[liftLevel(lift)]!;
}

export type ConfidenceBand = 'high' | 'medium' | 'low';

/** high ≥ 0.5, medium ≥ 0.2, low below (mostly the prior speaking). */
export function confidenceBand(confidence: number | null | undefined): ConfidenceBand {
  const c = num(confidence);
  if (c >= 0.5) return 'high';
  if (c >= 0.2) return 'medium';
  return 'low';
}

/** A cell's shading: full colour when the data is solid, faded and hatched when it is thin. */
export function confidenceClass(confidence: number | null | undefined): string {
  switch (confidenceBand(confidence)) {
    case 'high':
      return 'opacity-100';
    case 'medium':
      return 'opacity-75';
    default:
      return 'opacity-50 hatch';
  }
}

const fixed = (n: number, digits: number) => {
  const r = n.toFixed(digits);
  return r.includes('.') ? r.replace(/\.?0+$/, '') : r;
};

/** "1.74×"; "—" when unknown. */
export function formatLift(lift: number | null | undefined): string {
  return isNum(lift) ? `${lift.toFixed(2)}×` : '—';
}

/** "55%" for 0.55; "—" when unknown. */
export function formatPercent(share: number | null | undefined, digits = 0): string {
  return isNum(share) ? `${fixed(share * 100, digits)}%` : '—';
}

/** A slot in words for its tooltip and screen readers. */
export function slotSummary(slot: Slot | null, weekday: number, hour: number): string {
  const name = describeSlot({ weekday, hour });
  if (!slot) return `${name}: no estimate`;
  const posts = `${slot.posts} post${slot.posts === 1 ? '' : 's'}`;
  return `${name}: ${formatLift(slot.lift)} your average, ${posts}, confidence ${formatPercent(slot.confidence)}, about ${fixed(slot.expected_engagements, 1)} engagements expected`;
}

const PRIOR_LABEL: Record<string, (platform: string) => string> = {
  platform: (p) => `thin hours borrow from your other ${p} accounts`,
  organization: () => 'thin hours borrow from your accounts on other platforms',
  none: () => 'no other history: thin hours stay near the average',
};

/** "240 posts analyzed · 16 weeks of history · thin hours borrow from your other X accounts". */
export function describeEvidence(a: Pick<AccountSlots, 'posts_analyzed' | 'weeks_of_history' | 'prior'>, platformLabel: string): string[] {
  return [
    `${a.posts_analyzed} post${a.posts_analyzed === 1 ? '' : 's'} analyzed`,
    `${fixed(a.weeks_of_history, 1)} week${a.weeks_of_history === 1 ? '' : 's'} of history`,
    PRIOR_LABEL[a.prior]?.(platformLabel) ?? `prior: ${a.prior}`,
  ];
}

/** "Tuesday 1 December 2026 at 18:00" for `YYYY-MM-DDTHH:MM`. */
export function describeLocalTime(local: string): string {
  const day = local.slice(0, 10);
  const d = new Date(`${day}T12:00:00Z`);
  if (Number.isNaN(d.getTime())) return local;
  const p: Record<string, string> = {};
  for (const part of new Intl.DateTimeFormat('en-GB', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).formatToParts(d)) p[part.type] = part.value;
  return `${p.weekday} ${p.day} ${p.month} ${p.year} at ${local.slice(11, 16)}`;
}

// ---------------------------------------------------------------- the composer

/** The browser's own time zone (what "Add to queue" sends). */
export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

export const QUEUE_SOURCE_LABEL: Record<string, string> = {
  your_slots: 'your slots',
  best_times: 'best times',
};

/** "from your slots" / "from best times: 1.74× your average, confidence 55%". */
export function describeQueueSlot(slot: { source: string; lift?: number | null; confidence?: number | null }): string {
  const source = QUEUE_SOURCE_LABEL[slot.source] ?? slot.source.replace(/_/g, ' ');
  const figures = [isNum(slot.lift) ? `${formatLift(slot.lift)} your average` : null, isNum(slot.confidence) ? `confidence ${formatPercent(slot.confidence)}` : null].filter(Boolean);
  return `from ${source}${figures.length ? `: ${figures.join(', ')}` : ''}`;
}

/** The post's text as the predictor should read it: the text, plus the hashtags it does not use yet. */
export function predictionText(content: string, hashtags: string): string {
  const used = new Set((content.match(/#[\p{L}\p{N}_]+/gu) ?? []).map((t) => t.toLowerCase()));
  const extra = hashtags
    .split(/[\s,]+/)
    .map((t) => t.trim().replace(/^#/, ''))
    .filter(Boolean)
    .map((t) => `#${t}`)
    .filter((t) => !used.has(t.toLowerCase()));
  return [content.trim(), ...new Set(extra)].filter(Boolean).join(' ');
}

/** The content type of a post from its media: text, image, video or carousel (several). */
export function contentTypeOf(kinds: readonly string[]): 'text' | 'image' | 'video' | 'carousel' {
  if (kinds.length === 0) return 'text';
  if (kinds.length > 1) return 'carousel';
  return kinds[0] === 'video' ? 'video' : 'image';
}

/** The composer's `YYYY-MM-DDTHH:MM` in the profile's zone → the instant, or undefined. */
export function scheduledInstant(localTime: string | undefined, timeZone: string): string | undefined {
  if (!localTime || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(localTime)) return undefined;
  return zonedToInstant(localTime.slice(0, 16), timeZone);
}

/** An instant → the composer's `YYYY-MM-DDTHH:MM` in a zone (to apply a suggested time). */
export function toLocalInput(iso: string, timeZone: string): string | null {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : localDateTime(d, timeZone);
}

/** "48" or "48.2" engagements, rounded for people. */
export function formatEngagements(n: number | null | undefined): string {
  if (!isNum(n)) return '—';
  return n >= 100 ? String(Math.round(n)) : fixed(n, 1);
}

/** "35–66". */
export function formatInterval(p: { low: number; high: number }): string {
  return `${formatEngagements(p.low)}–${formatEngagements(p.high)}`;
}

/** "80% interval". */
export function describeCoverage(coverage: number): string {
  return `${formatPercent(coverage)} interval`;
}

/** "+45.4%", "−12%", "0%"; one decimal at most. */
export function formatEffect(pct: number | null | undefined): string {
  if (!isNum(pct)) return '—';
  const r = Math.round(pct * 10) / 10;
  if (r === 0) return '0%';
  return `${r > 0 ? '+' : '−'}${fixed(Math.abs(r), 1)}%`;
}

export const MODEL_LABEL: Record<string, string> = {
  ridge_regression: 'Ridge regression',
  account_mean: 'Your average',
  slot_mean: 'Average of the time slot',
};

/** The model against its baselines in a sentence. */
export function modelVerdict(model: NonNullable<EngagementPrediction['model']>): string {
  const e = model.error;
  const figures = `typical error ${formatPercent(e.model)} against ${formatPercent(e.account_mean)} for your average and ${formatPercent(e.slot_mean)} for the time slot's average`;
  return model.beats_baselines
    ? `Beats both baselines on ${model.held_out} held-out posts: ${figures}.`
    : `Does not beat the baselines on ${model.held_out} held-out posts (${figures}): treat it as a rough guide.`;
}

/** The sentence when there is not enough history: "Not enough history: 12 of 30 posts." */
export function notEnoughHistory(p: Pick<EngagementPrediction, 'posts_available' | 'minimum_posts'>): string {
  return `Not enough history: ${p.posts_available} of ${p.minimum_posts} posts`;
}

// ---------------------------------------------------------------- trends

/** An SVG path through a series' counts, in a `width` × `height` box (2 px margin). */
export function sparklinePath(values: readonly number[], width: number, height: number): string {
  if (values.length === 0) return '';
  const max = Math.max(...values, 0);
  const min = Math.min(...values, 0);
  const span = max - min || 1;
  const step = values.length > 1 ? (width - 4) / (values.length - 1) : 0;
  return values
    .map((v, i) => {
      const x = values.length > 1 ? 2 + i * step : width / 2;
      const y = height - 2 - ((v - min) / span) * (height - 4);
      return `${i === 0 ? 'M' : 'L'}${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(' ');
}

/** The last `days` points of a series, oldest first. */
export function lastDays<T extends { day: string }>(series: readonly T[], days = 7): T[] {
  return [...series].sort((a, b) => a.day.localeCompare(b.day)).slice(-days);
}

/** "7.7×"; "new" when there was no baseline. */
export function formatRatio(ratio: number | null | undefined): string {
  if (!isNum(ratio)) return '—';
  return `${ratio >= 10 ? Math.round(ratio) : fixed(ratio, 1)}×`;
}

/** "z = 12.3". */
export function formatZ(z: number | null | undefined): string {
  return isNum(z) ? `z = ${z.toFixed(1)}` : 'z —';
}

export const TERM_SOURCE_LABEL: Record<string, string> = {
  x_recent_counts: 'X search counts',
  own_posts: 'Your posts',
  own_mentions: 'Your mentions',
};

/** Model text labelled `sandbox: …` when the model sandbox wrote it. */
export function sandboxText(text: string | null | undefined): { text: string; sandbox: boolean } {
  const t = text ?? '';
  const m = /^sandbox:\s*/.exec(t);
  return m ? { text: t.slice(m[0].length), sandbox: true } : { text: t, sandbox: false };
}

/** Keywords as typed ("coffee, #latteart") → the API's list: trimmed, once each, in order. */
export function parseKeywords(text: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const raw of text.split(/[,\n]+/)) {
    const k = raw.trim().replace(/\s+/g, ' ');
    if (!k || seen.has(k.toLowerCase())) continue;
    seen.add(k.toLowerCase());
    out.push(k);
  }
  return out;
}

// ---------------------------------------------------------------- competitors

/** A share (0–1) as a bar width class in 5% steps (the CSP allows no inline widths). */
export function shareWidth(share: number | null | undefined): string {
  const pct = Math.max(0, Math.min(100, num(share) * 100));
  let step = Math.round(pct / 5) * 5;
  if (step === 0 && pct > 0) step = 5; // a sliver stays visible
  return `pw-${step}`;
}

export const ALERT_KIND_LABEL: Record<string, string> = {
  follower_spike: 'Follower spike',
  engagement_spike: 'Engagement spike',
};

// ---------------------------------------------------------------- performance

/** Posts above and below expectation, the furthest first. */
export function outliers(posts: readonly PostOutlier[]): { above: PostOutlier[]; below: PostOutlier[] } {
  const byZ = (a: PostOutlier, b: PostOutlier) => Math.abs(b.z) - Math.abs(a.z);
  return {
    above: posts.filter((p) => p.direction === 'above').sort(byZ),
    below: posts.filter((p) => p.direction === 'below').sort(byZ),
  };
}

export const DIRECTION_LABEL: Record<string, string> = {
  above: 'Above expectation',
  below: 'Below expectation',
  steady: 'As expected',
};

export const REVIEW_DAYS = [7, 14, 30, 90] as const;

// ---------------------------------------------------------------- crisis

export const CRISIS_LABEL: Record<CrisisLevel, string> = {
  normal: 'Normal',
  watch: 'Watch',
  warning: 'Warning',
  crisis: 'Crisis',
};

/** The banner's and the badge's colours per level. */
export const CRISIS_STYLE: Record<CrisisLevel, { banner: string; badge: string }> = {
  normal: { banner: 'border-slate-300 bg-slate-50 text-slate-900', badge: 'bg-emerald-100 text-emerald-900' },
  watch: { banner: 'border-amber-300 bg-amber-50 text-amber-950', badge: 'bg-amber-200 text-amber-950' },
  warning: { banner: 'border-orange-400 bg-orange-50 text-orange-950', badge: 'bg-orange-600 text-white' },
  crisis: { banner: 'border-red-500 bg-red-50 text-red-950', badge: 'bg-red-700 text-white' },
};

/** The banner's headline. */
export function crisisHeadline(status: Pick<CrisisStatus, 'level' | 'publishing'>): string {
  const level = crisisLevel(status.level);
  const paused = status.publishing?.paused;
  const base = {
    normal: 'Mentions look normal',
    watch: 'Negative mentions are above usual',
    warning: 'Negative mentions are rising fast',
    crisis: 'Possible crisis: negative mentions are spiking',
  }[level];
  if (level === 'normal') return paused ? 'Publishing is paused' : base;
  return paused ? `${base}; publishing is paused` : base;
}

/** An alert's evidence (a document the API does not type), with safe defaults. */
export function readEvidence(v: unknown): CrisisEvidence {
  const e = isObj(v) ? v : {};
  return {
    window_hours: num(e.window_hours, 6),
    mentions: num(e.mentions),
    negative: num(e.negative),
    negative_ratio: num(e.negative_ratio),
    baseline_negative_per_window: num(e.baseline_negative_per_window),
    baseline_ratio: num(e.baseline_ratio),
    z: num(e.z),
    method: isStr(e.method) ? e.method : '',
    examples: list(e.examples, (m) =>
      isObj(m) && isStr(m.text)
        ? { author: isStr(m.author) ? m.author : null, text: m.text, sentiment: num(m.sentiment), scored_by: isStr(m.scored_by) ? m.scored_by : '', created_at: isStr(m.created_at) ? m.created_at : '' }
        : null,
    ),
  };
}

/** The evidence in one sentence. */
export function describeCrisisEvidence(e: CrisisEvidence): string {
  const usual = `${formatPercent(e.baseline_ratio)} usually (${fixed(e.baseline_negative_per_window, 1)} negative per ${e.window_hours} h)`;
  return `${e.negative} of ${e.mentions} mentions negative in the last ${e.window_hours} h (${formatPercent(e.negative_ratio)}), against ${usual}; ${formatZ(e.z)}.`;
}

/** "2 scheduled posts held". */
export function heldTargets(n: number): string {
  return `${n} scheduled post${n === 1 ? '' : 's'} held`;
}

// ---------------------------------------------------------------- reading outputs

function slot(v: unknown): Slot | null {
  if (!isObj(v) || !isNum(v.weekday) || !isNum(v.hour)) return null;
  return { weekday: v.weekday, hour: v.hour, lift: num(v.lift, 1), expected_engagements: num(v.expected_engagements), posts: num(v.posts), confidence: num(v.confidence) };
}

function accountSlots(v: unknown): AccountSlots | null {
  if (!isObj(v) || !isStr(v.account_id)) return null;
  return {
    account_id: v.account_id,
    platform: (isStr(v.platform) ? v.platform : 'x') as AccountSlots['platform'],
    username: isStr(v.username) ? v.username : null,
    posts_analyzed: num(v.posts_analyzed),
    weeks_of_history: num(v.weeks_of_history),
    prior: isStr(v.prior) ? v.prior : 'none',
    slots: list(v.slots, slot),
    best: list(v.best, slot),
  };
}

function assignment(v: unknown): Assignment | null {
  if (!isObj(v) || !isStr(v.post_id) || !isStr(v.scheduled_at)) return null;
  const accountIds = isStr(v.account_id) ? [v.account_id] : strings(v.account_ids);
  return { post_id: v.post_id, account_ids: accountIds, scheduled_at: v.scheduled_at, local_time: isStr(v.local_time) ? v.local_time : '', lift: num(v.lift, 1), confidence: num(v.confidence) };
}

/** A `schedule_optimize` output, or null. */
export function readScheduleOptimization(output: unknown): ScheduleOptimization | null {
  if (!isObj(output) || !Array.isArray(output.accounts)) return null;
  return {
    timezone: isStr(output.timezone) ? output.timezone : 'UTC',
    method: isStr(output.method) ? output.method : '',
    accounts: list(output.accounts, accountSlots),
    assignments: list(output.assignments, assignment),
    unassigned: list(output.unassigned, (u) => (isObj(u) && isStr(u.post_id) ? { post_id: u.post_id, reason: isStr(u.reason) ? u.reason : '' } : null)),
  };
}

function suggestion(v: unknown): Suggestion | null {
  if (!isObj(v) || !isStr(v.field) || !isStr(v.change)) return null;
  return { field: v.field, change: v.change, value: v.value ?? null, predicted_engagements: num(v.predicted_engagements), effect_pct: num(v.effect_pct) };
}

/** An `engagement_predict` output, or null. */
export function readPrediction(output: unknown): EngagementPrediction | null {
  if (!isObj(output) || !isStr(output.status)) return null;
  const p = output.prediction;
  const m = output.model;
  const err = isObj(m) && isObj(m.error) ? m.error : {};
  return {
    status: output.status === 'predicted' ? 'predicted' : 'not_enough_history',
    minimum_posts: num(output.minimum_posts, 30),
    posts_available: num(output.posts_available),
    prediction: isObj(p) && isNum(p.engagements) ? { engagements: p.engagements, low: num(p.low, p.engagements), high: num(p.high, p.engagements), coverage: num(p.coverage, 0.8) } : null,
    model: isObj(m)
      ? {
          kind: isStr(m.kind) ? m.kind : 'ridge_regression',
          trained_on: num(m.trained_on),
          held_out: num(m.held_out),
          error: { model: num(err.model), account_mean: num(err.account_mean), slot_mean: num(err.slot_mean) },
          beats_baselines: m.beats_baselines === true,
        }
      : null,
    suggestions: list(output.suggestions, suggestion),
  };
}

function term(v: unknown): TrendTerm | null {
  if (!isObj(v) || !isStr(v.term)) return null;
  const status = v.status === 'emerging' || v.status === 'declining' ? v.status : 'steady';
  return {
    term: v.term,
    source: isStr(v.source) ? v.source : 'own_posts',
    recent: num(v.recent),
    baseline_per_day: num(v.baseline_per_day),
    ratio: num(v.ratio),
    z: num(v.z),
    status,
    series: list(v.series, (s) => (isObj(s) && isStr(s.day) ? { day: s.day, count: num(s.count) } : null)),
  };
}

/** A `trends_analyze` output (or the `market` report), or null. */
export function readTrendReport(output: unknown): TrendReport | null {
  if (!isObj(output) || !Array.isArray(output.terms)) return null;
  return {
    analyzed_at: isStr(output.analyzed_at) ? output.analyzed_at : '',
    method: isStr(output.method) ? output.method : '',
    gaps: strings(output.gaps),
    window_hours: num(output.window_hours, 24),
    baseline_days: num(output.baseline_days),
    terms: list(output.terms, term),
    emerging: strings(output.emerging),
    declining: strings(output.declining),
    summary: isStr(output.summary) ? output.summary : '',
    ideas: list(output.ideas, (i) => (isObj(i) && isStr(i.title) ? { title: i.title, angle: isStr(i.angle) ? i.angle : '', terms: strings(i.terms) } : null)),
  };
}

const direction = (v: unknown) => (v === 'above' || v === 'below' ? v : 'steady');

function outlier(v: unknown): PostOutlier | null {
  if (!isObj(v) || !isStr(v.post_id)) return null;
  return {
    post_id: v.post_id,
    account_id: isStr(v.account_id) ? v.account_id : '',
    platform: (isStr(v.platform) ? v.platform : 'x') as PostOutlier['platform'],
    published_at: isStr(v.published_at) ? v.published_at : '',
    excerpt: isStr(v.excerpt) ? v.excerpt : '',
    engagements: num(v.engagements),
    expected: num(v.expected),
    ratio: num(v.ratio),
    z: num(v.z),
    direction: direction(v.direction),
  };
}

function accountPerformance(v: unknown): AccountPerformance | null {
  if (!isObj(v) || !isStr(v.account_id)) return null;
  return {
    account_id: v.account_id,
    platform: (isStr(v.platform) ? v.platform : 'x') as AccountPerformance['platform'],
    username: isStr(v.username) ? v.username : null,
    posts: num(v.posts),
    engagements: num(v.engagements),
    expected: num(v.expected),
    ratio: num(v.ratio),
    z: num(v.z),
    direction: direction(v.direction),
  };
}

/** A `performance_review` output, or null. */
export function readPerformanceReview(output: unknown): PerformanceReview | null {
  if (!isObj(output) || !Array.isArray(output.posts)) return null;
  return {
    from: isStr(output.from) ? output.from : '',
    to: isStr(output.to) ? output.to : '',
    method: isStr(output.method) ? output.method : '',
    posts: list(output.posts, outlier),
    accounts: list(output.accounts, accountPerformance),
  };
}
