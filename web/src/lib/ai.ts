/**
 * The AI screens' logic: reading task outputs (JSON whose shape depends on the task's kind),
 * the month's budget from a 402, money, tokens and time in words, the brief built from the
 * composer, and the labels of agents, tasks and statuses.
 */
import { ApiError } from '../api/errors';
import type {
  AgentChange,
  AgentType,
  Brief,
  Generated,
  Goal,
  HashtagAdvice,
  HashtagSuggestion,
  Improved,
  ImproveGoal,
  MemoryType,
  Platform,
  TaskStatus,
  TraceStep,
  Variant,
  WorkflowRequest,
} from '../api/ai';
import { isNum, isObj, isStr, strings } from './read';

const numOrNull = (v: unknown): number | null => (isNum(v) ? v : null);

export const PLATFORMS: readonly Platform[] = ['x', 'linkedin', 'instagram', 'facebook', 'tiktok'];

export const AGENT_LABEL: Record<AgentType, string> = {
  content_creator: 'Content creator',
  trend_analyzer: 'Trend analyzer',
  engagement_optimizer: 'Engagement optimizer',
  smart_scheduler: 'Smart scheduler',
  performance_tracker: 'Performance tracker',
  competitor_monitor: 'Competitor monitor',
  crisis_manager: 'Crisis manager',
  orchestrator: 'Orchestrator',
};

export function agentLabel(agent: string): string {
  return (AGENT_LABEL as Record<string, string>)[agent] ?? agent.replace(/_/g, ' ');
}

const TASK_LABEL: Record<string, string> = {
  content_generate: 'Write posts',
  content_improve: 'Improve a post',
  hashtag_suggest: 'Suggest hashtags',
  competitor_analyze: 'Analyze competitors',
  campaign_content: 'Campaign: posts',
  campaign_slots: 'Campaign: time slots',
  campaign_drafts: 'Campaign: drafts',
  review_performance: 'Weekly review: figures',
  review_report: 'Weekly review: report',
  review_recommendations: 'Weekly review: recommendations',
  schedule_optimize: 'Find the best times',
  engagement_predict: 'Predict engagement',
  trends_analyze: 'Analyze trends',
  performance_review: 'Review performance',
  crisis_scan: 'Scan for a crisis',
};

/** What a task did, in words ("Write posts"); an unknown kind shows its name. */
export function taskLabel(kind: string): string {
  return TASK_LABEL[kind] ?? kind.replace(/_/g, ' ');
}

export const TASK_STATUSES: readonly TaskStatus[] = ['pending', 'running', 'completed', 'failed', 'cancelled'];

export const STATUS_LABEL: Record<string, string> = {
  pending: 'Waiting',
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

export const GOAL_LABEL: Record<Goal, string> = {
  awareness: 'Awareness',
  engagement: 'Engagement',
  traffic: 'Traffic',
  conversions: 'Conversions',
  community: 'Community',
};

export const IMPROVE_GOAL_LABEL: Record<ImproveGoal, string> = {
  clearer: 'Clearer',
  shorter: 'Shorter',
  more_engaging: 'More engaging',
  tone: 'In another tone',
};

export const MEMORY_TYPE_LABEL: Record<MemoryType, string> = {
  knowledge: 'Knowledge',
  preference: 'Preference',
  conversation: 'Past work',
};

export const WORKFLOW_LABEL: Record<string, string> = {
  campaign: 'Campaign',
  weekly_review: 'Weekly review',
};

export const STEP_LABEL: Record<string, string> = {
  content: 'Write the posts',
  slots: 'Find a time slot for each',
  drafts: 'Save them as drafts',
  performance: "Read the week's figures",
  report: 'Build the report',
  recommendations: 'Recommend what to do',
};

/** Whether a task or workflow may still change on its own. */
export function isUnderway(status: string | undefined): boolean {
  return status === 'pending' || status === 'running';
}

// ---------------------------------------------------------------- figures in words

const usd = (digits: number) => new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: digits, maximumFractionDigits: digits });

/**
 * Dollars for people: cents from a cent up ("$1.25"); below a cent, two significant digits
 * ("$0.000061"), since a task often costs a fraction of one; "—" when not known yet.
 */
