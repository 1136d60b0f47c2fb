import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { analyzeTrends, getKeywords, getTrends, insightKeys, putKeywords, type TrendReport, type TrendTerm, type Trends } from '../api/insights';
import { bannerMessage } from '../api/errors';
import { useUser } from '../auth/AuthProvider';
import { formatRate } from '../lib/analytics';
import { modelParts } from '../lib/ai';
import { formatInstant } from '../lib/time';
import { formatRatio, formatZ, lastDays, parseKeywords, readTrendReport, sandboxText, TERM_SOURCE_LABEL } from '../lib/insights';
import { can } from '../lib/roles';
import { SandboxBadge, TaskResult, useTaskRun } from '../components/ai';
import { ChangeBadge } from '../components/analytics';
import { InsightsTabs, Sparkline } from '../components/insights';
import { Alert, Button, Card, cx, EmptyState, ErrorState, Field, Input, Loading, PageHeader } from '../components/ui';

export default function InsightsTrends() {
  const user = useUser();
  const queryClient = useQueryClient();
  const trends = useQuery({ queryKey: insightKeys.trends, queryFn: () => getTrends({ tz: user.timezone }) });
  const task = useTaskRun();
  const [adHoc, setAdHoc] = useState('');
  const runs = can(user.role, 'create_content');
  const market = trends.data ? readTrendReport(trends.data.market) : null;
  const analyze = async () => {
    const keywords = parseKeywords(adHoc);
    const done = await task.run(() => analyzeTrends(keywords));
    if (done) void queryClient.invalidateQueries({ queryKey: insightKeys.trends });
  };
  return (
    <div>
      <PageHeader title="Insights" />
      <InsightsTabs />
      <div className="grid gap-4 *:min-w-0 lg:grid-cols-3">
        <div className="space-y-4">
          <KeywordsCard />
          <Card title="Analyze">
            {runs ? (
              <div className="space-y-3" role="group" aria-label="Analyze trends">
                <Field label="Other keywords for this run (optional)" hint="Separated by commas; blank: your tracked keywords. At most 10.">
                  {(p) => <Input {...p} value={adHoc} placeholder="coffee, #latteart" onChange={(e) => setAdHoc(e.target.value)} />}
                </Field>
                {task.problem}
                <Button busy={task.sending} onClick={() => void analyze()}>
                  Analyze now
                </Button>
              </div>
            ) : (
              <p className="text-sm text-slate-700">Your role ({user.role}) can read the trends but not run the trend analyzer.</p>
            )}
          </Card>
        </div>
        <div className="space-y-4 lg:col-span-2">
          {task.taskId ? (
            <TaskResult taskId={task.taskId} testId="trends-result">
              {(t) => {
                const report = readTrendReport(t.output);
                if (!report) return <Alert kind="warning">The result cannot be shown here; see its details.</Alert>;
                return <MarketReport report={report} timezone={user.timezone} sandbox={modelParts(t.model_used)?.sandbox} />;
              }}
            </TaskResult>
          ) : trends.isPending ? (
            <Loading />
          ) : trends.isError ? (
            <ErrorState error={trends.error} onRetry={() => void trends.refetch()} />
          ) : market ? (
            <MarketReport report={market} timezone={user.timezone} />
          ) : (
            <EmptyState title="No trend report yet">Track a few keywords and press “Analyze now”: the analyzer compares the last day's mentions with the days before.</EmptyState>
          )}
          {trends.data && <OwnHistory trends={trends.data} />}
        </div>
      </div>
    </div>
  );
}

