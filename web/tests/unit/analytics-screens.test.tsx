import { afterEach, describe, expect, it, vi } from 'vitest';
import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { AuthProvider } from '../../src/auth/AuthProvider';
import { LiveClient } from '../../src/live/LiveClient';
import { LiveProvider } from '../../src/live/LiveProvider';
import Analytics, { OverviewCards } from '../../src/pages/Analytics';
import AnalyticsReports from '../../src/pages/AnalyticsReports';
import type { Figures, Overview, PostRow, Report } from '../../src/api/analytics';
import { json, liveClient } from './support';
import { Gate } from './screens';

const figures = (f: Partial<Figures> = {}): Figures => ({
  posts: 0,
  impressions: 0,
  reach: 0,
  engagements: 0,
  likes: 0,
  comments: 0,
  shares: 0,
  saves: 0,
  clicks: 0,
  video_views: 0,
  engagement_rate: null,
  followers: null,
  followers_gained: null,
  ...f,
});

const current = figures({ posts: 87, impressions: 1223382, engagements: 30146, likes: 22211, comments: 3174, shares: 2542, engagement_rate: 2.46, followers: 44018 });
const previous = figures({ posts: 3, impressions: 48241, engagements: 1432, engagement_rate: 2.97 });
const change = { posts: 2800, impressions: 2435.98, reach: null, engagements: 2005.17, engagement_rate_points: -0.51, followers: null };
const period = { from: '2026-10-28', to: '2026-11-26', timezone: 'Europe/Paris' };
const overview: Overview = {
  period,
  previous_period: { from: '2026-09-28', to: '2026-10-27', timezone: 'Europe/Paris' },
  total: { current, previous, change },
  platforms: [{ platform: 'x', current, previous, change }],
  accounts: [{ social_account_id: 'a1', platform: 'x', account_name: 'Ada on X', current, previous, change }],
  web_traffic: [],
};

const user = { id: 'u1', email: 'ada@example.com', first_name: 'Ada', last_name: null, role: 'viewer', timezone: 'Europe/Paris', language: 'en', avatar_url: null, email_verified: true };
const account = { id: 'a1', platform: 'x', account_name: 'Ada on X', account_handle: '@ada', account_id: 'x-ada', is_active: true, status: 'active', needs_reconnect: false, token_expires_soon: false, settings: {}, followers_count: 44018, last_sync: null, created_at: '2026-11-01T00:00:00Z' };

type Handler = (url: URL, req: Request) => Response | undefined | Promise<Response | undefined>;

/** Stubs fetch: the session restores itself (refresh + profile), then `handler` answers. */
function stubApi(handler: Handler) {
  const requests: URL[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (req: Request) => {
      const url = new URL(req.url);
      requests.push(url);
      if (url.pathname === '/api/auth/refresh') return json(200, { access_token: 'token', expires_in: 900 });
      if (url.pathname === '/api/users/profile') return json(200, user);
      if (url.pathname === '/api/social-accounts') return json(200, { accounts: [account], max_social_accounts: 3 });
      const answer = await handler(url, req);
      return answer ?? json(404, { error: { code: 'not_found', message: 'no such thing', details: [] } });
    }),
  );
  return requests;
}

function renderApp(path: string, element: ReactNode, client?: LiveClient) {
  const tree = (
    <Routes>
      <Route path="/analytics" element={element} />
      <Route path="/analytics/reports" element={element} />
    </Routes>
  );
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter initialEntries={[path]} future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
        <AuthProvider>
          <Gate>{client ? <LiveProvider client={client}>{tree}</LiveProvider> : tree}</Gate>
        </AuthProvider>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}


afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('overview cards', () => {
  it('show each total with its change: green up, red down, "no earlier data" when null', () => {
    render(<OverviewCards overview={overview} />);
    const card = (metric: string) => document.querySelector(`[data-metric="${metric}"]`) as HTMLElement;
    expect(within(card('posts')).getByTestId('overview-value')).toHaveTextContent('87');
    expect(within(card('posts')).getByText('+2,800%')).toBeInTheDocument();
    expect(within(card('posts')).getByText('up 2,800% on the previous period')).toBeInTheDocument();
    expect(card('posts').querySelector('[data-change="up"]')).toHaveClass('text-emerald-800');
    expect(within(card('impressions')).getByTestId('overview-value')).toHaveTextContent('1.2M');
    expect(within(card('impressions')).getByTestId('overview-value')).toHaveAttribute('title', '1,223,382');
    expect(within(card('engagement_rate')).getByTestId('overview-value')).toHaveTextContent('2.46%');
    expect(within(card('engagement_rate')).getByText('−0.51 pts')).toBeInTheDocument();
    expect(card('engagement_rate').querySelector('[data-change="down"]')).toHaveClass('text-red-800');
    expect(within(card('engagement_rate')).getByText('vs 2.97% before')).toBeInTheDocument();
    expect(within(card('followers')).getByTestId('overview-value')).toHaveTextContent('44K');
    expect(within(card('followers')).getByText('No earlier data')).toBeInTheDocument();
  });
});

