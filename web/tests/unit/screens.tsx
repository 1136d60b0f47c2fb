/** What the page tests share: a signed-in user, a stubbed API behind `fetch`, and a gate that
 * renders the page once the session is up. */
import { vi } from 'vitest';
import type { ReactNode } from 'react';
import { useAuth } from '../../src/auth/AuthProvider';
import { json } from './support';

export const userOf = (role: string, superAdmin = false) => ({
  id: 'u1',
  email: 'ada@example.com',
  first_name: 'Ada',
  last_name: null,
  role,
  timezone: 'UTC',
  language: 'en',
  avatar_url: null,
  email_verified: true,
  is_super_admin: superAdmin,
});

export type Handler = (url: URL, req: Request) => Response | undefined | Promise<Response | undefined>;

/** Answers sign-in and the profile itself, then asks `handler`; anything else is a 404. Returns
 * every request made, for assertions on what was sent. */
export function stubApi(handler: Handler, user = userOf('admin')) {
  const requests: Request[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (req: Request) => {
      const url = new URL(req.url);
      requests.push(req.clone());
      if (url.pathname === '/api/auth/refresh') return json(200, { access_token: 'token', expires_in: 900 });
      if (url.pathname === '/api/users/profile') return json(200, user);
      const answer = await handler(url, req);
      return answer ?? json(404, { error: { code: 'not_found', message: 'no such thing', details: [] } });
    }),
  );
  return requests;
}

export function Gate({ children }: { children: ReactNode }) {
  const { status } = useAuth();
  return status === 'signedIn' ? <>{children}</> : <p>Signing in…</p>;
}
