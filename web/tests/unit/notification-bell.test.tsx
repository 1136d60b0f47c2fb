import { afterEach, describe, expect, it, vi } from 'vitest';
import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { AuthProvider } from '../../src/auth/AuthProvider';
import { NotificationBell } from '../../src/components/NotificationBell';
import { LiveClient } from '../../src/live/LiveClient';
import { LiveProvider } from '../../src/live/LiveProvider';
import { inAppPath } from '../../src/api/notifications';
import { json, FakeSocket } from './support';

const note = (id: string, title: string, read: boolean, link: string | null = null) => ({
  id,
  kind: 'post_failed',
  title,
  body: `${title} — details`,
  link,
  post_id: null,
  social_account_id: null,
  read,
  created_at: new Date(Date.now() - 5 * 60_000).toISOString(),
});

afterEach(() => vi.unstubAllGlobals());

function setup() {
  const requests: { method: string; path: string }[] = [];
  let unread = 2;
  vi.stubGlobal(
    'fetch',
    vi.fn(async (req: Request) => {
      const url = new URL(req.url);
      requests.push({ method: req.method, path: `${url.pathname}${url.search}` });
      if (url.pathname === '/api/auth/refresh') return json(401, { error: { code: 'unauthenticated', message: 'no session', details: [] } });
      if (url.pathname === '/api/notifications' && url.searchParams.get('unread_only') === 'true') return json(200, { notifications: [], next_cursor: null, unread });
      if (url.pathname === '/api/notifications') {
        return json(200, { notifications: [note('n2', 'Post failed on X', false, '/posts/p1'), note('n1', 'Export ready', true)], next_cursor: null, unread });
      }
      if (url.pathname === '/api/notifications/mark-all-read') {
        unread = 0;
        return json(200, { marked: 3, unread: 0 });
      }
      if (url.pathname === '/api/notifications/n2/read') return json(200, { notification: note('n2', 'Post failed on X', true, '/posts/p1'), unread: 0 });
      if (url.pathname === '/api/notifications/n1' && req.method === 'DELETE') return json(204, null);
      return json(404, { error: { code: 'not_found', message: 'no such thing', details: [] } });
    }),
  );
  const sockets: FakeSocket[] = [];
  const client = new LiveClient({
    url: (t) => `ws://test/live?token=${t}`,
    auth: { signedIn: true, token: async () => 'token', refresh: async () => true },
    createSocket: () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
  });
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter initialEntries={['/']} future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
        <AuthProvider>
          <LiveProvider client={client}>
            <NotificationBell />
            <Routes>
              <Route path="/" element={<p>Home</p>} />
              <Route path="/posts/:id" element={<p>Post page</p>} />
            </Routes>
          </LiveProvider>
        </AuthProvider>
      </MemoryRouter>
    </QueryClientProvider>,
  );
  return { requests, sockets };
}

describe('notification bell', () => {
  it('shows the unread count from the API, then from live events', async () => {
    const { sockets, requests } = setup();
    expect(await screen.findByRole('button', { name: 'Notifications, 2 unread' })).toBeInTheDocument();
    await waitFor(() => expect(sockets).toHaveLength(1));
    const socket = sockets[0]!;
    act(() => socket.open());
    expect(socket.sent).toContain('{"action":"sync"}');
    // Each (re)connect refetches the count once (what happened while not listening).
    await waitFor(() => expect(requests.filter((r) => r.path.includes('unread_only'))).toHaveLength(2));

    act(() => socket.push('notification.created', { notification: note('n3', 'Post failed on LinkedIn', false), unread: 3 }));
    expect(await screen.findByRole('button', { name: 'Notifications, 3 unread' })).toBeInTheDocument();
    expect(screen.getByText('New notification: Post failed on LinkedIn')).toBeInTheDocument();

    // Another tab read everything.
    act(() => socket.push('notifications.unread', { unread: 0 }));
    expect(await screen.findByRole('button', { name: 'Notifications' })).toBeInTheDocument();
    // Ignored: another protocol version, an unknown type.
    act(() => socket.onmessage?.(new MessageEvent('message', { data: JSON.stringify({ v: 2, type: 'notifications.unread', data: { unread: 9 } }) })));
    act(() => socket.push('notifications.exploded', { unread: 9 }));
    expect(screen.getByRole('button', { name: 'Notifications' })).toBeInTheDocument();
    // Never polled: the events changed the count without a request.
    expect(requests.filter((r) => r.path.includes('unread_only'))).toHaveLength(2);
  });

  it('lists notifications; marks all read, opens one (read + navigate) and deletes one', async () => {
    const { requests } = setup();
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Notifications, 2 unread' }));
    const panel = await screen.findByTestId('notification-panel');
    const items = await within(panel).findAllByRole('listitem');
    expect(items.map((li) => li.getAttribute('data-notification-id'))).toEqual(['n2', 'n1']);
    expect(within(items[0]!).getByText('(unread)')).toBeInTheDocument();
    expect(within(items[0]!).getByText('5 minutes ago')).toBeInTheDocument();

    await user.click(within(panel).getByRole('button', { name: 'Delete notification: Export ready' }));
    await waitFor(() => expect(within(panel).queryByText('Export ready')).toBeNull());
    expect(requests).toContainEqual({ method: 'DELETE', path: '/api/notifications/n1' });

    await user.click(within(panel).getByRole('button', { name: 'Mark all as read' }));
    expect(await screen.findByRole('button', { name: 'Notifications' })).toBeInTheDocument();
    expect(within(panel).queryByText('(unread)')).toBeNull();

    await user.click(within(panel).getByRole('button', { name: /^Post failed on X/ }));
    expect(await screen.findByText('Post page')).toBeInTheDocument();
    expect(screen.queryByTestId('notification-panel')).toBeNull();
  });

  it('closes on Escape and gives the focus back to the bell', async () => {
    setup();
    const user = userEvent.setup();
    const bell = await screen.findByRole('button', { name: 'Notifications, 2 unread' });
    await user.click(bell);
    expect(bell).toHaveAttribute('aria-expanded', 'true');
    await screen.findByTestId('notification-panel');
    await user.keyboard('{Escape}');
    expect(screen.queryByTestId('notification-panel')).toBeNull();
    expect(bell).toHaveFocus();
  });
});

describe('notification links', () => {
  it('follows in-app paths only', () => {
    expect(inAppPath('/posts/p1')).toBe('/posts/p1');
    expect(inAppPath('/social-accounts')).toBe('/social-accounts');
    expect(inAppPath(null)).toBeNull();
    expect(inAppPath('https://evil.example/')).toBeNull();
    expect(inAppPath('//evil.example/')).toBeNull();
    expect(inAppPath('/\\evil.example/')).toBeNull();
    expect(inAppPath('javascript:alert(1)')).toBeNull();
  });
});
