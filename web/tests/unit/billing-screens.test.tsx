import '@testing-library/jest-dom/vitest';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useLocation } from 'react-router-dom';
import type { ReactNode } from 'react';
import type { LiveClient } from '../../src/live/LiveClient';
import { Layout } from '../../src/components/Layout';
import Billing, { leaveFor } from '../../src/pages/Billing';
import Admin from '../../src/pages/Admin';
import { api } from '../../src/api/client';
import { maintenance } from '../../src/api/maintenance';
import type { Subscription } from '../../src/api/billing';
import { PENDING_KEY } from '../../src/lib/billing';
import { json, liveClient } from './support';
import { renderRoute, stubApi, userOf } from './screens';

const offers = [
  { plan: 'free', max_users: 1, max_social_accounts: 3, monthly_price_cents: 0 },
  { plan: 'pro', max_users: 5, max_social_accounts: 10, monthly_price_cents: 2900 },
  { plan: 'business', max_users: 20, max_social_accounts: 50, monthly_price_cents: 9900 },
  { plan: 'enterprise', max_users: 1000, max_social_accounts: 1000, monthly_price_cents: 49900 },
];

const subscription = (extra: Partial<Subscription> = {}): Subscription =>
  ({
    plan: 'free',
    status: 'active',
    max_users: 1,
    max_social_accounts: 3,
    usage: { members: 1, pending_invitations: 0, social_accounts: 2 },
    available_plans: offers,
    how_to_upgrade: 'Choose a plan below.',
    billing: 'stripe',
    has_billing_account: false,
    grace_until: null,
    current_period_end: null,
    cancel_at_period_end: false,
    ...extra,
  }) as Subscription;

function Where() {
  const location = useLocation();
  return <p data-testid="where">{`${location.pathname}${location.search}`}</p>;
}

const renderAt = (path: string, element: ReactNode, { client, pattern = '*' }: { client?: LiveClient; pattern?: string } = {}) =>
  renderRoute(element, { path, route: pattern, client, after: <Where /> });

beforeEach(() => window.sessionStorage.clear());
afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  maintenance.set(null);
});

