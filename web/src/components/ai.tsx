/**
 * Pieces shared by the AI screens and the composer's assistant: tabs, the model (with its
 * sandbox badge), a task's figures and status, the budget's 402, feedback, a variant as its
 * platform shows it, an improved text, hashtag advice with its evidence, and a task's trace.
 */
import { useState, type ReactNode } from 'react';
import { Link } from 'react-router-dom';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { aiKeys, sendFeedback, type Goal, type HashtagAdvice, type HashtagSource, type Improved, type TaskView, type TraceStep, type Variant } from '../api/ai';
import { bannerMessage } from '../api/errors';
import type { Schemas } from '../api/client';
import { useUser } from '../auth/AuthProvider';
import { budgetFigures, describeBudget, formatCost, GOAL_LABEL, formatDuration, formatLift, formatTokens, isUnderway, modelParts, STATUS_LABEL, taskLabel } from '../lib/ai';
import { useAiTask } from '../live/useAiTask';
import { formatRate } from '../lib/analytics';
import { PLATFORM_LABEL, type Platform } from '../lib/calendar';
import { can } from '../lib/roles';
import { PreviewFrame } from './PlatformPreview';
import { JsonBlock, TabNav } from './sections';
import { Alert, Button, cx, PageHeader, PlatformBadge, Spinner } from './ui';

type Account = Schemas['AccountView'];

const AI_TABS = [{ to: '/ai', label: 'Agents', end: true }];
/** Tasks, workflows and memory are for members who run the agents (viewers only look at them). */
const RUN_TABS = [...AI_TABS, { to: '/ai/tasks', label: 'Tasks' }, { to: '/ai/workflows', label: 'Workflows' }, { to: '/ai/memory', label: 'Memory' }];

export function AiTabs() {
  const user = useUser();
  return <TabNav label="AI agents" tabs={can(user.role, 'create_content') ? RUN_TABS : AI_TABS} />;
}

export function SandboxBadge() {
  return (
    <span
      className="inline-block rounded bg-amber-100 px-1.5 py-0.5 text-xs font-semibold text-amber-900"
      data-testid="sandbox-badge"
      title="Answered by the local model sandbox, not by a real model"
    >
      sandbox
    </span>
  );
}

/** The model as the API names it, with a "sandbox" badge when the sandbox answered. */
export function ModelName({ model }: { model: string | null | undefined }) {
  const parts = modelParts(model);
  if (!parts) return <span>—</span>;
  return (
    <span className="inline-flex flex-wrap items-center gap-1" data-testid="model-name">
      <span className="break-all">{parts.name}</span>
      {parts.sandbox && <SandboxBadge />}
    </span>
  );
}

const STATUS_STYLE: Record<string, string> = {
  pending: 'bg-slate-200 text-slate-800',
  running: 'bg-amber-100 text-amber-900',
  completed: 'bg-emerald-100 text-emerald-900',
  failed: 'bg-red-100 text-red-900',
  cancelled: 'bg-slate-200 text-slate-800',
};

/** A task's, a step's or a workflow's status. */
export function TaskStatusBadge({ status, label }: { status: string; label?: string }) {
  return (
    <span data-task-status={status} className={cx('inline-block whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium', STATUS_STYLE[status] ?? STATUS_STYLE.pending)}>
      {label ?? STATUS_LABEL[status] ?? status}
    </span>
  );
}

/** Model, tokens, cost and time of a task, on one line. */
export function TaskFigures({ task, className }: { task: TaskView; className?: string }) {
  return (
    <dl className={cx('flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-700', className)} data-testid="task-figures">
      <div className="flex flex-wrap items-center gap-1">
        <dt className="font-medium">Model:</dt>
        <dd>
          <ModelName model={task.model_used} />
        </dd>
      </div>
      <div>
        <dt className="inline font-medium">Tokens: </dt>
        <dd className="inline">{formatTokens(task.input_tokens, task.output_tokens)}</dd>
      </div>
      <div>
        <dt className="inline font-medium">Cost: </dt>
        <dd className="inline" data-testid="task-cost">
          {formatCost(task.cost_usd)}
        </dd>
      </div>
      <div>
        <dt className="inline font-medium">Time: </dt>
        <dd className="inline">{formatDuration(task.execution_time_ms)}</dd>
      </div>
    </dl>
  );
}

