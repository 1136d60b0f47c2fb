import { afterEach, describe, expect, it, vi } from 'vitest';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { AuthProvider } from '../../src/auth/AuthProvider';
import NotificationSettingsPage from '../../src/pages/NotificationSettings';
import Unsubscribe from '../../src/pages/Unsubscribe';
import { NOTIFICATION_KINDS, type NotificationSettings } from '../../src/api/notifications';
import { mapFieldIssues } from '../../src/api/errors';
import { SETTINGS_ALIASES, settingsFields, toFormValues, toSettingsBody } from '../../src/lib/notificationSettings';

function json(status: number, body: unknown) {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

const settings: NotificationSettings = {
  kinds: NOTIFICATION_KINDS.map((kind) => ({ kind, in_app: true, email: kind === 'post_failed' })),
  email_delivery: 'immediate',
  quiet_hours: null,
  timezone: 'Europe/Paris',
};

afterEach(() => vi.unstubAllGlobals());

describe('notification settings mapping', () => {
  it('turns the API settings into form values and back', () => {
    const values = toFormValues({ ...settings, quiet_hours: { start: '22:30:00', end: '06:45' } });
    expect(values.quiet).toBe(true);
    expect(values.quiet_hours).toEqual({ start: '22:30', end: '06:45' });
    expect(values.kinds).toHaveLength(NOTIFICATION_KINDS.length);
    expect(toSettingsBody(values)).toEqual({
      kinds: settings.kinds,
      email_delivery: 'immediate',
      quiet_hours: { start: '22:30', end: '06:45' },
    });
  });

  it('sends null quiet hours when they are off, and offers 22:00–07:00 when switched on', () => {
    const values = toFormValues(settings);
    expect(values.quiet).toBe(false);
    expect(values.quiet_hours).toEqual({ start: '22:00', end: '07:00' });
    expect(toSettingsBody(values).quiet_hours).toBeNull();
    expect(toSettingsBody({ ...values, email_delivery: 'daily_digest' }).email_delivery).toBe('daily_digest');
  });

  it('puts the API details on the form fields', () => {
    const mapped = mapFieldIssues(
      [
        { field: 'quiet_hours.start', issue: 'is not a time' },
        { field: 'kinds[2].kind', issue: 'is not a kind' },
        { field: 'kinds[3].email', issue: 'cannot be on' },
        { field: 'quiet_hours', issue: 'start and end are the same' },
        { field: 'something_else', issue: 'is odd' },
      ],
      settingsFields(7),
      SETTINGS_ALIASES,
    );
    expect(mapped.fields).toEqual({
      'quiet_hours.start': 'is not a time',
      'kinds.2': 'is not a kind',
      'kinds.3.email': 'cannot be on',
      quiet: 'start and end are the same',
    });
    expect(mapped.unmatched).toEqual(['something_else: is odd']);
  });
});

function renderAt(path: string, element: JSX.Element, route: string) {
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter initialEntries={[path]} future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
        <AuthProvider>
          <Routes>
            <Route path={route} element={element} />
          </Routes>
        </AuthProvider>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

describe('notification settings screen', () => {
  it('saves what the user changed, and shows a 422 next to its field', async () => {
    const bodies: unknown[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (req: Request) => {
        const url = new URL(req.url);
        if (url.pathname === '/api/auth/refresh') return json(401, { error: { code: 'unauthenticated', message: 'x', details: [] } });
        if (url.pathname === '/api/notifications/settings' && req.method === 'GET') return json(200, settings);
        if (url.pathname === '/api/notifications/settings' && req.method === 'PUT') {
          const body = (await req.json()) as { quiet_hours: unknown };
          bodies.push(body);
          if (body.quiet_hours) {
            return json(422, {
              error: { code: 'validation_failed', message: 'the request has invalid fields', details: [{ field: 'quiet_hours.start', issue: 'must differ from the end' }] },
            });
          }
          return json(200, { ...settings, ...body, timezone: 'Europe/Paris' });
        }
        return json(404, { error: { code: 'not_found', message: 'x', details: [] } });
      }),
    );
    renderAt('/settings/notifications', <NotificationSettingsPage />, '/settings/notifications');
    const user = userEvent.setup();
    const email = await screen.findByRole('checkbox', { name: 'Email: A post failed to publish' });
    expect(email).toBeChecked();
    expect(screen.getByText(/in your time zone:/)).toHaveTextContent('Europe/Paris');
    await user.click(email);
    await user.click(screen.getByRole('radio', { name: /Daily digest/ }));
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('Saved.')).toBeInTheDocument();
    const saved = bodies[0] as { kinds: { kind: string; email: boolean }[]; email_delivery: string; quiet_hours: unknown };
    expect(saved.kinds.find((k) => k.kind === 'post_failed')?.email).toBe(false);
    expect(saved.email_delivery).toBe('daily_digest');
    expect(saved.quiet_hours).toBeNull();

    await user.click(screen.getByRole('checkbox', { name: 'Quiet hours' }));
    const from = screen.getByLabelText('From');
    expect(from).toHaveValue('22:00');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('must differ from the end')).toBeInTheDocument();
    expect(from).toHaveAttribute('aria-invalid', 'true');
    expect(from).toHaveAccessibleDescription(/must differ from the end/);
    expect(screen.queryByRole('alert')).toBeNull();
  });
});

describe('unsubscribe page', () => {
  it('says which emails were turned off', async () => {
    const sent: unknown[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (input: Request | string, init?: RequestInit) => {
        const url = typeof input === 'string' ? input : input.url;
        if (url.endsWith('/api/auth/refresh')) return json(401, { error: { code: 'unauthenticated', message: 'x', details: [] } });
        sent.push(JSON.parse(String(init?.body)));
        return json(200, { email_off: ['post_failed'] });
      }),
    );
    renderAt('/unsubscribe?user=u1&token=tok&kind=post_failed', <Unsubscribe />, '/unsubscribe');
    const list = await screen.findByTestId('emails-off');
    expect(within(list).getByText('A post failed to publish')).toBeInTheDocument();
    expect(sent).toEqual([{ user: 'u1', token: 'tok', kind: 'post_failed' }]);
  });

  it('shows the API error for a bad token', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async (input: Request | string) => {
        const url = typeof input === 'string' ? input : input.url;
        if (url.endsWith('/api/auth/refresh')) return json(401, { error: { code: 'unauthenticated', message: 'x', details: [] } });
        return json(403, { error: { code: 'forbidden', message: 'this unsubscribe link is not valid', details: [] } });
      }),
    );
    renderAt('/unsubscribe?user=u1&token=bad', <Unsubscribe />, '/unsubscribe');
    expect(await screen.findByRole('alert')).toHaveTextContent('This unsubscribe link is not valid.');
    expect(screen.getByRole('heading', { name: 'Could not unsubscribe' })).toBeInTheDocument();
  });
});
