import '@testing-library/jest-dom/vitest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import Integrations from '../../src/pages/Integrations';
import type { Delivery, Integration } from '../../src/api/integrations';
import { json } from './support';
import { renderRoute, stubApi, userOf } from './screens';

const available = [
  { type: 'slack', name: 'Slack', description: 'Posts published or failed and reports ready, in a Slack channel.', events: ['post.published', 'post.failed', 'report.ready'] },
  { type: 'webhook', name: 'Outgoing webhook', description: 'The same events POSTed as JSON to your URL, signed.', events: ['post.published', 'post.failed', 'report.ready'] },
  { type: 'google_analytics', name: 'Google Analytics 4', description: 'UTM parameters and sessions imported.', events: [] },
];

const webhook = (extra: Partial<Integration> = {}): Integration => ({
  id: 'w1',
  type: 'webhook',
  name: 'Outgoing webhook',
  settings: { url: 'https://example.com/hook', events: ['post.published', 'post.failed', 'report.ready'] },
  is_active: true,
  status: 'active',
  error_message: null,
  last_used_at: null,
  created_at: '2026-11-26T09:00:00Z',
  ...extra,
});

const delivered = (id: string, event: Delivery['event_type'] = 'integration.test'): Delivery => ({
  id,
  event_type: event,
  status: 'delivered',
  attempts: 1,
  last_status_code: 200,
  last_error: null,
  last_attempt_at: '2026-11-26T09:01:00Z',
  next_attempt_at: null,
  delivered_at: '2026-11-26T09:01:00Z',
  created_at: '2026-11-26T09:01:00Z',
});

const renderPage = () => renderRoute(<Integrations />, { path: '/settings/integrations' });

