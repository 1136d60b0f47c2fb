import { afterEach, describe, expect, it, vi } from 'vitest';
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { parseLiveMessage } from '../../src/live/protocol';
import { CrisisWatch } from '../../src/components/CrisisWatch';
import { EngagementPanel } from '../../src/components/EngagementPanel';
import InsightsBestTimes from '../../src/pages/InsightsBestTimes';
import InsightsTrends from '../../src/pages/InsightsTrends';
import type { TaskView } from '../../src/api/ai';
import type { CrisisStatus, Slot } from '../../src/api/insights';
import { json, liveClient } from './support';
import { renderRoute, stubApi as stubWith, userOf, withAccounts, type Handler } from './screens';

const accounts = [
  { id: 'x1', platform: 'x', account_name: 'Ada on X', account_handle: '@ada', account_id: 'x-ada', is_active: true, status: 'active', needs_reconnect: false, token_expires_soon: false, settings: {}, followers_count: 10, last_sync: null, created_at: '2026-11-01T00:00:00Z' },
] as const;

const stubApi = (handler: Handler, role = 'admin') => stubWith(withAccounts(accounts, handler), userOf(role));

const task = (extra: Partial<TaskView>): TaskView => ({
  id: 't1',
  agent_type: 'smart_scheduler',
  task_type: 'schedule_optimize',
  status: 'completed',
  status_url: '/api/ai-agents/tasks/t1',
  input: {},
  output: null,
  error: null,
  model_used: null,
  input_tokens: 0,
  output_tokens: 0,
  cost_usd: 0,
  execution_time_ms: 31,
  model_latency_ms: 0,
  steps: [],
  workflow_id: null,
  workflow_step: null,
  requested_by: 'u1',
  created_at: '2026-11-26T10:00:00Z',
  started_at: null,
  completed_at: null,
  ...extra,
});

