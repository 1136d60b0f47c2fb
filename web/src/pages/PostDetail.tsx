import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, idempotencyKey, unwrap } from '../api/client';
import { bannerMessage } from '../api/errors';
import { useUser } from '../auth/AuthProvider';
import { isInFlight, postQueryKey, useLivePost } from '../live/useLiveEvents';
import { can } from '../lib/roles';
import { formatInstant } from '../lib/time';
import { isMovable } from '../lib/calendar';
import { Alert, Button, Card, ErrorState, Loading, PageHeader, PlatformBadge, StatusBadge } from '../components/ui';

export default function PostDetail() {
  const { id = '' } = useParams();
  const user = useUser();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const post = useLivePost(id);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [publishKey] = useState(idempotencyKey);

  const publish = useMutation({
    mutationFn: () => unwrap(api.POST('/api/posts/{id}/publish', { params: { path: { id }, header: { 'Idempotency-Key': publishKey } } })),
    onSuccess: (p) => {
      queryClient.setQueryData(postQueryKey(id), p);
      // Live status events may have come before this answer: read the post again after it.
      void queryClient.invalidateQueries({ queryKey: postQueryKey(id) });
      void queryClient.invalidateQueries({ queryKey: ['calendar'] });
    },
    onError: (e) => setError(bannerMessage(e)),
  });
  const duplicate = useMutation({
    mutationFn: () => unwrap(api.POST('/api/posts/{id}/duplicate', { params: { path: { id } } })),
    onSuccess: (p) => navigate(`/compose/${p.id}`),
    onError: (e) => setError(bannerMessage(e)),
  });
  const remove = useMutation({
    mutationFn: async () => {
      const { data, response, error: err } = await api.DELETE('/api/posts/{id}', { params: { path: { id } } });
      if (!response.ok) return unwrap(Promise.resolve({ data, error: err, response }));
      return data ?? null;
    },
    onSuccess: (archived) => {
      void queryClient.invalidateQueries({ queryKey: ['posts'] });
      void queryClient.invalidateQueries({ queryKey: ['calendar'] });
      if (archived && 'outcome' in archived) {
        queryClient.setQueryData(postQueryKey(id), archived.post);
        setNotice(archived.message);
      } else {
        navigate('/posts', { replace: true });
      }
    },
    onError: (e) => setError(bannerMessage(e)),
  });

  if (post.isPending) return <Loading />;
  if (post.isError) return <ErrorState error={post.error} onRetry={() => void post.refetch()} />;
  const p = post.data;
  const editable = can(user.role, 'create_content') && isMovable(p.status) && !p.archived_at;

  return (
    <div>
      <PageHeader title={p.title ?? 'Post'}>
        {editable && (
          <>
            <Button variant="secondary" onClick={() => navigate(`/compose/${p.id}`)}>Edit</Button>
            <Button busy={publish.isPending} onClick={() => publish.mutate()}>Publish now</Button>
          </>
        )}
        {can(user.role, 'create_content') && (
          <Button variant="secondary" busy={duplicate.isPending} onClick={() => duplicate.mutate()}>Duplicate</Button>
        )}
        {can(user.role, 'create_content') && !p.archived_at && (
          <Button
            variant="danger"
            busy={remove.isPending}
            onClick={() => {
              if (window.confirm('Delete this post? A post that reached a platform is archived instead, and stays on the platform.')) remove.mutate();
            }}
          >
            Delete
          </Button>
        )}
      </PageHeader>
      {notice && <Alert kind="info" title="Archived, not erased">{notice}</Alert>}
      {error && <Alert>{error}</Alert>}
      <div className="mt-4 grid gap-4 lg:grid-cols-3">
        <Card title="Content" className="lg:col-span-2">
          <p className="whitespace-pre-wrap text-sm">{p.content}</p>
          {p.hashtags.length > 0 && <p className="mt-2 text-sm text-indigo-800">{p.hashtags.map((h) => `#${h.replace(/^#/, '')}`).join(' ')}</p>}
          {p.media.length > 0 && <p className="mt-2 text-sm text-slate-600">{p.media.length} media file(s)</p>}
        </Card>
        <Card title="Status">
          <p className="flex items-center gap-2 text-sm" aria-live="polite">
            <StatusBadge status={p.status} /> {isInFlight(p) && <span className="text-slate-600">updating…</span>}
          </p>
          <dl className="mt-3 space-y-1 text-sm">
            <div><dt className="inline font-medium">Scheduled: </dt><dd className="inline">{formatInstant(p.scheduled_at, user.timezone)}</dd></div>
            <div><dt className="inline font-medium">Published: </dt><dd className="inline">{formatInstant(p.published_at, user.timezone)}</dd></div>
            {p.archived_at && <div><dt className="inline font-medium">Archived: </dt><dd className="inline">{formatInstant(p.archived_at, user.timezone)}</dd></div>}
          </dl>
        </Card>
      </div>
      <Card title="Accounts" className="mt-4">
        <ul className="divide-y divide-slate-200">
          {p.targets.map((t) => (
            <li key={t.id} className="py-2 text-sm">
              <div className="flex flex-wrap items-center gap-2">
                <PlatformBadge platform={t.platform} />
                <span className="font-medium">{t.account_name ?? t.social_account_id}</span>
                <span className="rounded bg-slate-100 px-2 py-0.5 text-xs" data-target-status={t.status}>{t.status}</span>
                {t.permalink && (
                  <a className="text-indigo-800 underline" href={t.permalink} target="_blank" rel="noreferrer noopener">
                    View on the platform
                  </a>
                )}
              </div>
              {t.text_override && <p className="mt-1 whitespace-pre-wrap text-slate-700">Text for this account: {t.text_override}</p>}
              {t.error_message && <p className="mt-1 text-red-800">{t.error_message}{t.next_attempt_at ? ` — next attempt ${formatInstant(t.next_attempt_at, user.timezone)}` : ''}</p>}
            </li>
          ))}
        </ul>
      </Card>
      <p className="mt-4 text-sm"><Link className="text-indigo-800 underline" to="/posts">All posts</Link></p>
    </div>
  );
}