/** An error from a task endpoint: the month's budget (402) with its figures, or the API's message. */
export function AiErrorAlert({ error }: { error: unknown }) {
  const figures = budgetFigures(error);
  if (figures) {
    const sentence = describeBudget(figures);
    return (
      <Alert title="This month's AI budget is spent">
        <p>{bannerMessage(error)}</p>
        {sentence && (
          <p className="mt-1 font-medium" data-testid="budget-figures">
            {sentence}
          </p>
        )}
        <p className="mt-1">
          See the month's spending on the <Link className="underline" to="/ai">AI agents</Link> page.
        </p>
      </Alert>
    );
  }
  return <Alert>{bannerMessage(error)}</Alert>;
}

/** Accept or reject a task's output: the agents remember it as a preference. */
export function FeedbackButtons({ taskId }: { taskId: string }) {
  const queryClient = useQueryClient();
  const [sent, setSent] = useState<boolean | null>(null);
  const feedback = useMutation({
    mutationFn: (accepted: boolean) => sendFeedback(taskId, accepted),
    onSuccess: (_, accepted) => {
      setSent(accepted);
      void queryClient.invalidateQueries({ queryKey: ['ai', 'memory'] });
    },
  });
  if (sent !== null) {
    return (
      <p role="status" className="text-sm text-emerald-800" data-testid="feedback-sent">
        Thanks: the agents will remember that you {sent ? 'accepted' : 'rejected'} this.
      </p>
    );
  }
  return (
    <div className="space-y-2">
      <div role="group" aria-label="Your verdict on this result" className="flex flex-wrap items-center gap-2">
        <span className="text-sm text-slate-700">Useful?</span>
        <Button variant="secondary" busy={feedback.isPending && feedback.variables === true} disabled={feedback.isPending} onClick={() => feedback.mutate(true)}>
          Accept
        </Button>
        <Button variant="secondary" busy={feedback.isPending && feedback.variables === false} disabled={feedback.isPending} onClick={() => feedback.mutate(false)}>
          Reject
        </Button>
      </div>
      {feedback.isError && <Alert>{bannerMessage(feedback.error)}</Alert>}
    </div>
  );
}

/** The checks of a variant: measured length and hashtags against the platform's caps, and flags. */
export function VariantChecks({ variant, dark }: { variant: Variant; dark?: boolean }) {
  const over = variant.length > variant.max_length;
  const tooManyTags = variant.max_hashtags != null && variant.hashtags.length > variant.max_hashtags;
  return (
    <>
      <p className={cx('mt-2 flex flex-wrap gap-x-3 text-xs', dark ? 'text-slate-300' : 'text-slate-700')}>
        <span data-testid="variant-length" className={cx(over && 'font-bold text-red-700')}>
          {variant.length}/{variant.max_length} characters{variant.platform === 'x' ? ' (weighted)' : ''}
        </span>
        <span data-testid="variant-hashtags" className={cx(tooManyTags && 'font-bold text-red-700')}>
          {variant.hashtags.length}
          {variant.max_hashtags != null ? `/${variant.max_hashtags}` : ''} hashtags
        </span>
        <span data-testid="variant-rewrites">{variant.rewrites === 0 ? 'fit first time' : `rewritten ${variant.rewrites}× to fit`}</span>
      </p>
      {variant.shortened && (
        <p className="mt-2 rounded bg-amber-50 px-2 py-1 text-sm text-amber-900" data-testid="shortened-flag">
          <strong>Shortened:</strong> still too long after the model's rewrites, so it was {variant.thread.length > 1 ? 'split into a thread' : 'cut'}. Read it before you use it.
        </p>
      )}
      {variant.notes.length > 0 && (
        <ul className="mt-2 list-disc space-y-1 rounded bg-slate-50 py-1 pl-6 pr-2 text-xs text-slate-800" aria-label={`Checks on the ${PLATFORM_LABEL[variant.platform]} version`}>
          {variant.notes.map((n, i) => (
            <li key={i}>{n}</li>
          ))}
        </ul>
      )}
    </>
  );
}

