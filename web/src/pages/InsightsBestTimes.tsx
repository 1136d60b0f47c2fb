import { useMemo, useState } from 'react';
import { Link } from 'react-router-dom';
import { useQuery, useQueryClient, type UseQueryResult } from '@tanstack/react-query';
import { useAccounts } from '../api/hooks';
import { insightKeys, listDrafts, optimizeSchedule, schedulePost, type AccountSlots, type Assignment, type OptimizeRequest, type ScheduleOptimization } from '../api/insights';
import { ApiError, bannerMessage, mapFieldIssues } from '../api/errors';
import type { Schemas } from '../api/client';
import { useUser } from '../auth/AuthProvider';
import { periodProblem } from '../lib/analytics';
import { PLATFORM_LABEL } from '../lib/calendar';
import { describeEvidence, describeLocalTime, formatLift, formatPercent, readScheduleOptimization } from '../lib/insights';
import { can } from '../lib/roles';
import { addDays, localDate, timeZones } from '../lib/time';
import { postQueryKey } from '../live/useLiveEvents';
import { accountLabel, AccountPicker } from '../components/analytics';
import { BestSlots, BestTimeHeatmap, InsightsTabs, taskProblem } from '../components/insights';
import { TaskResult, useTaskRun } from '../components/ai';
import { Alert, Button, Card, EmptyState, ErrorState, Field, Input, Loading, PageHeader, PlatformBadge, Select } from '../components/ui';

type Account = Schemas['AccountView'];
type Post = Schemas['Post'];

const FIELDS = ['account_ids', 'post_ids', 'from', 'to', 'timezone', 'min_spacing_minutes'] as const;