const row = (id: string, engagements: number, extra: Partial<PostRow> = {}): PostRow => ({
  id,
  post_id: `p-${id}`,
  social_account_id: 'a1',
  account_name: 'Ada on X',
  platform: 'x',
  content_type: 'image',
  published_at: '2026-11-10T19:10:44Z',
  text: `Post ${id} #launch`,
  hashtags: ['launch'],
  origin: 'imported',
  platform_post_id: `x${id}`,
  posts: 1,
  impressions: engagements * 20,
  reach: 0,
  engagements,
  likes: engagements - 10,
  comments: 6,
  shares: 4,
  saves: 0,
  clicks: 0,
  video_views: 0,
  engagement_rate: 5,
  synced_at: null,
  thumbnail_url: null,
  ...extra,
});

function dashboardApi(options: { empty?: boolean; traffic?: Overview['web_traffic'] } = {}) {
  return stubApi((url) => {
    switch (url.pathname) {
      case '/api/analytics/overview': {
        const shown = { ...overview, web_traffic: options.traffic ?? [] };
        return json(200, options.empty ? { ...shown, total: { current: figures(), previous: figures(), change: {} }, platforms: [], accounts: [] } : shown);
      }
      case '/api/analytics/engagement':
        return json(200, {
          period,
          interval: url.searchParams.get('interval') ?? 'day',
          engagement_rate: 2.46,
          buckets: [
            { start: '2026-11-24', posts: 3, impressions: 40000, engagements: 1000, engagement_rate: 2.5 },
            { start: '2026-11-25', posts: 2, impressions: 20000, engagements: 300, engagement_rate: 1.5 },
            { start: '2026-11-26', posts: 0, impressions: 0, engagements: 0, engagement_rate: null },
          ],
        });
      case '/api/analytics/growth':
        return json(200, { period, total: [{ date: '2026-11-26', followers: 44018 }], accounts: [] });
      case '/api/analytics/audience':
        return json(200, {
          demographics_as_of: null,
          age_gender: [],
          countries: [{ country: 'FR', followers: 300 }, { country: 'US', followers: 100 }],
          active_hours: [{ weekday: 2, hour: 20, posts: 3, engagements: 1617, impressions: 24812, engagement_rate: 6.52 }],
          best_hours: [{ weekday: 2, hour: 20, posts: 3, engagements: 1617, impressions: 24812, engagement_rate: 6.52 }],
        });
      case '/api/analytics/posts': {
        const sort = url.searchParams.get('sort');
        const cursor = url.searchParams.get('cursor');
        if (cursor) return json(200, { items: [row('r3', 10)], next_cursor: null });
        return json(200, {
          items: sort === 'engagements' ? [row('r2', 900), row('r1', 120, { origin: 'published' })] : [row('r1', 120, { origin: 'published' }), row('r2', 900)],
          next_cursor: 'next-page',
        });
      }
      default:
        return undefined;
    }
  });
}

