import { useMemo, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { useForm, type Path } from 'react-hook-form';
import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query';
import { aiKeys, listWorkflows, startWorkflow, type WorkflowView } from '../api/ai';
import { useAccounts } from '../api/hooks';
import { useUser } from '../auth/AuthProvider';
import { applyApiError } from '../lib/forms';
import { budgetFigures, buildWorkflowRequest, formatCost, isUnderway, stepProgress, WORKFLOW_ALIASES, WORKFLOW_LABEL, workflowName, type WorkflowForm } from '../lib/ai';
import { PLATFORM_LABEL } from '../lib/calendar';
import { can } from '../lib/roles';
import { addDays, formatInstant, localDate, timeZones } from '../lib/time';
import { useLiveStatus } from '../live/LiveProvider';
import { AI_LIVE_POLL_MS, AI_POLL_MS } from '../live/useAiTask';
import { AiErrorAlert, AiRoleNotice, AiTabs, GoalOptions, TaskStatusBadge } from '../components/ai';
import { Alert, Button, Card, EmptyState, ErrorState, Field, Input, Loading, PageHeader, PlatformBadge, Select } from '../components/ui';

export default function AiWorkflows() {
  const user = useUser();
  if (!can(user.role, 'create_content')) {
    return <AiRoleNotice title="AI agents" role={user.role} what="run workflows" />;
  }
  return (
    <div>
      <PageHeader title="AI agents" />
      <AiTabs />
      <div className="grid gap-4 *:min-w-0 lg:grid-cols-5">
        <div className="lg:col-span-2">
          <StartWorkflow timezone={user.timezone} />
        </div>
        <div className="lg:col-span-3">
          <WorkflowList timezone={user.timezone} />
        </div>
      </div>
    </div>
  );
}

const FIELDS: Path<WorkflowForm>[] = ['name', 'topic', 'goal', 'tone', 'posts', 'accounts', 'starts_on', 'timezone', 'language'];

function StartWorkflow({ timezone }: { timezone: string }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const accounts = useAccounts();
  const zones = useMemo(() => timeZones(), []);
  const [banner, setBanner] = useState<string | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const form = useForm<WorkflowForm>({
    defaultValues: {
      type: 'campaign',
      name: '',
      topic: '',
      goal: '',
      tone: '',
      posts: '3',
      accounts: [],
      starts_on: addDays(localDate(new Date(), timezone), 1),
      timezone,
      language: '',
    },
  });
  const { errors } = form.formState;
  const type = form.watch('type');
  const list = (accounts.data?.accounts ?? []).filter((a) => a.is_active && !a.needs_reconnect);

  const onSubmit = form.handleSubmit(async (values) => {
    setBanner(null);
    setFailure(null);
    if (values.type === 'campaign') {
      let missing = false;
      if (!values.name.trim()) {
        form.setError('name', { type: 'required', message: 'Name the campaign' });
        missing = true;
      }
      if (!values.topic.trim()) {
        form.setError('topic', { type: 'required', message: 'Say what the posts are about' });
        missing = true;
      }
      if (values.accounts.length === 0) {
        form.setError('accounts', { type: 'required', message: 'Choose at least one account' });
        missing = true;
      }
      if (missing) return;
    }
    try {
      const workflow = await startWorkflow(buildWorkflowRequest(values, list));
      queryClient.setQueryData(aiKeys.workflow(workflow.id), workflow);
      void queryClient.invalidateQueries({ queryKey: aiKeys.workflows });
      void queryClient.invalidateQueries({ queryKey: aiKeys.usage });
      navigate(`/ai/workflows/${workflow.id}`);
    } catch (e) {
      if (budgetFigures(e)) setFailure(e);
      else setBanner(applyApiError(e, form.setError, FIELDS, WORKFLOW_ALIASES));
    }
  });

  return (
    <Card title="Start a workflow">
      <form onSubmit={onSubmit} noValidate className="space-y-3" aria-label="Start a workflow">
        <fieldset>
          <legend className="text-sm font-medium text-slate-800">Workflow</legend>
          <div className="mt-1 space-y-1 text-sm">
            <label className="flex items-start gap-2">
              <input type="radio" className="mt-1" value="campaign" {...form.register('type')} />
              <span>
                <span className="font-medium">Campaign</span>: posts on one brief, one a day, written, given a time slot and saved as drafts for you to approve.
              </span>
            </label>
            <label className="flex items-start gap-2">
              <input type="radio" className="mt-1" value="weekly_review" {...form.register('type')} />
              <span>
                <span className="font-medium">Weekly review</span>: last week's figures, a PDF report and recommendations.
              </span>
            </label>
          </div>
        </fieldset>
        {failure ? <AiErrorAlert error={failure} /> : banner && <Alert>{banner}</Alert>}
        {type === 'campaign' ? (
          <>
            <Field label="Name" error={errors.name?.message}>
              {(p) => <Input {...p} placeholder="Spring launch" {...form.register('name')} />}
            </Field>
            <Field label="Topic" hint="What the posts are about." error={errors.topic?.message}>
              {(p) => <Input {...p} {...form.register('topic')} />}
            </Field>
            <div className="grid grid-cols-2 gap-3">
              <Field label="Goal" error={errors.goal?.message}>
                {(p) => (
                  <Select {...p} {...form.register('goal')}>
                    <GoalOptions />
                  </Select>
                )}
              </Field>
              <Field label="Tone (optional)" error={errors.tone?.message}>
                {(p) => <Input {...p} {...form.register('tone')} />}
              </Field>
            </div>
            <fieldset aria-describedby={errors.accounts ? 'workflow-accounts-error' : undefined}>
              <legend className="text-sm font-medium text-slate-800">Accounts</legend>
              {accounts.isPending ? (
                <Loading />
              ) : list.length === 0 ? (
                <p className="text-sm text-slate-700">
                  <Link className="text-indigo-800 underline" to="/social-accounts">Connect a social account</Link> first: the drafts are for your accounts.
                </p>
              ) : (
                <div className="mt-1 flex flex-wrap gap-2">
                  {list.map((a) => (
                    <label key={a.id} className="flex items-center gap-2 rounded border border-slate-300 px-2 py-1 text-sm">
                      <input type="checkbox" value={a.id} {...form.register('accounts')} />
                      <PlatformBadge platform={a.platform} /> {a.account_name ?? a.account_handle ?? PLATFORM_LABEL[a.platform]}
                    </label>
                  ))}
                </div>
              )}
              {errors.accounts && (
                <p id="workflow-accounts-error" className="mt-1 text-sm text-red-700" data-field-error>
                  {errors.accounts.message}
                </p>
              )}
            </fieldset>
            <div className="grid grid-cols-2 gap-3">
              <Field label="Posts" hint="1 to 7, one a day." error={errors.posts?.message}>
                {(p) => <Input {...p} type="number" min={1} max={7} {...form.register('posts')} />}
              </Field>
              <Field label="First day" error={errors.starts_on?.message}>
                {(p) => <Input {...p} type="date" {...form.register('starts_on')} />}
              </Field>
            </div>
          </>
        ) : (
          <Field label="Language (optional)" hint="e.g. en, fr; the agent's otherwise." error={errors.language?.message}>
            {(p) => <Input {...p} {...form.register('language')} />}
          </Field>
        )}
        <Field label="Time zone" hint={type === 'campaign' ? 'The time slots are in it.' : 'The days are cut in it.'} error={errors.timezone?.message}>
          {(p) => (
            <Select {...p} {...form.register('timezone')}>
              {!zones.includes(timezone) && <option value={timezone}>{timezone}</option>}
              {zones.map((z) => (
                <option key={z} value={z}>
                  {z}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <Button type="submit" busy={form.formState.isSubmitting}>
          {type === 'campaign' ? 'Start the campaign' : 'Start the weekly review'}
        </Button>
      </form>
    </Card>
  );
}

function WorkflowList({ timezone }: { timezone: string }) {
  const feedOpen = useLiveStatus() === 'open';
  const workflows = useInfiniteQuery({
    queryKey: aiKeys.workflows,
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) => listWorkflows(pageParam),
    getNextPageParam: (last) => last.next_cursor ?? null,
    refetchInterval: (q) => (q.state.data?.pages.some((p) => p.workflows.some((w) => isUnderway(w.status))) ? (feedOpen ? AI_LIVE_POLL_MS : AI_POLL_MS) : false),
  });
  const items = workflows.data?.pages.flatMap((p) => p.workflows) ?? [];
  return (
    <Card title="Workflows">
      {workflows.isPending ? (
        <Loading />
      ) : workflows.isError ? (
        <ErrorState error={workflows.error} onRetry={() => void workflows.refetch()} />
      ) : items.length === 0 ? (
        <EmptyState title="No workflow yet">Start a campaign or a weekly review with the form.</EmptyState>
      ) : (
        <>
          <ul className="divide-y divide-slate-200" aria-label="Workflows" data-testid="workflow-list">
            {items.map((w) => (
              <WorkflowRow key={w.id} workflow={w} timezone={timezone} />
            ))}
          </ul>
          {workflows.hasNextPage && (
            <Button variant="secondary" className="mt-3" busy={workflows.isFetchingNextPage} onClick={() => void workflows.fetchNextPage()}>
              Load more
            </Button>
          )}
        </>
      )}
    </Card>
  );
}

function WorkflowRow({ workflow: w, timezone }: { workflow: WorkflowView; timezone: string }) {
  return (
    <li className="flex flex-wrap items-start justify-between gap-2 py-3 first:pt-0 last:pb-0" data-workflow-id={w.id} data-status={w.status}>
      <div className="min-w-0">
        <Link className="font-medium text-indigo-900 underline" to={`/ai/workflows/${w.id}`}>
          {workflowName(w.input, w.workflow_type)}
        </Link>
        <p className="text-sm text-slate-600">
          {WORKFLOW_LABEL[w.workflow_type] ?? w.workflow_type} · {stepProgress(w.steps)} · {formatCost(w.cost_usd)}
        </p>
        <p className="text-xs text-slate-600">Started {formatInstant(w.created_at, timezone)}</p>
      </div>
      <TaskStatusBadge status={w.status} />
    </li>
  );
}