const publishing = { paused: false, paused_at: null, reason: null, held_targets: 0 };
const crisis: CrisisStatus = {
  level: 'crisis',
  alert: {
    id: 'al1',
    level: 'crisis',
    opened_at: '2026-11-27T08:00:00Z',
    updated_at: '2026-11-27T09:00:00Z',
    evidence: {
      window_hours: 6,
      mentions: 40,
      negative: 31,
      negative_ratio: 0.775,
      baseline_negative_per_window: 0.8,
      baseline_ratio: 0.1,
      z: 12.3,
      method: 'negative mentions per 6 h against the last 14 days',
      examples: [
        { author: 'angry1', text: 'Worst service ever', sentiment: -0.8, scored_by: 'lexicon', created_at: '2026-11-27T08:30:00Z' },
        { author: 'angry2', text: 'Never again', sentiment: -0.7, scored_by: 'lexicon', created_at: '2026-11-27T08:40:00Z' },
        { author: null, text: 'Refund please', sentiment: -0.5, scored_by: 'model', created_at: '2026-11-27T08:50:00Z' },
        { author: 'angry4', text: 'Fourth one', sentiment: -0.5, scored_by: 'model', created_at: '2026-11-27T08:55:00Z' },
      ],
    },
    holding_statement: 'We hear you and are looking into it.',
    statement_model: 'sandbox:amazon.nova-lite-v1:0',
  },
  auto_pause: false,
  last_scan_at: '2026-11-27T09:00:00Z',
  publishing,
};
const normal: CrisisStatus = { level: 'normal', alert: null, auto_pause: true, last_scan_at: null, publishing };

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('the crisis banner', () => {
  it('shows the level, the evidence, the holding statement, and pauses then resumes publishing (admin)', async () => {
    let paused = false;
    const requests = stubApi((url, req) => {
      if (url.pathname === '/api/ai-agents/crisis') return json(200, { ...crisis, publishing: paused ? { paused, paused_at: '2026-11-27T09:05:00Z', reason: 'Crisis alert', held_targets: 2 } : publishing });
      if (url.pathname === '/api/posts/publishing/pause' && req.method === 'POST') {
        paused = true;
        return json(200, { paused: true, paused_at: '2026-11-27T09:05:00Z', reason: 'Crisis alert', held_targets: 2 });
      }
      if (url.pathname === '/api/posts/publishing/resume' && req.method === 'POST') {
        paused = false;
        return json(200, { paused: false, paused_at: null, reason: null, held_targets: 0, released: 2 });
      }
      return undefined;
    });
    renderRoute(<CrisisWatch />);
    const banner = await screen.findByRole('alert', {}, { timeout: 3000 });
    expect(banner).toHaveAttribute('data-level', 'crisis');
    expect(within(banner).getByTestId('crisis-level')).toHaveTextContent('Crisis');
    expect(banner).toHaveTextContent('31 of 40 mentions negative in the last 6 h (78%)');
    // Three examples at most in the banner.
    expect(within(within(banner).getByRole('list', { name: 'Example mentions' })).getAllByRole('listitem')).toHaveLength(3);
    expect(within(banner).getByTestId('holding-statement-text')).toHaveTextContent(/^We hear you and are looking into it\.$/);
    expect(within(banner).getByTestId('sandbox-badge')).toBeInTheDocument();

    const user = userEvent.setup();
    await user.click(within(banner).getByRole('button', { name: 'Pause publishing' }));
    await within(banner).findByRole('button', { name: 'Resume publishing' });
    expect(within(banner).getByTestId('publishing-state')).toHaveTextContent('2 scheduled posts held');
    const pause = requests.find((r) => r.url.endsWith('/api/posts/publishing/pause'))!;
    expect(await pause.json()).toEqual({ reason: expect.stringMatching(/^Crisis alert/) });

    await user.click(within(banner).getByRole('button', { name: 'Resume publishing' }));
    await within(banner).findByRole('button', { name: 'Pause publishing' });
    expect(within(banner).getByText(/2 held posts released/)).toBeInTheDocument();
  });

  it('lets a viewer see the state but not act on it', async () => {
    stubApi((url) => (url.pathname === '/api/ai-agents/crisis' ? json(200, { ...crisis, level: 'watch', publishing: { ...publishing, paused: true, held_targets: 1 } }) : undefined), 'viewer');
    renderRoute(<CrisisWatch />);
    const banner = await screen.findByRole('alert', {}, { timeout: 3000 });
    expect(banner).toHaveAttribute('data-level', 'watch');
    expect(within(banner).getByTestId('publishing-state')).toHaveTextContent('Publishing is paused');
    expect(within(banner).queryByRole('button', { name: /publishing/ })).toBeNull();
    expect(within(banner).queryByRole('button', { name: 'Resolve' })).toBeNull();
    expect(banner).toHaveTextContent(/Managers and admins can pause publishing/);
  });

  it('stays hidden while normal, and appears when the live feed says crisis.changed', async () => {
    let level: 'normal' | 'crisis' = 'normal';
    let fetches = 0;
    stubApi((url) => {
      if (url.pathname !== '/api/ai-agents/crisis') return undefined;
      fetches++;
      return json(200, level === 'normal' ? normal : crisis);
    });
    const { client, sockets } = liveClient();
    renderRoute(<CrisisWatch />, { client });
    await waitFor(() => expect(fetches).toBe(1));
    await waitFor(() => expect(sockets).toHaveLength(1));
    act(() => sockets[0]!.open());
    expect(screen.queryByRole('alert')).toBeNull();
    level = 'crisis';
    act(() => sockets[0]!.push('crisis.changed', { level: 'crisis', paused: false }));
    const banner = await screen.findByRole('alert', {}, { timeout: 3000 });
    expect(banner).toHaveAttribute('data-level', 'crisis');
    await waitFor(() => expect(within(banner).getByTestId('holding-statement')).toBeInTheDocument());
    expect(fetches).toBeGreaterThanOrEqual(2);
  });

  it('parses crisis.changed frames and ignores malformed ones', () => {
    const frame = (data: unknown) => JSON.stringify({ v: 1, type: 'crisis.changed', data, sent_at: '2026-11-27T09:00:00Z' });
    expect(parseLiveMessage(frame({ level: 'warning', paused: true }))).toEqual({ type: 'crisis.changed', data: { level: 'warning', paused: true }, sentAt: '2026-11-27T09:00:00Z' });
    expect(parseLiveMessage(frame({ level: 'panic', paused: true }))).toBeNull();
    expect(parseLiveMessage(frame({ level: 'crisis' }))).toBeNull();
  });
});

