import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/api/errors';
import { aiKeys, keysAfterTaskEvent } from '../../src/api/ai';
import {
  budgetFigures,
  buildBrief,
  buildWorkflowRequest,
  describeBudget,
  draftPostIds,
  formatCost,
  formatDuration,
  formatLift,
  formatTokens,
  isUnderway,
  mergeHashtags,
  modelParts,
  platformsOf,
  readGenerated,
  readHashtagAdvice,
  readImproved,
  readRecommendations,
  readTrace,
  reviewReportId,
  settingsBody,
  settingsToForm,
  stepProgress,
  taskLabel,
  usagePercent,
  workflowName,
  type WorkflowForm,
} from '../../src/lib/ai';
import { aiPollInterval, AI_LIVE_POLL_MS, AI_POLL_MS } from '../../src/live/useAiTask';
import { filtersFromSearch } from '../../src/pages/AiTasks';

const variant = {
  platform: 'x',
  text: 'Fresh roast, Friday.',
  thread: [],
  length: 20,
  max_length: 280,
  hashtags: [],
  max_hashtags: null,
  rewrites: 0,
  shortened: false,
  notes: [],
};

describe('figures in words', () => {
  it('formats costs: cents from a cent up, two significant digits below', () => {
    expect(formatCost(1.2345)).toBe('$1.23');
    expect(formatCost(0.01)).toBe('$0.01');
    expect(formatCost(0.000061)).toBe('$0.000061');
    expect(formatCost(0.00002)).toBe('$0.000020');
    expect(formatCost(0.0012345)).toBe('$0.0012');
    expect(formatCost(0)).toBe('$0.00');
    expect(formatCost(null)).toBe('—');
    expect(formatCost(undefined)).toBe('—');
  });

  it('formats durations, tokens and lift', () => {
    expect(formatDuration(31)).toBe('31 ms');
    expect(formatDuration(1234)).toBe('1.2 s');
    expect(formatDuration(12_400)).toBe('12 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
    expect(formatDuration(null)).toBe('—');
    expect(formatTokens(1287, 192)).toBe('1,287 in · 192 out');
    expect(formatLift(12.345)).toBe('+12.3%');
    expect(formatLift(-3)).toBe('−3%');
    expect(formatLift(0.01)).toBe('0%');
    expect(formatLift(null)).toBe('—');
  });

  it('spots the model sandbox and measures the month against the budget', () => {
    expect(modelParts('sandbox:amazon.nova-lite-v1:0')).toEqual({ name: 'sandbox:amazon.nova-lite-v1:0', sandbox: true });
    expect(modelParts('anthropic.claude-3-5-haiku-20241022-v1:0')).toEqual({ name: 'anthropic.claude-3-5-haiku-20241022-v1:0', sandbox: false });
    expect(modelParts(null)).toBeNull();
    expect(usagePercent(0.5, 2)).toBe(25);
    expect(usagePercent(3, 2)).toBe(100);
    expect(usagePercent(0, 0)).toBe(0);
    expect(usagePercent(1, 0)).toBe(100);
  });

  it('names tasks and knows what still runs', () => {
    expect(taskLabel('content_generate')).toBe('Write posts');
    expect(taskLabel('trend_scan')).toBe('trend scan');
    expect(isUnderway('pending')).toBe(true);
    expect(isUnderway('running')).toBe(true);
    expect(isUnderway('completed')).toBe(false);
    expect(isUnderway(undefined)).toBe(false);
  });
});

describe('the month’s budget (402)', () => {
  const spent = new ApiError(402, 'plan_limit_reached', "this month's AI budget is spent: $2.01 of $2.00; it renews on 2026-12-01", [
    { field: 'spent_usd', issue: '2.0100' },
    { field: 'budget_usd', issue: '2.00' },
    { field: 'renews_on', issue: '2026-12-01' },
  ]);

  it('reads the figures from the details', () => {
    expect(budgetFigures(spent)).toEqual({ spentUsd: 2.01, budgetUsd: 2, renewsOn: '2026-12-01' });
    expect(describeBudget(budgetFigures(spent)!)).toBe('$2.01 of $2.00 spent this month; the budget renews on 1 December 2026.');
  });

  it('copes with missing or odd figures, and ignores other errors', () => {
    const partial = new ApiError(402, 'plan_limit_reached', 'spent', [{ field: 'renews_on', issue: 'soon' }, { field: 'spent_usd', issue: 'n/a' }]);
    expect(budgetFigures(partial)).toEqual({ spentUsd: null, budgetUsd: null, renewsOn: null });
    expect(describeBudget(budgetFigures(partial)!)).toBe('');
    expect(budgetFigures(new ApiError(402, 'plan_limit_reached', 'no more accounts'))).toEqual({ spentUsd: null, budgetUsd: null, renewsOn: null });
    expect(budgetFigures(new ApiError(409, 'conflict', 'switched off'))).toBeNull();
    expect(budgetFigures(new Error('boom'))).toBeNull();
  });
});

describe('reading task outputs', () => {
  it('reads generated variants, and refuses what is not one', () => {
    const output = { variants: [variant, { ...variant, platform: 'linkedin', max_length: 3000, shortened: true, rewrites: 2, notes: ['cut'] }], rationale: 'Why', memories_used: ['m1'], draft_post_id: null };
    expect(readGenerated(output)).toEqual(output);
    expect(readGenerated({ variants: [{ platform: 'x' }] })).toBeNull();
    expect(readGenerated(null)).toBeNull();
    expect(readGenerated({ rationale: 'no variants' })).toBeNull();
  });

  it('reads an improved text with its changes and checks', () => {
    const improved = readImproved({ text: 'Better', changes: [{ change: 'Shorter hook', reason: 'Reads faster' }, { nope: 1 }], check: variant, original_length: 40 });
    expect(improved).toEqual({ text: 'Better', changes: [{ change: 'Shorter hook', reason: 'Reads faster' }], check: variant, original_length: 40 });
    expect(readImproved({ text: 'Plain', changes: [], check: null, original_length: 5 })?.check).toBeNull();
    expect(readImproved({ changes: [] })).toBeNull();
  });

  it('reads hashtag advice, leaving out platforms and sources it does not know', () => {
    const advice = readHashtagAdvice({
      suggestions: [
        { tag: '#coffee', score: 0.9, sources: ['history', 'co_occurrence', 'vibes'], uses: 4, engagement_rate: 3.2, lift_pct: 12.5, co_occurrences: 2, model_reason: null, evidence: 'used 4 times' },
        { score: 1 },
      ],
      per_platform: { x: ['#coffee'], myspace: ['#nope'] },
      baseline_rate: 2.8,
      posts_considered: 31,
    });
    expect(advice).toEqual({
      suggestions: [{ tag: '#coffee', score: 0.9, sources: ['history', 'co_occurrence'], uses: 4, engagement_rate: 3.2, lift_pct: 12.5, co_occurrences: 2, model_reason: null, evidence: 'used 4 times' }],
      per_platform: { x: ['#coffee'] },
      baseline_rate: 2.8,
      posts_considered: 31,
    });
  });

  it('reads the trace and workflow outputs', () => {
    expect(readTrace([{ step: 'write posts', attempts: 1 }, { nope: true }, 'x'])).toEqual([{ step: 'write posts', attempts: 1 }]);
    expect(readTrace(null)).toEqual([]);
    expect(draftPostIds({ drafts: { post_ids: ['p1', 'p2', 3], awaiting_approval: true } })).toEqual(['p1', 'p2']);
    expect(draftPostIds({})).toEqual([]);
    expect(readRecommendations({ recommendations: { summary: 'Good week', recommendations: [{ action: 'Post at 9', rationale: 'Best hour' }, { rationale: 'no action' }] } })).toEqual({
      summary: 'Good week',
      items: [{ action: 'Post at 9', rationale: 'Best hour' }],
    });
    expect(readRecommendations({})).toBeNull();
    expect(reviewReportId({ report: { report_id: 'r1' } })).toBe('r1');
    expect(workflowName({ name: 'Launch week' }, 'campaign')).toBe('Launch week');
    expect(workflowName({ timezone: 'UTC' }, 'weekly_review')).toBe('Weekly review');
    expect(stepProgress([{ status: 'completed' }, { status: 'running' }, { status: 'pending' }])).toBe('1 of 3 steps done');
  });
});

describe('from the composer and the forms', () => {
  const accounts = [
    { id: 'li1', platform: 'linkedin' as const },
    { id: 'x1', platform: 'x' as const },
    { id: 'x2', platform: 'x' as const },
  ];

  it('takes the platforms of the chosen accounts, once each, in order', () => {
    expect(platformsOf(['x1', 'li1', 'x2', 'gone'], accounts)).toEqual(['x', 'linkedin']);
    expect(platformsOf([], accounts)).toEqual([]);
  });

  it('builds the brief, leaving blank fields out', () => {
    expect(buildBrief({ topic: '  New blend ', goal: 'awareness', tone: ' warm ', audience: '', link: '' }, ['x', 'linkedin'])).toEqual({
      topic: 'New blend',
      goal: 'awareness',
      tone: 'warm',
      audience: null,
      link: null,
      platforms: ['x', 'linkedin'],
      allow_thread: false,
      draft_for_accounts: [],
    });
    expect(buildBrief({ topic: 'T', goal: '', tone: '', audience: 'Baristas', link: 'https://example.com' }, ['x']).goal).toBeNull();
  });

  it('adds hashtags once, whatever their case or #', () => {
    expect(mergeHashtags('#launch news', ['#Launch', '#coffee', 'coffee', '＃beans', ' '])).toBe('#launch #news #coffee #beans');
    expect(mergeHashtags('', ['#a'])).toBe('#a');
  });

  it('sends the whole settings object, blanks back to the defaults', () => {
    const form = settingsToForm({ model: null, tone: 'warm', brand_voice: null, language: 'fr' }, true);
    expect(form).toEqual({ model: '', tone: 'warm', brand_voice: '', language: 'fr', is_active: true });
    expect(settingsBody({ ...form, tone: ' playful ', language: '' , is_active: false })).toEqual({
      settings: { model: null, tone: 'playful', brand_voice: null, language: null },
      is_active: false,
    });
  });

  it('builds a campaign or a weekly review', () => {
    const form: WorkflowForm = {
      type: 'campaign',
      name: ' Launch week ',
      topic: 'New blend',
      goal: '',
      tone: '',
      posts: '3',
      accounts: ['x1', 'li1'],
      starts_on: '2026-12-01',
      timezone: 'Europe/Paris',
      language: 'fr',
    };
    expect(buildWorkflowRequest(form, accounts)).toEqual({
      type: 'campaign',
      name: 'Launch week',
      brief: { topic: 'New blend', goal: null, tone: null, audience: null, link: null, platforms: ['x', 'linkedin'], allow_thread: false, draft_for_accounts: [] },
      posts: 3,
      social_account_ids: ['x1', 'li1'],
      starts_on: '2026-12-01',
      timezone: 'Europe/Paris',
    });
    expect(buildWorkflowRequest({ ...form, type: 'weekly_review', language: '' }, accounts)).toEqual({ type: 'weekly_review', timezone: 'Europe/Paris', language: null });
  });

  it('reads the task filters from the address, ignoring unknown values', () => {
    expect(filtersFromSearch(new URLSearchParams('agent=content_creator&status=failed'))).toEqual({ agent_type: 'content_creator', status: 'failed' });
    expect(filtersFromSearch(new URLSearchParams('agent=toaster&status=maybe'))).toEqual({});
  });
});

describe('following tasks', () => {
  it('refreshes the task, the history and its workflow on an event; counters and spending once it finished', () => {
    expect(keysAfterTaskEvent({ task_id: 't1', agent_type: 'content_creator', status: 'running', workflow_id: null })).toEqual([aiKeys.task('t1'), ['ai', 'tasks']]);
    expect(keysAfterTaskEvent({ task_id: 't2', agent_type: 'orchestrator', status: 'completed', workflow_id: 'w1' })).toEqual([
      aiKeys.task('t2'),
      ['ai', 'tasks'],
      aiKeys.workflow('w1'),
      aiKeys.workflows,
      aiKeys.agents,
      aiKeys.usage,
      ['ai', 'memory'],
    ]);
  });

  it('polls only while something runs: every 2 s with the feed down, a slower safety net with it up', () => {
    expect(aiPollInterval('pending', false)).toBe(AI_POLL_MS);
    expect(aiPollInterval('running', true)).toBe(AI_LIVE_POLL_MS);
    expect(aiPollInterval('completed', false)).toBe(false);
    expect(aiPollInterval(undefined, false)).toBe(false);
  });
});
