import { describe, expect, it } from 'vitest';
import type { Delivery, Integration } from '../../src/api/integrations';
import {
  connectBlocked,
  connectRequest,
  deliveryStatus,
  emptyForm,
  fieldsOf,
  formatDuration,
  hasPending,
  integrationStatus,
  lastAnswer,
  normalizePropertyId,
  parseKeyFile,
  settingsOf,
  settingsRows,
  testSummary,
  urlProblem,
  utmPreview,
  utmProblems,
  utmTemplateProblem,
  UTM_DEFAULTS,
  type ConnectForm,
} from '../../src/lib/integrations';
import { mapFieldIssues } from '../../src/api/errors';
import { trafficRows } from '../../src/lib/analytics';
import { can } from '../../src/lib/roles';

const KEY = {
  type: 'service_account',
  project_id: 'p',
  client_email: 'reader@p.iam.gserviceaccount.com',
  private_key: '-----BEGIN PRIVATE KEY-----\nMIIE…\n-----END PRIVATE KEY-----\n',
  token_uri: 'https://oauth2.googleapis.com/token',
};

const form = (extra: Partial<ConnectForm> = {}): ConnectForm => ({ ...emptyForm(), ...extra });

describe('connect form → request body', () => {
  it('Slack sends webhook_url and the chosen events, in the API order, and no other type’s fields', () => {
    const built = connectRequest('slack', form({ url: ' https://hooks.slack.com/services/T/B/x ', events: ['report.ready', 'post.failed'] }));
    expect(built).toEqual({ ok: true, body: { webhook_url: 'https://hooks.slack.com/services/T/B/x', events: ['post.failed', 'report.ready'] } });
  });

  it('a webhook sends url, events and a trimmed name; a blank name is left out', () => {
    expect(connectRequest('webhook', form({ url: 'http://127.0.0.1:4110/_sandbox/receivers/a', name: '  Ops hook ' }))).toEqual({
      ok: true,
      body: { name: 'Ops hook', url: 'http://127.0.0.1:4110/_sandbox/receivers/a', events: ['post.published', 'post.failed', 'report.ready'] },
    });
    const built = connectRequest('webhook', form({ url: 'https://example.com/h', name: '   ' }));
    expect(built.ok && 'name' in built.body).toBe(false);
  });

  it('Google Analytics sends the property id (properties/ prefix removed), the key as an object and the UTM settings', () => {
    const built = connectRequest('google_analytics', form({ propertyId: 'properties/123456', keyText: JSON.stringify(KEY), utm: { ...UTM_DEFAULTS, enabled: false, campaign: 'launch_{date}' } }));
    expect(built).toEqual({
      ok: true,
      body: { property_id: '123456', service_account_key: KEY, utm: { enabled: false, source: '{platform}', medium: 'social', campaign: 'launch_{date}', content: '{post_id}' } },
    });
    if (built.ok) {
      expect(built.body).not.toHaveProperty('url');
      expect(built.body).not.toHaveProperty('events');
    }
  });

  it('refuses before sending, keyed as the API names the fields', () => {
    expect(connectRequest('slack', form({ url: '', events: [] }))).toEqual({ ok: false, errors: { webhook_url: 'is required', events: 'choose at least one event' } });
    expect(connectRequest('webhook', form({ url: 'ftp://example.com/x' }))).toEqual({ ok: false, errors: { url: 'a full web address, starting with https://' } });
    expect(connectRequest('webhook', form({ url: 'https://example.com', name: 'n'.repeat(101) }))).toEqual({ ok: false, errors: { name: 'at most 100 characters' } });
    const ga = connectRequest('google_analytics', form({ propertyId: 'G-ABC123', keyText: '{"client_email": "x"}', utm: { ...UTM_DEFAULTS, source: '{user}', medium: '' } }));
    expect(ga).toEqual({
      ok: false,
      errors: {
        property_id: "the GA4 property's numeric id",
        service_account_key: "must be the service account's JSON key file (client_email, private_key, token_uri)",
        'utm.source': 'may only use {platform}, {post_id} and {date}',
        'utm.medium': '1 to 100 characters',
      },
    });
    expect(connectRequest('google_analytics', form({ keyText: JSON.stringify(KEY) }))).toEqual({ ok: false, errors: { property_id: 'is required' } });
  });

  it('the SSRF check is the API’s: a metadata address passes the shape check, and its 422 lands on the field', () => {
    expect(urlProblem('http://169.254.169.254/')).toBeNull();
    const mapped = mapFieldIssues([{ field: 'url', issue: 'the address 169.254.169.254 is not allowed' }], fieldsOf('webhook'));
    expect(mapped.fields).toEqual({ url: 'the address 169.254.169.254 is not allowed' });
    const slack = mapFieldIssues([{ field: 'webhook_url', issue: 'refused' }], fieldsOf('slack'));
    expect(slack.fields).toEqual({ webhook_url: 'refused' });
    const utm = mapFieldIssues([{ field: 'utm.campaign', issue: '1 to 100 characters' }], fieldsOf('google_analytics'));
    expect(utm.fields).toEqual({ 'utm.campaign': '1 to 100 characters' });
  });

  it('reads a key file, or says what is wrong with it', () => {
    expect(parseKeyFile(`  ${JSON.stringify(KEY)}\n`)).toEqual({ key: KEY });
    expect(parseKeyFile('')).toEqual({ problem: 'is required' });
    expect(parseKeyFile('{"client_email":')).toEqual({ problem: 'is not valid JSON: paste the whole key file' });
    expect(parseKeyFile('[1,2]')).toHaveProperty('problem');
    expect(parseKeyFile(JSON.stringify({ ...KEY, private_key: '' }))).toHaveProperty('problem');
  });

  it('property ids: digits, up to 20, with or without properties/', () => {
    expect(normalizePropertyId(' 123456 ')).toBe('123456');
    expect(normalizePropertyId('properties/987')).toBe('987');
    expect(normalizePropertyId('G-XYZ')).toBeNull();
    expect(normalizePropertyId('1'.repeat(21))).toBeNull();
    expect(normalizePropertyId('')).toBeNull();
  });
});