const slots = (): Slot[] => {
  const out: Slot[] = [];
  for (let d = 0; d < 7; d++) {
    for (let h = 0; h < 24; h++) {
      const peak = (d === 1 || d === 3) && h >= 17 && h < 20;
      out.push({ weekday: d, hour: h, lift: peak ? 1.74 : d >= 5 ? 0.6 : 1, expected_engagements: peak ? 52.3 : 30, posts: peak ? 6 : 1, confidence: peak ? 0.55 : 0.1 });
    }
  }
  return out;
};

describe('the best-time heat map', () => {
  it('asks the smart scheduler, colours the 7 × 24 grid, lists the top 5 and schedules a proposed time', async () => {
    const best = slots().filter((s) => s.lift > 1.5).slice(0, 5);
    const output = {
      timezone: 'UTC',
      accounts: [{ account_id: 'x1', platform: 'x', username: 'ada', posts_analyzed: 240, weeks_of_history: 16, prior: 'platform', slots: slots(), best }],
      method: 'log engagement per hour of the week',
      assignments: [{ post_id: 'p1', account_ids: ['x1'], scheduled_at: '2026-12-01T18:00:00Z', local_time: '2026-12-01T18:00', lift: 1.74, confidence: 0.55 }],
      unassigned: [],
    };
    let optimizeBody: unknown = null;
    let prefer: string | null = null;
    let scheduleBody: unknown = null;
    stubApi(async (url, req) => {
      if (url.pathname === '/api/posts' && url.searchParams.get('status') === 'draft') {
        return json(200, { items: [{ id: 'p1', title: null, content: 'Our winter menu is here', status: 'draft', targets: [], hashtags: [], media: [], mentions: [], content_type: 'text', ai_generated: false, created_at: '2026-11-26T10:00:00Z', updated_at: '2026-11-26T10:00:00Z' }], next_cursor: null });
      }
      if (url.pathname === '/api/ai-agents/schedule/optimize') {
        prefer = req.headers.get('Prefer');
        optimizeBody = await req.json();
        return json(200, task({ output }));
      }
      if (url.pathname === '/api/posts/p1/schedule') {
        scheduleBody = await req.json();
        return json(200, { id: 'p1', status: 'scheduled' });
      }
      return undefined;
    });
    renderRoute(<InsightsBestTimes />);
    const user = userEvent.setup();
    const draft = await screen.findByRole('checkbox', { name: 'Our winter menu is here' }, { timeout: 3000 });
    await user.click(draft);
    await user.click(screen.getByRole('button', { name: 'Find the best times' }));
    const map = await screen.findByTestId('best-time-heatmap', {}, { timeout: 3000 });
    expect(prefer).toBe('wait=20');
    expect(optimizeBody).toMatchObject({ account_ids: ['x1'], post_ids: ['p1'], timezone: 'UTC', min_spacing_minutes: 120 });

    const cell = (d: number, h: number) => map.querySelector(`td[data-weekday="${d}"][data-hour="${h}"]`)!;
    expect(map.querySelectorAll('tbody tr')).toHaveLength(7);
    expect(map.querySelectorAll('td[data-weekday]')).toHaveLength(168);
    expect(cell(1, 18)).toHaveAttribute('data-level', '3');
    expect(cell(1, 18)).toHaveAttribute('data-best', 'true');
    expect(cell(1, 18)).toHaveAttribute('data-confidence', 'high');
    expect(cell(1, 18).className).toContain('bg-indigo-700');
    expect(cell(0, 10)).toHaveAttribute('data-level', '0');
    expect(cell(0, 10).className).toContain('hatch');
    expect(cell(6, 12)).toHaveAttribute('data-level', '-3');
    expect(cell(1, 18)).toHaveTextContent('Tuesday 18:00–19:00: 1.74× your average, 6 posts, confidence 55%, about 52.3 engagements expected (one of the best)');
    // Hovering shows the cell's figures under the grid.
    await user.hover(cell(3, 19));
    expect(screen.getByTestId('heatmap-detail')).toHaveTextContent('Thursday 19:00–20:00: 1.74× your average, 6 posts');

    expect(within(screen.getByTestId('best-slots')).getAllByRole('listitem')).toHaveLength(5);
    expect(screen.getByTestId('best-times-evidence')).toHaveTextContent('240 posts analyzed · 16 weeks of history · thin hours borrow from your other X accounts');

    const assignment = screen.getByTestId('assignment');
    expect(assignment).toHaveTextContent('Our winter menu is here');
    expect(assignment).toHaveTextContent('Tuesday 1 December 2026 at 18:00 (UTC)');
    await user.click(within(assignment).getByRole('button', { name: /^Schedule “Our winter menu is here”/ }));
    await within(assignment).findByText(/Scheduled\./);
    expect(scheduleBody).toEqual({ local_time: '2026-12-01T18:00', timezone: 'UTC' });
  });

  it('puts a 422 next to its field', async () => {
    stubApi((url) => {
      if (url.pathname === '/api/posts') return json(200, { items: [], next_cursor: null });
      if (url.pathname === '/api/ai-agents/schedule/optimize') {
        return json(422, { error: { code: 'validation_failed', message: 'some fields are invalid', details: [{ field: 'timezone', issue: 'not a known time zone' }] } });
      }
      return undefined;
    });
    renderRoute(<InsightsBestTimes />);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Find the best times' }, { timeout: 3000 }));
    expect(await screen.findByText('not a known time zone')).toBeInTheDocument();
    expect(screen.getByLabelText('Time zone')).toHaveAttribute('aria-invalid', 'true');
  });
});

