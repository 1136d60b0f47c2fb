import { Link, useSearchParams } from 'react-router-dom';
import { useInfiniteQuery } from '@tanstack/react-query';
import { aiKeys, listTasks, type AgentType, type TaskFilters, type TaskStatus } from '../api/ai';
import { useUser } from '../auth/AuthProvider';
import { AGENT_LABEL, agentLabel, formatCost, formatDuration, formatTokens, STATUS_LABEL, TASK_STATUSES, taskLabel } from '../lib/ai';
import { can } from '../lib/roles';
import { formatInstant } from '../lib/time';
import { useLiveStatus } from '../live/LiveProvider';
import { AI_LIVE_POLL_MS, AI_POLL_MS } from '../live/useAiTask';
import { AiRoleNotice, AiTabs, ModelName, TaskStatusBadge } from '../components/ai';
import { Button, EmptyState, ErrorState, Field, Loading, PageHeader, Select } from '../components/ui';

/** The filters kept in the address (`?agent=…&status=…`), so a filtered list can be linked to. */
export function filtersFromSearch(params: URLSearchParams): TaskFilters {
  const agent = params.get('agent');
  const status = params.get('status');
  return {
    ...(agent && agent in AGENT_LABEL ? { agent_type: agent as AgentType } : {}),
    ...(status && (TASK_STATUSES as readonly string[]).includes(status) ? { status: status as TaskStatus } : {}),
  };
}

export default function AiTasks() {
  const user = useUser();
  if (!can(user.role, 'create_content')) {
    return <AiRoleNotice title="AI agents" role={user.role} what="their tasks" />;
  }
  return <TaskHistory timezone={user.timezone} />;
}

function TaskHistory({ timezone }: { timezone: string }) {
  const [params, setParams] = useSearchParams();
  const filters = filtersFromSearch(params);
  const feedOpen = useLiveStatus() === 'open';
  const tasks = useInfiniteQuery({
    queryKey: aiKeys.tasks(filters),
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) => listTasks(filters, pageParam),
    getNextPageParam: (last) => last.next_cursor ?? null,
    // Events refresh the list; while something runs, ask again now and then as well.
    refetchInterval: (q) => (q.state.data?.pages.some((p) => p.tasks.some((t) => t.status === 'pending' || t.status === 'running')) ? (feedOpen ? AI_LIVE_POLL_MS : AI_POLL_MS) : false),
  });
  const items = tasks.data?.pages.flatMap((p) => p.tasks) ?? [];
  const set = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };

  return (
    <div>
      <PageHeader title="AI agents" />
      <AiTabs />
      <form className="mb-4 grid gap-3 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-2 lg:grid-cols-4" role="search" aria-label="Filter the tasks" onSubmit={(e) => e.preventDefault()}>
        <Field label="Agent">
          {(p) => (
            <Select {...p} value={filters.agent_type ?? ''} onChange={(e) => set('agent', e.target.value)}>
              <option value="">Any</option>
              {Object.entries(AGENT_LABEL).map(([v, l]) => (
                <option key={v} value={v}>
                  {l}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <Field label="Status">
          {(p) => (
            <Select {...p} value={filters.status ?? ''} onChange={(e) => set('status', e.target.value)}>
              <option value="">Any</option>
              {TASK_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {STATUS_LABEL[s]}
                </option>
              ))}
            </Select>
          )}
        </Field>
      </form>
      {tasks.isPending ? (
        <Loading />
      ) : tasks.isError ? (
        <ErrorState error={tasks.error} onRetry={() => void tasks.refetch()} />
      ) : items.length === 0 ? (
        <EmptyState title={filters.agent_type || filters.status ? 'No task matches' : 'No AI tasks yet'}>
          {filters.agent_type || filters.status ? 'Change the filters.' : (
            <>
              Ask the assistant in the <Link className="text-indigo-800 underline" to="/compose">composer</Link>, or start a <Link className="text-indigo-800 underline" to="/ai/workflows">workflow</Link>.
            </>
          )}
        </EmptyState>
      ) : (
        <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
          <table className="w-full text-left text-sm" data-testid="task-table">
            <caption className="sr-only">AI tasks, newest first, with their tokens, cost, time and model</caption>
            <thead className="bg-slate-50 text-slate-700">
              <tr>
                <th scope="col" className="px-3 py-2">Task</th>
                <th scope="col" className="px-3 py-2">Status</th>
                <th scope="col" className="px-3 py-2">When ({timezone})</th>
                <th scope="col" className="px-3 py-2">Tokens</th>
                <th scope="col" className="px-3 py-2">Cost</th>
                <th scope="col" className="px-3 py-2">Time</th>
                <th scope="col" className="px-3 py-2">Model</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-200">
              {items.map((t) => (
                <tr key={t.id} data-testid="task-row" data-task-id={t.id} data-task-type={t.task_type}>
                  <td className="px-3 py-2">
                    <Link className="font-medium text-indigo-900 underline" to={`/ai/tasks/${t.id}`}>
                      {taskLabel(t.task_type)}
                    </Link>
                    <span className="block text-xs text-slate-600">{agentLabel(t.agent_type)}</span>
                  </td>
                  <td className="px-3 py-2">
                    <TaskStatusBadge status={t.status} />
                  </td>
                  <td className="whitespace-nowrap px-3 py-2">{formatInstant(t.created_at, timezone)}</td>
                  <td className="whitespace-nowrap px-3 py-2">{formatTokens(t.input_tokens, t.output_tokens)}</td>
                  <td className="whitespace-nowrap px-3 py-2" data-testid="task-cost">
                    {formatCost(t.cost_usd)}
                  </td>
                  <td className="whitespace-nowrap px-3 py-2">{formatDuration(t.execution_time_ms)}</td>
                  <td className="min-w-40 px-3 py-2 text-xs">
                    <ModelName model={t.model_used} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {tasks.hasNextPage && (
        <Button variant="secondary" className="mt-4" busy={tasks.isFetchingNextPage} onClick={() => void tasks.fetchNextPage()}>
          Load more
        </Button>
      )}
    </div>
  );
}
