import { afterEach, describe, expect, it, vi } from 'vitest';
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { AiAssistant } from '../../src/components/AiAssistant';
import AiAgents from '../../src/pages/AiAgents';
import AiWorkflowDetail from '../../src/pages/AiWorkflowDetail';
import type { AgentView, TaskView, WorkflowView } from '../../src/api/ai';
import { json, liveClient } from './support';
import { renderRoute, stubApi as stubWith, userOf, withAccounts, type Handler } from './screens';

const accounts = [
  { id: 'x1', platform: 'x', account_name: 'Ada on X', account_handle: '@ada', account_id: 'x-ada', is_active: true, status: 'active', needs_reconnect: false, token_expires_soon: false, settings: {}, followers_count: 10, last_sync: null, created_at: '2026-11-01T00:00:00Z' },
  { id: 'li1', platform: 'linkedin', account_name: 'Ada on LinkedIn', account_handle: null, account_id: 'li-ada', is_active: true, status: 'active', needs_reconnect: false, token_expires_soon: false, settings: {}, followers_count: 10, last_sync: null, created_at: '2026-11-01T00:00:00Z' },
] as const;

const stubApi = (handler: Handler, role = 'admin') => stubWith(withAccounts(accounts, handler), { ...userOf(role), timezone: 'Europe/Paris' });

const variant = (platform: string, text: string, extra: object = {}) => ({
  platform,
  text,
  thread: [],
  length: text.length,
  max_length: platform === 'x' ? 280 : 3000,
  hashtags: [],
  max_hashtags: null,
  rewrites: 0,
  shortened: false,
  notes: [],
  ...extra,
});