/** One platform's generated post, framed as the platform shows it, with its checks. */
export function VariantPreview({ variant, account, children }: { variant: Variant; account?: Account; children?: ReactNode }) {
  const label = PLATFORM_LABEL[variant.platform];
  const name = account?.account_name ?? label;
  const dark = variant.platform === 'tiktok';
  return (
    <PreviewFrame platform={variant.platform} name={name} handle={account?.account_handle ?? ''} label={`${label} version`} testId="ai-variant">
      {variant.thread.length > 1 ? (
        <ol className="list-decimal space-y-2 pl-5 text-sm" aria-label="Thread" data-testid="variant-text">
          {variant.thread.map((post, i) => (
            <li key={i} className="whitespace-pre-wrap break-words">
              {post}
            </li>
          ))}
        </ol>
      ) : (
        <p className="whitespace-pre-wrap break-words text-sm" data-testid="variant-text">
          {variant.text}
        </p>
      )}
      <VariantChecks variant={variant} dark={dark} />
      {children && <div className="mt-3 flex flex-wrap gap-2">{children}</div>}
    </PreviewFrame>
  );
}

/** A rewritten text with what changed and why (and its checks when a platform was named). */
export function ImprovedView({ improved, children }: { improved: Improved; children?: ReactNode }) {
  return (
    <div className="space-y-3" data-testid="improved-result">
      <div>
        <p className="text-sm font-medium text-slate-800">
          New text <span className="font-normal text-slate-600">({improved.original_length} characters before, {[...improved.text].length} now)</span>
        </p>
        <p className="mt-1 whitespace-pre-wrap break-words rounded border border-slate-200 bg-slate-50 p-3 text-sm" data-testid="improved-text">
          {improved.text}
        </p>
        {improved.check && (
          <div aria-label={`Checked against ${PLATFORM_LABEL[improved.check.platform]}`} role="group">
            <VariantChecks variant={improved.check} />
          </div>
        )}
      </div>
      {improved.changes.length > 0 && (
        <div>
          <h3 className="text-sm font-medium text-slate-800">What changed, and why</h3>
          <ul className="mt-1 space-y-2 text-sm" data-testid="improved-changes">
            {improved.changes.map((c, i) => (
              <li key={i} className="rounded border border-slate-200 p-2">
                <p className="font-medium text-slate-900">{c.change}</p>
                <p className="text-slate-700">Why: {c.reason}</p>
              </li>
            ))}
          </ul>
        </div>
      )}
      {children && <div className="flex flex-wrap gap-2">{children}</div>}
    </div>
  );
}

const SOURCE_LABEL: Record<HashtagSource, string> = {
  history: 'Your history',
  co_occurrence: 'Related posts',
  model: 'Model idea',
};

const SOURCE_STYLE: Record<HashtagSource, string> = {
  history: 'bg-emerald-100 text-emerald-900',
  co_occurrence: 'bg-sky-100 text-sky-900',
  model: 'bg-violet-100 text-violet-900',
};

