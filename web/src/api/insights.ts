/**
 * The insight agents' API (issue #15): the smart scheduler, the engagement predictor, the trend
 * analyzer, the competitor monitor's share of voice and alerts, the performance tracker and the
 * crisis manager. Types mirror the API's documents; task outputs are read defensively in
 * `lib/insights.ts` before the screens use them.
 */
import { api, idempotencyKey, unwrap, type Schemas } from './client';
import type { CrisisStatus, PublishingState } from './crisis';
import { WAIT_SECONDS, type TaskPage, type TaskView } from './ai';

type Platform = Schemas['Platform'];
type Post = Schemas['Post'];

// ---------------------------------------------------------------- smart scheduler

/** One hour of the week (weekday 0 = Monday … 6 = Sunday, in the request's zone). */
export interface Slot {
  weekday: number;
  hour: number;
  /** Expected engagement of the slot / the account's average (1.0 = average). */
  lift: number;
  expected_engagements: number;
  /** The account's posts that went out in this slot. */
  posts: number;
  /** 0–1. */
  confidence: number;
}

/** What thin slots borrow from: the organization's other accounts on the platform, its accounts on other platforms, or nothing. */
export type Prior = 'platform' | 'organization' | 'none';

export interface AccountSlots {
  account_id: string;
  platform: Platform;
  username: string | null;
  posts_analyzed: number;
  weeks_of_history: number;
  prior: Prior | string;
  /** Every weekday × hour (168). */
  slots: Slot[];
  best: Slot[];
}

export interface Assignment {
  post_id: string;
  /** The post's accounts, all at this time. */
  account_ids: string[];
  scheduled_at: string;
  /** `YYYY-MM-DDTHH:MM` in the request's zone. */
  local_time: string;
  lift: number;
  confidence: number;
}

export interface ScheduleOptimization {
  timezone: string;
  /** How the estimates were made, in a sentence. */
  method: string;
  accounts: AccountSlots[];
  assignments: Assignment[];
  unassigned: { post_id: string; reason: string }[];
}

/** `post_ids` may be left out (no drafts to place). */
export type OptimizeRequest = Omit<Schemas['ScheduleRequest2'], 'post_ids'> & { post_ids?: string[] };

export type QueueSource = 'your_slots' | 'best_times';

export type QueueResult = Schemas['Queued'];

// ---------------------------------------------------------------- engagement predictor

export type PredictRequest = Schemas['PredictRequest'];

export type ModelKind = 'ridge_regression' | 'account_mean' | 'slot_mean';
export type SuggestionField = 'scheduled_at' | 'content_type' | 'hashtags' | 'length';

export interface Suggestion {
  field: SuggestionField | string;
  change: string;
  value: unknown;
  predicted_engagements: number;
  effect_pct: number;
}

export interface EngagementPrediction {
  status: 'predicted' | 'not_enough_history';
  minimum_posts: number;
  posts_available: number;
  prediction: { engagements: number; low: number; high: number; coverage: number } | null;
  model: {
    kind: ModelKind | string;
    trained_on: number;
    held_out: number;
    /** Median absolute percentage errors on the held-out posts (0.12 = 12 %). */
    error: { model: number; account_mean: number; slot_mean: number };
    beats_baselines: boolean;
  } | null;
  suggestions: Suggestion[];
}

// ---------------------------------------------------------------- trend analyzer

export type TermStatus = 'emerging' | 'declining' | 'steady';

export interface TrendTerm {
  term: string;
  source: 'x_recent_counts' | 'own_posts' | 'own_mentions' | string;
  recent: number;
  baseline_per_day: number;
  ratio: number;
  z: number;
  status: TermStatus;
  series: { day: string; count: number }[];
}

export interface TrendReport {
  analyzed_at: string;
  method: string;
  /** Sources that could not be read this time. */
  gaps: string[];
  window_hours: number;
  baseline_days: number;
  terms: TrendTerm[];
  emerging: string[];
  declining: string[];
  summary: string;
  ideas: { title: string; angle: string; terms: string[] }[];
}

/** `GET /api/analytics/trends`: the own-history trends, and the latest market report. */
export type Trends = Schemas['Trends'] & { market?: TrendReport | null };

// ---------------------------------------------------------------- competitor monitor

export interface ShareOfVoice {
  name: string;
  is_you: boolean;
  posts: number;
  engagements: number;
  share_of_posts: number;
  share_of_engagement: number;
}

export type AlertKind = 'follower_spike' | 'engagement_spike';

export interface CompetitorAlert {
  competitor_id: string;
  handle: string;
  platform: Platform;
  kind: AlertKind | string;
  detected_at: string;
  value: number;
  baseline: number;
  z: number;
}

export type Competitors = Schemas['CompetitorsView'] & { share_of_voice?: ShareOfVoice[]; alerts?: CompetitorAlert[] };
export type CompetitorView = Schemas['CompetitorView'];

// ---------------------------------------------------------------- performance tracker