describe('analytics dashboard', () => {
  it('asks the API with the period in the profile zone, and sorts and pages the post table', async () => {
    const requests = dashboardApi();
    renderApp('/analytics', <Analytics />);
    expect(await screen.findByText('Best times to post')).toBeInTheDocument();
    const overviewCall = requests.find((u) => u.pathname === '/api/analytics/overview')!;
    expect(overviewCall.searchParams.get('tz')).toBe('Europe/Paris');
    expect(overviewCall.searchParams.get('from')).toMatch(/^\d{4}-\d{2}-\d{2}$/);

    const table = await screen.findByTestId('posts-table');
    await waitFor(() => expect(within(table).getAllByTestId('post-row')).toHaveLength(2));
    expect(within(table).getAllByTestId('imported-badge')).toHaveLength(1);
    expect(screen.getByText('Tuesday 20:00–21:00')).toBeInTheDocument();
    expect(screen.getByText('France')).toBeInTheDocument();

    const user = userEvent.setup();
    await user.click(within(table).getByRole('button', { name: 'Engagements' }));
    await waitFor(() => expect(within(table).getAllByTestId('post-row')[0]).toHaveAttribute('data-engagements', '900'));
    const sorted = requests.filter((u) => u.pathname === '/api/analytics/posts').at(-1)!;
    expect(sorted.searchParams.get('sort')).toBe('engagements');
    expect(sorted.searchParams.get('order')).toBe('desc');
    expect(within(table).getByRole('columnheader', { name: /Engagements/ })).toHaveAttribute('aria-sort', 'descending');
    // Again: ascending.
    await user.click(within(table).getByRole('button', { name: 'Engagements' }));
    await waitFor(() => expect(requests.filter((u) => u.pathname === '/api/analytics/posts').at(-1)!.searchParams.get('order')).toBe('asc'));

    await user.click(screen.getByRole('button', { name: 'Load more' }));
    await waitFor(() => expect(within(table).getAllByTestId('post-row')).toHaveLength(3));
    expect(requests.filter((u) => u.pathname === '/api/analytics/posts').at(-1)!.searchParams.get('cursor')).toBe('next-page');
  });

  it('explains when the numbers arrive while there are none', async () => {
    dashboardApi({ empty: true });
    renderApp('/analytics', <Analytics />);
    expect(await screen.findByText('No analytics for this period yet')).toBeInTheDocument();
    expect(screen.getByText(/hourly sync/)).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Social accounts' })).toHaveAttribute('href', '/social-accounts');
    expect(screen.getByRole('button', { name: /Export CSV/ })).toBeDisabled();
    expect(screen.queryByTestId('web-traffic')).toBeNull();
  });

  it('shows the visits from social imported from Google Analytics, when there are some', async () => {
    dashboardApi({ traffic: [{ source: 'linkedin', sessions: 120, engaged_sessions: 90 }, { source: 'x', sessions: 1500, engaged_sessions: 600 }] });
    renderApp('/analytics', <Analytics />);
    const card = await screen.findByRole('region', { name: 'Visits from social (Google Analytics)' });
    const rows = within(card).getAllByRole('row').slice(1);
    expect(rows.map((r) => r.textContent)).toEqual(['X1,500600(40%)', 'LinkedIn12090(75%)']);
    expect(within(card).getByRole('link', { name: 'Integrations' })).toHaveAttribute('href', '/settings/integrations');
  });

  it('shows them under the empty state too (sessions imported before any post)', async () => {
    dashboardApi({ empty: true, traffic: [{ source: 'facebook', sessions: 7, engaged_sessions: 3 }] });
    renderApp('/analytics', <Analytics />);
    expect(await screen.findByText('No analytics for this period yet')).toBeInTheDocument();
    expect(within(screen.getByTestId('web-traffic')).getByText('Facebook')).toBeInTheDocument();
  });
});

const report = (status: string, extra: Partial<Report> = {}): Report => ({
  id: 'r1',
  title: 'November review',
  date_from: '2026-10-28',
  date_to: '2026-11-26',
  timezone: 'Europe/Paris',
  account_ids: [],
  sections: ['overview', 'engagement', 'growth', 'top_posts', 'audience'],
  status,
  progress: 0,
  created_at: new Date().toISOString(),
  requested_by: 'u1',
  error: null,
  finished_at: null,
  csv_url: null,
  pdf_url: null,
  urls_expire_at: null,
  ...extra,
});
const ready = report('ready', {
  progress: 100,
  pdf_url: 'http://127.0.0.1:5055/bucket/r1.pdf?sig=1',
  csv_url: 'http://127.0.0.1:5055/bucket/r1.csv?sig=1',
  urls_expire_at: new Date(Date.now() + 15 * 60_000).toISOString(),
});

