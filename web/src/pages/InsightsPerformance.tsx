import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { TaskView } from '../api/ai';
import { insightKeys, latestReview, reviewPerformance, type AccountPerformance, type PerformanceReview, type PostOutlier } from '../api/insights';
import { useUser } from '../auth/AuthProvider';
import { formatCompact } from '../lib/analytics';
import { DIRECTION_LABEL, formatEngagements, formatRatio, formatZ, outliers, readPerformanceReview, REVIEW_DAYS } from '../lib/insights';
import { can } from '../lib/roles';
import { formatInstant } from '../lib/time';
import { useAiTask } from '../live/useAiTask';
import { InsightsTabs } from '../components/insights';
import { TaskResult, useTaskRun } from '../components/ai';
import { Badge } from '../components/sections';
import { Alert, Button, Card, EmptyState, ErrorState, Field, Loading, PageHeader, PlatformBadge, Select } from '../components/ui';

export default function InsightsPerformance() {
  const user = useUser();
  const queryClient = useQueryClient();
  const latest = useQuery({ queryKey: insightKeys.latestReview, queryFn: latestReview });
  const task = useTaskRun();
  const [days, setDays] = useState('14');
  const followed = useAiTask(task.taskId);
  const finished = followed.data?.status === 'completed';
  useEffect(() => {
    if (finished) void queryClient.invalidateQueries({ queryKey: insightKeys.latestReview });
  }, [finished, queryClient]);
  const runs = can(user.role, 'create_content');
  return (
    <div>
      <PageHeader title="Insights" />
      <InsightsTabs />
      <div className="space-y-4">
        <Card title="Performance review">
          <p className="mb-3 text-sm text-slate-700">
            The performance tracker compares each post's engagement with what was expected for its account, hour and type, and flags the ones far above or below. It runs every day on its own.
          </p>
          {runs ? (
            <div className="flex flex-wrap items-end gap-3" role="group" aria-label="Review">
              <div className="w-40">
                <Field label="Period">
                  {(p) => (
                    <Select {...p} value={days} onChange={(e) => setDays(e.target.value)}>
                      {REVIEW_DAYS.map((d) => (
                        <option key={d} value={d}>
                          Last {d} days
                        </option>
                      ))}
                    </Select>
                  )}
                </Field>
              </div>
              <Button busy={task.sending} onClick={() => void task.run(() => reviewPerformance(Number(days)))}>
                Review now
              </Button>
            </div>
          ) : (
            <p className="text-sm text-slate-700">Your role ({user.role}) can read the reviews but not start one.</p>
          )}
          {task.problem && <div className="mt-3">{task.problem}</div>}
        </Card>
        {task.taskId ? (
          <TaskResult taskId={task.taskId} testId="review-result">
            {(t) => <ReviewOf task={t} timezone={user.timezone} />}
          </TaskResult>
        ) : latest.isPending ? (
          <Loading />
        ) : latest.isError ? (
          <ErrorState error={latest.error} onRetry={() => void latest.refetch()} />
        ) : !latest.data ? (
          <EmptyState title="No review yet">The first one arrives with the daily run, or press “Review now”.</EmptyState>
        ) : (
          <ReviewOf task={latest.data} timezone={user.timezone} />
        )}
      </div>
    </div>
  );
}

function ReviewOf({ task, timezone }: { task: TaskView; timezone: string }) {
  const review = readPerformanceReview(task.output);
  if (!review) return <Alert kind="warning">The review cannot be shown here; see <Link className="underline" to={`/ai/tasks/${task.id}`}>its details</Link>.</Alert>;
  return <ReviewView review={review} timezone={timezone} completedAt={task.completed_at ?? null} />;
}

