import { useCallback, useEffect, useState } from 'react';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { z } from 'zod';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../api/client';
import { ApiError, bannerMessage } from '../api/errors';
import { keys, useAccounts } from '../api/hooks';
import { useUser } from '../auth/AuthProvider';
import { applyApiError } from '../lib/forms';
import { can } from '../lib/roles';
import { isCallbackMessage, type CallbackParams } from '../lib/oauth';
import { PLATFORM_LABEL, type Platform } from '../lib/calendar';
import { formatInstant } from '../lib/time';
import { Alert, Button, Card, EmptyState, ErrorState, Field, Input, Loading, PageHeader, PlatformBadge } from '../components/ui';
import { ConnectResult, type ConnectAnswer } from '../components/ConnectResult';

type Account = Schemas['AccountView'];
const PLATFORMS: Platform[] = ['x', 'facebook', 'instagram', 'linkedin', 'tiktok'];

export default function SocialAccounts() {
  const user = useUser();
  const accounts = useAccounts();
  const queryClient = useQueryClient();
  const mayManage = can(user.role, 'manage_social_accounts');
  const [starting, setStarting] = useState<Platform | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [answer, setAnswer] = useState<ConnectAnswer | null>(null);
  const [completing, setCompleting] = useState(false);

  const complete = useCallback(
    async (params: CallbackParams) => {
      setCompleting(true);
      setError(null);
      try {
        const a = await unwrap(api.POST('/api/social-accounts/callback', { body: params }));
        setAnswer(a);
        void queryClient.invalidateQueries({ queryKey: keys.accounts });
      } catch (e) {
        setError(bannerMessage(e));
      } finally {
        setCompleting(false);
      }
    },
    [queryClient],
  );

  useEffect(() => {
    const onMessage = (event: MessageEvent) => {
      if (event.origin !== window.location.origin || !isCallbackMessage(event.data)) return;
      void complete(event.data.params);
    };
    window.addEventListener('message', onMessage);
    return () => window.removeEventListener('message', onMessage);
  }, [complete]);

  const connect = async (platform: Platform) => {
    setError(null);
    setAnswer(null);
    setStarting(platform);
    // Opened now, inside the click, so that popup blockers let it through.
    const popup = window.open('about:blank', 'social-oauth', 'popup,width=600,height=720');
    try {
      const start = await unwrap(api.POST('/api/social-accounts/connect', { body: { platform, account_ids: [] } }));
      if (!('authorization_url' in start)) throw new Error('The API did not return an authorization URL.');
      if (popup) popup.location.href = start.authorization_url;
      else window.location.assign(start.authorization_url);
    } catch (e) {
      popup?.close();
      setError(
        e instanceof ApiError && e.code === 'email_not_verified'
          ? 'Confirm your email address before connecting accounts (see the banner above).'
          : bannerMessage(e),
      );
    } finally {
      setStarting(null);
    }
  };

  return (
    <div>
      <PageHeader title="Social accounts" />
      {mayManage && (
        <Card title="Connect an account" className="mb-4">
          <div className="flex flex-wrap gap-2">
            {PLATFORMS.map((p) => (
              <Button key={p} variant="secondary" busy={starting === p} disabled={!!starting} onClick={() => void connect(p)}>
                Connect {PLATFORM_LABEL[p]}
              </Button>
            ))}
          </div>
          <p className="mt-2 text-xs text-slate-600">The platform's consent page opens in a new window.</p>
          {accounts.data && (
            <p className="mt-1 text-sm text-slate-700">
              {accounts.data.accounts.length} of {accounts.data.max_social_accounts} accounts on your plan.
            </p>
          )}
        </Card>
      )}
      <div className="mb-4 space-y-2" aria-live="polite">
        {completing && <Loading label="Finishing the connection…" />}
        {error && <Alert>{error}</Alert>}
        {answer && <ConnectResult answer={answer} />}
      </div>
      {accounts.isPending ? (
        <Loading />
      ) : accounts.isError ? (
        <ErrorState error={accounts.error} onRetry={() => void accounts.refetch()} />
      ) : accounts.data.accounts.length === 0 ? (
        <EmptyState title="No account connected yet">{mayManage ? 'Connect one above.' : 'An admin or manager can connect accounts.'}</EmptyState>
      ) : (
        <ul className="grid gap-4 md:grid-cols-2" aria-label="Connected accounts">
          {accounts.data.accounts.map((a) => (
            <AccountCard key={a.id} account={a} mayManage={mayManage} onReconnect={() => void connect(a.platform)} timezone={user.timezone} />
          ))}
        </ul>
      )}
    </div>
  );
}

const settingsSchema = z.object({
  display_name: z.string().max(255),
  default_hashtags: z.string(),
  is_active: z.boolean(),
});
type Settings = z.infer<typeof settingsSchema>;