const task = (extra: Partial<TaskView>): TaskView => ({
  id: 't1',
  agent_type: 'content_creator',
  task_type: 'content_generate',
  status: 'completed',
  status_url: '/api/ai-agents/tasks/t1',
  input: {},
  output: null,
  error: null,
  model_used: 'sandbox:amazon.nova-lite-v1:0',
  input_tokens: 287,
  output_tokens: 192,
  cost_usd: 0.000061,
  execution_time_ms: 31,
  model_latency_ms: 10,
  steps: [],
  workflow_id: null,
  workflow_step: null,
  requested_by: 'u1',
  created_at: '2026-11-26T10:00:00Z',
  started_at: null,
  completed_at: null,
  ...extra,
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('the composer’s AI assistant', () => {
  it('follows a task answered 202 until the live feed says it finished, then uses a variant', async () => {
    const generated = {
      variants: [variant('x', 'Fresh roast on Friday.', { shortened: true, rewrites: 2, notes: ['still too long after 2 rewrites: cut at a sentence'] }), variant('linkedin', 'A longer LinkedIn post.')],
      rationale: 'Short and warm.',
      memories_used: [],
      draft_post_id: null,
    };
    let done = false;
    let prefer: string | null = null;
    let body: unknown = null;
    stubApi(async (url, req) => {
      if (url.pathname === '/api/ai-agents/content/generate') {
        prefer = req.headers.get('Prefer');
        body = await req.json();
        return json(202, task({ status: 'pending', cost_usd: null, model_used: null, input_tokens: 0, output_tokens: 0 }));
      }
      if (url.pathname === '/api/ai-agents/tasks/t1') return json(200, done ? task({ output: generated }) : task({ status: 'running' }));
      return undefined;
    });
    const { client, sockets } = liveClient();
    const onUseText = vi.fn();
    renderRoute(<AiAssistant accounts={[...accounts] as never} selected={['x1', 'li1']} content="" onUseText={onUseText} onAddHashtags={vi.fn()} />, { client });
    await waitFor(() => expect(sockets).toHaveLength(1));
    act(() => sockets[0]!.open());
    const user = userEvent.setup();
    const brief = screen.getByRole('group', { name: 'Brief' });
    await user.type(within(brief).getByLabelText('Topic'), 'New espresso blend');
    await user.selectOptions(within(brief).getByLabelText('Goal'), 'awareness');
    await user.click(within(brief).getByRole('button', { name: 'Generate' }));
    expect(prefer).toBe('wait=20');
    expect(body).toMatchObject({ topic: 'New espresso blend', goal: 'awareness', platforms: ['x', 'linkedin'], tone: null });
    await screen.findByText(/Write posts: (waiting for the agent|working)…/);

    // The agent finishes: the event refetches the task.
    done = true;
    act(() => sockets[0]!.push('ai_task.status', { task_id: 't1', agent_type: 'content_creator', status: 'completed', workflow_id: null }));
    const xVersion = await screen.findByRole('article', { name: 'X version' }, { timeout: 3000 });
    expect(within(xVersion).getByTestId('variant-length')).toHaveTextContent('22/280 characters (weighted)');
    expect(within(xVersion).getByTestId('shortened-flag')).toHaveTextContent(/Shortened/);
    expect(within(xVersion).getByTestId('variant-rewrites')).toHaveTextContent('rewritten 2× to fit');
    expect(within(xVersion).getByRole('list', { name: 'Checks on the X version' })).toHaveTextContent('still too long');
    expect(screen.getByTestId('task-cost')).toHaveTextContent('$0.000061');
    expect(screen.getByTestId('sandbox-badge')).toBeInTheDocument();

    await user.click(within(xVersion).getByRole('button', { name: 'Use as the main text' }));
    expect(onUseText).toHaveBeenLastCalledWith('Fresh roast on Friday.', undefined);
    await user.click(within(xVersion).getByRole('button', { name: 'Use for X only' }));
    expect(onUseText).toHaveBeenLastCalledWith('Fresh roast on Friday.', 'x');
  });

  it('shows the month’s budget when a 402 refuses the task', async () => {
    stubApi((url) =>
      url.pathname === '/api/ai-agents/hashtags/suggest'
        ? json(402, {
            error: {
              code: 'plan_limit_reached',
              message: "this month's AI budget is spent: $2.00 of $2.00; it renews on 2026-12-01",
              details: [
                { field: 'spent_usd', issue: '2.0000' },
                { field: 'budget_usd', issue: '2.00' },
                { field: 'renews_on', issue: '2026-12-01' },
              ],
            },
          })
        : undefined,
    );
    renderRoute(<AiAssistant accounts={[...accounts] as never} selected={['x1']} content="Fresh roast" onUseText={vi.fn()} onAddHashtags={vi.fn()} />);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Hashtags' }));
    await user.click(screen.getByRole('button', { name: 'Suggest hashtags' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent("This month's AI budget is spent");
    expect(within(alert).getByTestId('budget-figures')).toHaveTextContent('$2.00 of $2.00 spent this month; the budget renews on 1 December 2026.');
  });

  it('adds a platform’s hashtag picks, and each suggestion shows its evidence', async () => {
    stubApi((url) =>
      url.pathname === '/api/ai-agents/hashtags/suggest'
        ? json(
            200,
            task({
              id: 't2',
              task_type: 'hashtag_suggest',
              agent_type: 'engagement_optimizer',
              output: {
                suggestions: [{ tag: '#coffee', score: 0.8, sources: ['history'], uses: 5, engagement_rate: 4.1, lift_pct: 18.2, co_occurrences: 1, model_reason: null, evidence: 'Used on 5 posts: 4.10% engagement, +18.2% on your average.' }],
                per_platform: { x: ['#coffee', '#roast'] },
                baseline_rate: 3.5,
                posts_considered: 40,
              },
            }),
          )
        : undefined,
    );
    const onAddHashtags = vi.fn();
    renderRoute(<AiAssistant accounts={[...accounts] as never} selected={['x1']} content="Fresh roast" onUseText={vi.fn()} onAddHashtags={onAddHashtags} />);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Hashtags' }));
    await user.click(screen.getByRole('button', { name: 'Suggest hashtags' }));
    const suggestion = await screen.findByTestId('hashtag-suggestion');
    expect(within(suggestion).getByTestId('hashtag-evidence')).toHaveTextContent('Used on 5 posts');
    expect(within(suggestion).getByTestId('hashtag-lift')).toHaveTextContent('+18.2%');
    expect(within(suggestion).getByText('Your history')).toBeInTheDocument();
    expect(screen.getByText(/From 40 of your posts/)).toHaveTextContent('3.50%');
    await user.click(screen.getByRole('button', { name: 'Add the X picks' }));
    expect(onAddHashtags).toHaveBeenCalledWith(['#coffee', '#roast']);
    await user.click(within(suggestion).getByRole('button', { name: 'Add #coffee' }));
    expect(onAddHashtags).toHaveBeenLastCalledWith(['#coffee']);
  });
});

const agent: AgentView = {
  agent_type: 'content_creator',
  name: 'Content creator',
  description: 'Writes posts.',
  available: true,
  is_active: true,
  settings: { model: null, tone: null, brand_voice: null, language: null },
  model: 'sandbox:amazon.nova-lite-v1:0',
  tasks: ['content_generate'],
  tasks_completed: 3,
  tasks_failed: 1,
  success_rate: 75,
  last_execution: '2026-11-26T10:00:00Z',
};

describe('the AI agents page', () => {
  it('shows the month’s usage and counters, and puts a 422 under each field', async () => {
    const patches: unknown[] = [];
    stubApi(async (url, req) => {
      if (url.pathname === '/api/ai-agents') return json(200, [agent, { ...agent, agent_type: 'trend_analyzer', name: 'Trend analyzer', available: false }]);
      if (url.pathname === '/api/ai-agents/usage') return json(200, { spent_usd: 0.5, budget_usd: 2, month_started: '2026-11-01', renews_on: '2026-12-01' });
      if (url.pathname === '/api/ai-agents/content_creator' && req.method === 'PATCH') {
        const body = (await req.json()) as { settings: { language: string | null } };
        patches.push(body);
        if (body.settings.language === 'english') {
          return json(422, { error: { code: 'validation_failed', message: 'the request has invalid fields', details: [{ field: 'settings.language', issue: 'must be a language tag such as en, fr or pt-BR' }] } });
        }
        return json(200, { ...agent, settings: { ...agent.settings, language: body.settings.language } });
      }
      return undefined;
    });
    renderRoute(<AiAgents />);
    expect(await screen.findByTestId('usage-spent')).toHaveTextContent('$0.50');
    expect(screen.getByRole('progressbar', { name: 'AI budget used this month' })).toHaveAttribute('aria-valuenow', '25');
    expect(screen.getByText(/renews on 1 December 2026/)).toBeInTheDocument();
    const card = await screen.findByRole('region', { name: 'Content creator' });
    expect(within(card).getByTestId('agent-success-rate')).toHaveTextContent('75%');
    expect(within(card).getByTestId('sandbox-badge')).toBeInTheDocument();
    expect(screen.getByRole('list', { name: 'Agents in a later release' })).toHaveTextContent('Trend analyzer');

    const user = userEvent.setup();
    await user.click(within(card).getByRole('button', { name: 'Edit the settings of the Content creator' }));
    const language = within(card).getByLabelText('Language');
    await user.type(language, 'english');
    await user.click(within(card).getByRole('button', { name: 'Save settings' }));
    expect(await within(card).findByText('must be a language tag such as en, fr or pt-BR')).toHaveAttribute('data-field-error');
    expect(language).toHaveAttribute('aria-invalid', 'true');
    await user.clear(language);
    await user.type(language, 'fr');
    await user.click(within(card).getByRole('button', { name: 'Save settings' }));
    await waitFor(() => expect(within(card).queryByRole('button', { name: 'Save settings' })).toBeNull());
    expect(within(card).getByText('fr')).toBeInTheDocument();
    expect(patches.at(-1)).toEqual({ settings: { model: null, tone: null, brand_voice: null, language: 'fr' }, is_active: true });
  });

  it('lets a user look without editing', async () => {
    stubApi((url) => {
      if (url.pathname === '/api/ai-agents') return json(200, [agent]);
      if (url.pathname === '/api/ai-agents/usage') return json(200, { spent_usd: 0, budget_usd: 2, month_started: '2026-11-01', renews_on: '2026-12-01' });
      return undefined;
    }, 'user');
    renderRoute(<AiAgents />);
    await screen.findByRole('region', { name: 'Content creator' });
    expect(screen.queryByRole('button', { name: /Edit the settings/ })).toBeNull();
    expect(screen.getByRole('link', { name: 'Tasks' })).toBeInTheDocument();
  });
});

const step = (index: number, name: string, status: string, tasks: TaskView[] = []) => ({ index, name, agent_type: index === 0 ? 'content_creator' : 'orchestrator', status, tasks }) as WorkflowView['steps'][number];

const campaign = (extra: Partial<WorkflowView>): WorkflowView => ({
  id: 'w1',
  workflow_type: 'campaign',
  status: 'completed',
  input: { name: 'Launch week', posts: 2 },
  output: { drafts: { post_ids: ['p1', 'p2'], awaiting_approval: true } },
  current_step: 2,
  error: null,
  steps: [
    step(0, 'content', 'completed', [task({ id: 'a', task_type: 'campaign_content', cost_usd: 0.0002 })]),
    step(1, 'slots', 'completed', [task({ id: 'b', task_type: 'campaign_slots', cost_usd: 0 })]),
    step(2, 'drafts', 'completed', [task({ id: 'c', task_type: 'campaign_drafts', cost_usd: 0 })]),
  ],
  cost_usd: 0.0002,
  created_at: '2026-11-26T10:00:00Z',
  completed_at: '2026-11-26T10:00:05Z',
  ...extra,
});

const draft = (id: string, content: string) => ({
  id,
  title: null,
  content,
  status: 'draft',
  scheduled_at: '2026-11-28T08:00:00Z',
  targets: [{ id: `${id}-t`, platform: 'x', social_account_id: 'x1', status: 'pending' }],
  hashtags: [],
  media: [],
});

describe('a workflow', () => {
  it('shows each step in order with its tasks, the cost, and a finished campaign’s drafts', async () => {
    stubApi((url) => {
      if (url.pathname === '/api/ai-agents/workflows/w1') return json(200, campaign({}));
      if (url.pathname === '/api/posts/p1') return json(200, draft('p1', 'Day one: the beans'));
      if (url.pathname === '/api/posts/p2') return json(200, draft('p2', 'Day two: the roast'));
      return undefined;
    });
    renderRoute(<AiWorkflowDetail />, { path: '/ai/workflows/w1', route: '/ai/workflows/:id' });
    expect(await screen.findByRole('heading', { name: 'Launch week', level: 1 })).toBeInTheDocument();
    const steps = screen.getAllByTestId('workflow-step');
    expect(steps.map((s) => `${s.dataset.step}:${s.dataset.status}`)).toEqual(['content:completed', 'slots:completed', 'drafts:completed']);
    expect(within(steps[0]!).getByTestId('step-cost')).toHaveTextContent('$0.00020');
    expect(screen.getByTestId('workflow-cost')).toHaveTextContent('$0.00020');
    const drafts = await screen.findByRole('list', { name: 'Drafts' });
    expect(await within(drafts).findByRole('link', { name: 'Day one: the beans' })).toHaveAttribute('href', '/posts/p1');
    expect(within(drafts).getByRole('link', { name: 'Day two: the roast' })).toHaveAttribute('href', '/posts/p2');
    expect(within(drafts).getAllByText(/proposed for 28 Nov 2026, 09:00/)).toHaveLength(2);
    expect(screen.getByRole('link', { name: 'calendar' })).toHaveAttribute('href', '/calendar');
    expect(screen.queryByRole('button', { name: 'Retry the failed step' })).toBeNull();
  });

  it('a failed one says why and can be retried', async () => {
    let retried = false;
    stubApi((url, req) => {
      if (url.pathname === '/api/ai-agents/workflows/w1/retry' && req.method === 'POST') {
        retried = true;
        return json(202, campaign({ status: 'running', output: {}, steps: [step(0, 'content', 'pending', [task({ id: 'a', status: 'failed', error: 'the model could not be reached' }), task({ id: 'a2', status: 'pending' })]), step(1, 'slots', 'pending'), step(2, 'drafts', 'pending')] }));
      }
      if (url.pathname === '/api/ai-agents/workflows/w1') {
        return json(
          200,
          retried
            ? campaign({ status: 'running', output: {}, steps: [step(0, 'content', 'running', [task({ id: 'a', status: 'failed', error: 'the model could not be reached' }), task({ id: 'a2', status: 'running' })]), step(1, 'slots', 'pending'), step(2, 'drafts', 'pending')] })
            : campaign({
                status: 'failed',
                error: 'step “content” failed: the model could not be reached',
                output: {},
                steps: [step(0, 'content', 'failed', [task({ id: 'a', status: 'failed', error: 'the model could not be reached' })]), step(1, 'slots', 'pending'), step(2, 'drafts', 'pending')],
              }),
        );
      }
      return undefined;
    });
    renderRoute(<AiWorkflowDetail />, { path: '/ai/workflows/w1', route: '/ai/workflows/:id' });
    expect(await screen.findByTestId('workflow-error')).toHaveTextContent('the model could not be reached');
    expect(screen.getAllByText('Not reached')).toHaveLength(2);
    await userEvent.setup().click(screen.getByRole('button', { name: 'Retry the failed step' }));
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Retry the failed step' })).toBeNull());
    expect(retried).toBe(true);
    expect(screen.getByText('Try 2')).toBeInTheDocument();
  });
});
