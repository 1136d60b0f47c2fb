// Helpers for the end-to-end tests: a tiny runner, the local services, and API shortcuts for
// setting up what a test does not exercise itself (always through the real API).
import { deflateSync } from 'node:zlib';
import assert from 'node:assert/strict';

// The default is the origin the local API's APP_BASE_URL points at (its email links and its OAuth
// callback redirect go to http://localhost:5173), so the OAuth popup comes back to this app.
export const BASE = (process.env.E2E_BASE_URL ?? 'http://localhost:5173').replace(/\/$/, '');
export const BASE_ORIGIN = new URL(BASE).origin;
export const API = (process.env.E2E_API_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
export const SES = process.env.E2E_SES_URL ?? 'http://127.0.0.1:5055/moto-api/data.json';
export const PASSWORD = 'correct horse battery staple';
export { assert };

/** One made-up client address per run: the API rate-limits sign-ups per address, and counts
 *  `X-Forwarded-For` only in its local environment (where tests set it). */
export const CLIENT_IP = `10.${rand(250)}.${rand(250)}.${1 + rand(250)}`;
function rand(n) {
  return Math.floor(Math.random() * n);
}

/** Another made-up address: the tests register more accounts than one address may in an hour. */
export function freshClientIp() {
  return `10.${rand(250)}.${rand(250)}.${1 + rand(250)}`;
}

export function uniqueEmail(tag) {
  return `e2e-${tag}-${Date.now()}-${rand(1e6)}@example.com`;
}

export async function api(method, path, { token, body, headers = {} } = {}) {
  const res = await fetch(`${API}${path}`, {
    method,
    redirect: 'manual',
    headers: {
      'x-forwarded-for': CLIENT_IP,
      ...(body !== undefined && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = text;
  }
  if (!res.ok && res.status !== 303) throw new Error(`${method} ${path} → ${res.status} ${text.slice(0, 300)}`);
  return { status: res.status, data, headers: res.headers };
}

/** The token of the latest email of a kind sent to an address (from the local SES). */
export async function emailToken(email, subjectPattern, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    let data;
    try {
      data = await (await fetch(SES)).json();
    } catch {
      await sleep(500); // the local AWS endpoint answers an HTML error page now and then
      continue;
    }
    const messages = (data.ses?.Message ?? []).filter(
      (m) => JSON.stringify(m.destinations ?? {}).includes(email) && (!subjectPattern || subjectPattern.test(m.subject ?? '')),
    );
    const last = messages.at(-1);
    const token = last?.body?.match(/token is: (\S+)/)?.[1];
    if (token) return { token, body: last.body };
    await sleep(300);
  }
  throw new Error(`no email for ${email}`);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A verified admin with a fresh organization, made through the API. */
export async function adminViaApi(tag, { timezone } = {}) {
  const email = uniqueEmail(tag);
  const { data } = await api('POST', '/api/auth/register', {
    headers: { 'x-forwarded-for': freshClientIp() },
    body: { email, password: PASSWORD, organization_name: `E2E ${tag}`, first_name: 'Ada', gdpr_consent: true },
  });
  const { token } = await emailToken(email, /confirm/i);
  await api('POST', '/api/auth/verify-email', { body: { token } });
  if (timezone) await api('PUT', '/api/users/profile', { token: data.access_token, body: { timezone, avatar_url: null } });
  return { email, token: data.access_token, user: data.user };
}

// The platform sandbox's address: E2E_SANDBOX_URL, or the origin of the first OAuth consent URL
// the API hands out (the dev server runs the sandbox and points OAuth at it).
let sandboxBase = process.env.E2E_SANDBOX_URL?.replace(/\/$/, '') ?? null;

/** The platform sandbox's address, found (without connecting an account) from an OAuth consent URL when not known yet. */
export async function platformSandbox(token) {
  sandboxBase ??= new URL((await api('POST', '/api/social-accounts/connect', { token, body: { platform: 'x', account_ids: [] } })).data.authorization_url).origin;
  return sandboxBase;
}

/** POSTs JSON to the platform sandbox; throws with its answer unless it is a success. */
async function sandboxPost(path, body) {
  if (!sandboxBase) throw new Error('connect an account first (the sandbox address comes from its OAuth URL), or set E2E_SANDBOX_URL');
  const res = await fetch(`${sandboxBase}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`POST ${path} → ${res.status} ${await res.text()}`);
  return res;
}

/**
 * Connects an account through the sandbox's real OAuth round trip, without a browser.
 * `loginHint` picks the platform user who consents (default `<platform>-user-1`): a user of its
 * own lets a test aim sandbox faults at its account alone.
 */
export async function connectViaApi(token, platform, { loginHint } = {}) {
  const start = await api('POST', '/api/social-accounts/connect', { token, body: { platform, account_ids: [] } });
  let url = start.data.authorization_url;
  sandboxBase ??= new URL(url).origin;
  if (loginHint) {
    const consent = new URL(url);
    consent.searchParams.set('login_hint', loginHint);
    url = consent.toString();
  }
  for (let i = 0; i < 5; i++) {
    const res = await fetch(url, { redirect: 'manual' });
    const next = res.headers.get('location');
    if (!next) throw new Error(`OAuth stopped at ${url} (${res.status})`);
    url = new URL(next, url).toString();
    if (new URL(url).pathname === '/social-accounts/callback') break;
  }
  const q = new URL(url).searchParams;
  const done = await api('POST', '/api/social-accounts/callback', { token, body: { code: q.get('code'), state: q.get('state') } });
  return done.data.accounts[0];
}

/**
 * Makes the platform sandbox fail matching requests (`POST /_sandbox/faults`, see
 * infra/platform-sandbox/src/state.rs), e.g. `{ platform: 'x', user, path_contains: '/2/tweets',
 * kind: 'rejected', reason: '…', times: 1 }`.
 */
export async function sandboxFault(fault) {
  await sandboxPost('/_sandbox/faults', fault);
}

/**
 * Plants posts published on the platform directly, before now (`POST /_sandbox/history`, see
 * infra/platform-sandbox/src/lib.rs): `{ platform: 'x', user, days: 30, per_day: 3 }`, `user`
 * being the platform user (for X, the account's `account_id`). A sync then imports them with
 * their metrics. Returns how many were planted.
 */
export async function sandboxHistory(history) {
  return (await (await sandboxPost('/_sandbox/history', history)).json()).planted;
}

/** Polls `check` (an async function returning a value or null) until it returns a value. */
export async function eventually(check, what, timeoutMs = 45000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== null && value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(500);
  }
}

/** A small real PNG (the API checks the file's real type and dimensions). */
export function pngBytes(width = 96, height = 64) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const rows = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) {
      row[1 + x * 3] = (x * 4) & 255;
      row[2 + x * 3] = (y * 4) & 255;
      row[3 + x * 3] = 160;
    }
    rows.push(row);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** `YYYY-MM-DD` n days from today in a zone. */
export function dayInZone(n, timeZone = 'UTC') {
  const d = new Date(Date.now() + n * 86_400_000);
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
}

// The model sandbox the dev server runs (MODEL_SANDBOX_PORT, default 4020): E2E_MODEL_SANDBOX_URL.
export const MODEL_SANDBOX = (process.env.E2E_MODEL_SANDBOX_URL ?? 'http://127.0.0.1:4020').replace(/\/$/, '');

/**
 * Makes the model sandbox misbehave on its next chat calls (`POST /_sandbox/faults`, see
 * infra/model-sandbox/src/lib.rs): `{ kind: 'too_long' | 'malformed' | 'throttle' | …, times }`.
 * The sandbox is shared by the whole run: queue a fault just before the call it is for.
 */
export async function modelFault(fault) {
  const res = await fetch(`${MODEL_SANDBOX}/_sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fault) });
  if (!res.ok) throw new Error(`POST ${MODEL_SANDBOX}/_sandbox/faults → ${res.status} ${await res.text()}`);
}

/** Drops the faults still queued in the model sandbox (one whose call never came must not hit another test). */
export async function clearModelFaults() {
  const res = await fetch(`${MODEL_SANDBOX}/_sandbox/faults`, { method: 'DELETE' });
  if (!res.ok) throw new Error(`DELETE ${MODEL_SANDBOX}/_sandbox/faults → ${res.status} ${await res.text()}`);
}

/**
 * Plants mentions of an account on the platform sandbox (`POST /_sandbox/mentions`, see
 * infra/platform-sandbox/src/listening.rs): `{ user, tone: 'negative', count, within_minutes }`,
 * `user` being the platform user (for X, the account's `account_id`).
 */
export async function sandboxMentions(wave) {
  return (await (await sandboxPost('/_sandbox/mentions', wave)).json()).planted;
}

/** Multiplies the recent volume of every X search containing `term` (`POST /_sandbox/trends {term, factor, hours}`). */
export async function sandboxTrend(burst) {
  await sandboxPost('/_sandbox/trends', burst);
}