describe('plan & billing', () => {
  it('shows the plan, usage and prices; Choose Pro goes to Stripe Checkout and remembers the plan', async () => {
    const requests = stubApi((url, req) => {
      if (url.pathname !== '/api/organizations/subscription') return undefined;
      if (req.method === 'GET') return json(200, subscription());
      return json(200, { outcome: 'checkout', url: 'http://127.0.0.1:4010/stripe/checkout/cs_1', subscription: subscription() });
    });
    const assign = vi.spyOn(leaveFor, 'assign').mockImplementation(() => undefined);
    renderAt('/settings/billing', <Billing />);
    expect(await screen.findByTestId('current-plan')).toHaveTextContent('Free');
    expect(screen.getByTestId('subscription-status')).toHaveTextContent('Active');
    expect(screen.getByText('2 of 3')).toBeInTheDocument();
    const pro = screen.getByRole('heading', { name: 'Pro' }).closest('li')!;
    expect(within(pro).getByText('$29 / month')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Choose Free' })).toBeNull();
    expect(screen.queryByTestId('manage-billing')).toBeNull();
    await userEvent.click(within(pro).getByRole('button', { name: 'Choose Pro' }));
    await waitFor(() => expect(assign).toHaveBeenCalledWith('http://127.0.0.1:4010/stripe/checkout/cs_1'));
    const post = requests.find((r) => r.method === 'POST' && !r.url.includes('/api/auth/'))!;
    expect(await post.json()).toEqual({ plan: 'pro' });
    expect(JSON.parse(window.sessionStorage.getItem(PENDING_KEY)!)).toMatchObject({ plan: 'pro', from: 'free' });
  });

  it('back from Checkout: "Confirming your payment…" until the live event brings the new plan', async () => {
    window.sessionStorage.setItem(PENDING_KEY, JSON.stringify({ plan: 'pro', from: 'free', at: Date.now() }));
    let current = subscription();
    stubApi((url) => (url.pathname === '/api/organizations/subscription' ? json(200, current) : undefined));
    const { client, sockets } = liveClient();
    renderAt('/settings/billing?checkout=success', <Billing />, { client });
    expect(await screen.findByTestId('checkout-confirming')).toHaveTextContent('Confirming your payment… Your Pro plan starts as soon as Stripe confirms it.');
    await waitFor(() => expect(sockets).toHaveLength(1));
    act(() => sockets[0]!.open());
    current = subscription({ plan: 'pro', has_billing_account: true, max_users: 5, max_social_accounts: 10, current_period_end: '2026-12-26T10:00:00Z' });
    act(() => sockets[0]!.push('subscription.changed', { plan: 'pro', status: 'active' }));
    expect(await screen.findByTestId('checkout-confirmed', {}, { timeout: 1500 })).toHaveTextContent('The organization is now on the Pro plan.');
    expect(screen.getByTestId('current-plan')).toHaveTextContent('Pro');
    expect(screen.getByText('Renews on 26 December 2026.')).toBeInTheDocument();
    expect(screen.getByTestId('manage-billing')).toBeInTheDocument();
    // The address is tidied and the pending plan forgotten.
    await waitFor(() => expect(screen.getByTestId('where')).toHaveTextContent(/^\/settings\/billing$/));
    expect(window.sessionStorage.getItem(PENDING_KEY)).toBeNull();
  });

  it('checkout canceled: a notice, nothing changed', async () => {
    window.sessionStorage.setItem(PENDING_KEY, JSON.stringify({ plan: 'pro', from: 'free', at: Date.now() }));
    stubApi((url) => (url.pathname === '/api/organizations/subscription' ? json(200, subscription()) : undefined));
    renderAt('/settings/billing?checkout=canceled', <Billing />);
    expect(await screen.findByTestId('checkout-canceled')).toHaveTextContent('Nothing was charged');
    expect(screen.queryByTestId('checkout-confirming')).toBeNull();
    await waitFor(() => expect(window.sessionStorage.getItem(PENDING_KEY)).toBeNull());
  });

  it('past due: a banner with the grace date; Manage billing opens the portal', async () => {
    const sub = subscription({ plan: 'pro', status: 'past_due', has_billing_account: true, grace_until: '2026-12-03T12:00:00Z', max_users: 5, max_social_accounts: 10 });
    const requests = stubApi((url, req) => {
      if (url.pathname !== '/api/organizations/subscription') return undefined;
      if (req.method === 'GET') return json(200, sub);
      return json(200, { outcome: 'portal', url: 'http://127.0.0.1:4010/stripe/portal/bps_1', subscription: sub });
    });
    const assign = vi.spyOn(leaveFor, 'assign').mockImplementation(() => undefined);
    renderAt('/settings/billing', <Billing />);
    expect(await screen.findByTestId('past-due-banner')).toHaveTextContent('Payment failed — update your card by 3 December 2026 to keep the Pro plan.');
    await userEvent.click(screen.getByTestId('manage-billing'));
    await waitFor(() => expect(assign).toHaveBeenCalledWith('http://127.0.0.1:4010/stripe/portal/bps_1'));
    expect(await requests.find((r) => r.method === 'POST' && !r.url.includes('/api/auth/'))!.json()).toEqual({ plan: 'pro' });
    // The portal is not a checkout: nothing to confirm on the way back.
    expect(window.sessionStorage.getItem(PENDING_KEY)).toBeNull();
  });

  it('self-hosted: plans are set by the platform administrator; a move down changes at once after a confirmation', async () => {
    let current = subscription({ plan: 'pro', billing: 'manual', max_users: 5, max_social_accounts: 10 });
    stubApi((url, req) => {
      if (url.pathname !== '/api/organizations/subscription') return undefined;
      if (req.method === 'GET') return json(200, current);
      current = subscription({ plan: 'free', billing: 'manual' });
      return json(200, { outcome: 'changed', url: null, subscription: current });
    });
    const confirm = vi.spyOn(window, 'confirm').mockReturnValue(true);
    renderAt('/settings/billing', <Billing />);
    expect(await screen.findByTestId('manual-billing')).toHaveTextContent('plans are set by your platform administrator');
    expect(screen.queryByRole('button', { name: 'Choose Business' })).toBeNull();
    expect(screen.getAllByText('Ask your platform administrator for this plan.')).toHaveLength(2);
    await userEvent.click(screen.getByRole('button', { name: 'Choose Free' }));
    expect(confirm).toHaveBeenCalledWith('Move the organization from Pro to Free?');
    expect(await screen.findByText('The organization is now on the Free plan.')).toBeInTheDocument();
    expect(screen.getByTestId('current-plan')).toHaveTextContent('Free');
  });

  it('a refused raise shows the API reason', async () => {
    stubApi((url, req) => {
      if (url.pathname !== '/api/organizations/subscription') return undefined;
      if (req.method === 'GET') return json(200, subscription({ plan: 'free' }));
      return json(403, { error: { code: 'forbidden', message: 'Upgrades are granted by a platform administrator', details: [] } });
    });
    vi.spyOn(leaveFor, 'assign').mockImplementation(() => undefined);
    renderAt('/settings/billing', <Billing />);
    await userEvent.click(await screen.findByRole('button', { name: 'Choose Pro' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Upgrades are granted by a platform administrator.');
  });

  it('a viewer reads it without buttons', async () => {
    stubApi((url) => (url.pathname === '/api/organizations/subscription' ? json(200, subscription({ plan: 'pro', has_billing_account: true })) : undefined), userOf('viewer'));
    renderAt('/settings/billing', <Billing />);
    expect(await screen.findByTestId('current-plan')).toHaveTextContent('Pro');
    expect(screen.queryAllByRole('button', { name: /^Choose/ })).toHaveLength(0);
    expect(screen.queryByTestId('manage-billing')).toBeNull();
    expect(screen.getByText('Only organization admins can change the plan or the billing details.')).toBeInTheDocument();
  });
});

describe('layout', () => {
  it('shows the admin console only to platform administrators', async () => {
    stubApi(() => undefined, userOf('admin'));
    renderAt('/', <Layout />, { pattern: '/' });
    expect(await screen.findAllByRole('link', { name: 'Plan & billing' })).not.toHaveLength(0);
    expect(screen.queryByRole('link', { name: 'Admin console' })).toBeNull();
  });

  it('links a platform administrator to the console', async () => {
    stubApi(() => undefined, userOf('viewer', true));
    renderAt('/', <Layout />, { pattern: '/' });
    expect(await screen.findByRole('link', { name: 'Admin console' })).toHaveAttribute('href', '/admin');
  });

  it('shows the maintenance banner when a write answers 503 maintenance_mode, and drops it after a write succeeds', async () => {
    let paused = true;
    stubApi((url, req) => {
      if (url.pathname === '/api/posts' && req.method === 'POST') {
        return paused
          ? json(503, { error: { code: 'maintenance_mode', message: 'Upgrading the database.', details: [] } })
          : json(201, { id: 'p1' });
      }
      if (url.pathname === '/api/posts' && req.method === 'GET') return json(503, { error: { code: 'maintenance_mode', message: 'not a write', details: [] } });
      return undefined;
    });
    renderAt('/', <Layout />, { pattern: '/' });
    await screen.findByRole('navigation', { name: 'Main' });
    expect(screen.queryByTestId('maintenance-banner')).toBeNull();
    await act(async () => {
      await api.GET('/api/posts');
    });
    expect(screen.queryByTestId('maintenance-banner')).toBeNull();
    await act(async () => {
      await api.POST('/api/posts', { body: { content: 'x', targets: [] } as never, params: { header: { 'Idempotency-Key': 'k' } } as never });
    });
    expect(await screen.findByTestId('maintenance-banner')).toHaveTextContent('Maintenance: changes are paused. Upgrading the database.');
    paused = false;
    await act(async () => {
      await api.POST('/api/posts', { body: { content: 'x', targets: [] } as never, params: { header: { 'Idempotency-Key': 'k2' } } as never });
    });
    await waitFor(() => expect(screen.queryByTestId('maintenance-banner')).toBeNull());
  });
});

describe('admin console', () => {
  const org = { id: '0b7f3a52-7c1e-4c55-9d59-0c4f1f0e8a11', name: 'Acme', slug: 'acme', plan: 'free', status: 'active', members: 2, social_accounts: 1, grace_until: null, created_at: '2026-11-01T00:00:00Z' };

  it('sends a user who is not a platform administrator home', async () => {
    stubApi(() => undefined, userOf('admin'));
    renderAt('/admin', <Admin />, { pattern: '/admin/*' });
    await waitFor(() => expect(screen.getByTestId('where')).toHaveTextContent(/^\/$/));
  });

  it('shows the stats with the posts chart and dead letters highlighted', async () => {
    stubApi((url) =>
      url.pathname === '/api/admin/stats'
        ? json(200, {
            organizations: { total: 12, by_plan: { free: 8, pro: 3, business: 1, enterprise: 0 }, past_due: 1 },
            users: { total: 40, active_30d: 22 },
            posts: [
              { date: '2026-11-25', published: 10, failed: 2 },
              { date: '2026-11-26', published: 7, failed: 0 },
            ],
            ai: { tasks_30d: 300, tokens_30d: 120000, cost_usd_30d: 4.5 },
            queues: [
              { name: 'publish', depth: 3, dead_letters: 0 },
              { name: 'analytics', depth: 0, dead_letters: 2 },
            ],
          })
        : undefined,
      userOf('admin', true),
    );
    renderAt('/admin', <Admin />, { pattern: '/admin/*' });
    const stats = await screen.findByTestId('admin-stats');
    expect(within(stats).getByText('8 Free · 3 Pro · 1 Business · 0 Enterprise')).toBeInTheDocument();
    expect(within(stats).getByText('$4.50')).toBeInTheDocument();
    expect(within(stats).getByText('Last 2 days: 17 published, 2 failed.')).toBeInTheDocument();
    expect(within(stats).getByTestId('queue-summary')).toHaveTextContent('2 queues · 3 waiting · 2 dead letters');
    expect(screen.getByRole('img', { name: 'Posts published and failed per day' })).toBeInTheDocument();
    expect(stats.querySelector('[data-queue="analytics"]')).toHaveClass('bg-red-50');
    expect(stats.querySelector('[data-queue="publish"]')).not.toHaveClass('bg-red-50');
  });

  it('searches users through the address bar', async () => {
    const requests = stubApi(
      (url) =>
        url.pathname === '/api/admin/users'
          ? json(200, {
              users: url.searchParams.get('q') === 'grace'
                ? [{ id: 'u2', email: 'grace@example.com', first_name: 'Grace', last_name: 'Hopper', role: 'admin', is_active: true, is_super_admin: false, organization: { id: 'o1', name: 'Navy', slug: 'navy' }, last_login: null, created_at: '2026-11-01T00:00:00Z' }]
                : [],
              total: url.searchParams.get('q') === 'grace' ? 1 : 0,
            })
          : undefined,
      userOf('admin', true),
    );
    renderAt('/admin/users', <Admin />, { pattern: '/admin/*' });
    await userEvent.type(await screen.findByLabelText('Search users'), 'grace{Enter}');
    expect(await screen.findByText('Grace Hopper')).toBeInTheDocument();
    expect(screen.getByText('1–1 of 1')).toBeInTheDocument();
    expect(screen.getByTestId('where')).toHaveTextContent('/admin/users?q=grace');
    expect(requests.some((r) => new URL(r.url).search === '?q=grace&limit=25&offset=0')).toBe(true);
  });

  it('changes an organization plan after a confirmation', async () => {
    let row = { ...org };
    const requests = stubApi((url, req) => {
      if (url.pathname === '/api/admin/organizations') return json(200, { organizations: [row], total: 1 });
      if (url.pathname === `/api/admin/organizations/${org.id}/plan` && req.method === 'PUT') {
        row = { ...row, plan: 'business' };
        return json(200, row);
      }
      return undefined;
    }, userOf('admin', true));
    const confirm = vi.spyOn(window, 'confirm').mockReturnValueOnce(false).mockReturnValueOnce(true);
    renderAt('/admin/organizations', <Admin />, { pattern: '/admin/*' });
    const select = await screen.findByLabelText('Plan of Acme');
    await userEvent.selectOptions(select, 'business');
    expect(confirm).toHaveBeenCalledTimes(1);
    expect(requests.some((r) => r.method === 'PUT')).toBe(false);
    await userEvent.selectOptions(select, 'business');
    expect(await screen.findByText('Acme is now on the Business plan.')).toBeInTheDocument();
    expect(await requests.find((r) => r.method === 'PUT')!.json()).toEqual({ plan: 'business' });
    await waitFor(() => expect(screen.getByLabelText('Plan of Acme')).toHaveValue('business'));
  });

  it('filters the audit log and expands an entry', async () => {
    const requests = stubApi(
      (url) =>
        url.pathname === '/api/admin/audit-logs'
          ? json(200, {
              entries: [
                {
                  id: 'a1',
                  organization: { id: org.id, name: 'Acme' },
                  user: { id: 'u1', email: 'ada@example.com' },
                  action: 'update',
                  resource_type: 'subscription',
                  resource_id: org.id,
                  old_values: { plan: 'free' },
                  new_values: { plan: 'business' },
                  ip_address: '10.0.0.1',
                  created_at: '2026-11-26T10:00:00Z',
                },
              ],
              total: 1,
            })
          : undefined,
      userOf('admin', true),
    );
    renderAt('/admin/audit-logs', <Admin />, { pattern: '/admin/*' });
    await screen.findByTestId('admin-audit');
    await userEvent.type(screen.getByLabelText('Organization ID'), 'acme');
    await userEvent.click(screen.getByRole('button', { name: 'Apply filters' }));
    expect(screen.getByRole('alert')).toHaveTextContent('The organization ID is not an ID');
    await userEvent.clear(screen.getByLabelText('Organization ID'));
    await userEvent.type(screen.getByLabelText('Organization ID'), org.id);
    await userEvent.selectOptions(screen.getByLabelText('Action'), 'update');
    await userEvent.click(screen.getByRole('button', { name: 'Apply filters' }));
    await waitFor(() =>
      expect(requests.some((r) => new URL(r.url).search === `?limit=25&offset=0&organization_id=${org.id}&action=update`)).toBe(true),
    );
    await userEvent.click(screen.getByRole('button', { name: /^Details/ }));
    expect(screen.getByText('Changed: plan')).toBeInTheDocument();
    expect(screen.getByLabelText('New values')).toHaveTextContent('"plan": "business"');
  });

  it('shows system health with dead letters highlighted', async () => {
    stubApi(
      (url) =>
        url.pathname === '/api/admin/system-health'
          ? json(200, {
              status: 'warning',
              checked_at: '2026-11-26T10:00:00Z',
              checks: [{ name: 'postgres', status: 'ok', detail: 'select 1', latency_ms: 3.2 }],
              queues: [
                { name: 'publish', depth: 0, in_flight: 0, dead_letters: 4 },
                { name: 'reports', depth: null, in_flight: null, dead_letters: null },
              ],
              runs: [{ name: 'publish-sweeper', last_run_at: null, status: 'warning', detail: 'has not run yet' }],
              maintenance: { enabled: false, message: null, changed_at: null, changed_by: null },
            })
          : undefined,
      userOf('admin', true),
    );
    renderAt('/admin/health', <Admin />, { pattern: '/admin/*' });
    const health = await screen.findByTestId('admin-health');
    expect(within(health).getByText('Needs a look')).toBeInTheDocument();
    expect(within(health).getByText('3.2 ms')).toBeInTheDocument();
    expect(health.querySelector('[data-queue="publish"]')).toHaveClass('bg-red-50');
    expect(health.querySelector('[data-queue="reports"]')).not.toHaveClass('bg-red-50');
    expect(within(health).getByText('(needs attention)', { exact: false })).toBeInTheDocument();
    expect(within(health).getByText('Never')).toBeInTheDocument();
  });

  it('turns maintenance mode on with a message, after a confirmation', async () => {
    let mode = { enabled: false, message: null as string | null, changed_at: null as string | null, changed_by: null as string | null };
    const requests = stubApi(async (url, req) => {
      if (url.pathname !== '/api/admin/maintenance-mode') return undefined;
      if (req.method === 'POST') {
        const body = (await req.json()) as { enabled: boolean; message?: string };
        mode = { enabled: body.enabled, message: body.message ?? null, changed_at: '2026-11-26T10:00:00Z', changed_by: 'u1' };
      }
      return json(200, mode);
    }, userOf('admin', true));
    vi.spyOn(window, 'confirm').mockReturnValue(true);
    renderAt('/admin/maintenance', <Admin />, { pattern: '/admin/*' });
    expect(await screen.findByTestId('maintenance-state')).toHaveTextContent('off');
    await userEvent.type(screen.getByLabelText('Message shown to users (optional)'), 'Back at 14:00 UTC');
    await userEvent.click(screen.getByRole('button', { name: 'Turn maintenance mode on' }));
    await waitFor(() => expect(screen.getByTestId('maintenance-state')).toHaveTextContent('on'));
    const post = requests.find((r) => r.method === 'POST' && !r.url.includes('/api/auth/'))!;
    expect(await post.json()).toEqual({ enabled: true, message: 'Back at 14:00 UTC' });
    expect(screen.getByText(/by you/)).toBeInTheDocument();
  });
});