describe('the predicted engagement panel', () => {
  it('sends the composer’s post and shows the interval, the model against its baselines, and applies a suggested time', async () => {
    let body: Record<string, unknown> = {};
    stubApi(async (url, req) => {
      if (url.pathname !== '/api/ai-agents/engagement/predict') return undefined;
      body = (await req.json()) as Record<string, unknown>;
      return json(
        200,
        task({
          agent_type: 'engagement_optimizer',
          task_type: 'engagement_predict',
          output: {
            status: 'predicted',
            minimum_posts: 30,
            posts_available: 412,
            prediction: { engagements: 48.2, low: 35, high: 66.1, coverage: 0.8 },
            model: { kind: 'ridge_regression', trained_on: 330, held_out: 82, error: { model: 0.12, account_mean: 0.41, slot_mean: 0.33 }, beats_baselines: true },
            suggestions: [
              { field: 'scheduled_at', change: 'Post Tuesday 18:00 instead', value: '2026-12-01T18:00:00Z', predicted_engagements: 70.1, effect_pct: 45.4 },
              { field: 'length', change: 'Shorten it', value: null, predicted_engagements: 44, effect_pct: -8.7 },
            ],
          },
        }),
      );
    });
    const onApplyTime = vi.fn();
    renderRoute(
      <EngagementPanel accounts={[...accounts] as never} selected={['x1']} content="Fresh roast #coffee" hashtags="#morning" mediaKinds={['image']} localTime="2026-11-30T09:00" timezone="UTC" onApplyTime={onApplyTime} />,
    );
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Predict engagement' }, { timeout: 3000 }));
    expect(await screen.findByTestId('prediction-value')).toHaveTextContent('48.2 engagements expected');
    expect(body).toEqual({ account_id: 'x1', text: 'Fresh roast #coffee #morning', content_type: 'image', media_count: 1, timezone: 'UTC', scheduled_at: '2026-11-30T09:00:00.000Z' });
    expect(screen.getByTestId('prediction-interval')).toHaveTextContent('Likely between 35 and 66.1 (80% interval)');
    expect(screen.getByTestId('prediction-model')).toHaveTextContent('Beats both baselines on 82 held-out posts: typical error 12% against 41% for your average and 33%');
    const effects = screen.getAllByTestId('suggestion-effect').map((e) => e.textContent);
    expect(effects).toEqual(['+45.4%', '−8.7%']);
    await user.click(screen.getByRole('button', { name: 'Use Tuesday 1 December 2026 at 18:00' }));
    expect(onApplyTime).toHaveBeenCalledWith('2026-12-01T18:00');
    expect(screen.getByText(/The time is set to Tuesday 1 December 2026 at 18:00/)).toBeInTheDocument();
    // Recomputed on a click only.
    expect(screen.getByRole('button', { name: 'Recompute' })).toBeInTheDocument();
  });

  it('says how much history is missing', async () => {
    stubApi((url) =>
      url.pathname === '/api/ai-agents/engagement/predict'
        ? json(200, task({ task_type: 'engagement_predict', output: { status: 'not_enough_history', minimum_posts: 30, posts_available: 12, prediction: null, model: null, suggestions: [] } }))
        : undefined,
    );
    renderRoute(<EngagementPanel accounts={[...accounts] as never} selected={['x1']} content="Hello" hashtags="" mediaKinds={[]} localTime="" timezone="UTC" onApplyTime={vi.fn()} />);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Predict engagement' }, { timeout: 3000 }));
    expect(await screen.findByText('Not enough history: 12 of 30 posts.')).toBeInTheDocument();
    expect(screen.queryByTestId('prediction-value')).toBeNull();
  });
});