const posted = async (requests: Request[], path: string) => {
  const r = requests.find((q) => q.method === 'POST' && new URL(q.url).pathname === path);
  return r ? r.json() : undefined;
};

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('integrations page', () => {
  it('connects a webhook: the body has only its fields, and the signing secret is shown once with how to verify', async () => {
    let list: Integration[] = [];
    const requests = stubApi((url, req) => {
      if (url.pathname === '/api/integrations') return json(200, { integrations: list, available });
      if (url.pathname === '/api/integrations/webhook/connect' && req.method === 'POST') {
        list = [webhook()];
        return json(201, { integration: list[0], signing_secret: 'whsec_abc123' });
      }
      if (url.pathname === '/api/integrations/w1/deliveries') return json(200, { deliveries: [] });
      return undefined;
    });
    renderPage();
    await userEvent.click(await screen.findByRole('button', { name: 'Connect Outgoing webhook' }));
    const form = screen.getByRole('form', { name: 'Connect Outgoing webhook' });
    await userEvent.type(within(form).getByLabelText('Endpoint URL'), 'https://example.com/hook');
    await userEvent.click(within(form).getByRole('checkbox', { name: /Report ready/ }));
    await userEvent.click(within(form).getByRole('button', { name: 'Connect' }));
    expect(await screen.findByTestId('signing-secret')).toHaveTextContent('whsec_abc123');
    const panel = screen.getByTestId('signing-secret-panel');
    expect(panel).toHaveTextContent('It is not shown again.');
    expect(panel).toHaveTextContent('X-Social-Signature: t=<unix time>,v1=<hex>');
    expect(panel).toHaveTextContent('{t}.{body}');
    expect(await posted(requests, '/api/integrations/webhook/connect')).toEqual({ url: 'https://example.com/hook', events: ['post.published', 'post.failed'] });
    expect(await screen.findByRole('heading', { name: /^Outgoing webhook\s*Active$/ })).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'I have stored it' }));
    expect(screen.queryByTestId('signing-secret')).toBeNull();
  });

  it('a 422 shows next to its field (the SSRF refusal), and a form error stops the request', async () => {
    const requests = stubApi((url, req) => {
      if (url.pathname === '/api/integrations') return json(200, { integrations: [], available });
      if (url.pathname === '/api/integrations/slack/connect' && req.method === 'POST') {
        return json(422, { error: { code: 'validation_failed', message: 'the request is invalid', details: [{ field: 'webhook_url', issue: 'the address is not allowed (link-local)' }] } });
      }
      return undefined;
    });
    renderPage();
    await userEvent.click(await screen.findByRole('button', { name: 'Connect Slack' }));
    const form = screen.getByRole('form', { name: 'Connect Slack' });
    await userEvent.click(within(form).getByRole('button', { name: 'Connect' }));
    const url = within(form).getByLabelText('Incoming webhook URL');
    expect(url).toHaveAccessibleDescription(/is required/);
    expect(requests.filter((r) => r.method === 'POST' && r.url.includes('/api/integrations'))).toHaveLength(0);
    await userEvent.type(url, 'http://169.254.169.254/');
    await userEvent.click(within(form).getByRole('button', { name: 'Connect' }));
    await waitFor(() => expect(url).toHaveAccessibleDescription(/the address is not allowed \(link-local\)/));
    expect(url).toHaveAttribute('aria-invalid', 'true');
  });

  it('Google Analytics: property, key, UTM templates checked as the API does; a bad template is refused next to it', async () => {
    const requests = stubApi((url, req) => {
      if (url.pathname === '/api/integrations') return json(200, { integrations: [], available });
      if (url.pathname === '/api/integrations/google_analytics/connect' && req.method === 'POST') {
        return json(201, { integration: webhook({ id: 'g1', type: 'google_analytics', name: 'Google Analytics 4', settings: { property_id: '123456', client_email: 'r@p.iam', utm: {} } }), signing_secret: null });
      }
      return undefined;
    });
    renderPage();
    await userEvent.click(await screen.findByRole('button', { name: 'Connect Google Analytics 4' }));
    const form = screen.getByRole('form', { name: 'Connect Google Analytics 4' });
    expect(within(form).getByLabelText('Source')).toHaveValue('{platform}');
    expect(within(form).getByLabelText('Content')).toHaveValue('{post_id}');
    await userEvent.type(within(form).getByLabelText('Property ID'), '123456');
    const key = { client_email: 'r@p.iam', private_key: 'pem', token_uri: 'https://oauth2.googleapis.com/token' };
    await userEvent.click(within(form).getByLabelText('Service account key (JSON)'));
    await userEvent.paste(JSON.stringify(key));
    const campaign = within(form).getByLabelText('Campaign');
    await userEvent.clear(campaign);
    await userEvent.type(campaign, 'launch_{{user}');
    await userEvent.click(within(form).getByRole('button', { name: 'Connect' }));
    expect(campaign).toHaveAccessibleDescription(/may only use \{platform\}, \{post_id\} and \{date\}/);
    expect(requests.filter((r) => r.method === 'POST' && r.url.includes('/api/integrations'))).toHaveLength(0);
    await userEvent.clear(campaign);
    await userEvent.type(campaign, 'launch_{{date}');
    await userEvent.click(within(form).getByRole('checkbox', { name: /Add UTM tags/ }));
    await userEvent.click(within(form).getByRole('button', { name: 'Connect' }));
    await screen.findByText('Google Analytics 4 is connected. Send a test to check it.');
    expect(await posted(requests, '/api/integrations/google_analytics/connect')).toEqual({
      property_id: '123456',
      service_account_key: key,
      utm: { enabled: false, source: '{platform}', medium: 'social', campaign: 'launch_{date}', content: '{post_id}' },
    });
    expect(screen.queryByTestId('signing-secret')).toBeNull();
  });

  it('Send test shows the result and refreshes the delivery log; Disconnect asks first', async () => {
    let deliveries: Delivery[] = [delivered('d0', 'post.published')];
    let list = [webhook({ status: 'error', error_message: 'The endpoint answered 500' })];
    const requests = stubApi((url, req) => {
      if (url.pathname === '/api/integrations') return json(200, { integrations: list, available });
      if (url.pathname === '/api/integrations/w1/deliveries') return json(200, { deliveries });
      if (url.pathname === '/api/integrations/w1/test' && req.method === 'POST') {
        deliveries = [delivered('d1'), ...deliveries];
        list = [webhook({ last_used_at: new Date().toISOString() })];
        return json(200, { ok: true, status_code: 200, detail: 'delivered', duration_ms: 37, delivery_id: 'd1' });
      }
      if (url.pathname === '/api/integrations/w1' && req.method === 'DELETE') {
        list = [];
        return new Response(null, { status: 204 });
      }
      return undefined;
    });
    const confirm = vi.spyOn(window, 'confirm').mockReturnValueOnce(false).mockReturnValueOnce(true);
    renderPage();
    expect(await screen.findByTestId('integration-error')).toHaveTextContent('The endpoint answered 500');
    const log = await screen.findByTestId('delivery-log');
    await within(log).findByText('Post published');
    await userEvent.click(screen.getByRole('button', { name: 'Send test' }));
    const result = await screen.findByTestId('test-result');
    expect(result).toHaveTextContent('Test delivered');
    expect(result).toHaveTextContent('HTTP 200 · delivered · 37 ms');
    await within(log).findByText('Test message');
    expect(log.querySelectorAll('[data-delivery-status="delivered"]')).toHaveLength(2);
    await waitFor(() => expect(screen.queryByTestId('integration-error')).toBeNull());
    await userEvent.click(screen.getByRole('button', { name: 'Disconnect' }));
    expect(confirm).toHaveBeenCalledTimes(1);
    expect(requests.some((r) => r.method === 'DELETE')).toBe(false);
    await userEvent.click(screen.getByRole('button', { name: 'Disconnect' }));
    await screen.findByText('Outgoing webhook is disconnected.');
    expect(await screen.findByText('No integrations yet')).toBeInTheDocument();
  });

  it('viewers read the integrations and their logs, without buttons', async () => {
    stubApi((url) => {
      if (url.pathname === '/api/integrations') return json(200, { integrations: [webhook()], available });
      if (url.pathname === '/api/integrations/w1/deliveries') return json(200, { deliveries: [delivered('d1')] });
      return undefined;
    }, userOf('viewer'));
    renderPage();
    const log = await screen.findByTestId('delivery-log');
    await within(log).findByText('Test message');
    expect(screen.getByText(/Admins and managers connect and test integrations/)).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /^Connect/ })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Send test' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Disconnect' })).toBeNull();
  });

  it('Google Analytics once: no second connect button', async () => {
    stubApi((url) => {
      if (url.pathname === '/api/integrations') return json(200, { integrations: [webhook({ id: 'g1', type: 'google_analytics', name: 'GA4', settings: { property_id: '1' } })], available });
      return undefined;
    });
    renderPage();
    const card = (await screen.findByText('UTM parameters and sessions imported.')).closest('li')!;
    expect(within(card).queryByRole('button')).toBeNull();
    expect(card).toHaveTextContent('connected already');
    expect(screen.getByRole('button', { name: 'Connect Slack' })).toBeInTheDocument();
  });
});