describe('reports screen', () => {
  it('follows a report.progress event to ready without polling, then shows the download links', async () => {
    let state: Report = report('queued');
    const requests = stubApi((url) => {
      if (url.pathname === '/api/analytics/reports') return json(200, { items: [report('queued')], next_cursor: null });
      if (url.pathname === '/api/analytics/reports/r1') return json(200, state);
      return undefined;
    });
    const { client, sockets } = liveClient();
    renderApp('/analytics/reports', <AnalyticsReports />, client);
    const item = await screen.findByText('November review');
    const li = item.closest('li')!;
    await waitFor(() => expect(sockets).toHaveLength(1));
    act(() => sockets[0]!.open());
    expect(within(li).getByText('Waiting to start…')).toBeInTheDocument();

    act(() => sockets[0]!.push('report.progress', { report_id: 'r1', stage: 'running', percent: 40 }));
    const bar = await within(li).findByRole('progressbar', { name: 'Progress of November review' });
    expect(bar).toHaveAttribute('aria-valuenow', '40');
    expect(within(li).getByText('Building… 40%')).toBeInTheDocument();
    expect(li).toHaveAttribute('data-status', 'running');
    // No polling while the feed is open: one fetch of the report on mount, no more.
    await new Promise((r) => setTimeout(r, 2300));
    expect(requests.filter((u) => u.pathname === '/api/analytics/reports/r1').length).toBeLessThanOrEqual(1);

    state = ready;
    act(() => sockets[0]!.push('report.progress', { report_id: 'r1', stage: 'ready', percent: 100 }));
    const pdf = await within(li).findByRole('link', { name: 'Download PDF of November review' });
    expect(pdf).toHaveAttribute('href', ready.pdf_url);
    expect(within(li).getByRole('link', { name: 'Download CSV of November review' })).toHaveAttribute('href', ready.csv_url);
    expect(li).toHaveAttribute('data-status', 'ready');
    expect(within(li).queryByRole('progressbar')).toBeNull();
  }, 10_000);

  it('polls the report every 2 s while the live feed is down', async () => {
    let calls = 0;
    stubApi((url) => {
      if (url.pathname === '/api/analytics/reports') return json(200, { items: [report('running', { progress: 20 })], next_cursor: null });
      if (url.pathname === '/api/analytics/reports/r1') {
        calls++;
        return json(200, calls >= 2 ? ready : report('running', { progress: 70 }));
      }
      return undefined;
    });
    // No live provider: the feed counts as down.
    renderApp('/analytics/reports', <AnalyticsReports />);
    const li = (await screen.findByText('November review')).closest('li')!;
    expect(await within(li).findByText('Building… 70%')).toBeInTheDocument();
    expect(await within(li).findByRole('link', { name: /Download PDF/ }, { timeout: 4000 })).toHaveAttribute('href', ready.pdf_url);
    expect(calls).toBe(2);
  }, 10_000);

  it('generates a report in the profile zone and lists it at once', async () => {
    const bodies: unknown[] = [];
    let listed: Report[] = [];
    stubApi(async (url, req) => {
      if (url.pathname === '/api/analytics/reports/generate' && req.method === 'POST') {
        bodies.push(await req.json());
        listed = [report('queued', { id: 'r9', title: 'Q4 so far' })];
        return json(202, listed[0]);
      }
      if (url.pathname === '/api/analytics/reports') return json(200, { items: listed, next_cursor: null });
      if (url.pathname === '/api/analytics/reports/r9') return json(200, listed[0]);
      return undefined;
    });
    renderApp('/analytics/reports', <AnalyticsReports />);
    expect(await screen.findByText('No reports yet')).toBeInTheDocument();
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Title'), 'Q4 so far');
    await user.click(screen.getByRole('checkbox', { name: 'Audience' }));
    await user.click(screen.getByRole('button', { name: 'Generate report' }));
    expect(await screen.findByText('Q4 so far', { selector: 'p' })).toBeInTheDocument();
    expect(bodies).toHaveLength(1);
    expect(bodies[0]).toMatchObject({ title: 'Q4 so far', timezone: 'Europe/Paris', accounts: null, sections: ['overview', 'engagement', 'growth', 'top_posts'] });
    const body = bodies[0] as { from: string; to: string };
    expect(body.from < body.to).toBe(true);
  });

  it('refuses a period that ends before it starts, next to the field', async () => {
    stubApi((url) => (url.pathname === '/api/analytics/reports' ? json(200, { items: [], next_cursor: null }) : undefined));
    renderApp('/analytics/reports', <AnalyticsReports />);
    await screen.findByText('No reports yet');
    const user = userEvent.setup();
    const from = screen.getByLabelText('From');
    await user.clear(from);
    await user.type(from, '2026-12-01');
    await user.click(screen.getByRole('button', { name: 'Generate report' }));
    expect(await screen.findByText('The first day must not be after the last.')).toBeInTheDocument();
    expect(from).toHaveAttribute('aria-invalid', 'true');
  });
});