describe('the trends page', () => {
  it('shows the latest market report with its evidence, and lets a manager edit the keywords', async () => {
    let saved: unknown = null;
    stubApi(async (url, req) => {
      if (url.pathname === '/api/analytics/trends') {
        return json(200, {
          period: { from: '2026-10-29', to: '2026-11-27', timezone: 'UTC' },
          previous_period: { from: '2026-09-29', to: '2026-10-28', timezone: 'UTC' },
          hashtags: [],
          content_types: [],
          market: {
            analyzed_at: '2026-11-27T10:00:00Z',
            window_hours: 24,
            baseline_days: 6,
            terms: [
              { term: 'coffee', source: 'x_recent_counts', recent: 930, baseline_per_day: 120.5, ratio: 7.7, z: 73.8, status: 'emerging', series: Array.from({ length: 9 }, (_, i) => ({ day: `2026-11-${String(19 + i).padStart(2, '0')}`, count: 100 + i * 100 })) },
              { term: 'tea', source: 'x_recent_counts', recent: 10, baseline_per_day: 40, ratio: 0.25, z: -4.7, status: 'declining', series: [] },
            ],
            emerging: ['coffee'],
            declining: ['tea'],
            summary: 'sandbox: Coffee is taking off.',
            ideas: [{ title: 'Latte art Tuesday', angle: 'Show the pour', terms: ['coffee'] }],
          },
        });
      }
      if (url.pathname === '/api/ai-agents/trends/keywords' && req.method === 'GET') return json(200, { keywords: ['coffee', 'tea'] });
      if (url.pathname === '/api/ai-agents/trends/keywords' && req.method === 'PUT') {
        saved = await req.json();
        return json(200, saved);
      }
      return undefined;
    }, 'manager');
    renderRoute(<InsightsTrends />);
    const emerging = await screen.findByRole('list', { name: 'Emerging terms' }, { timeout: 3000 });
    const term = within(emerging).getByText('coffee').closest('li')!;
    expect(term).toHaveAttribute('data-status', 'emerging');
    expect(within(term as HTMLElement).getByTestId('term-ratio')).toHaveTextContent('7.7×');
    expect(term).toHaveTextContent('z = 73.8');
    // The sparkline is the last 7 days.
    expect(within(term as HTMLElement).getByRole('img')).toHaveAccessibleName('coffee, mentions per day over the last 7 days: 300, 400, 500, 600, 700, 800, 900');
    expect(within(screen.getByRole('list', { name: 'Declining terms' })).getByText('tea')).toBeInTheDocument();
    expect(screen.getByTestId('trend-summary')).toHaveTextContent('Coffee is taking off.');
    expect(within(screen.getByTestId('trend-summary')).getByTestId('sandbox-badge')).toBeInTheDocument();
    expect(screen.getByText('Latte art Tuesday')).toBeInTheDocument();

    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Remove tea' }));
    await user.type(screen.getByLabelText('Add a keyword'), '#latteart');
    await user.click(screen.getByRole('button', { name: 'Add' }));
    await user.click(screen.getByRole('button', { name: 'Save keywords' }));
    await screen.findByText('Saved.');
    expect(saved).toEqual({ keywords: ['coffee', '#latteart'] });
  });

  it('shows a viewer the keywords without editing them', async () => {
    stubApi((url) => {
      if (url.pathname === '/api/analytics/trends') return json(200, { period: { from: '2026-10-29', to: '2026-11-27', timezone: 'UTC' }, previous_period: { from: '2026-09-29', to: '2026-10-28', timezone: 'UTC' }, hashtags: [], content_types: [], market: null });
      if (url.pathname === '/api/ai-agents/trends/keywords') return json(200, { keywords: ['coffee'] });
      return undefined;
    }, 'viewer');
    renderRoute(<InsightsTrends />);
    await screen.findByText('No trend report yet', {}, { timeout: 3000 });
    expect(await screen.findByText('coffee')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /Remove/ })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Analyze now' })).toBeNull();
  });
});