/** Hashtag suggestions, each with its sources and evidence, and the picks per platform. */
export function HashtagAdviceView({ advice, onAdd }: { advice: HashtagAdvice; onAdd?: (tags: string[]) => void }) {
  const picks = Object.entries(advice.per_platform) as [Platform, string[]][];
  return (
    <div className="space-y-3" data-testid="hashtag-advice">
      <p className="text-sm text-slate-700">
        {advice.posts_considered > 0
          ? `From ${advice.posts_considered} of your posts of the last 180 days, whose average engagement rate is ${formatRate(advice.baseline_rate)}.`
          : 'No published posts with metrics yet: these come from related posts and the model’s ideas.'}
      </p>
      {picks.length > 0 && (
        <div>
          <h3 className="text-sm font-medium text-slate-800">Best picks per platform</h3>
          <ul className="mt-1 space-y-2" aria-label="Best picks per platform">
            {picks.map(([platform, tags]) => (
              <li key={platform} className="flex flex-wrap items-center gap-2 text-sm" data-testid="platform-picks" data-platform={platform}>
                <PlatformBadge platform={platform} />
                <span className="text-indigo-900">{tags.length ? tags.join(' ') : 'none'}</span>
                {onAdd && tags.length > 0 && (
                  <Button variant="secondary" className="px-2 py-1 text-xs" onClick={() => onAdd(tags)}>
                    Add the {PLATFORM_LABEL[platform]} picks
                  </Button>
                )}
              </li>
            ))}
          </ul>
        </div>
      )}
      <div>
        <h3 className="text-sm font-medium text-slate-800">Suggestions, best first</h3>
        {advice.suggestions.length === 0 ? (
          <p className="text-sm text-slate-600">No hashtag stands out for this text.</p>
        ) : (
          <ul className="mt-1 space-y-2" aria-label="Suggested hashtags">
            {advice.suggestions.map((s) => (
              <li key={s.tag} className="rounded border border-slate-200 p-2 text-sm" data-testid="hashtag-suggestion" data-tag={s.tag}>
                <div className="flex flex-wrap items-center gap-2">
                  <span className="font-semibold text-indigo-900">{s.tag}</span>
                  {s.sources.map((src) => (
                    <span key={src} className={cx('rounded px-1.5 py-0.5 text-xs font-medium', SOURCE_STYLE[src])} data-source={src}>
                      {SOURCE_LABEL[src]}
                    </span>
                  ))}
                  {onAdd && (
                    <Button variant="ghost" className="ml-auto px-2 py-1 text-xs" aria-label={`Add ${s.tag}`} onClick={() => onAdd([s.tag])}>
                      Add
                    </Button>
                  )}
                </div>
                <p className="mt-1 text-slate-800" data-testid="hashtag-evidence">
                  {s.evidence}
                </p>
                <dl className="mt-1 flex flex-wrap gap-x-4 text-xs text-slate-700">
                  <div>
                    <dt className="inline font-medium">Lift: </dt>
                    <dd className="inline" data-testid="hashtag-lift">
                      {formatLift(s.lift_pct)}
                    </dd>
                  </div>
                  <div>
                    <dt className="inline font-medium">Your uses: </dt>
                    <dd className="inline">{s.uses}</dd>
                  </div>
                  <div>
                    <dt className="inline font-medium">Engagement rate: </dt>
                    <dd className="inline">{formatRate(s.engagement_rate)}</dd>
                  </div>
                  <div>
                    <dt className="inline font-medium">In related posts: </dt>
                    <dd className="inline">{s.co_occurrences}</dd>
                  </div>
                  <div>
                    <dt className="inline font-medium">Score: </dt>
                    <dd className="inline">{s.score.toFixed(2)}</dd>
                  </div>
                </dl>
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}

/** A task's trace: every model call and check, in order. */
export function TraceList({ steps }: { steps: TraceStep[] }) {
  if (steps.length === 0) return <p className="text-sm text-slate-600">No steps recorded yet.</p>;
  return (
    <ol className="space-y-2" aria-label="Steps" data-testid="trace">
      {steps.map((s, i) => {
        const { step, model, attempts, latency_ms, input_tokens, output_tokens, error, retried_after, detail, ...rest } = s;
        const extra = detail ?? (Object.keys(rest).length ? rest : undefined);
        return (
          <li key={i} className="rounded border border-slate-200 p-2 text-sm" data-testid="trace-step" data-step={step}>
            <div className="flex flex-wrap items-baseline gap-x-3 gap-y-1">
              <span className="font-medium text-slate-900">
                {i + 1}. {step}
              </span>
              {model && (
                <span className="text-xs text-slate-700">
                  <ModelName model={model} />
                </span>
              )}
              {attempts != null && <span className="text-xs text-slate-700">{attempts === 1 ? '1 attempt' : `${attempts} attempts`}</span>}
              {latency_ms != null && <span className="text-xs text-slate-700">{formatDuration(latency_ms)}</span>}
              {(input_tokens != null || output_tokens != null) && <span className="text-xs text-slate-700">{formatTokens(input_tokens ?? 0, output_tokens ?? 0)} tokens</span>}
            </div>
            {error && <p className="mt-1 text-red-800">{error}</p>}
            {Array.isArray(retried_after) && retried_after.length > 0 && (
              <p className="mt-1 text-xs text-amber-900">Retried after: {retried_after.join('; ')}</p>
            )}
            {extra !== undefined &&
              (JSON.stringify(extra).length <= 100 ? (
                <p className="mt-1 break-words font-mono text-xs text-slate-700">{JSON.stringify(extra)}</p>
              ) : (
                <div className="mt-1">
                  <JsonBlock value={extra} label={`Detail of step ${i + 1}, ${step}`} />
                </div>
              ))}
          </li>
        );
      })}
    </ol>
  );
}

/** A running task in words, with a spinner. */
export function TaskUnderway({ task }: { task: Pick<TaskView, 'status' | 'task_type'> }) {
  return <Spinner label={`${taskLabel(task.task_type)}: ${task.status === 'pending' ? 'waiting for the agent…' : 'working…'}`} />;
}

/** What a role that cannot run the agents sees instead of a page: the tabs and why. */
export function AiRoleNotice({ title, role, what }: { title: string; role: string; what: string }) {
  return (
    <div>
      <PageHeader title={title} />
      <AiTabs />
      <Alert kind="info">
        Your role ({role}) can see the agents but not {what}. Ask an admin for the user role.
      </Alert>
    </div>
  );
}

/** The options of a brief's goal, "Any" first. */
export function GoalOptions() {
  return (
    <>
      <option value="">Any</option>
      {(Object.keys(GOAL_LABEL) as Goal[]).map((g) => (
        <option key={g} value={g}>
          {GOAL_LABEL[g]}
        </option>
      ))}
    </>
  );
}

/**
 * Runs one agent task call (`Prefer: wait=20`): the task it answered (finished, or still
 * pending: then `useAiTask` follows it over the live feed), and the problem to show. A 402
 * keeps its budget figures; other errors are what `describe` says of them (a form maps its
 * 422 fields itself), or the generic alert.
 */
export function useTaskRun() {
  const queryClient = useQueryClient();
  const [taskId, setTaskId] = useState<string>();
  const [error, setError] = useState<unknown>(null);
  const [banner, setBanner] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const run = async (call: () => Promise<TaskView>, describe?: (e: unknown) => string | null): Promise<TaskView | null> => {
    setError(null);
    setBanner(null);
    setSending(true);
    try {
      const task = await call();
      queryClient.setQueryData(aiKeys.task(task.id), task);
      setTaskId(task.id);
      void queryClient.invalidateQueries({ queryKey: ['ai', 'tasks'] });
      void queryClient.invalidateQueries({ queryKey: aiKeys.usage });
      return task;
    } catch (e) {
      if (describe && !budgetFigures(e)) setBanner(describe(e));
      else setError(e);
      return null;
    } finally {
      setSending(false);
    }
  };
  const problem = error ? <AiErrorAlert error={error} /> : banner ? <Alert>{banner}</Alert> : null;
  return { taskId, run, sending, problem, error };
}

/**
 * A task's result: underway, failed, or `children` once completed, with its figures, a link
 * to its details and (`feedback`) the accept/reject buttons.
 */
export function TaskResult({
  taskId,
  children,
  testId = 'insight-result',
  className = 'space-y-3',
  feedback = false,
}: {
  taskId: string | undefined;
  children: (task: TaskView) => ReactNode;
  testId?: string;
  className?: string;
  feedback?: boolean;
}) {
  const task = useAiTask(taskId);
  if (!taskId || !task.data) return null;
  const t = task.data;
  return (
    <div className={className} data-testid={testId} data-task-id={t.id} data-status={t.status}>
      <p className="sr-only" role="status">
        {t.status === 'completed' ? `${taskLabel(t.task_type)}: done.` : t.status === 'failed' ? `${taskLabel(t.task_type)}: failed.` : ''}
      </p>
      {isUnderway(t.status) ? (
        <TaskUnderway task={t} />
      ) : t.status === 'failed' || t.status === 'cancelled' ? (
        <Alert title="The agent could not do it">{t.error ?? 'The task did not finish.'}</Alert>
      ) : (
        children(t)
      )}
      {!isUnderway(t.status) && (
        <div className="space-y-2 rounded-md bg-slate-50 p-2">
          <TaskFigures task={t} />
          <div className="flex flex-wrap items-center justify-between gap-2">
            {feedback && t.status === 'completed' ? <FeedbackButtons key={t.id} taskId={t.id} /> : <span />}
            <Link className="text-sm text-indigo-800 underline" to={`/ai/tasks/${t.id}`}>
              Details<span className="sr-only"> of this task</span>
            </Link>
          </div>
        </div>
      )}
    </div>
  );
}
