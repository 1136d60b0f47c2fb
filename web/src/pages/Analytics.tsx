import { useEffect, useId, useMemo, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { keepPreviousData, useInfiniteQuery, useMutation, useQuery } from '@tanstack/react-query';
import {
  analyticsKeys,
  exportCsv,
  getAudience,
  getEngagement,
  getGrowth,
  getOverview,
  getPosts,
  type AudienceView,
  type Change,
  type Figures,
  type Overview,
  type PostRow,
} from '../api/analytics';
import { bannerMessage } from '../api/errors';
import { useAccounts } from '../api/hooks';
import { useUser } from '../auth/AuthProvider';
import type { Schemas } from '../api/client';
import {
  CONTENT_TYPE_LABEL,
  CONTENT_TYPES,
  describePeriod,
  filtersToSearch,
  formatCompact,
  formatCount,
  trafficRows,
  formatRate,
  formatShare,
  heatLevel,
  hourSlot,
  parseFilters,
  periodProblem,
  periodQuery,
  postFilterQuery,
  presetPeriod,
  previousPeriod,
  RANGE_PRESETS,
  SORT_LABEL,
  POST_SORTS,
  usableInterval,
  weekdayName,
  type AnalyticsFilters,
  type AnalyticsPlatform,
  type ContentType,
  type Interval,
  type PeriodQuery,
  type PostSort,
  type RangePreset,
} from '../lib/analytics';
import { PLATFORM_LABEL } from '../lib/calendar';
import { formatInstant, localDate } from '../lib/time';
import { formatBytes } from '../lib/upload';
import { AccountPicker, accountLabel, AnalyticsTabs, ChangeBadge, ContentTypeIcon, Segmented } from '../components/analytics';
import { EngagementChart, FollowersChart, followerSeries } from '../components/charts';
import { Alert, Button, Card, cx, EmptyState, ErrorState, Field, Input, Loading, PageHeader, PlatformBadge, Select } from '../components/ui';

type Account = Schemas['AccountView'];

/** The dashboard's filters live in the URL (shareable, kept on reload and back/forward). */
function useFilters(timezone: string): [AnalyticsFilters, (patch: Partial<AnalyticsFilters>) => void, string] {
  const [params, setParams] = useSearchParams();
  const today = localDate(new Date(), timezone);
  const filters = useMemo(() => parseFilters(params, today), [params, today]);
  const update = (patch: Partial<AnalyticsFilters>) => setParams(filtersToSearch({ ...filters, ...patch }), { replace: true });
  return [filters, update, today];
}

export default function Analytics() {
  const user = useUser();
  const tz = user.timezone;
  const [filters, update, today] = useFilters(tz);
  const accounts = useAccounts();
  const exporter = useCsvExport();
  const query = periodQuery(filters, tz);
  const overview = useQuery({
    queryKey: analyticsKeys.overview(query),
    queryFn: () => getOverview(query),
    placeholderData: keepPreviousData,
  });
  const allAccounts = accounts.data?.accounts ?? [];
  const noAccounts = accounts.isSuccess && allAccounts.length === 0;
  const total = overview.data?.total;
  const hasData = !!total && (total.current.posts > 0 || total.previous.posts > 0 || total.current.followers != null);

  return (
    <div>
      <PageHeader title="Analytics">
        <ExportButton exporter={exporter} filters={filters} tz={tz} disabled={!hasData} />
      </PageHeader>
      <AnalyticsTabs />
      <FilterBar filters={filters} update={update} today={today} accounts={allAccounts} tz={tz} />
      <ExportResult exporter={exporter} />
      {overview.isPending ? (
        <Loading label="Loading analytics…" />
      ) : overview.isError ? (
        <ErrorState error={overview.error} onRetry={() => void overview.refetch()} />
      ) : noAccounts ? (
        <div className="space-y-4">
          <EmptyState title="Connect a social account to see analytics">
            <p>
              Analytics cover the accounts connected on the <Link className="font-medium text-indigo-800 underline" to="/social-accounts">Social accounts</Link> page.
            </p>
          </EmptyState>
          <WebTrafficCard sources={overview.data.web_traffic} />
        </div>
      ) : !hasData ? (
        <div className="space-y-4">
          <EmptyState title="No analytics for this period yet">
            <p>Numbers arrive after the hourly sync of your accounts: posts, impressions and engagement for everything you publish, including posts made on the platforms directly.</p>
            <p className="mt-2">
              To pull them now, use <strong>Sync now</strong> on the{' '}
              <Link className="font-medium text-indigo-800 underline" to="/social-accounts">
                Social accounts
              </Link>{' '}
              page.
            </p>
          </EmptyState>
          <WebTrafficCard sources={overview.data.web_traffic} />
        </div>
      ) : (
        <div className={cx('space-y-4 transition-opacity', overview.isPlaceholderData && 'opacity-60')} aria-busy={overview.isFetching || undefined}>
          <OverviewCards overview={overview.data} />
          <div className="grid gap-4 *:min-w-0 lg:grid-cols-3">
            <EngagementCard filters={filters} tz={tz} interval={usableInterval(filters.interval, filters)} onInterval={(interval) => update({ interval })} />
            <BestTimesCard query={query} />
            <FollowersCard query={query} period={filters} accounts={allAccounts} />
            <PlatformsCard overview={overview.data} />
            <WebTrafficCard sources={overview.data.web_traffic} />
          </div>
          <PostsSection filters={filters} update={update} tz={tz} />
          <AudienceSection query={query} />
        </div>
      )}
    </div>
  );
}

// ---------------------------------------------------------------- filters

function FilterBar({ filters, update, today, accounts, tz }: { filters: AnalyticsFilters; update: (p: Partial<AnalyticsFilters>) => void; today: string; accounts: Account[]; tz: string }) {
  const problemId = useId();
  const [from, setFrom] = useState(filters.from);
  const [to, setTo] = useState(filters.to);
  // A preset chosen elsewhere (or back/forward) moves the custom fields along.
  useEffect(() => {
    setFrom(filters.from);
    setTo(filters.to);
  }, [filters.from, filters.to]);
  const problem = filters.range === 'custom' ? periodProblem(from, to) : null;
  const setCustom = (f: string, t: string) => {
    setFrom(f);
    setTo(t);
    if (!periodProblem(f, t)) update({ range: 'custom', from: f, to: t });
  };
  const ranges = [...RANGE_PRESETS.map((d) => ({ value: String(d), label: `${d} days` })), { value: 'custom', label: 'Custom' }];
  const previous = previousPeriod(filters);
  return (
    <section aria-label="Filters" className="mb-5 rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
      <div className="flex flex-wrap items-end gap-4">
        <Segmented
          label="Period"
          options={ranges}
          value={String(filters.range)}
          onChange={(v) => {
            if (v === 'custom') update({ range: 'custom', from: filters.from, to: filters.to });
            else update({ range: Number(v) as RangePreset, ...presetPeriod(Number(v), today) });
          }}
        />
        {filters.range === 'custom' && (
          <div className="flex flex-wrap items-end gap-3">
            <div className="w-40">
              <Field label="From">{(p) => <Input {...p} type="date" value={from} max={today} onChange={(e) => setCustom(e.target.value, to)} aria-invalid={!!problem} aria-describedby={problem ? problemId : undefined} />}</Field>
            </div>
            <div className="w-40">
              <Field label="To">{(p) => <Input {...p} type="date" value={to} max={today} onChange={(e) => setCustom(from, e.target.value)} aria-invalid={!!problem} aria-describedby={problem ? problemId : undefined} />}</Field>
            </div>
          </div>
        )}
        <div className="grid w-full grid-cols-2 gap-3 *:min-w-0 sm:flex sm:w-auto sm:gap-4">
          <div className="sm:w-56">
            <AccountPicker accounts={accounts} selected={filters.accounts} onChange={(ids) => update({ accounts: ids })} />
          </div>
          <div className="sm:w-40">
            <Field label="Platform">
              {(p) => (
                <Select {...p} value={filters.platform} onChange={(e) => update({ platform: e.target.value as AnalyticsPlatform | '' })}>
                  <option value="">All platforms</option>
                  {Object.entries(PLATFORM_LABEL).map(([v, l]) => (
                    <option key={v} value={v}>
                      {l}
                    </option>
                  ))}
                </Select>
              )}
            </Field>
          </div>
        </div>
      </div>
      {problem && (
        <p id={problemId} className="mt-2 text-sm text-red-700" role="alert">
          {problem}
        </p>
      )}
      <p className="mt-3 text-sm text-slate-600" data-testid="analytics-period">
        <span className="font-medium text-slate-800">{describePeriod(filters)}</span> · compared with {describePeriod(previous)} · days in {tz}
      </p>
    </section>
  );
}

// ---------------------------------------------------------------- export

function useCsvExport() {
  return useMutation({
    mutationFn: ({ filters, tz }: { filters: AnalyticsFilters; tz: string }) => exportCsv(postFilterQuery(filters, tz)),
    onSuccess: (file) => {
      // The file is on storage, not the app: following the link downloads it (text/csv).
      if (file.rows > 0) window.location.assign(file.download_url);
    },
  });
}

function ExportButton({ exporter, filters, tz, disabled }: { exporter: ReturnType<typeof useCsvExport>; filters: AnalyticsFilters; tz: string; disabled: boolean }) {
  return (
    <Button variant="secondary" busy={exporter.isPending} disabled={disabled} onClick={() => exporter.mutate({ filters, tz })}>
        <svg aria-hidden="true" viewBox="0 0 20 20" className="h-4 w-4" fill="currentColor">
          <path d="M10 2.5a1 1 0 0 1 1 1v7.1l2.3-2.3a1 1 0 1 1 1.4 1.4l-4 4a1 1 0 0 1-1.4 0l-4-4a1 1 0 1 1 1.4-1.4L9 10.6V3.5a1 1 0 0 1 1-1ZM4 15a1 1 0 0 1 1 1v.5h10V16a1 1 0 1 1 2 0v1.5a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V16a1 1 0 0 1 1-1Z" />
        </svg>
      Export CSV
    </Button>
  );
}

/** What the last export gave: its size and a link to download it again (valid 15 minutes). */
function ExportResult({ exporter }: { exporter: ReturnType<typeof useCsvExport> }) {
  if (exporter.isError) {
    return (
      <div className="mb-4">
        <Alert>{bannerMessage(exporter.error)}</Alert>
      </div>
    );
  }
  if (!exporter.isSuccess) return null;
  const file = exporter.data;
  return (
    <div className="mb-4" data-testid="export-result">
      <Alert kind={file.rows > 0 ? 'success' : 'info'}>
        {file.rows > 0 ? (
          <>
            CSV exported: <strong>{formatCount(file.rows)} rows</strong> ({formatBytes(file.bytes)}). The download starts by itself;{' '}
            <a className="font-medium underline" href={file.download_url} rel="noreferrer noopener">
              download it again
            </a>{' '}
            until {formatInstant(file.expires_at, exporter.variables?.tz ?? 'UTC').split(', ')[1]}.
          </>
        ) : (
          'No posts match these filters: nothing to export.'
        )}
      </Alert>
    </div>
  );
}

// ---------------------------------------------------------------- overview

interface Metric {
  key: string;
  label: string;
  value: (f: Figures) => string;
  full: (f: Figures) => string;
  change: (c: Change) => number | null | undefined;
  unit?: 'percent' | 'points';
  extra?: (current: Figures, previous: Figures) => string | null;
}

const METRICS: Metric[] = [
  { key: 'posts', label: 'Posts', value: (f) => formatCompact(f.posts), full: (f) => formatCount(f.posts), change: (c) => c.posts, extra: (_c, p) => `vs ${formatCount(p.posts)} before` },
  {
    key: 'impressions',
    label: 'Impressions',
    value: (f) => formatCompact(f.impressions),
    full: (f) => formatCount(f.impressions),
    change: (c) => c.impressions,
    extra: (_c, p) => `vs ${formatCompact(p.impressions)} before`,
  },
  {
    key: 'engagements',
    label: 'Engagements',
    value: (f) => formatCompact(f.engagements),
    full: (f) => formatCount(f.engagements),
    change: (c) => c.engagements,
    extra: (_c, p) => `vs ${formatCompact(p.engagements)} before`,
  },
  {
    key: 'engagement_rate',
    label: 'Engagement rate',
    value: (f) => formatRate(f.engagement_rate),
    full: (f) => formatRate(f.engagement_rate),
    change: (c) => c.engagement_rate_points,
    unit: 'points',
    extra: (_c, p) => `vs ${formatRate(p.engagement_rate)} before`,
  },
  {
    key: 'followers',
    label: 'Followers',
    value: (f) => formatCompact(f.followers),
    full: (f) => formatCount(f.followers),
    change: (c) => c.followers,
    extra: (c) => (c.followers_gained != null ? `${c.followers_gained >= 0 ? '+' : '−'}${formatCount(Math.abs(c.followers_gained))} in the period` : null),
  },
];

export function OverviewCards({ overview }: { overview: Overview }) {
  const { current, previous, change } = overview.total;
  return (
    <ul className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-5" aria-label="Totals for the period">
      {METRICS.map((m, i) => {
        const extra = m.extra?.(current, previous);
        return (
          <li
            key={m.key}
            data-testid="overview-card"
            data-metric={m.key}
            className={cx('flex min-w-0 flex-col rounded-lg border border-slate-200 bg-white p-4 shadow-sm', i === METRICS.length - 1 && 'col-span-2 sm:col-span-1')}
          >
            <h2 className="text-xs font-semibold uppercase tracking-wide text-slate-600">{m.label}</h2>
            <p className="mt-1 text-2xl font-semibold tabular-nums text-slate-900" title={m.full(current)} data-testid="overview-value">
              {m.value(current)}
            </p>
            <div className="mt-1">
              <ChangeBadge value={m.change(change)} unit={m.unit} />
            </div>
            {extra && <p className="mt-2 truncate text-xs text-slate-600" title={extra}>{extra}</p>}
          </li>
        );
      })}
    </ul>
  );
}

/** Sessions on the organization's site from social, per source, imported from GA4 (only when there are some). */
function WebTrafficCard({ sources }: { sources: Overview['web_traffic'] }) {
  if (sources.length === 0) return null;
  const rows = trafficRows(sources);
  return (
    <Card title="Visits from social (Google Analytics)">
      <div data-testid="web-traffic">
        <table className="w-full text-left text-sm">
          <caption className="sr-only">Sessions and engaged sessions from social in this period, per source</caption>
          <thead>
            <tr className="text-xs text-slate-600">
              <th scope="col" className="pb-2 font-medium">Source</th>
              <th scope="col" className="pb-2 text-right font-medium">Sessions</th>
              <th scope="col" className="pb-2 text-right font-medium">Engaged</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {rows.map((r) => (
              <tr key={r.source} data-traffic-source={r.source}>
                <th scope="row" className="py-2 font-medium text-slate-900">{r.label}</th>
                <td className="py-2 text-right tabular-nums text-slate-900">{formatCount(r.sessions)}</td>
                <td className="py-2 text-right tabular-nums text-slate-700">
                  {formatCount(r.engaged)}
                  {r.engagedRate !== null && <span className="ml-1 text-xs text-slate-600">({Math.round(r.engagedRate * 100)}%)</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="mt-3 text-xs text-slate-600">
          Sessions tagged with medium “social”, imported daily from your GA4 property. <Link className="font-medium text-indigo-800 underline" to="/settings/integrations">Integrations</Link>
        </p>
      </div>
    </Card>
  );
}

function PlatformsCard({ overview }: { overview: Overview }) {
  const rows = overview.platforms;
  const accounts = overview.accounts;
  return (
    <Card title="By platform">
      {rows.length === 0 ? (
        <p className="text-sm text-slate-600">No posts in this period.</p>
      ) : (
        <ul className="divide-y divide-slate-100" aria-label="Totals by platform">
          {rows.map((p) => (
            <li key={p.platform} className="py-3 first:pt-0 last:pb-0" data-platform-row={p.platform}>
              <div className="flex items-center justify-between gap-2">
                <span className="flex items-center gap-2 font-medium text-slate-900">
                  <PlatformBadge platform={p.platform} />
                  {PLATFORM_LABEL[p.platform]}
                </span>
                <span className="text-sm tabular-nums text-slate-700">
                  {formatCount(p.current.posts)} post{p.current.posts === 1 ? '' : 's'}
                </span>
              </div>
              <dl className="mt-3 grid grid-cols-3 gap-x-2 gap-y-3 text-sm">
                {(
                  [
                    ['Impressions', formatCompact(p.current.impressions), p.change.impressions, 'percent'],
                    ['Engagements', formatCompact(p.current.engagements), p.change.engagements, 'percent'],
                    ['Rate', formatRate(p.current.engagement_rate), p.change.engagement_rate_points, 'points'],
                  ] as const
                ).map(([label, v, change, unit]) => (
                  <div key={label} className="min-w-0">
                    <dt className="text-xs text-slate-600">{label}</dt>
                    <dd className="font-semibold tabular-nums text-slate-900">{v}</dd>
                    <dd>
                      <ChangeBadge value={change} unit={unit} />
                    </dd>
                  </div>
                ))}
                {(
                  [
                    ['Likes', p.current.likes],
                    ['Comments', p.current.comments],
                    ['Shares', p.current.shares],
                  ] as const
                ).map(([label, v]) => (
                  <div key={label}>
                    <dt className="text-xs text-slate-600">{label}</dt>
                    <dd className="font-semibold tabular-nums text-slate-900">{formatCompact(v)}</dd>
                  </div>
                ))}
              </dl>
            </li>
          ))}
        </ul>
      )}
      {accounts.length > 1 && (
        <>
          <h3 className="mb-2 mt-4 text-sm font-semibold text-slate-900">By account</h3>
          <ul className="space-y-2 text-sm" aria-label="Totals by account">
            {accounts.map((a) => (
              <li key={a.social_account_id} className="flex items-center justify-between gap-2">
                <span className="flex min-w-0 items-center gap-2">
                  <PlatformBadge platform={a.platform} />
                  <span className="truncate">{a.account_name ?? PLATFORM_LABEL[a.platform]}</span>
                </span>
                <span className="shrink-0 tabular-nums text-slate-700">
                  {formatCompact(a.current.engagements)} · {formatRate(a.current.engagement_rate)}
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
    </Card>
  );
}

// ---------------------------------------------------------------- charts

function EngagementCard({ filters, tz, interval, onInterval }: { filters: AnalyticsFilters; tz: string; interval: Interval; onInterval: (i: Interval) => void }) {
  // Content type and hashtag sit with the post table and narrow it (and the export) only: the
  // chart follows the cards above it, which the API counts over every post.
  const query = postFilterQuery({ ...filters, contentType: '', tag: '' }, tz);
  const series = useQuery({
    queryKey: analyticsKeys.engagement(query, interval),
    queryFn: () => getEngagement(query, interval),
    placeholderData: keepPreviousData,
  });
  return (
    <section aria-labelledby="engagement-heading" className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm lg:col-span-2">
      <div className="mb-3 flex flex-wrap items-start justify-between gap-3">
        <div>
          <h2 id="engagement-heading" className="text-lg font-semibold text-slate-900">
            Engagement
          </h2>
          {series.data && (
            <p className="text-sm text-slate-600">
              {formatRate(series.data.engagement_rate)} engagement rate over the period
            </p>
          )}
        </div>
        <Segmented
          label="Group by"
          hideLabel
          options={[
            { value: 'day', label: 'Day' },
            { value: 'week', label: 'Week' },
            { value: 'month', label: 'Month' },
          ]}
          value={interval}
          onChange={onInterval}
        />
      </div>
      {series.isPending ? (
        <Loading />
      ) : series.isError ? (
        <ErrorState error={series.error} onRetry={() => void series.refetch()} />
      ) : (
        <div className={cx(series.isPlaceholderData && 'opacity-60')}>
          <EngagementChart buckets={series.data.buckets} interval={series.data.interval} title={`Engagements and engagement rate per ${series.data.interval}`} />
        </div>
      )}
    </section>
  );
}

function FollowersCard({ query, period, accounts }: { query: PeriodQuery; period: { from: string; to: string }; accounts: Account[] }) {
  const [perAccount, setPerAccount] = useState(false);
  const growth = useQuery({ queryKey: analyticsKeys.growth(query), queryFn: () => getGrowth(query), placeholderData: keepPreviousData });
  const label = (id: string, name: string | null | undefined) => {
    const a = accounts.find((x) => x.id === id);
    return a ? accountLabel(a) : (name ?? 'Account');
  };
  const latest = growth.data?.total.at(-1);
  const first = growth.data?.total[0];
  return (
    <section aria-labelledby="followers-heading" className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm lg:col-span-2">
      <div className="mb-3 flex flex-wrap items-start justify-between gap-3">
        <div>
          <h2 id="followers-heading" className="text-lg font-semibold text-slate-900">
            Follower growth
          </h2>
          {latest && (
            <p className="text-sm text-slate-600">
              <span className="font-semibold tabular-nums text-slate-900">{formatCount(latest.followers)}</span> followers
              {first && first.date !== latest.date && (
                <>
                  {' '}
                  · {latest.followers - first.followers >= 0 ? '+' : '−'}
                  {formatCount(Math.abs(latest.followers - first.followers))} since {describePeriod({ from: first.date, to: first.date })}
                </>
              )}
            </p>
          )}
        </div>
        {(growth.data?.accounts.length ?? 0) > 1 && (
          <label className="flex items-center gap-2 text-sm text-slate-700">
            <input type="checkbox" className="h-4 w-4" checked={perAccount} onChange={(e) => setPerAccount(e.target.checked)} />
            Per account
          </label>
        )}
      </div>
      {growth.isPending ? (
        <Loading />
      ) : growth.isError ? (
        <ErrorState error={growth.error} onRetry={() => void growth.refetch()} />
      ) : growth.data.total.length === 0 ? (
        <p className="py-8 text-center text-sm text-slate-600">No follower counts in this period yet: they are recorded at each sync.</p>
      ) : (
        <>
          <FollowersChart series={followerSeries(growth.data, perAccount, label)} period={period} title="Followers per day" />
          {growth.data.total.length < 3 && <p className="mt-2 text-xs text-slate-600">Follower counts are recorded at each sync, so the line grows day by day.</p>}
        </>
      )}
    </section>
  );
}

// ---------------------------------------------------------------- posts

/** The numeric columns, with fixed widths (room for the label and the sort arrow). */
const SORTABLE: { key: PostSort; label: string; width: string }[] = [
  { key: 'impressions', label: 'Impressions', width: 'w-[6.75rem]' },
  { key: 'engagements', label: 'Engagements', width: 'w-[7.25rem]' },
  { key: 'engagement_rate', label: 'Rate', width: 'w-[4.25rem]' },
  { key: 'likes', label: 'Likes', width: 'w-[4.25rem]' },
  { key: 'comments', label: 'Comments', width: 'w-[6rem]' },
  { key: 'shares', label: 'Shares', width: 'w-[5.5rem] pr-4' },
];

function SortHeader({ column, label, filters, update, numeric, width }: { column: PostSort; label: string; filters: AnalyticsFilters; update: (p: Partial<AnalyticsFilters>) => void; numeric?: boolean; width: string }) {
  const active = filters.sort === column;
  return (
    <th scope="col" aria-sort={active ? (filters.order === 'asc' ? 'ascending' : 'descending') : undefined} className={cx('whitespace-nowrap px-2.5 py-2.5 font-semibold', numeric && 'text-right', width)}>
      <button
        type="button"
        title={active ? `Sorted by ${label.toLowerCase()}; switch the order` : `Sort by ${label.toLowerCase()}`}
        onClick={() => update(active ? { order: filters.order === 'asc' ? 'desc' : 'asc' } : { sort: column, order: 'desc' })}
        className={cx(
          'inline-flex items-center gap-1 rounded hover:text-indigo-900 hover:underline focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500',
          active ? 'text-indigo-900' : 'text-slate-700',
        )}
      >
        {label}
        {active && (
          <svg aria-hidden="true" viewBox="0 0 12 12" className="h-3 w-3" fill="currentColor">
            {filters.order === 'asc' ? <path d="M6 2.5 10.5 8h-9z" /> : <path d="M6 9.5 1.5 4h9z" />}
          </svg>
        )}
      </button>
    </th>
  );
}

function Thumbnail({ row }: { row: PostRow }) {
  const [broken, setBroken] = useState(false);
  if (row.thumbnail_url && !broken) {
    return <img src={row.thumbnail_url} alt="" loading="lazy" onError={() => setBroken(true)} className="h-10 w-10 shrink-0 rounded-md bg-slate-100 object-cover" />;
  }
  return <ContentTypeIcon type={row.content_type} />;
}

/** "25 Nov 2026" over "02:51", in the zone. */
function PublishedAt({ iso, tz }: { iso: string; tz: string }) {
  const [day, time] = formatInstant(iso, tz).split(', ');
  return (
    <time dateTime={iso} className="block leading-tight">
      <span className="block">{day}</span>
      <span className="block text-xs text-slate-600">{time}</span>
    </time>
  );
}

function excerpt(text: string, max = 120): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t || '(no text)';
}

function PostSummary({ row }: { row: PostRow }) {
  const type = CONTENT_TYPE_LABEL[row.content_type as ContentType] ?? row.content_type;
  return (
    <div className="flex min-w-0 items-start gap-3">
      <span title={`${type} post`} className="shrink-0">
        <Thumbnail row={row} />
      </span>
      <div className="min-w-0">
        <Link to={`/posts/${row.post_id}`} className="line-clamp-2 font-medium text-slate-900 hover:text-indigo-800 hover:underline">
          {excerpt(row.text)}
        </Link>
        <p className="mt-1 flex min-w-0 items-center gap-2 text-xs text-slate-600">
          <PlatformBadge platform={row.platform} />
          <span className="min-w-0 truncate">{row.account_name ?? PLATFORM_LABEL[row.platform]}</span>
          <span className="sr-only">, {type} post</span>
          {row.origin === 'imported' && (
            <span className="shrink-0 rounded bg-amber-100 px-1.5 py-0.5 font-medium text-amber-900" title="Published on the platform directly, imported by the sync" data-testid="imported-badge">
              Imported
            </span>
          )}
        </p>
      </div>
    </div>
  );
}

function PostsSection({ filters, update, tz }: { filters: AnalyticsFilters; update: (p: Partial<AnalyticsFilters>) => void; tz: string }) {
  const query = postFilterQuery(filters, tz);
  const [tag, setTag] = useState(filters.tag);
  useEffect(() => setTag(filters.tag), [filters.tag]);
  // Typing a hashtag asks the API once the typing stops.
  useEffect(() => {
    if (tag === filters.tag) return;
    const timer = setTimeout(() => update({ tag }), 400);
    return () => clearTimeout(timer);
  });
  const posts = useInfiniteQuery({
    queryKey: analyticsKeys.posts(query, filters.sort, filters.order),
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) => getPosts(query, filters.sort, filters.order, pageParam),
    getNextPageParam: (last) => last.next_cursor ?? null,
    placeholderData: keepPreviousData,
  });
  const rows = posts.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section aria-labelledby="posts-heading" className="rounded-lg border border-slate-200 bg-white shadow-sm">
      <div className="flex flex-wrap items-end justify-between gap-3 border-b border-slate-200 p-4">
        <div>
          <h2 id="posts-heading" className="text-lg font-semibold text-slate-900">
            Posts
          </h2>
          <p className="text-sm text-slate-600">How each post did in the period. Times in {tz}.</p>
        </div>
        <form role="search" aria-label="Filter posts" className="grid w-full grid-cols-2 gap-3 sm:flex sm:w-auto sm:flex-wrap sm:items-end" onSubmit={(e) => e.preventDefault()}>
          <div className="sm:w-36">
            <Field label="Content type">
              {(p) => (
                <Select {...p} value={filters.contentType} onChange={(e) => update({ contentType: e.target.value as ContentType | '' })}>
                  <option value="">All types</option>
                  {CONTENT_TYPES.map((t) => (
                    <option key={t} value={t}>
                      {CONTENT_TYPE_LABEL[t]}
                    </option>
                  ))}
                </Select>
              )}
            </Field>
          </div>
          <div className="sm:w-36">
            <Field label="Hashtag">{(p) => <Input {...p} type="search" placeholder="#launch" value={tag} onChange={(e) => setTag(e.target.value)} />}</Field>
          </div>
          <div className="col-span-2 flex items-end gap-2 sm:col-span-1">
            <div className="min-w-0 flex-1 sm:w-44">
              <Field label="Sort by">
                {(p) => (
                  <Select {...p} value={filters.sort} onChange={(e) => update({ sort: e.target.value as PostSort, order: 'desc' })}>
                    {POST_SORTS.map((s) => (
                      <option key={s} value={s}>
                        {SORT_LABEL[s]}
                      </option>
                    ))}
                  </Select>
                )}
              </Field>
            </div>
            <Button variant="secondary" onClick={() => update({ order: filters.order === 'asc' ? 'desc' : 'asc' })} aria-label={filters.order === 'asc' ? 'Ascending order; switch to descending' : 'Descending order; switch to ascending'}>
              {filters.order === 'asc' ? '↑ Asc' : '↓ Desc'}
            </Button>
          </div>
        </form>
      </div>
      {posts.isPending ? (
        <Loading />
      ) : posts.isError ? (
        <div className="p-4">
          <ErrorState error={posts.error} onRetry={() => void posts.refetch()} />
        </div>
      ) : rows.length === 0 ? (
        <div className="p-4">
          <EmptyState title="No posts match">Change the period or the filters.</EmptyState>
        </div>
      ) : (
        <div className={cx(posts.isPlaceholderData && 'opacity-60')} aria-busy={posts.isFetching || undefined}>
          {/* Wide screens: a sortable table. */}
          <div className="hidden overflow-x-auto xl:block">
            <table className="w-full table-fixed text-left text-sm" data-testid="posts-table">
              <caption className="sr-only">Posts of the period, sorted by {SORT_LABEL[filters.sort].toLowerCase()}, {filters.order === 'asc' ? 'ascending' : 'descending'}</caption>
              <thead className="border-b border-slate-200 bg-slate-50 text-xs">
                <tr>
                  <th scope="col" className="px-4 py-2.5 font-semibold text-slate-700">
                    Post
                  </th>
                  <SortHeader column="published_at" label="Published" width="w-[7rem]" filters={filters} update={update} />
                  {SORTABLE.map((c) => (
                    <SortHeader key={c.key} column={c.key} label={c.label} width={c.width} numeric filters={filters} update={update} />
                  ))}
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {rows.map((row) => (
                  <tr key={row.id} data-testid="post-row" data-origin={row.origin} data-engagements={row.engagements} className="hover:bg-slate-50">
                    <td className="px-4 py-3">
                      <PostSummary row={row} />
                    </td>
                    <td className="whitespace-nowrap px-2.5 py-3 align-top text-slate-700">
                      <PublishedAt iso={row.published_at} tz={tz} />
                    </td>
                    <td className="px-2.5 py-3 text-right align-top tabular-nums">{formatCount(row.impressions)}</td>
                    <td className="px-2.5 py-3 text-right align-top font-semibold tabular-nums" data-testid="post-engagements">
                      {formatCount(row.engagements)}
                    </td>
                    <td className="px-2.5 py-3 text-right align-top tabular-nums">{formatRate(row.engagement_rate)}</td>
                    <td className="px-2.5 py-3 text-right align-top tabular-nums">{formatCount(row.likes)}</td>
                    <td className="px-2.5 py-3 text-right align-top tabular-nums">{formatCount(row.comments)}</td>
                    <td className="px-2.5 py-3 pr-4 text-right align-top tabular-nums">{formatCount(row.shares)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {/* Phones and narrower screens: one card per post. */}
          <ul className="grid grid-cols-1 gap-3 p-4 *:min-w-0 sm:grid-cols-2 xl:hidden" aria-label="Posts">
            {rows.map((row) => (
              <li key={row.id} className="rounded-lg border border-slate-200 p-3" data-origin={row.origin}>
                <PostSummary row={row} />
                <p className="mt-2 text-xs text-slate-600">Published {formatInstant(row.published_at, tz)}</p>
                <dl className="mt-2 grid grid-cols-3 gap-x-3 gap-y-2 border-t border-slate-100 pt-2 text-sm">
                  {[
                    ['Impressions', formatCompact(row.impressions)],
                    ['Engagements', formatCompact(row.engagements)],
                    ['Rate', formatRate(row.engagement_rate)],
                    ['Likes', formatCompact(row.likes)],
                    ['Comments', formatCompact(row.comments)],
                    ['Shares', formatCompact(row.shares)],
                  ].map(([k, v]) => (
                    <div key={k}>
                      <dt className="text-xs text-slate-600">{k}</dt>
                      <dd className="font-semibold tabular-nums text-slate-900">{v}</dd>
                    </div>
                  ))}
                </dl>
              </li>
            ))}
          </ul>
          <div className="flex items-center justify-between gap-3 border-t border-slate-200 px-4 py-3 text-sm text-slate-600">
            <span>
              {rows.length} post{rows.length === 1 ? '' : 's'} shown
            </span>
            {posts.hasNextPage && (
              <Button variant="secondary" busy={posts.isFetchingNextPage} onClick={() => void posts.fetchNextPage()}>
                Load more
              </Button>
            )}
          </div>
        </div>
      )}
    </section>
  );
}

// ---------------------------------------------------------------- audience

function useAudience(query: PeriodQuery) {
  return useQuery({ queryKey: analyticsKeys.audience(query), queryFn: () => getAudience(query), placeholderData: keepPreviousData });
}

function BestTimesCard({ query }: { query: PeriodQuery }) {
  const audience = useAudience(query);
  const best = audience.data?.best_hours ?? [];
  // Before any hour has three posts, the best-engaging hours so far are an early hint.
  const hint =
    best.length === 0
      ? [...(audience.data?.active_hours ?? [])].filter((h) => h.engagement_rate != null).sort((a, b) => (b.engagement_rate ?? 0) - (a.engagement_rate ?? 0)).slice(0, 5)
      : [];
  const hours = best.length ? best : hint;
  return (
    <Card title="Best times to post">
      {audience.isPending ? (
        <Loading />
      ) : audience.isError ? (
        <ErrorState error={audience.error} onRetry={() => void audience.refetch()} />
      ) : hours.length === 0 ? (
        <p className="text-sm text-slate-600">No posts in this period yet: the hours whose posts engage best show up here.</p>
      ) : (
        <>
          <p className="mb-3 text-sm text-slate-600">
            {best.length
              ? `The hours of the week whose posts engaged best, in ${query.tz}.`
              : `An early hint, in ${query.tz}: no hour of the week has three posts yet, so these may change.`}
          </p>
          <ol className="space-y-2" data-testid="best-hours" data-hint={best.length ? undefined : 'true'}>
            {hours.map((h, i) => (
              <li key={`${h.weekday}-${h.hour}`} className="flex items-center gap-3">
                <span aria-hidden="true" className="flex h-7 w-7 shrink-0 items-center justify-center rounded-full bg-indigo-50 text-xs font-semibold text-indigo-800">
                  {i + 1}
                </span>
                <span className="min-w-0 flex-1">
                  <span className="block text-sm font-medium text-slate-900">
                    {weekdayName(h.weekday)} {hourSlot(h.hour)}
                  </span>
                  <span className="block text-xs text-slate-600">
                    {h.posts} post{h.posts === 1 ? '' : 's'} · {formatCompact(h.engagements)} engagements
                  </span>
                </span>
                <span className="text-sm font-semibold tabular-nums text-slate-900">{formatRate(h.engagement_rate)}</span>
              </li>
            ))}
          </ol>
        </>
      )}
    </Card>
  );
}

const HEAT = ['bg-slate-100', 'bg-indigo-100', 'bg-indigo-200', 'bg-indigo-300', 'bg-indigo-500', 'bg-indigo-700'];

function Heatmap({ audience, tz }: { audience: AudienceView; tz: string }) {
  const byKey = new Map(audience.active_hours.map((h) => [`${h.weekday}-${h.hour}`, h]));
  const max = Math.max(0, ...audience.active_hours.map((h) => h.engagement_rate ?? 0));
  const best = audience.best_hours[0];
  const summary = `Engagement rate by weekday and hour of posting, in ${tz}${best ? `; best: ${weekdayName(best.weekday)} ${hourSlot(best.hour)}` : ''}.`;
  return (
    <div>
      <div role="img" aria-label={summary} className="grid grid-cols-[2.25rem_repeat(24,minmax(0,1fr))] gap-0.5 text-[10px] text-slate-600">
        <span />
        {Array.from({ length: 24 }, (_, h) => (
          <span key={h} className="text-center">
            {h % 6 === 0 ? String(h).padStart(2, '0') : ''}
          </span>
        ))}
        {[1, 2, 3, 4, 5, 6, 7].map((d) => (
          <div key={d} className="contents">
            <span className="pr-1 text-xs leading-5">{weekdayName(d, true)}</span>
            {Array.from({ length: 24 }, (_, h) => {
              const cell = byKey.get(`${d}-${h}`);
              return (
                <span
                  key={h}
                  className={cx('h-5 rounded-sm', HEAT[heatLevel(cell?.engagement_rate, max)])}
                  title={cell ? `${weekdayName(d)} ${hourSlot(h)}: ${formatRate(cell.engagement_rate)} over ${cell.posts} post${cell.posts === 1 ? '' : 's'}` : `${weekdayName(d)} ${hourSlot(h)}: no posts`}
                />
              );
            })}
          </div>
        ))}
      </div>
      <div className="mt-2 flex items-center justify-end gap-1 text-xs text-slate-600" aria-hidden="true">
        Lower rate
        {HEAT.slice(1).map((c) => (
          <span key={c} className={cx('h-3 w-3 rounded-sm', c)} />
        ))}
        Higher
      </div>
    </div>
  );
}

function regionName(code: string | null | undefined): string {
  if (!code) return 'Unknown';
  try {
    return new Intl.DisplayNames(['en'], { type: 'region' }).of(code.toUpperCase()) ?? code;
  } catch {
    return code;
  }
}

function AudienceSection({ query }: { query: PeriodQuery }) {
  const audience = useAudience(query);
  return (
    <section aria-labelledby="audience-heading" className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
      <h2 id="audience-heading" className="text-lg font-semibold text-slate-900">
        Audience
      </h2>
      {audience.isPending ? (
        <Loading />
      ) : audience.isError ? (
        <ErrorState error={audience.error} onRetry={() => void audience.refetch()} />
      ) : (
        <div className="mt-3 grid gap-6 *:min-w-0 lg:grid-cols-3">
          <div className="lg:col-span-2">
            <h3 className="mb-2 text-sm font-semibold text-slate-900">When your posts engage</h3>
            {audience.data.active_hours.length === 0 ? <p className="text-sm text-slate-600">No posts in this period.</p> : <Heatmap audience={audience.data} tz={query.tz} />}
          </div>
          <Demographics audience={audience.data} />
        </div>
      )}
    </section>
  );
}

function Demographics({ audience }: { audience: AudienceView }) {
  const { age_gender, countries, demographics_as_of } = audience;
  if (age_gender.length === 0 && countries.length === 0) {
    return (
      <div>
        <h3 className="mb-2 text-sm font-semibold text-slate-900">Demographics</h3>
        <p className="text-sm text-slate-600">Age, gender and country come from Instagram business accounts; connect one to see who follows you.</p>
      </div>
    );
  }
  const ageTotal = age_gender.reduce((s, a) => s + a.followers, 0);
  const countryTotal = countries.reduce((s, c) => s + c.followers, 0);
  const topCountries = [...countries].sort((a, b) => b.followers - a.followers).slice(0, 10);
  return (
    <div className="space-y-4">
      <h3 className="text-sm font-semibold text-slate-900">
        Demographics{demographics_as_of && <span className="font-normal text-slate-600"> · as of {describePeriod({ from: demographics_as_of, to: demographics_as_of })}</span>}
      </h3>
      {age_gender.length > 0 && (
        <table className="w-full text-sm">
          <caption className="mb-1 text-left text-xs font-semibold uppercase tracking-wide text-slate-600">Age and gender</caption>
          <thead className="sr-only">
            <tr>
              <th scope="col">Age</th>
              <th scope="col">Gender</th>
              <th scope="col">Followers</th>
              <th scope="col">Share</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {age_gender.map((a, i) => (
              <tr key={i}>
                <td className="py-1">{a.age_group ?? 'Unknown'}</td>
                <td className="py-1 capitalize">{a.gender ?? '—'}</td>
                <td className="py-1 text-right tabular-nums">{formatCount(a.followers)}</td>
                <td className="py-1 text-right tabular-nums text-slate-600">{formatShare(a.followers, ageTotal)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {topCountries.length > 0 && (
        <table className="w-full text-sm">
          <caption className="mb-1 text-left text-xs font-semibold uppercase tracking-wide text-slate-600">Top countries</caption>
          <thead className="sr-only">
            <tr>
              <th scope="col">Country</th>
              <th scope="col">Followers</th>
              <th scope="col">Share</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {topCountries.map((c, i) => (
              <tr key={i}>
                <td className="py-1">{regionName(c.country)}</td>
                <td className="py-1 text-right tabular-nums">{formatCount(c.followers)}</td>
                <td className="py-1 text-right tabular-nums text-slate-600">{formatShare(c.followers, countryTotal)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

