/**
 * AI tasks and workflows as they run. The live feed's `ai_task.status` events refetch the
 * task's and its workflow's queries (see `cache.ts`), so a screen follows a task without
 * polling. A modest poll stays as the fallback while something runs: every 2 s while the feed is
 * down, every 5 s while it is up (events go only to the member who asked, and a workflow's own
 * status settles just after its last step's event).
 */
import { useQuery, type UseQueryResult } from '@tanstack/react-query';
import { aiKeys, getTask, getWorkflow, type TaskView, type WorkflowView } from '../api/ai';
import { isUnderway } from '../lib/ai';
import { useLiveStatus } from './LiveProvider';

export const AI_POLL_MS = 2000;
export const AI_LIVE_POLL_MS = 5000;

/** How often to ask again for something in this status (false: it will not change). */
export function aiPollInterval(status: string | undefined, feedOpen: boolean): number | false {
  if (!isUnderway(status)) return false;
  return feedOpen ? AI_LIVE_POLL_MS : AI_POLL_MS;
}

export function useAiTask(id: string | undefined): UseQueryResult<TaskView> {
  const feedOpen = useLiveStatus() === 'open';
  return useQuery({
    queryKey: aiKeys.task(id ?? 'none'),
    enabled: !!id,
    queryFn: () => getTask(id!),
    refetchInterval: (q) => aiPollInterval(q.state.data?.status, feedOpen),
  });
}

export function useAiWorkflow(id: string | undefined): UseQueryResult<WorkflowView> {
  const feedOpen = useLiveStatus() === 'open';
  return useQuery({
    queryKey: aiKeys.workflow(id ?? 'none'),
    enabled: !!id,
    queryFn: () => getWorkflow(id!),
    refetchInterval: (q) => aiPollInterval(q.state.data?.status, feedOpen),
  });
}
