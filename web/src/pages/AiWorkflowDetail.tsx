import { useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { useQueries, useQueryClient } from '@tanstack/react-query';
import { aiKeys, retryWorkflow, type StepView, type WorkflowView } from '../api/ai';
import { api, unwrap } from '../api/client';
import { useUser } from '../auth/AuthProvider';
import {
  agentLabel,
  budgetFigures,
  draftPostIds,
  formatCost,
  formatDuration,
  formatTokens,
  isUnderway,
  readRecommendations,
  reviewReportId,
  STEP_LABEL,
  stepProgress,
  WORKFLOW_LABEL,
  workflowName,
} from '../lib/ai';
import { bannerMessage } from '../api/errors';
import { can } from '../lib/roles';
import { formatInstant } from '../lib/time';
import { postQueryKey } from '../live/cache';
import { useAiWorkflow } from '../live/useAiTask';
import { AiErrorAlert, AiRoleNotice, AiTabs, TaskStatusBadge } from '../components/ai';
import { Alert, Button, Card, ErrorState, Loading, PageHeader, PlatformBadge, Spinner, StatusBadge } from '../components/ui';

export default function AiWorkflowDetail() {
  const { id = '' } = useParams();
  const user = useUser();
  const runs = can(user.role, 'create_content');
  const workflow = useAiWorkflow(runs ? id : undefined);
  if (!runs) {
    return <AiRoleNotice title="AI workflow" role={user.role} what="their workflows" />;
  }
  if (workflow.isPending) return <Loading />;
  if (workflow.isError) return <ErrorState error={workflow.error} onRetry={() => void workflow.refetch()} />;
  return <WorkflowScreen workflow={workflow.data} timezone={user.timezone} />;
}

function WorkflowScreen({ workflow: w, timezone }: { workflow: WorkflowView; timezone: string }) {
  const queryClient = useQueryClient();
  const [retrying, setRetrying] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  const retry = async () => {
    setRetrying(true);
    setFailure(null);
    try {
      const next = await retryWorkflow(w.id);
      queryClient.setQueryData(aiKeys.workflow(w.id), next);
      void queryClient.invalidateQueries({ queryKey: aiKeys.workflows });
    } catch (e) {
      setFailure(e);
    } finally {
      setRetrying(false);
    }
  };
  const drafts = w.workflow_type === 'campaign' && w.status === 'completed' ? draftPostIds(w.output) : [];
  const recommendations = w.workflow_type === 'weekly_review' ? readRecommendations(w.output) : null;
  const reportId = w.workflow_type === 'weekly_review' ? reviewReportId(w.output) : null;

  return (
    <div>
      <PageHeader title={workflowName(w.input, w.workflow_type)}>
        {w.status === 'failed' && (
          <Button busy={retrying} onClick={() => void retry()}>
            Retry the failed step
          </Button>
        )}
      </PageHeader>
      <AiTabs />
      <div className="space-y-4">
        {failure ? budgetFigures(failure) ? <AiErrorAlert error={failure} /> : <Alert>{bannerMessage(failure)}</Alert> : null}
        <Card title="Summary">
          <dl className="grid gap-x-6 gap-y-2 text-sm sm:grid-cols-2 lg:grid-cols-4" data-testid="workflow-summary" data-status={w.status}>
            <div>
              <dt className="font-medium text-slate-800">Status</dt>
              <dd className="flex flex-wrap items-center gap-2" aria-live="polite">
                <TaskStatusBadge status={w.status} />
                <span className="text-slate-700">{stepProgress(w.steps)}</span>
              </dd>
            </div>
            <div>
              <dt className="font-medium text-slate-800">Workflow</dt>
              <dd className="text-slate-700">{WORKFLOW_LABEL[w.workflow_type] ?? w.workflow_type}</dd>
            </div>
            <div>
              <dt className="font-medium text-slate-800">Cost so far</dt>
              <dd className="text-slate-700" data-testid="workflow-cost">
                {formatCost(w.cost_usd)}
              </dd>
            </div>
            <div>
              <dt className="font-medium text-slate-800">Started ({timezone})</dt>
              <dd className="text-slate-700">
                {formatInstant(w.created_at, timezone)}
                {w.completed_at && <span className="block">ended {formatInstant(w.completed_at, timezone)}</span>}
              </dd>
            </div>
          </dl>
        </Card>
        {w.status === 'failed' && w.error && (
          <Alert title="The workflow stopped">
            <p data-testid="workflow-error">{w.error}</p>
            <p className="mt-1">“Retry the failed step” runs it again.</p>
          </Alert>
        )}
        <Card title="Steps">
          <ol className="space-y-3" aria-label="Steps" data-testid="workflow-steps">
            {w.steps.map((s) => (
              <StepItem key={s.index} step={s} timezone={timezone} />
            ))}
          </ol>
        </Card>
        {drafts.length > 0 && <Drafts ids={drafts} timezone={timezone} />}
        {w.status === 'completed' && w.workflow_type === 'campaign' && drafts.length === 0 && <Alert kind="info">The campaign finished without drafts.</Alert>}
        {recommendations && (
          <Card title="Recommendations">
            {recommendations.summary && <p className="text-sm text-slate-800">{recommendations.summary}</p>}
            <ul className="mt-2 space-y-2 text-sm" data-testid="recommendations">
              {recommendations.items.map((r, i) => (
                <li key={i} className="rounded border border-slate-200 p-2">
                  <p className="font-medium text-slate-900">{r.action}</p>
                  {r.rationale && <p className="text-slate-700">{r.rationale}</p>}
                </li>
              ))}
            </ul>
          </Card>
        )}
        {reportId && (
          <p className="text-sm">
            The week's report is built in the background:{' '}
            <Link className="text-indigo-800 underline" to="/analytics/reports">
              see it in the reports
            </Link>
            .
          </p>
        )}
      </div>
      <p className="mt-4 text-sm">
        <Link className="text-indigo-800 underline" to="/ai/workflows">
          All workflows
        </Link>
      </p>
    </div>
  );
}

function StepItem({ step: s, timezone }: { step: StepView; timezone: string }) {
  return (
    <li className="rounded-md border border-slate-200 p-3" data-testid="workflow-step" data-step={s.name} data-status={s.status}>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className="font-medium text-slate-900">
          {s.index + 1}. {STEP_LABEL[s.name] ?? s.name}
          <span className="ml-2 text-sm font-normal text-slate-600">{agentLabel(s.agent_type)}</span>
        </p>
        <span className="flex items-center gap-2">
          {isUnderway(s.status) && s.tasks.length > 0 && <Spinner small />}
          <TaskStatusBadge status={s.status} label={s.tasks.length === 0 ? 'Not reached' : undefined} />
        </span>
      </div>
      {s.tasks.length === 0 ? (
        <p className="mt-1 text-sm text-slate-600">Runs once the step before it completes.</p>
      ) : (
        <ul className="mt-2 space-y-2" aria-label={`Tries of step ${s.index + 1}`}>
          {s.tasks.map((t, i) => (
            <li key={t.id} className="rounded bg-slate-50 p-2 text-sm" data-testid="step-task" data-status={t.status}>
              <div className="flex flex-wrap items-center gap-x-4 gap-y-1 text-xs text-slate-700">
                {s.tasks.length > 1 && <span className="font-medium">Try {i + 1}</span>}
                <TaskStatusBadge status={t.status} />
                <span>{formatTokens(t.input_tokens, t.output_tokens)} tokens</span>
                <span data-testid="step-cost">{formatCost(t.cost_usd)}</span>
                <span>{formatDuration(t.execution_time_ms)}</span>
                <span>{formatInstant(t.created_at, timezone)}</span>
                <Link className="text-indigo-800 underline" to={`/ai/tasks/${t.id}`}>
                  Details<span className="sr-only"> of step {s.index + 1}{s.tasks.length > 1 ? `, try ${i + 1}` : ''}</span>
                </Link>
              </div>
              {t.error && <p className="mt-1 text-red-800">{t.error}</p>}
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}

/** The campaign's drafts: on the calendar at a proposed time, waiting for a member to schedule them. */
function Drafts({ ids, timezone }: { ids: string[]; timezone: string }) {
  const posts = useQueries({
    queries: ids.map((id) => ({
      queryKey: postQueryKey(id),
      queryFn: () => unwrap(api.GET('/api/posts/{id}', { params: { path: { id } } })),
    })),
  });
  return (
    <Card title="Drafts">
      <p className="text-sm text-slate-700">
        Each draft has a proposed time; an agent never schedules. Open one to check it and schedule it, or see them on the{' '}
        <Link className="text-indigo-800 underline" to="/calendar">
          calendar
        </Link>
        .
      </p>
      <ul className="mt-3 divide-y divide-slate-200" aria-label="Drafts" data-testid="workflow-drafts">
        {ids.map((id, i) => {
          const post = posts[i]?.data;
          return (
            <li key={id} className="flex flex-wrap items-start justify-between gap-2 py-2" data-post-id={id}>
              <div className="min-w-0">
                <Link className="font-medium text-indigo-900 underline" to={`/posts/${id}`}>
                  {post ? post.title ?? `${post.content.slice(0, 80)}${post.content.length > 80 ? '…' : ''}` : `Draft ${i + 1}`}
                </Link>
                {post && (
                  <p className="mt-0.5 flex flex-wrap items-center gap-1 text-xs text-slate-600">
                    {post.targets.map((t) => (
                      <PlatformBadge key={t.id} platform={t.platform} />
                    ))}
                    <span>proposed for {formatInstant(post.scheduled_at, timezone)}</span>
                  </p>
                )}
              </div>
              {post && <StatusBadge status={post.status} />}
            </li>
          );
        })}
      </ul>
    </Card>
  );
}
