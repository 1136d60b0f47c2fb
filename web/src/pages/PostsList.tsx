import { useState } from 'react';
import { Link } from 'react-router-dom';
import { useInfiniteQuery } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../api/client';
import { keys, useAccounts } from '../api/hooks';
import { useUser } from '../auth/AuthProvider';
import { PLATFORM_LABEL, STATUS_LABEL, type Platform, type PostStatus } from '../lib/calendar';
import { formatInstant, zonedToInstant } from '../lib/time';
import { Button, EmptyState, ErrorState, Field, Input, Loading, PageHeader, PlatformBadge, Select, StatusBadge } from '../components/ui';

type Query = NonNullable<Schemas['ListQuery']>;

export default function PostsList() {
  const user = useUser();
  const accounts = useAccounts();
  const [status, setStatus] = useState<PostStatus | ''>('');
  const [platform, setPlatform] = useState<Platform | ''>('');
  const [account, setAccount] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [search, setSearch] = useState('');
  const [archived, setArchived] = useState(false);

  const query: Query = {
    status: status || null,
    platform: platform || null,
    social_account_id: account || null,
    from: from ? zonedToInstant(`${from}T00:00`, user.timezone) : null,
    to: to ? zonedToInstant(`${to}T23:59`, user.timezone) : null,
    search: search.trim() || null,
    archived: archived || null,
    limit: 25,
  };
  const clean = Object.fromEntries(Object.entries(query).filter(([, v]) => v !== null)) as Query;

  const posts = useInfiniteQuery({
    queryKey: keys.posts(clean),
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) =>
      unwrap(api.GET('/api/posts', { params: { query: { ...clean, ...(pageParam ? { cursor: pageParam } : {}) } } })),
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
  const items = posts.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <div>
      <PageHeader title="Posts" />
      <form className="mb-4 grid gap-3 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-2 lg:grid-cols-4" role="search" onSubmit={(e) => e.preventDefault()}>
        <Field label="Search">{(p) => <Input {...p} type="search" value={search} onChange={(e) => setSearch(e.target.value)} />}</Field>
        <Field label="Status">
          {(p) => (
            <Select {...p} value={status} onChange={(e) => setStatus(e.target.value as PostStatus | '')}>
              <option value="">Any</option>
              {Object.entries(STATUS_LABEL).map(([v, l]) => <option key={v} value={v}>{l}</option>)}
            </Select>
          )}
        </Field>
        <Field label="Platform">
          {(p) => (
            <Select {...p} value={platform} onChange={(e) => setPlatform(e.target.value as Platform | '')}>
              <option value="">Any</option>
              {Object.entries(PLATFORM_LABEL).map(([v, l]) => <option key={v} value={v}>{l}</option>)}
            </Select>
          )}
        </Field>
        <Field label="Account">
          {(p) => (
            <Select {...p} value={account} onChange={(e) => setAccount(e.target.value)}>
              <option value="">Any</option>
              {accounts.data?.accounts.map((a) => <option key={a.id} value={a.id}>{PLATFORM_LABEL[a.platform]} · {a.account_name ?? a.account_handle}</option>)}
            </Select>
          )}
        </Field>
        <Field label="From (day)">{(p) => <Input {...p} type="date" value={from} onChange={(e) => setFrom(e.target.value)} />}</Field>
        <Field label="To (day)">{(p) => <Input {...p} type="date" value={to} onChange={(e) => setTo(e.target.value)} />}</Field>
        <label className="flex items-center gap-2 self-end text-sm">
          <input type="checkbox" checked={archived} onChange={(e) => setArchived(e.target.checked)} /> Archived posts
        </label>
      </form>
      {posts.isPending ? (
        <Loading />
      ) : posts.isError ? (
        <ErrorState error={posts.error} onRetry={() => void posts.refetch()} />
      ) : items.length === 0 ? (
        <EmptyState title="No posts match">Change the filters, or write a post.</EmptyState>
      ) : (
        <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
          <table className="w-full text-left text-sm">
            <thead className="bg-slate-50 text-slate-700">
              <tr>
                <th scope="col" className="px-3 py-2">Post</th>
                <th scope="col" className="px-3 py-2">Accounts</th>
                <th scope="col" className="px-3 py-2">When ({user.timezone})</th>
                <th scope="col" className="px-3 py-2">Status</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-200">
              {items.map((post) => (
                <tr key={post.id}>
                  <td className="max-w-xs truncate px-3 py-2">
                    <Link className="text-indigo-900 underline" to={`/posts/${post.id}`}>{post.title ?? post.content}</Link>
                  </td>
                  <td className="px-3 py-2"><span className="flex flex-wrap gap-1">{post.targets.map((t) => <PlatformBadge key={t.id} platform={t.platform} />)}</span></td>
                  <td className="whitespace-nowrap px-3 py-2">{formatInstant(post.published_at ?? post.scheduled_at ?? post.created_at, user.timezone)}</td>
                  <td className="px-3 py-2"><StatusBadge status={post.status} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {posts.hasNextPage && (
        <Button variant="secondary" className="mt-4" busy={posts.isFetchingNextPage} onClick={() => void posts.fetchNextPage()}>
          Load more
        </Button>
      )}
    </div>
  );
}