export function formatCost(value: number | null | undefined): string {
  if (value == null || !Number.isFinite(value)) return '—';
  if (value === 0) return '$0.00';
  if (Math.abs(value) >= 0.01) return usd(2).format(value);
  const digits = Math.min(8, 1 - Math.floor(Math.log10(Math.abs(value))));
  return usd(digits).format(Number(value.toPrecision(2)));
}

/** "31 ms", "1.2 s", "2 min 5 s"; "—" when not known. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

const count = new Intl.NumberFormat('en-US');

/** "287 in · 192 out". */
export function formatTokens(input: number, output: number): string {
  return `${count.format(input)} in · ${count.format(output)} out`;
}

/** "+12.5%", "−3%", "—". */
export function formatLift(pct: number | null | undefined): string {
  if (pct == null || !Number.isFinite(pct)) return '—';
  const rounded = Math.round(pct * 10) / 10;
  if (rounded === 0) return '0%';
  return `${rounded > 0 ? '+' : '−'}${Math.abs(rounded)}%`;
}

/** The model a task used: the sandbox's answers are labelled `sandbox:<model>`. */
export function modelParts(model: string | null | undefined): { name: string; sandbox: boolean } | null {
  if (!model) return null;
  return { name: model, sandbox: model.startsWith('sandbox:') };
}

/** The month's spending as a share of the budget, 0–100. */
export function usagePercent(spent: number, budget: number): number {
  if (!(budget > 0)) return spent > 0 ? 100 : 0;
  return Math.min(100, Math.max(0, Math.round((spent / budget) * 100)));
}

/** "1 December 2026" for a `YYYY-MM-DD` date. */
export function formatDate(day: string): string {
  const d = new Date(`${day}T12:00:00Z`);
  if (Number.isNaN(d.getTime())) return day;
  return new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(d);
}

// ---------------------------------------------------------------- the month's budget (402)

export interface BudgetFigures {
  spentUsd: number | null;
  budgetUsd: number | null;
  renewsOn: string | null;
}

/**
 * The figures of a 402 `plan_limit_reached` from a task endpoint (its details carry
 * `spent_usd`, `budget_usd` and `renews_on`); null for any other error.
 */
export function budgetFigures(error: unknown): BudgetFigures | null {
  if (!(error instanceof ApiError) || error.code !== 'plan_limit_reached') return null;
  const detail = (field: string) => error.details.find((d) => d.field === field)?.issue.trim() ?? null;
  const money = (text: string | null) => {
    if (text === null) return null;
    const n = Number(text.replace(/^\$/, ''));
    return Number.isFinite(n) ? n : null;
  };
  const renews = detail('renews_on');
  return {
    spentUsd: money(detail('spent_usd')),
    budgetUsd: money(detail('budget_usd')),
    renewsOn: renews && /^\d{4}-\d{2}-\d{2}$/.test(renews) ? renews : null,
  };
}