export type Direction = 'above' | 'below' | 'steady';

export interface PostOutlier {
  post_id: string;
  account_id: string;
  platform: Platform;
  published_at: string;
  excerpt: string;
  engagements: number;
  expected: number;
  ratio: number;
  z: number;
  direction: Direction;
}

export interface AccountPerformance {
  account_id: string;
  platform: Platform;
  username: string | null;
  posts: number;
  engagements: number;
  expected: number;
  ratio: number;
  z: number;
  direction: Direction;
}

export interface PerformanceReview {
  from: string;
  to: string;
  method: string;
  posts: PostOutlier[];
  accounts: AccountPerformance[];
}

export * from './crisis';

// ---------------------------------------------------------------- calls

const prefer = { Prefer: `wait=${WAIT_SECONDS}` };

export function optimizeSchedule(body: OptimizeRequest): Promise<TaskView> {
  return unwrap(api.POST('/api/ai-agents/schedule/optimize', { params: { header: prefer }, body: { post_ids: [], ...body } }));
}

export function addToQueue(postId: string, timezone: string): Promise<QueueResult> {
  return unwrap(api.POST('/api/posts/{id}/queue', { params: { path: { id: postId } }, body: { timezone } }));
}

export function predictEngagement(body: PredictRequest): Promise<TaskView> {
  return unwrap(api.POST('/api/ai-agents/engagement/predict', { params: { header: prefer }, body }));
}

/** The given keywords (1–10), or the organization's tracked ones when none are given. */
export function analyzeTrends(keywords?: string[]): Promise<TaskView> {
  return unwrap(api.POST('/api/ai-agents/trends/analyze', { params: { header: prefer }, body: keywords && keywords.length ? { keywords } : {} }));
}

export function getKeywords(): Promise<{ keywords: string[] }> {
  return unwrap(api.GET('/api/ai-agents/trends/keywords'));
}

export function putKeywords(keywords: string[]): Promise<{ keywords: string[] }> {
  return unwrap(api.PUT('/api/ai-agents/trends/keywords', { body: { keywords } }));
}

export async function getTrends(query: { from?: string; to?: string; tz?: string } = {}): Promise<Trends> {
  return (await unwrap(api.GET('/api/analytics/trends', { params: { query } }))) as Trends;
}

export function getCompetitors(query: { from?: string; to?: string; tz?: string } = {}): Promise<Competitors> {
  return unwrap(api.GET('/api/analytics/competitors', { params: { query } }));
}

export function addCompetitor(body: { handle: string; platform: Platform }): Promise<Schemas['Competitor']> {
  return unwrap(api.POST('/api/analytics/competitors', { body }));
}

export async function removeCompetitor(id: string): Promise<void> {
  await unwrap(api.DELETE('/api/analytics/competitors/{id}', { params: { path: { id } } }));
}

export function reviewPerformance(days: number): Promise<TaskView> {
  return unwrap(api.POST('/api/ai-agents/performance/review', { params: { header: prefer }, body: { days } }));
}

/** The latest completed performance review (the task list's first item), or null. */
export async function latestReview(): Promise<TaskView | null> {
  const page: TaskPage = await unwrap(api.GET('/api/ai-agents/tasks', { params: { query: { task_type: 'performance_review', status: 'completed', limit: 1 } } }));
  return page.tasks[0] ?? null;
}

export function scanCrisis(): Promise<TaskView> {
  return unwrap(api.POST('/api/ai-agents/crisis/scan', { params: { header: prefer }, body: {} }));
}

export async function crisisSettings(autoPause: boolean): Promise<CrisisStatus> {
  return (await unwrap(api.PUT('/api/ai-agents/crisis/settings', { body: { auto_pause: autoPause } }))) as unknown as CrisisStatus;
}

export async function resolveCrisis(): Promise<CrisisStatus> {
  return (await unwrap(api.POST('/api/ai-agents/crisis/resolve'))) as unknown as CrisisStatus;
}

export function pausePublishing(reason: string): Promise<PublishingState> {
  return unwrap(api.POST('/api/posts/publishing/pause', { body: { reason } }));
}

export function resumePublishing(): Promise<PublishingState> {
  return unwrap(api.POST('/api/posts/publishing/resume'));
}

export function getPublishing(): Promise<PublishingState> {
  return unwrap(api.GET('/api/posts/publishing'));
}

/** Drafts to place (the optimizer's `post_ids`). */
export function listDrafts(): Promise<Schemas['PostPage']> {
  return unwrap(api.GET('/api/posts', { params: { query: { status: 'draft', limit: 100 } } }));
}

/** Schedules a post at a wall-clock time (the composer's and the calendar's endpoint). */
export function schedulePost(postId: string, localTime: string, timezone: string): Promise<Post> {
  return unwrap(
    api.POST('/api/posts/{id}/schedule', {
      params: { path: { id: postId }, header: { 'Idempotency-Key': idempotencyKey() } },
      body: { local_time: localTime, timezone },
    }),
  );
}