describe('UTM templates (the API’s rule)', () => {
  it('accept 1 to 100 characters with the known tokens', () => {
    for (const ok of ['{platform}', 'social', 'social_post', '{post_id}', 'launch_{date}', '{platform}-{date}-{post_id}', 'a}b', 'x'.repeat(100), 'é'.repeat(100)]) {
      expect(utmTemplateProblem(ok), ok).toBeNull();
    }
  });

  it('refuse empty or longer than 100 characters (counted as characters, not UTF-16 units)', () => {
    expect(utmTemplateProblem('')).toBe('1 to 100 characters');
    expect(utmTemplateProblem('x'.repeat(101))).toBe('1 to 100 characters');
    expect(utmTemplateProblem('😀'.repeat(100))).toBeNull();
    expect(utmTemplateProblem('😀'.repeat(101))).toBe('1 to 100 characters');
  });

  it('refuse unknown, unclosed, empty or nested tokens', () => {
    for (const bad of ['{user}', '{platform', 'x{', '{}', '{plat{post_id}', '{Platform}', '{ platform }']) {
      expect(utmTemplateProblem(bad), bad).toBe('may only use {platform}, {post_id} and {date}');
    }
  });

  it('names each template as the API does, and the defaults pass', () => {
    expect(utmProblems(UTM_DEFAULTS)).toEqual({});
    expect(utmProblems({ ...UTM_DEFAULTS, content: '{id}' })).toEqual({ 'utm.content': 'may only use {platform}, {post_id} and {date}' });
  });

  it('previews a tagged link', () => {
    expect(utmPreview(UTM_DEFAULTS, { platform: 'linkedin', post_id: 'p-1', date: '2026-11-26' })).toBe(
      'https://example.com/page?utm_source=linkedin&utm_medium=social&utm_campaign=social_post&utm_content=p-1',
    );
    expect(utmPreview({ ...UTM_DEFAULTS, campaign: 'launch {date}' }, { platform: 'x', post_id: 'p', date: '2026-01-02' })).toContain('utm_campaign=launch+2026-01-02');
  });
});

const integration = (extra: Partial<Integration> = {}): Integration => ({
  id: 'i1',
  type: 'webhook',
  name: 'Outgoing webhook',
  settings: { url: 'https://example.com/h', events: ['post.published', 'report.ready'] },
  is_active: true,
  status: 'active',
  error_message: null,
  last_used_at: null,
  created_at: '2026-11-26T09:00:00Z',
  ...extra,
});

