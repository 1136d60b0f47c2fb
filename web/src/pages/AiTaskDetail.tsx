import { Link, useParams } from 'react-router-dom';
import type { TaskView } from '../api/ai';
import { useUser } from '../auth/AuthProvider';
import { agentLabel, formatCost, formatDuration, formatTokens, isUnderway, readGenerated, readHashtagAdvice, readImproved, readTrace, taskLabel } from '../lib/ai';
import { can } from '../lib/roles';
import { formatInstant } from '../lib/time';
import { useAiTask } from '../live/useAiTask';
import { AiRoleNotice, AiTabs, FeedbackButtons, HashtagAdviceView, ImprovedView, ModelName, TaskStatusBadge, TaskUnderway, TraceList, VariantPreview } from '../components/ai';
import { JsonBlock } from '../components/sections';
import { Alert, Card, ErrorState, Loading, PageHeader } from '../components/ui';

export default function AiTaskDetail() {
  const { id = '' } = useParams();
  const user = useUser();
  const task = useAiTask(can(user.role, 'create_content') ? id : undefined);
  if (!can(user.role, 'create_content')) {
    return <AiRoleNotice title="AI task" role={user.role} what="their tasks" />;
  }
  if (task.isPending) return <Loading />;
  if (task.isError) return <ErrorState error={task.error} onRetry={() => void task.refetch()} />;
  const t = task.data;
  return (
    <div>
      <PageHeader title={taskLabel(t.task_type)} />
      <AiTabs />
      <div className="space-y-4">
        <div className="grid gap-4 *:min-w-0 lg:grid-cols-3">
          <Card title="Summary" className="lg:col-span-2">
            <dl className="grid gap-x-6 gap-y-2 text-sm sm:grid-cols-2" data-testid="task-summary">
              <Row label="Status">
                <span className="inline-flex items-center gap-2" aria-live="polite">
                  <TaskStatusBadge status={t.status} />
                  {isUnderway(t.status) && <TaskUnderway task={t} />}
                </span>
              </Row>
              <Row label="Agent">{agentLabel(t.agent_type)}</Row>
              <Row label="Model">
                <ModelName model={t.model_used} />
              </Row>
              <Row label="Tokens">{formatTokens(t.input_tokens, t.output_tokens)}</Row>
              <Row label="Cost">
                <span data-testid="task-cost">{formatCost(t.cost_usd)}</span>
              </Row>
              <Row label="Time">
                {formatDuration(t.execution_time_ms)}
                {t.model_latency_ms > 0 && <span className="text-slate-600"> (of which {formatDuration(t.model_latency_ms)} in the model)</span>}
              </Row>
              <Row label={`Asked (${user.timezone})`}>{formatInstant(t.created_at, user.timezone)}</Row>
              <Row label="Finished">{formatInstant(t.completed_at, user.timezone)}</Row>
              {t.workflow_id && (
                <Row label="Workflow">
                  <Link className="text-indigo-800 underline" to={`/ai/workflows/${t.workflow_id}`}>
                    Open the workflow{t.workflow_step != null ? ` (step ${t.workflow_step + 1})` : ''}
                  </Link>
                </Row>
              )}
            </dl>
          </Card>
          <Card title="Your verdict">
            {t.status === 'completed' ? (
              <FeedbackButtons key={t.id} taskId={t.id} />
            ) : (
              <p className="text-sm text-slate-700">{isUnderway(t.status) ? 'Once the task finishes, say whether its result was useful.' : 'Only a finished result can be accepted or rejected.'}</p>
            )}
          </Card>
        </div>
        {t.error && (
          <Alert title="Error">
            <span data-testid="task-error">{t.error}</span>
          </Alert>
        )}
        <ResultCard task={t} />
        <Card title="Steps">
          <p className="mb-3 text-sm text-slate-700">Every model call and check, in order.</p>
          <TraceList steps={readTrace(t.steps)} />
        </Card>
        <div className="grid gap-4 *:min-w-0 lg:grid-cols-2">
          <Card title="Input">
            <JsonBlock value={t.input} label="The task's input" />
          </Card>
          <Card title="Output">
            <JsonBlock value={t.output} label="The task's output" />
          </Card>
        </div>
      </div>
      <p className="mt-4 text-sm">
        <Link className="text-indigo-800 underline" to="/ai/tasks">
          All tasks
        </Link>
      </p>
    </div>
  );
}

function Row({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <dt className="font-medium text-slate-800">{label}</dt>
      <dd className="text-slate-700">{children}</dd>
    </div>
  );
}

/** The output as the assistant shows it, for the kinds it knows. */
function ResultCard({ task }: { task: TaskView }) {
  if (task.status !== 'completed') return null;
  const generated = task.task_type === 'content_generate' ? readGenerated(task.output) : null;
  const improved = task.task_type === 'content_improve' ? readImproved(task.output) : null;
  const advice = task.task_type === 'hashtag_suggest' ? readHashtagAdvice(task.output) : null;
  if (!generated && !improved && !advice) return null;
  return (
    <Card title="Result">
      {generated && (
        <div className="space-y-3">
          <div className="grid items-start gap-3 *:min-w-0 md:grid-cols-2">
            {generated.variants.map((v) => (
              <VariantPreview key={v.platform} variant={v} />
            ))}
          </div>
          {generated.rationale && (
            <p className="text-sm text-slate-700">
              <span className="font-medium">Why these should work: </span>
              {generated.rationale}
            </p>
          )}
          {generated.draft_post_id && (
            <p className="text-sm">
              <Link className="text-indigo-800 underline" to={`/posts/${generated.draft_post_id}`}>
                Open the draft it saved
              </Link>
            </p>
          )}
        </div>
      )}
      {improved && <ImprovedView improved={improved} />}
      {advice && <HashtagAdviceView advice={advice} />}
    </Card>
  );
}
