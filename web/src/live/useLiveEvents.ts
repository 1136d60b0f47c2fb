/**
 * Live post status. The live feed's `post.status` events update `['post', id]` in the cache
 * (see `cache.ts`), so a post page changes as the post goes out, without polling. Only while the
 * feed is down (reconnecting, or blocked on the way) does the hook fall back to polling
 * `GET /api/posts/{id}` every 2 s for a post on its way out.
 */
import { useQuery, type UseQueryResult } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../api/client';
import { postQueryKey } from './cache';
import { useLiveStatus } from './LiveProvider';

export { postQueryKey };
export type Post = Schemas['Post'];
export const LIVE_POLL_MS = 2000;

/** Whether a post may still change on its own soon (publishing, or due now). */
export function isInFlight(post: Pick<Post, 'status' | 'scheduled_at'> | undefined, now = Date.now()): boolean {
  if (!post) return false;
  if (post.status === 'publishing') return true;
  return post.status === 'scheduled' && !!post.scheduled_at && Date.parse(post.scheduled_at) <= now + 5000;
}

export function useLivePost(id: string | undefined): UseQueryResult<Post> {
  const live = useLiveStatus() === 'open';
  return useQuery({
    queryKey: postQueryKey(id ?? 'none'),
    enabled: !!id,
    queryFn: () => unwrap(api.GET('/api/posts/{id}', { params: { path: { id: id! } } })),
    refetchInterval: (query) => (!live && isInFlight(query.state.data) ? LIVE_POLL_MS : false),
  });
}
