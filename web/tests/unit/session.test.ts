import { describe, expect, it, vi } from 'vitest';
import { Session } from '../../src/auth/session';

const API = 'http://api.test';

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

interface Seen {
  url: string;
  body: string;
  headers: Headers;
  credentials: RequestCredentials;
}

function recorder(handler: (req: Request, seen: Seen[]) => Response | Promise<Response>) {
  const seen: Seen[] = [];
  const fetch = vi.fn(async (req: Request) => {
    const body = req.body ? await req.clone().text() : '';
    const entry = { url: req.url, body, headers: req.headers, credentials: req.credentials };
    seen.push(entry);
    return handler(req, seen);
  });
  return { fetch, seen };
}

describe('Session', () => {
  it('sends the body refresh token when the API returned one, with X-Client and cookies', async () => {
    const { fetch, seen } = recorder(() => json(200, { access_token: 'a2', expires_in: 900, refresh_token: 'r2' }));
    const s = new Session({ apiBase: API, fetch });
    s.accept({ access_token: 'a1', expires_in: 900, refresh_token: 'r1-long-enough-token' });
    expect(await s.refresh()).toBe(true);
    expect(seen[0]!.url).toBe(`${API}/api/auth/refresh`);
    expect(JSON.parse(seen[0]!.body)).toEqual({ refresh_token: 'r1-long-enough-token' });
    expect(seen[0]!.headers.get('X-Client')).toBe('web');
    expect(seen[0]!.credentials).toBe('include');
    expect(s.hasRefreshToken).toBe(true);
  });

  it('sends {} in cookie mode (no refresh token in the body)', async () => {
    const { fetch, seen } = recorder(() => json(200, { access_token: 'a2', expires_in: 900 }));
    const s = new Session({ apiBase: API, fetch });
    s.accept({ access_token: 'a1', expires_in: 900 });
    expect(s.hasRefreshToken).toBe(false);
    expect(await s.refresh()).toBe(true);
    expect(JSON.parse(seen[0]!.body)).toEqual({});
  });

  it('restores a session on start from the cookie alone', async () => {
    const { fetch, seen } = recorder(() => json(200, { access_token: 'fresh', expires_in: 900 }));
    const s = new Session({ apiBase: API, fetch });
    expect(await s.refresh()).toBe(true);
    expect(JSON.parse(seen[0]!.body)).toEqual({});
    expect(await s.token()).toBe('fresh');
  });

  it('runs one refresh for many callers (rotation would revoke a reused token)', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { fetch } = recorder(async () => {
      await gate;
      return json(200, { access_token: 'a2', expires_in: 900, refresh_token: 'r2-long-enough-token' });
    });
    let now = 0;
    const s = new Session({ apiBase: API, fetch, now: () => now });
    s.accept({ access_token: 'a1', expires_in: 900, refresh_token: 'r1-long-enough-token' });
    now = 900_000; // expired
    const tokens = Promise.all([s.token(), s.token(), s.token()]);
    release();
    expect(await tokens).toEqual(['a2', 'a2', 'a2']);
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('refreshes before expiry, not after every call', async () => {
    const { fetch } = recorder(() => json(200, { access_token: 'a2', expires_in: 900, refresh_token: 'r2-long-enough-token' }));
    let now = 0;
    const s = new Session({ apiBase: API, fetch, now: () => now, skewMs: 60_000 });
    s.accept({ access_token: 'a1', expires_in: 900, refresh_token: 'r1-long-enough-token' });
    now = 800_000;
    expect(await s.token()).toBe('a1');
    now = 841_000;
    expect(await s.token()).toBe('a2');
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('retries a request once with a new token after a 401', async () => {
    const { fetch, seen } = recorder((req) => {
      if (req.url.endsWith('/api/auth/refresh')) return json(200, { access_token: 'a2', expires_in: 900, refresh_token: 'r2-long-enough-token' });
      return req.headers.get('Authorization') === 'Bearer a2' ? json(200, { ok: true }) : json(401, { error: { code: 'unauthenticated', message: 'no', details: [] } });
    });
    const s = new Session({ apiBase: API, fetch });
    s.accept({ access_token: 'a1', expires_in: 900, refresh_token: 'r1-long-enough-token' });
    const res = await s.fetch(new Request(`${API}/api/posts`, { method: 'POST', body: '{"content":"x"}' }));
    expect(res.status).toBe(200);
    expect(seen.map((x) => x.url.replace(API, ''))).toEqual(['/api/posts', '/api/auth/refresh', '/api/posts']);
    expect(seen[2]!.body).toBe('{"content":"x"}');
    expect(seen[2]!.headers.get('X-Client')).toBe('web');
  });

  it('signs out when the refresh is refused, and tells listeners', async () => {
    const { fetch } = recorder(() => json(401, { error: { code: 'refresh_token_reused', message: 'no', details: [] } }));
    const s = new Session({ apiBase: API, fetch });
    const listener = vi.fn();
    s.accept({ access_token: 'a1', expires_in: 900, refresh_token: 'r1-long-enough-token' });
    s.onChange(listener);
    expect(await s.refresh()).toBe(false);
    expect(s.signedIn).toBe(false);
    expect(listener).toHaveBeenCalledWith(false);
    expect(await s.token()).toBeNull();
  });

  it('logs out at the API with the bearer token and forgets the tokens', async () => {
    const { fetch, seen } = recorder(() => new Response(null, { status: 204 }));
    const s = new Session({ apiBase: API, fetch });
    s.accept({ access_token: 'a1', expires_in: 900, refresh_token: 'r1-long-enough-token' });
    await s.logout();
    expect(seen[0]!.url).toBe(`${API}/api/auth/logout`);
    expect(seen[0]!.headers.get('Authorization')).toBe('Bearer a1');
    expect(s.signedIn).toBe(false);
    expect(s.hasRefreshToken).toBe(false);
  });
});