function KeywordsCard() {
  const user = useUser();
  const queryClient = useQueryClient();
  const keywords = useQuery({ queryKey: insightKeys.keywords, queryFn: getKeywords });
  const mayEdit = can(user.role, 'configure_agents');
  const [draft, setDraft] = useState<string[] | null>(null);
  const [adding, setAdding] = useState('');
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  // The saved list until the user edits it.
  const list = draft ?? keywords.data?.keywords ?? [];
  const changed = JSON.stringify(list) !== JSON.stringify(keywords.data?.keywords ?? []);
  const add = () => {
    const next = parseKeywords([...list, ...parseKeywords(adding)].join(','));
    setDraft(next);
    setAdding('');
    setSaved(false);
  };
  const save = async () => {
    setSaving(true);
    setError(null);
    try {
      const answer = await putKeywords(list);
      queryClient.setQueryData(insightKeys.keywords, answer);
      setDraft(answer.keywords);
      setSaved(true);
    } catch (e) {
      setError(bannerMessage(e));
    } finally {
      setSaving(false);
    }
  };
  return (
    <Card title="Tracked keywords">
      {keywords.isPending ? (
        <Loading />
      ) : keywords.isError ? (
        <ErrorState error={keywords.error} onRetry={() => void keywords.refetch()} />
      ) : (
        <div className="space-y-3">
          {list.length === 0 ? (
            <p className="text-sm text-slate-600">No keywords yet.</p>
          ) : (
            <ul className="flex flex-wrap gap-2" aria-label="Tracked keywords" data-testid="keywords">
              {list.map((k) => (
                <li key={k} className="inline-flex items-center gap-1 rounded-full bg-indigo-50 px-2 py-0.5 text-sm text-indigo-900" data-keyword={k}>
                  {k}
                  {mayEdit && (
                    <button
                      type="button"
                      className="rounded-full px-1 text-indigo-800 hover:bg-indigo-100 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500"
                      aria-label={`Remove ${k}`}
                      onClick={() => {
                        setDraft(list.filter((x) => x !== k));
                        setSaved(false);
                      }}
                    >
                      ×
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )}
          {mayEdit ? (
            <>
              <form
                className="flex items-end gap-2"
                onSubmit={(e) => {
                  e.preventDefault();
                  add();
                }}
              >
                <div className="min-w-0 flex-1">
                  <Field label="Add a keyword" hint="A word, a phrase or a #hashtag; commas separate several.">
                    {(p) => <Input {...p} value={adding} onChange={(e) => setAdding(e.target.value)} />}
                  </Field>
                </div>
                <Button type="submit" variant="secondary" disabled={!adding.trim()} className="mb-5">
                  Add
                </Button>
              </form>
              {error && <Alert>{error}</Alert>}
              <div className="flex items-center gap-3">
                <Button busy={saving} disabled={!changed} onClick={() => void save()}>
                  Save keywords
                </Button>
                {saved && !changed && (
                  <span className="text-sm text-emerald-800" role="status">
                    Saved.
                  </span>
                )}
              </div>
            </>
          ) : (
            <p className="text-xs text-slate-600">Managers and admins choose the tracked keywords.</p>
          )}
        </div>
      )}
    </Card>
  );
}

/** The market report; `sandbox` when the task's model was the model sandbox (its text may not say so). */
export function MarketReport({ report, timezone, sandbox }: { report: TrendReport; timezone: string; sandbox?: boolean | undefined }) {
  const summary = sandboxText(report.summary);
  const emerging = report.terms.filter((t) => t.status === 'emerging');
  const declining = report.terms.filter((t) => t.status === 'declining');
  const steady = report.terms.filter((t) => t.status === 'steady');
  return (
    <div className="space-y-4" data-testid="market-report">
      <Card title="Market trends">
        <p className="text-sm text-slate-700">
          Analyzed {report.analyzed_at ? formatInstant(report.analyzed_at, timezone) : '—'}: the last {report.window_hours} h against the {report.baseline_days} days before.
        </p>
        {report.gaps.length > 0 && (
          <div className="mt-3">
            <Alert kind="warning" title="Some sources could not be read">
              <ul className="list-disc pl-5">
                {report.gaps.map((g, i) => (
                  <li key={i}>{g}</li>
                ))}
              </ul>
            </Alert>
          </div>
        )}
        {summary.text && (
          <div className="mt-3 rounded-md bg-slate-50 p-3 text-sm text-slate-900" data-testid="trend-summary">
            <p className="mb-1 flex items-center gap-2 font-medium">
              Summary {(summary.sandbox || sandbox) && <SandboxBadge />}
            </p>
            <p className="whitespace-pre-wrap">{summary.text}</p>
          </div>
        )}
      </Card>
      <TermSection title="Emerging" terms={emerging} empty="Nothing is taking off right now." />
      <TermSection title="Declining" terms={declining} empty="Nothing is fading." />
      {steady.length > 0 && <TermSection title="Steady" terms={steady} empty="" />}
      {report.method && <p className="text-xs text-slate-600">How: {report.method}</p>}
      {report.ideas.length > 0 && (
        <Card title="Content ideas">
          <ul className="space-y-2" data-testid="trend-ideas">
            {report.ideas.map((idea, i) => (
              <li key={i} className="rounded border border-slate-200 p-2 text-sm">
                <p className="font-medium text-slate-900">{idea.title}</p>
                {idea.angle && <p className="text-slate-700">{idea.angle}</p>}
                {idea.terms.length > 0 && <p className="mt-1 text-xs text-indigo-900">{idea.terms.join(' · ')}</p>}
              </li>
            ))}
          </ul>
        </Card>
      )}
    </div>
  );
}

function TermSection({ title, terms, empty }: { title: string; terms: TrendTerm[]; empty: string }) {
  return (
    <Card title={title}>
      {terms.length === 0 ? (
        <p className="text-sm text-slate-600">{empty}</p>
      ) : (
        <ul className="grid gap-3 *:min-w-0 sm:grid-cols-2" aria-label={`${title} terms`}>
          {terms.map((t) => (
            <TermCard key={`${t.term}-${t.source}`} term={t} />
          ))}
        </ul>
      )}
    </Card>
  );
}

function TermCard({ term: t }: { term: TrendTerm }) {
  const week = lastDays(t.series, 7);
  const label = `${t.term}, mentions per day over the last ${week.length} days: ${week.map((p) => p.count).join(', ')}`;
  return (
    <li className={cx('rounded border p-3 text-sm', t.status === 'emerging' ? 'border-emerald-300' : t.status === 'declining' ? 'border-orange-300' : 'border-slate-200')} data-testid="trend-term" data-term={t.term} data-status={t.status}>
      <div className="flex items-start justify-between gap-2">
        <div className="min-w-0">
          <p className="break-words font-semibold text-slate-900">{t.term}</p>
          <p className="text-xs text-slate-600">{TERM_SOURCE_LABEL[t.source] ?? t.source}</p>
        </div>
        {week.length > 1 && <Sparkline values={week.map((p) => p.count)} label={label} />}
      </div>
      <dl className="mt-2 grid grid-cols-2 gap-x-3 gap-y-0.5 text-xs text-slate-700">
        <dt className="font-medium">Recent</dt>
        <dd className="tabular-nums" data-testid="term-recent">
          {t.recent}
        </dd>
        <dt className="font-medium">Baseline a day</dt>
        <dd className="tabular-nums">{t.baseline_per_day.toFixed(1)}</dd>
        <dt className="font-medium">Ratio</dt>
        <dd className="tabular-nums" data-testid="term-ratio">
          {formatRatio(t.ratio)}
        </dd>
        <dt className="font-medium">Against the baseline</dt>
        <dd className="tabular-nums">{formatZ(t.z)}</dd>
      </dl>
    </li>
  );
}

type TrendItem = Trends['hashtags'][number];

/** Your own hashtags and content types, this period against the one before. */
function OwnHistory({ trends }: { trends: Trends }) {
  if (trends.hashtags.length === 0 && trends.content_types.length === 0) return null;
  return (
    <Card title="Your own posts">
      <p className="mb-2 text-sm text-slate-700">
        Engagement rate from {trends.period.from} to {trends.period.to} ({trends.period.timezone}), against the period before.
      </p>
      <div className="grid gap-4 *:min-w-0 sm:grid-cols-2">
        <OwnItems title="Hashtags" items={trends.hashtags.slice(0, 8)} />
        <OwnItems title="Content types" items={trends.content_types} />
      </div>
    </Card>
  );
}

function OwnItems({ title, items }: { title: string; items: TrendItem[] }) {
  return (
    <div>
      <h3 className="text-sm font-medium text-slate-800">{title}</h3>
      {items.length === 0 ? (
        <p className="text-sm text-slate-600">Not enough posts yet.</p>
      ) : (
        <ul className="mt-1 space-y-1 text-sm" aria-label={title}>
          {items.map((i) => (
            <li key={i.name} className="flex items-center justify-between gap-2">
              <span className="min-w-0 truncate">{i.name}</span>
              <span className="flex items-center gap-2 tabular-nums">
                {formatRate(i.engagement_rate)}
                <ChangeBadge value={i.change_points} unit="points" />
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
