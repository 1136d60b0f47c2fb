/** What the page tests share: a signed-in user, a stubbed API behind `fetch`, a gate that
 * renders the page once the session is up, and the providers to render it in. */
import { vi } from 'vitest';
import { render } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { AuthProvider, useAuth } from '../../src/auth/AuthProvider';
import type { LiveClient } from '../../src/live/LiveClient';
import { LiveProvider } from '../../src/live/LiveProvider';
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

/** `handler`, answering the connected accounts list with `accounts` first. */
export function withAccounts(accounts: readonly unknown[], handler: Handler): Handler {
  return (url, req) => (url.pathname === '/api/social-accounts' ? json(200, { accounts, max_social_accounts: 3 }) : handler(url, req));
}

/**
 * Renders `element` at `path` (matched by the route `route`) with a fresh query client, a router,
 * the session (the page once it is up) and, given a client, the live feed; `after` renders next
 * to the routes (a probe of the location, say).
 */
export function renderRoute(element: ReactNode, { path = '/', route = '*', client, after }: { path?: string; route?: string; client?: LiveClient; after?: ReactNode } = {}) {
  const tree = (
    <>
      <Routes>
        <Route path={route} element={element} />
      </Routes>
      {after}
    </>
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