function AccountCard({ account, mayManage, onReconnect, timezone }: { account: Account; mayManage: boolean; onReconnect: () => void; timezone: string }) {
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [banner, setBanner] = useState<string | null>(null);
  const settings = (account.settings ?? {}) as { display_name?: string; default_hashtags?: string[] };
  const form = useForm<Settings>({
    resolver: zodResolver(settingsSchema),
    defaultValues: {
      display_name: settings.display_name ?? account.account_name ?? '',
      default_hashtags: (settings.default_hashtags ?? []).join(' '),
      is_active: account.is_active,
    },
  });
  const sync = useMutation({
    mutationFn: () => unwrap(api.POST('/api/social-accounts/{id}/sync', { params: { path: { id: account.id } } })),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: keys.accounts });
      // The sync pulled fresh metrics (and maybe imported posts): the analytics are stale.
      void queryClient.invalidateQueries({ queryKey: ['analytics'] });
    },
    onError: (e) => setBanner(bannerMessage(e)),
  });
  const disconnect = useMutation({
    mutationFn: () => unwrap(api.DELETE('/api/social-accounts/{id}', { params: { path: { id: account.id } } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: keys.accounts }),
    onError: (e) => setBanner(bannerMessage(e)),
  });
  const onSave = form.handleSubmit(async (v) => {
    setBanner(null);
    try {
      await unwrap(
        api.PUT('/api/social-accounts/{id}', {
          params: { path: { id: account.id } },
          body: {
            display_name: v.display_name.trim() || null,
            default_hashtags: v.default_hashtags.split(/[\s,]+/).map((t) => t.replace(/^#/, '')).filter(Boolean),
            is_active: v.is_active,
          },
        }),
      );
      setEditing(false);
      void queryClient.invalidateQueries({ queryKey: keys.accounts });
    } catch (e) {
      setBanner(applyApiError(e, form.setError, ['display_name', 'default_hashtags', 'is_active']));
    }
  });
  const unhealthy = account.needs_reconnect;
  return (
    <li className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm" data-account-platform={account.platform}>
      <div className="flex flex-wrap items-center gap-2">
        <PlatformBadge platform={account.platform} />
        <span className="font-semibold">{settings.display_name ?? account.account_name ?? account.account_id}</span>
        {account.account_handle && <span className="text-sm text-slate-600">{account.account_handle}</span>}
      </div>
      <dl className="mt-2 grid grid-cols-2 gap-1 text-sm">
        <dt className="text-slate-600">Health</dt>
        <dd className={unhealthy ? 'font-medium text-red-800' : 'text-emerald-800'} data-testid="account-health">
          {unhealthy ? 'Needs reconnecting' : account.is_active ? 'Active' : 'Paused'}
        </dd>
        {account.followers_count != null && (<><dt className="text-slate-600">Followers</dt><dd>{account.followers_count.toLocaleString()}</dd></>)}
        <dt className="text-slate-600">Last sync</dt>
        <dd>{formatInstant(account.last_sync, timezone)}</dd>
      </dl>
      {unhealthy && account.status_reason && <p className="mt-1 text-sm text-red-800">{account.status_reason}</p>}
      {!unhealthy && account.token_expires_soon && <p className="mt-1 text-sm text-slate-600">Access is renewed automatically before it expires.</p>}
      {banner && <div className="mt-2"><Alert>{banner}</Alert></div>}
      {mayManage && (
        <div className="mt-3 flex flex-wrap gap-2">
          {unhealthy && <Button onClick={onReconnect}>Reconnect</Button>}
          <Button variant="secondary" busy={sync.isPending} onClick={() => sync.mutate()}>Sync now</Button>
          <Button variant="secondary" aria-expanded={editing} onClick={() => setEditing((e) => !e)}>Settings</Button>
          <Button
            variant="ghost"
            busy={disconnect.isPending}
            onClick={() => {
              if (window.confirm(`Disconnect ${account.account_name ?? 'this account'}? Scheduled posts to it will fail.`)) disconnect.mutate();
            }}
          >
            Disconnect
          </Button>
        </div>
      )}
      {editing && (
        <form onSubmit={onSave} className="mt-3 space-y-3 border-t border-slate-200 pt-3" noValidate>
          <Field label="Display name" error={form.formState.errors.display_name?.message}>
            {(p) => <Input {...p} {...form.register('display_name')} />}
          </Field>
          <Field label="Default hashtags" hint="Separated by spaces." error={form.formState.errors.default_hashtags?.message}>
            {(p) => <Input {...p} {...form.register('default_hashtags')} />}
          </Field>
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" {...form.register('is_active')} /> Active (posts can target it)
          </label>
          <Button type="submit" busy={form.formState.isSubmitting}>Save settings</Button>
        </form>
      )}
    </li>
  );
}