describe('connected integrations', () => {
  it('statuses: active, error with its message (or a default), paused', () => {
    expect(integrationStatus(integration())).toEqual({ label: 'Active', tone: 'ok', message: null });
    expect(integrationStatus(integration({ status: 'error', error_message: 'HTTP 500 from the endpoint' }))).toEqual({ label: 'Error', tone: 'bad', message: 'HTTP 500 from the endpoint' });
    expect(integrationStatus(integration({ status: 'error', error_message: null })).message).toMatch(/failed/);
    expect(integrationStatus(integration({ is_active: false })).label).toBe('Paused');
  });

  it('settings per type in words, read defensively', () => {
    expect(settingsRows(integration())).toEqual([
      ['URL', 'https://example.com/h'],
      ['Events', 'Post published, Report ready'],
    ]);
    expect(settingsRows(integration({ type: 'slack', settings: { host: 'hooks.slack.com', events: ['post.failed'] } }))).toEqual([
      ['Incoming webhook', 'on hooks.slack.com'],
      ['Events', 'Post failed'],
    ]);
    const ga = settingsRows(integration({ type: 'google_analytics', settings: { property_id: '123456', client_email: 'r@p.iam', utm: { enabled: true, source: '{platform}', medium: 'social', campaign: 'social_post', content: '{post_id}' } } }));
    expect(ga[0]).toEqual(['Property', '123456']);
    expect(ga[1]).toEqual(['Service account', 'r@p.iam']);
    expect(ga[2]![1]).toBe('utm_source={platform} · utm_medium=social · utm_campaign=social_post · utm_content={post_id}');
    expect(settingsRows(integration({ type: 'google_analytics', settings: { utm: { enabled: false } } }))[2]![1]).toMatch(/^Off/);
    expect(settingsOf(integration({ settings: null }))).toEqual({ events: [], url: null, host: null, propertyId: null, clientEmail: null, utm: null });
    expect(settingsOf(integration({ settings: { events: ['post.failed', 3] } })).events).toEqual(['post.failed']);
  });

  it('Google Analytics once per organization', () => {
    expect(connectBlocked('google_analytics', [{ type: 'slack' }])).toBeNull();
    expect(connectBlocked('google_analytics', [{ type: 'google_analytics' }])).toMatch(/connected already/);
    expect(connectBlocked('webhook', [{ type: 'webhook' }])).toBeNull();
  });

  it('managers and admins manage integrations; users and viewers read', () => {
    expect(['admin', 'manager', 'user', 'viewer'].map((r) => can(r as never, 'manage_integrations'))).toEqual([true, true, false, false]);
  });
});

const delivery = (extra: Partial<Delivery> = {}): Delivery => ({
  id: 'd1',
  event_type: 'post.published',
  status: 'pending',
  attempts: 0,
  last_status_code: null,
  last_error: null,
  last_attempt_at: null,
  next_attempt_at: null,
  delivered_at: null,
  created_at: '2026-11-26T09:00:00Z',
  ...extra,
});

describe('delivery log and tests', () => {
  it('delivery status labels', () => {
    expect(deliveryStatus(delivery({ status: 'delivered', attempts: 1 }))).toEqual({ label: 'Delivered', tone: 'ok' });
    expect(deliveryStatus(delivery({ status: 'failed', attempts: 6 }))).toEqual({ label: 'Failed', tone: 'bad' });
    expect(deliveryStatus(delivery({ status: 'pending', attempts: 0 }))).toEqual({ label: 'Queued', tone: 'pending' });
    expect(deliveryStatus(delivery({ status: 'pending', attempts: 2 }))).toEqual({ label: 'Retrying', tone: 'pending' });
  });

  it('the last answer, and whether to look again', () => {
    expect(lastAnswer(delivery())).toBeNull();
    expect(lastAnswer(delivery({ last_status_code: 200 }))).toBe('HTTP 200');
    expect(lastAnswer(delivery({ last_status_code: 500, last_error: 'the endpoint answered 500' }))).toBe('HTTP 500 · the endpoint answered 500');
    expect(lastAnswer(delivery({ last_error: 'connection refused' }))).toBe('connection refused');
    expect(hasPending([delivery({ status: 'delivered' }), delivery()])).toBe(true);
    expect(hasPending([delivery({ status: 'failed' })])).toBe(false);
  });

  it('a test’s result in words', () => {
    expect(testSummary('webhook', { ok: true, status_code: 200, detail: 'delivered', duration_ms: 42, delivery_id: 'd1' })).toEqual({ title: 'Test delivered', line: 'HTTP 200 · delivered · 42 ms', tone: 'ok' });
    expect(testSummary('slack', { ok: false, status_code: null, detail: 'connection refused', duration_ms: 5012 })).toEqual({ title: 'Test failed', line: 'no answer · connection refused · 5.0 s', tone: 'bad' });
    expect(testSummary('google_analytics', { ok: true, status_code: 200, detail: '35 rows of sessions from social imported for the last 7 days', duration_ms: 310 }).title).toBe('Import worked');
    expect(formatDuration(999)).toBe('999 ms');
    expect(formatDuration(1250)).toBe('1.3 s');
  });
});

describe('web traffic', () => {
  it('most sessions first, platform names, engaged share', () => {
    const rows = trafficRows([
      { source: 'linkedin', sessions: 40, engaged_sessions: 30 },
      { source: 'x', sessions: 120, engaged_sessions: 60 },
      { source: 'newsletter', sessions: 0, engaged_sessions: 0 },
      { source: 'facebook', sessions: 40, engaged_sessions: 10 },
    ]);
    expect(rows.map((r) => r.label)).toEqual(['X', 'Facebook', 'LinkedIn', 'newsletter']);
    expect(rows[0]!.engagedRate).toBe(0.5);
    expect(rows[3]!.engagedRate).toBeNull();
  });
});