export function ReviewView({ review, timezone, completedAt }: { review: PerformanceReview; timezone: string; completedAt: string | null }) {
  const { above, below } = outliers(review.posts);
  return (
    <div className="space-y-4" data-testid="performance-review">
      <p className="text-sm text-slate-700">
        Posts published from {formatInstant(review.from, timezone)} to {formatInstant(review.to, timezone)}
        {completedAt && <>, reviewed {formatInstant(completedAt, timezone)}</>}.{review.method && <span className="block text-xs text-slate-600">Method: {review.method}</span>}
      </p>
      <div className="grid gap-4 *:min-w-0 lg:grid-cols-2">
        <OutlierList title="Above expectation" posts={above} timezone={timezone} empty="No post did much better than expected." />
        <OutlierList title="Below expectation" posts={below} timezone={timezone} empty="No post did much worse than expected." />
      </div>
      <Card title="Accounts">
        {review.accounts.length === 0 ? (
          <p className="text-sm text-slate-600">No account published in this period.</p>
        ) : (
          <div className="overflow-x-auto">
            <table className="w-full text-sm" data-testid="review-accounts">
              <thead>
                <tr className="text-left text-xs text-slate-600">
                  <th scope="col" className="pb-1 pr-3 font-medium">Account</th>
                  <th scope="col" className="pb-1 pr-3 text-right font-medium">Posts</th>
                  <th scope="col" className="pb-1 pr-3 text-right font-medium">Engagements</th>
                  <th scope="col" className="pb-1 pr-3 text-right font-medium">Expected</th>
                  <th scope="col" className="pb-1 pr-3 text-right font-medium">Ratio</th>
                  <th scope="col" className="pb-1 font-medium">Verdict</th>
                </tr>
              </thead>
              <tbody>
                {review.accounts.map((a) => (
                  <AccountRow key={a.account_id} account={a} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </div>
  );
}

function AccountRow({ account: a }: { account: AccountPerformance }) {
  return (
    <tr className="border-t border-slate-100" data-direction={a.direction}>
      <th scope="row" className="py-1.5 pr-3 text-left font-medium">
        <span className="inline-flex items-center gap-1">
          <PlatformBadge platform={a.platform} /> {a.username ? `@${a.username.replace(/^@/, '')}` : a.account_id.slice(0, 8)}
        </span>
      </th>
      <td className="py-1.5 pr-3 text-right tabular-nums">{a.posts}</td>
      <td className="py-1.5 pr-3 text-right tabular-nums">{formatCompact(a.engagements)}</td>
      <td className="py-1.5 pr-3 text-right tabular-nums">{formatCompact(Math.round(a.expected))}</td>
      <td className="py-1.5 pr-3 text-right tabular-nums">{formatRatio(a.ratio)}</td>
      <td className="py-1.5">
        <DirectionBadge direction={a.direction} /> <span className="text-xs text-slate-600">{formatZ(a.z)}</span>
      </td>
    </tr>
  );
}

function DirectionBadge({ direction }: { direction: string }) {
  return <Badge tone={direction === 'above' ? 'ok' : direction === 'below' ? 'bad' : 'neutral'}>{DIRECTION_LABEL[direction] ?? direction}</Badge>;
}

function OutlierList({ title, posts, timezone, empty }: { title: string; posts: PostOutlier[]; timezone: string; empty: string }) {
  return (
    <Card title={title}>
      {posts.length === 0 ? (
        <p className="text-sm text-slate-600">{empty}</p>
      ) : (
        <ul className="space-y-2" aria-label={`Posts ${title.toLowerCase()}`}>
          {posts.map((p) => (
            <li key={p.post_id} className="rounded border border-slate-200 p-2 text-sm" data-testid="outlier" data-direction={p.direction} data-post-id={p.post_id}>
              <p className="break-words text-slate-900">
                <Link className="hover:underline" to={`/posts/${p.post_id}`}>
                  {p.excerpt || 'Untitled post'}
                </Link>
              </p>
              <p className="mt-1 flex flex-wrap items-center gap-x-2 text-xs text-slate-700">
                <PlatformBadge platform={p.platform} />
                <span>{formatInstant(p.published_at, timezone)}</span>
                <span>
                  {formatCompact(p.engagements)} engagements against {formatEngagements(p.expected)} expected
                </span>
                <span className="font-semibold" data-testid="outlier-ratio">
                  {formatRatio(p.ratio)}
                </span>
                <span>{formatZ(p.z)}</span>
              </p>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
