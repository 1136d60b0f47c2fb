/**
 * Live post status. Today it polls `GET /api/posts/{id}` every 2 s while a post is on its way
 * out; the WebSocket feed will replace the polling behind this same hook.
 */
import { useQuery, type UseQueryResult } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../api/client';

export type Post = Schemas['Post'];
export const LIVE_POLL_MS = 2000;

/** Whether a post may still change on its own soon (publishing, or due now). */
export function isInFlight(post: Pick<Post, 'status' | 'scheduled_at'> | undefined, now = Date.now()): boolean {
  if (!post) return false;
  if (post.status === 'publishing') return true;
  return post.status === 'scheduled' && !!post.scheduled_at && Date.parse(post.scheduled_at) <= now + 5000;
}

export function postQueryKey(id: string) {
  return ['post', id] as const;
}

export function useLivePost(id: string | undefined): UseQueryResult<Post> {
  return useQuery({
    queryKey: postQueryKey(id ?? 'none'),
    enabled: !!id,
    queryFn: () => unwrap(api.GET('/api/posts/{id}', { params: { path: { id: id! } } })),
    refetchInterval: (query) => (isInFlight(query.state.data) ? LIVE_POLL_MS : false),
  });
}