/** A post's name in lists: its title, or its text's first line. */
export function postExcerpt(post: Pick<Post, 'title' | 'content'>, max = 80): string {
  const text = post.title?.trim() || post.content.split('\n')[0]?.trim() || 'Untitled post';
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export default function InsightsBestTimes() {
  const user = useUser();
  const accounts = useAccounts();
  return (
    <div>
      <PageHeader title="Insights" />
      <InsightsTabs />
      {accounts.isPending ? (
        <Loading />
      ) : accounts.isError ? (
        <ErrorState error={accounts.error} onRetry={() => void accounts.refetch()} />
      ) : accounts.data.accounts.length === 0 ? (
        <EmptyState title="Connect an account first">
          <Link className="text-indigo-800 underline" to="/social-accounts">Connect a social account</Link>: the best times come from its posts' engagement.
        </EmptyState>
      ) : !can(user.role, 'create_content') ? (
        <Alert kind="info">Your role ({user.role}) can see insights but not run the smart scheduler. Ask an admin for the user role.</Alert>
      ) : (
        <BestTimes accounts={accounts.data.accounts} />
      )}
    </div>
  );
}

function BestTimes({ accounts }: { accounts: Account[] }) {
  const user = useUser();
  const zones = useMemo(() => timeZones(), []);
  const today = localDate(new Date(), user.timezone);
  const usable = accounts.filter((a) => a.is_active && !a.needs_reconnect);
  const [selected, setSelected] = useState<string[]>([]);
  const [from, setFrom] = useState(today);
  const [to, setTo] = useState(addDays(today, 13));
  const [timezone, setTimezone] = useState(user.timezone);
  const [spacing, setSpacing] = useState('120');
  const [postIds, setPostIds] = useState<string[]>([]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  // The chosen drafts' names when asked: once scheduled they leave the draft list.
  const [names, setNames] = useState<Record<string, string>>({});
  const drafts = useQuery({ queryKey: insightKeys.drafts, queryFn: listDrafts });
  const task = useTaskRun();

  const submit = async () => {
    const problem = periodProblem(from, to);
    if (problem) {
      setErrors({ to: problem });
      return;
    }
    setErrors({});
    const body: OptimizeRequest = {
      account_ids: selected.length ? selected : usable.map((a) => a.id),
      from,
      to,
      timezone,
      ...(postIds.length ? { post_ids: postIds } : {}),
      ...(spacing.trim() ? { min_spacing_minutes: Number(spacing) } : {}),
    };
    setNames(Object.fromEntries((drafts.data?.items ?? []).filter((d) => postIds.includes(d.id)).map((d) => [d.id, postExcerpt(d)])));
    await task.run(() => optimizeSchedule(body));
  };

  // A 422's details go next to their fields; the rest in the banner.
  const failure = taskProblem(task.error, FIELDS);
  const fieldErrors: Record<string, string | undefined> = { ...failure.fields, ...errors };
  return (
    <div className="grid gap-4 *:min-w-0 lg:grid-cols-3">
      <Card title="Find the best times" className="lg:col-span-1">
        <div className="space-y-3" role="group" aria-label="Best times">
          <AccountPicker accounts={usable} selected={selected} onChange={setSelected} />
          {fieldErrors.account_ids && <p className="text-sm text-red-700" data-field-error>{fieldErrors.account_ids}</p>}
          <div className="grid grid-cols-2 gap-3">
            <Field label="From" error={fieldErrors.from}>
              {(p) => <Input {...p} type="date" value={from} onChange={(e) => setFrom(e.target.value)} />}
            </Field>
            <Field label="To" error={fieldErrors.to}>
              {(p) => <Input {...p} type="date" value={to} onChange={(e) => setTo(e.target.value)} />}
            </Field>
          </div>
          <Field label="Time zone" hint="The heat map's weekdays and hours are in this zone. The period is at most 63 days." error={fieldErrors.timezone}>
            {(p) => (
              <Select {...p} value={timezone} onChange={(e) => setTimezone(e.target.value)}>
                {(zones.includes(timezone) ? zones : [timezone, ...zones]).map((z) => (
                  <option key={z} value={z}>
                    {z}
                  </option>
                ))}
              </Select>
            )}
          </Field>
          <DraftPicker drafts={drafts} selected={postIds} onChange={setPostIds} />
          {fieldErrors.post_ids && <p className="text-sm text-red-700" data-field-error>{fieldErrors.post_ids}</p>}
          {postIds.length > 0 && (
            <Field label="Minimum spacing (minutes)" hint="Between two posts of one account." error={fieldErrors.min_spacing_minutes}>
              {(p) => <Input {...p} type="number" min={15} max={1440} step={15} value={spacing} onChange={(e) => setSpacing(e.target.value)} />}
            </Field>
          )}
          {failure.problem}
          <Button busy={task.sending} onClick={() => void submit()}>
            Find the best times
          </Button>
        </div>
      </Card>
      <div className="space-y-4 lg:col-span-2">
        {!task.taskId ? (
          <EmptyState title="No analysis yet">Pick the accounts and the period, then “Find the best times”: the smart scheduler reads your posts’ engagement per hour of the week.</EmptyState>
        ) : (
          <TaskResult taskId={task.taskId} testId="best-times-result">
            {(t) => {
              const result = readScheduleOptimization(t.output);
              if (!result) return <Alert kind="warning">The result cannot be shown here; see its details.</Alert>;
              return <Optimization result={result} accounts={accounts} names={names} />;
            }}
          </TaskResult>
        )}
      </div>
    </div>
  );
}

function DraftPicker({ drafts, selected, onChange }: { drafts: UseQueryResult<Schemas['PostPage']>; selected: string[]; onChange: (ids: string[]) => void }) {
  return (
    <fieldset className="min-w-0">
      <legend className="mb-1 block text-sm font-medium text-slate-800">Drafts to place (optional)</legend>
      {drafts.isPending ? (
        <Loading label="Loading drafts…" />
      ) : drafts.isError ? (
        <p className="text-sm text-red-800">{bannerMessage(drafts.error)}</p>
      ) : drafts.data.items.length === 0 ? (
        <p className="text-sm text-slate-600">No drafts: the analysis shows the best times only.</p>
      ) : (
        <div className="max-h-48 space-y-1 overflow-auto rounded-md border border-slate-300 p-2" data-testid="draft-picker">
          {drafts.data.items.map((d) => (
            <label key={d.id} className="flex items-start gap-2 text-sm">
              <input
                type="checkbox"
                className="mt-0.5 h-4 w-4"
                checked={selected.includes(d.id)}
                onChange={(e) => onChange(e.target.checked ? [...selected, d.id] : selected.filter((s) => s !== d.id))}
              />
              <span className="min-w-0 break-words">{postExcerpt(d)}</span>
            </label>
          ))}
        </div>
      )}
    </fieldset>
  );
}

function Optimization({ result, accounts, names }: { result: ScheduleOptimization; accounts: Account[]; names: Record<string, string> }) {
  return (
    <div className="space-y-4">
      {result.accounts.map((a) => (
        <AccountBestTimes key={a.account_id} slots={a} account={accounts.find((x) => x.id === a.account_id)} timezone={result.timezone} />
      ))}
      {(result.assignments.length > 0 || result.unassigned.length > 0) && (
        <Assignments result={result} accounts={accounts} names={names} />
      )}
      {result.method && <p className="text-xs text-slate-600">How: {result.method}</p>}
    </div>
  );
}

function AccountBestTimes({ slots, account, timezone }: { slots: AccountSlots; account: Account | undefined; timezone: string }) {
  const name = slots.username ? `@${slots.username.replace(/^@/, '')}` : account ? accountLabel(account) : PLATFORM_LABEL[slots.platform];
  const headingId = `best-${slots.account_id}`;
  return (
    <section aria-labelledby={headingId} className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm" data-testid="account-best-times" data-account-id={slots.account_id}>
      <h2 id={headingId} className="flex flex-wrap items-center gap-2 text-lg font-semibold text-slate-900">
        <PlatformBadge platform={slots.platform} /> {name}
      </h2>
      <p className="mt-1 text-sm text-slate-700" data-testid="best-times-evidence">
        {describeEvidence(slots, PLATFORM_LABEL[slots.platform]).join(' · ')}
      </p>
      <div className="mt-3 space-y-4">
        <div>
          <h3 className="mb-2 text-sm font-medium text-slate-800">Expected engagement by hour, in {timezone}</h3>
          <BestTimeHeatmap account={slots} timezone={timezone} label={name} />
        </div>
        <div>
          <h3 className="mb-2 text-sm font-medium text-slate-800">Top 5 times</h3>
          <BestSlots slots={slots.best} timezone={timezone} />
        </div>
      </div>
    </section>
  );
}

function Assignments({ result, accounts, names }: { result: ScheduleOptimization; accounts: Account[]; names: Record<string, string> }) {
  const excerpt = (id: string) => names[id] ?? `Post ${id.slice(0, 8)}`;
  return (
    <Card title="Proposed times for your drafts">
      {result.assignments.length > 0 && (
        <ul className="space-y-2" aria-label="Proposed times" data-testid="assignments">
          {result.assignments.map((a) => (
            <AssignmentRow key={a.post_id} assignment={a} timezone={result.timezone} excerpt={excerpt(a.post_id)} accounts={a.account_ids.map((id) => accounts.find((x) => x.id === id)).filter((x): x is Account => !!x)} />
          ))}
        </ul>
      )}
      {result.unassigned.length > 0 && (
        <div className="mt-3">
          <h3 className="text-sm font-medium text-slate-800">Not placed</h3>
          <ul className="mt-1 space-y-1 text-sm" data-testid="unassigned">
            {result.unassigned.map((u) => (
              <li key={u.post_id}>
                <span className="font-medium">{excerpt(u.post_id)}</span>: {u.reason}
              </li>
            ))}
          </ul>
        </div>
      )}
    </Card>
  );
}

function AssignmentRow({ assignment: a, timezone, excerpt, accounts }: { assignment: Assignment; timezone: string; excerpt: string; accounts: Account[] }) {
  const queryClient = useQueryClient();
  const [state, setState] = useState<{ kind: 'idle' } | { kind: 'busy' } | { kind: 'done' } | { kind: 'error'; message: string }>({ kind: 'idle' });
  const when = describeLocalTime(a.local_time);
  const schedule = async () => {
    setState({ kind: 'busy' });
    try {
      await schedulePost(a.post_id, a.local_time, timezone);
      setState({ kind: 'done' });
      void queryClient.invalidateQueries({ queryKey: ['posts'] });
      void queryClient.invalidateQueries({ queryKey: ['calendar'] });
      void queryClient.invalidateQueries({ queryKey: postQueryKey(a.post_id) });
    } catch (e) {
      const mapped = e instanceof ApiError ? mapFieldIssues(e.details, []) : undefined;
      setState({ kind: 'error', message: bannerMessage(e, mapped) ?? 'Could not schedule it.' });
    }
  };
  return (
    <li className="rounded border border-slate-200 p-3 text-sm" data-testid="assignment" data-post-id={a.post_id} data-local-time={a.local_time}>
      <div className="flex flex-wrap items-start justify-between gap-2">
        <div className="min-w-0">
          <p className="break-words font-medium text-slate-900">{excerpt}</p>
          <p className="text-slate-700">
            {accounts.map((account) => (
              <span key={account.id}>
                <PlatformBadge platform={account.platform} /> {accountLabel(account)} ·{' '}
              </span>
            ))}
            {when} ({timezone})
          </p>
          <p className="text-xs text-slate-600">
            {formatLift(a.lift)} your average · confidence {formatPercent(a.confidence)}
          </p>
        </div>
        {state.kind === 'done' ? (
          <p className="text-sm text-emerald-800" role="status">
            Scheduled. <Link className="underline" to={`/posts/${a.post_id}`}>See the post</Link>
          </p>
        ) : (
          <Button variant="secondary" busy={state.kind === 'busy'} onClick={() => void schedule()} aria-label={`Schedule “${excerpt}” on ${when}`}>
            Schedule
          </Button>
        )}
      </div>
      {state.kind === 'error' && (
        <div className="mt-2">
          <Alert>{state.message}</Alert>
        </div>
      )}
    </li>
  );
}
