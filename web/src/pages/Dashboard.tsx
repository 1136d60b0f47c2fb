import { Link } from 'react-router-dom';
import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../api/client';
import { keys, useAccounts, useStorageUsage } from '../api/hooks';
import { useUser } from '../auth/AuthProvider';
import { can } from '../lib/roles';
import { formatInstant } from '../lib/time';
import { formatBytes } from '../lib/upload';
import { Card, EmptyState, ErrorState, Loading, PageHeader, PlatformBadge, ProgressBar, StatusBadge } from '../components/ui';

export default function Dashboard() {
  const user = useUser();
  const upcoming = useQuery({
    queryKey: keys.posts({ status: 'scheduled', from: 'now', limit: 5 }),
    queryFn: () =>
      unwrap(api.GET('/api/posts', { params: { query: { status: 'scheduled', from: new Date().toISOString(), limit: 5 } } })),
  });
  const accounts = useAccounts();
  const storage = useStorageUsage();
  const unhealthy = accounts.data?.accounts.filter((a) => a.needs_reconnect) ?? [];

  return (
    <div>
      <PageHeader title={`Welcome${user.first_name ? `, ${user.first_name}` : ''}`} />
      <div className="grid gap-4 lg:grid-cols-3">
        <Card title="Coming up" className="lg:col-span-2">
          {upcoming.isPending ? (
            <Loading />
          ) : upcoming.isError ? (
            <ErrorState error={upcoming.error} onRetry={() => void upcoming.refetch()} />
          ) : upcoming.data.items.length === 0 ? (
            <EmptyState title="Nothing scheduled">
              {can(user.role, 'create_content') ? <Link className="text-indigo-800 underline" to="/compose">Write a post</Link> : 'Posts your team schedules appear here.'}
            </EmptyState>
          ) : (
            <ul className="divide-y divide-slate-200">
              {upcoming.data.items.map((post) => (
                <li key={post.id} className="flex flex-wrap items-center justify-between gap-2 py-2">
                  <Link to={`/posts/${post.id}`} className="min-w-0 flex-1 truncate text-sm font-medium text-indigo-900 underline">
                    {post.title ?? post.content}
                  </Link>
                  <span className="flex items-center gap-1">
                    {post.targets.map((t) => (
                      <PlatformBadge key={t.id} platform={t.platform} />
                    ))}
                  </span>
                  <span className="text-sm text-slate-700">{formatInstant(post.scheduled_at, user.timezone)}</span>
                  <StatusBadge status={post.status} />
                </li>
              ))}
            </ul>
          )}
        </Card>
        <div className="space-y-4">
          <Card title="Accounts">
            {accounts.isPending ? (
              <Loading />
            ) : accounts.isError ? (
              <ErrorState error={accounts.error} />
            ) : accounts.data.accounts.length === 0 ? (
              <EmptyState title="No account connected">
                <Link className="text-indigo-800 underline" to="/social-accounts">Connect one</Link>
              </EmptyState>
            ) : (
              <p className="text-sm">
                {accounts.data.accounts.length} of {accounts.data.max_social_accounts} connected.{' '}
                {unhealthy.length > 0 ? (
                  <Link to="/social-accounts" className="font-medium text-red-800 underline">
                    {unhealthy.length} need{unhealthy.length === 1 ? 's' : ''} reconnecting
                  </Link>
                ) : (
                  'All healthy.'
                )}
              </p>
            )}
          </Card>
          <Card title="Storage">
            {storage.isPending ? (
              <Loading />
            ) : storage.isError ? (
              <ErrorState error={storage.error} />
            ) : (
              <div className="space-y-2 text-sm">
                <ProgressBar label="Storage used" value={storage.data.used_bytes} max={storage.data.quota_bytes} />
                <p>
                  {formatBytes(storage.data.used_bytes)} of {formatBytes(storage.data.quota_bytes)} used
                </p>
              </div>
            )}
          </Card>
        </div>
      </div>
    </div>
  );
}