/** The figures in a sentence: "$2.00 of $2.00 spent; the budget renews on 1 December 2026." */
export function describeBudget(f: BudgetFigures): string {
  const parts: string[] = [];
  if (f.spentUsd !== null && f.budgetUsd !== null) parts.push(`${formatCost(f.spentUsd)} of ${formatCost(f.budgetUsd)} spent this month`);
  if (f.renewsOn) parts.push(`the budget renews on ${formatDate(f.renewsOn)}`);
  if (parts.length === 0) return '';
  const text = parts.join('; ');
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

// ---------------------------------------------------------------- reading outputs

function variant(v: unknown): Variant | null {
  if (!isObj(v) || !isStr(v.platform) || !isStr(v.text) || !isNum(v.length) || !isNum(v.max_length)) return null;
  return {
    platform: v.platform as Platform,
    text: v.text,
    thread: strings(v.thread),
    length: v.length,
    max_length: v.max_length,
    hashtags: strings(v.hashtags),
    max_hashtags: numOrNull(v.max_hashtags),
    rewrites: isNum(v.rewrites) ? v.rewrites : 0,
    shortened: v.shortened === true,
    notes: strings(v.notes),
  };
}

/** A `content_generate` output, or null when the output is not one. */
export function readGenerated(output: unknown): Generated | null {
  if (!isObj(output) || !Array.isArray(output.variants)) return null;
  const variants = output.variants.map(variant);
  if (variants.some((v) => v === null)) return null;
  return {
    variants: variants as Variant[],
    rationale: isStr(output.rationale) ? output.rationale : '',
    memories_used: strings(output.memories_used),
    draft_post_id: isStr(output.draft_post_id) ? output.draft_post_id : null,
  };
}

/** A `content_improve` output, or null. */
export function readImproved(output: unknown): Improved | null {
  if (!isObj(output) || !isStr(output.text)) return null;
  const changes = Array.isArray(output.changes)
    ? output.changes.filter((c): c is { change: string; reason: string } => isObj(c) && isStr(c.change) && isStr(c.reason)).map(({ change, reason }) => ({ change, reason }))
    : [];
  return { text: output.text, changes, check: variant(output.check), original_length: isNum(output.original_length) ? output.original_length : 0 };
}

const SOURCES = ['history', 'co_occurrence', 'model'];

function suggestion(s: unknown): HashtagSuggestion | null {
  if (!isObj(s) || !isStr(s.tag)) return null;
  return {
    tag: s.tag,
    score: isNum(s.score) ? s.score : 0,
    sources: strings(s.sources).filter((x) => SOURCES.includes(x)) as HashtagSuggestion['sources'],
    uses: isNum(s.uses) ? s.uses : 0,
    engagement_rate: numOrNull(s.engagement_rate),
    lift_pct: numOrNull(s.lift_pct),
    co_occurrences: isNum(s.co_occurrences) ? s.co_occurrences : 0,
    model_reason: isStr(s.model_reason) ? s.model_reason : null,
    evidence: isStr(s.evidence) ? s.evidence : '',
  };
}

/** A `hashtag_suggest` output, or null. */
export function readHashtagAdvice(output: unknown): HashtagAdvice | null {
  if (!isObj(output) || !Array.isArray(output.suggestions)) return null;
  const per: HashtagAdvice['per_platform'] = {};
  if (isObj(output.per_platform)) {
    for (const [platform, tags] of Object.entries(output.per_platform)) {
      if (PLATFORMS.includes(platform as Platform)) per[platform as Platform] = strings(tags);
    }
  }
  return {
    suggestions: output.suggestions.map(suggestion).filter((s): s is HashtagSuggestion => s !== null),
    per_platform: per,
    baseline_rate: numOrNull(output.baseline_rate),
    posts_considered: isNum(output.posts_considered) ? output.posts_considered : 0,
  };
}

/** A task's trace (`steps`): the entries that name their step, in order. */
export function readTrace(steps: unknown): TraceStep[] {
  if (!Array.isArray(steps)) return [];
  return steps.filter((s): s is TraceStep => isObj(s) && isStr(s.step));
}

/** The draft posts a finished campaign created (`output.drafts.post_ids`). */
export function draftPostIds(workflowOutput: unknown): string[] {
  if (!isObj(workflowOutput) || !isObj(workflowOutput.drafts)) return [];
  return strings(workflowOutput.drafts.post_ids);
}

export interface Recommendations {
  summary: string;
  items: { action: string; rationale: string }[];
}

/** A finished weekly review's recommendations (`output.recommendations`). */
export function readRecommendations(workflowOutput: unknown): Recommendations | null {
  if (!isObj(workflowOutput) || !isObj(workflowOutput.recommendations)) return null;
  const r = workflowOutput.recommendations;
  const items = Array.isArray(r.recommendations)
    ? r.recommendations.filter((i): i is { action: string; rationale: string } => isObj(i) && isStr(i.action)).map((i) => ({ action: i.action, rationale: isStr(i.rationale) ? i.rationale : '' }))
    : [];
  return { summary: isStr(r.summary) ? r.summary : '', items };
}

/** The report a weekly review asked for (`output.report.report_id`). */
export function reviewReportId(workflowOutput: unknown): string | null {
  if (!isObj(workflowOutput) || !isObj(workflowOutput.report)) return null;
  return isStr(workflowOutput.report.report_id) ? workflowOutput.report.report_id : null;
}

/** A campaign's name from its input (the list shows it). */
export function workflowName(input: unknown, type: string): string {
  if (isObj(input) && isStr(input.name) && input.name.trim()) return input.name;
  return WORKFLOW_LABEL[type] ?? type.replace(/_/g, ' ');
}

// ---------------------------------------------------------------- from the composer

/** The distinct platforms of the chosen accounts, in the order they were chosen. */
export function platformsOf(selected: readonly string[], accounts: readonly { id: string; platform: Platform }[]): Platform[] {
  const out: Platform[] = [];
  for (const id of selected) {
    const platform = accounts.find((a) => a.id === id)?.platform;
    if (platform && !out.includes(platform)) out.push(platform);
  }
  return out;
}

export interface BriefForm {
  topic: string;
  goal: Goal | '';
  tone: string;
  audience: string;
  link: string;
}

/** The brief the composer's assistant sends: its fields (blank ones left out) and the platforms. */
export function buildBrief(form: BriefForm, platforms: readonly Platform[]): Brief {
  const opt = (v: string) => (v.trim() ? v.trim() : null);
  return {
    topic: form.topic.trim(),
    goal: form.goal || null,
    tone: opt(form.tone),
    audience: opt(form.audience),
    link: opt(form.link),
    platforms: [...platforms],
    allow_thread: false,
    draft_for_accounts: [],
  };
}

/**
 * Adds hashtags to the composer's hashtags field ("#launch #news"), each once whatever its
 * case or `#`, keeping what was typed.
 */
export function mergeHashtags(current: string, tags: readonly string[]): string {
  const words = current.split(/[\s,]+/).filter(Boolean);
  const seen = new Set(words.map((w) => w.replace(/^#/, '').toLowerCase()));
  for (const tag of tags) {
    const bare = tag.trim().replace(/^[#＃]/, '');
    if (!bare || seen.has(bare.toLowerCase())) continue;
    seen.add(bare.toLowerCase());
    words.push(`#${bare}`);
  }
  return words.map((w) => (w.startsWith('#') ? w : `#${w}`)).join(' ');
}

// ---------------------------------------------------------------- agent settings

export interface SettingsForm {
  model: string;
  tone: string;
  brand_voice: string;
  language: string;
  is_active: boolean;
}

export function settingsToForm(settings: { model?: string | null; tone?: string | null; brand_voice?: string | null; language?: string | null }, isActive: boolean): SettingsForm {
  return { model: settings.model ?? '', tone: settings.tone ?? '', brand_voice: settings.brand_voice ?? '', language: settings.language ?? '', is_active: isActive };
}

/** The PATCH body: the whole settings object, a blank field going back to the default. */
export function settingsBody(form: SettingsForm): AgentChange {
  const opt = (v: string) => (v.trim() ? v.trim() : null);
  return {
    settings: { model: opt(form.model), tone: opt(form.tone), brand_voice: opt(form.brand_voice), language: opt(form.language) },
    is_active: form.is_active,
  };
}

/** The API's `settings.model` (etc.) → the form's `model`. */
export const SETTINGS_ALIASES: Record<string, string> = {
  'settings.model': 'model',
  'settings.tone': 'tone',
  'settings.brand_voice': 'brand_voice',
  'settings.language': 'language',
};

// ---------------------------------------------------------------- workflows

export interface WorkflowForm {
  type: 'campaign' | 'weekly_review';
  name: string;
  topic: string;
  goal: Goal | '';
  tone: string;
  posts: string;
  accounts: string[];
  starts_on: string;
  timezone: string;
  language: string;
}

/** The request to start a workflow; a campaign's platforms are its accounts' platforms. */
export function buildWorkflowRequest(form: WorkflowForm, accounts: readonly { id: string; platform: Platform }[]): WorkflowRequest {
  const opt = (v: string) => (v.trim() ? v.trim() : null);
  if (form.type === 'weekly_review') {
    return { type: 'weekly_review', timezone: opt(form.timezone), language: opt(form.language) };
  }
  return {
    type: 'campaign',
    name: form.name.trim(),
    brief: buildBrief({ topic: form.topic, goal: form.goal, tone: form.tone, audience: '', link: '' }, platformsOf(form.accounts, accounts)),
    posts: Number(form.posts),
    social_account_ids: [...form.accounts],
    starts_on: opt(form.starts_on),
    timezone: opt(form.timezone),
  };
}

/** The API's field names → the workflow form's. */
export const WORKFLOW_ALIASES: Record<string, string> = {
  'brief.topic': 'topic',
  'brief.goal': 'goal',
  'brief.tone': 'tone',
  'brief.platforms': 'accounts',
  social_account_ids: 'accounts',
};

/** "2 of 3 steps done". */
export function stepProgress(steps: readonly { status: string }[]): string {
  const done = steps.filter((s) => s.status === 'completed').length;
  return `${done} of ${steps.length} steps done`;
}
