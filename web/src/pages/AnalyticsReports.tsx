import { useEffect, useState } from 'react';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { z } from 'zod';
import { useInfiniteQuery, useQuery, useQueryClient, type InfiniteData } from '@tanstack/react-query';
import { analyticsKeys, generateReport, getReport, listReports, type Report, type ReportPage } from '../api/analytics';
import { bannerMessage } from '../api/errors';
import { useAccounts } from '../api/hooks';
import { useUser } from '../auth/AuthProvider';
import type { Schemas } from '../api/client';
import { applyApiError } from '../lib/forms';
import {
  describePeriod,
  isReportInFlight,
  linksExpiring,
  periodProblem,
  presetPeriod,
  REPORT_SECTIONS,
  SECTION_LABEL,
  type ReportSection,
} from '../lib/analytics';
import { formatInstant, localDate, relativeTime } from '../lib/time';
import { useLiveMessages, useLiveStatus } from '../live/LiveProvider';
import type { ReportProgressData } from '../live/protocol';
import { AccountPicker, accountLabel, AnalyticsTabs } from '../components/analytics';
import { Alert, Button, Card, cx, EmptyState, ErrorState, Field, Input, Loading, PageHeader, ProgressBar } from '../components/ui';

type Account = Schemas['AccountView'];

/** While the live feed is down, an unfinished report is asked for every 2 s (as the profile's export). */
export const REPORT_POLL_MS = 2000;
/** Reports someone else asked for get no progress events here: they are checked less often. */
export const OTHERS_POLL_MS = 5000;

const reportSchema = z
  .object({
    title: z.string().max(200, 'At most 200 characters'),
    from: z.string(),
    to: z.string(),
    sections: z.array(z.enum(REPORT_SECTIONS)).min(1, 'Choose at least one section'),
  })
  .superRefine((v, ctx) => {
    const problem = periodProblem(v.from, v.to);
    if (problem) ctx.addIssue({ code: 'custom', path: [v.from && v.to && v.from > v.to ? 'from' : 'to'], message: problem });
  });
type ReportValues = z.infer<typeof reportSchema>;

export default function AnalyticsReports() {
  const user = useUser();
  const accounts = useAccounts();
  // Progress by report: an event can arrive before the list shows the report.
  const [progress, setProgress] = useState<Record<string, ReportProgressData>>({});
  useLiveMessages((m) => {
    if (m.type === 'report.progress') setProgress((p) => ({ ...p, [m.data.report_id]: m.data }));
  });
  return (
    <div>
      <PageHeader title="Analytics" />
      <AnalyticsTabs />
      <div className="grid gap-4 *:min-w-0 lg:grid-cols-5">
        <div className="lg:col-span-2">
          <ReportForm accounts={accounts.data?.accounts ?? []} timezone={user.timezone} />
        </div>
        <div className="lg:col-span-3">
          <ReportList progress={progress} accounts={accounts.data?.accounts ?? []} userId={user.id} timezone={user.timezone} />
        </div>
      </div>
    </div>
  );
}

type ReportList = InfiniteData<ReportPage, string | null>;

function ReportForm({ accounts, timezone }: { accounts: Account[]; timezone: string }) {
  const queryClient = useQueryClient();
  const [selected, setSelected] = useState<string[]>([]);
  const [banner, setBanner] = useState<string | null>(null);
  const [queued, setQueued] = useState<Report | null>(null);
  const today = localDate(new Date(), timezone);
  const form = useForm<ReportValues>({
    resolver: zodResolver(reportSchema),
    defaultValues: { title: '', ...presetPeriod(30, today), sections: [...REPORT_SECTIONS] },
  });
  const errors = form.formState.errors;
  const onSubmit = form.handleSubmit(async (v) => {
    setBanner(null);
    setQueued(null);
    try {
      const report = await generateReport({
        title: v.title.trim() || null,
        from: v.from,
        to: v.to,
        timezone,
        accounts: selected.length ? selected : null,
        sections: v.sections.length === REPORT_SECTIONS.length ? null : v.sections,
      });
      setQueued(report);
      // At the top of the list at once; the list's refetch confirms it.
      queryClient.setQueryData<ReportList>(analyticsKeys.reports, (list) => {
        if (!list || list.pages.length === 0) return list;
        const [first, ...rest] = list.pages as [ReportPage, ...ReportPage[]];
        if (first.items.some((r) => r.id === report.id)) return list;
        return { ...list, pages: [{ ...first, items: [report, ...first.items] }, ...rest] };
      });
      void queryClient.invalidateQueries({ queryKey: analyticsKeys.reports });
    } catch (e) {
      setBanner(applyApiError(e, form.setError, ['title', 'from', 'to', 'sections']));
    }
  });
  return (
    <Card title="New report">
      <form onSubmit={onSubmit} className="space-y-4" noValidate aria-label="New report">
        <p className="text-sm text-slate-600">A PDF to share and a CSV of every post, built in the background. You get a notification when it is ready.</p>
        {banner && <Alert>{banner}</Alert>}
        <Field label="Title" hint="Optional; “Performance report” when empty." error={errors.title?.message}>
          {(p) => <Input {...p} placeholder="Performance report" {...form.register('title')} />}
        </Field>
        <div className="grid grid-cols-2 gap-3">
          <Field label="From" error={errors.from?.message}>
            {(p) => <Input {...p} type="date" max={today} {...form.register('from')} />}
          </Field>
          <Field label="To" error={errors.to?.message}>
            {(p) => <Input {...p} type="date" max={today} {...form.register('to')} />}
          </Field>
        </div>
        <AccountPicker accounts={accounts} selected={selected} onChange={setSelected} />
        <fieldset aria-describedby={errors.sections ? 'sections-error' : undefined}>
          <legend className="text-sm font-medium text-slate-800">Sections</legend>
          <div className="mt-1 grid gap-1 sm:grid-cols-2">
            {REPORT_SECTIONS.map((s) => (
              <label key={s} className="flex items-center gap-2 text-sm text-slate-800">
                <input type="checkbox" className="h-4 w-4" value={s} {...form.register('sections')} />
                {SECTION_LABEL[s]}
              </label>
            ))}
          </div>
          {errors.sections && (
            <p id="sections-error" className="mt-1 text-sm text-red-700" data-field-error>
              {errors.sections.message}
            </p>
          )}
        </fieldset>
        <p className="text-xs text-slate-600">Days are cut in {timezone}. The CSV always lists every post of the period.</p>
        <Button type="submit" busy={form.formState.isSubmitting}>
          Generate report
        </Button>
        {queued && (
          <Alert kind="success">
            “{queued.title}” is on its way: follow it in the list.
          </Alert>
        )}
      </form>
    </Card>
  );
}

function ReportList({ progress, accounts, userId, timezone }: { progress: Record<string, ReportProgressData>; accounts: Account[]; userId: string; timezone: string }) {
  const reports = useInfiniteQuery({
    queryKey: analyticsKeys.reports,
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) => listReports(pageParam),
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
  const items = reports.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Card title="Reports">
      {reports.isPending ? (
        <Loading />
      ) : reports.isError ? (
        <ErrorState error={reports.error} onRetry={() => void reports.refetch()} />
      ) : items.length === 0 ? (
        <EmptyState title="No reports yet">Generate one with the form: it appears here with its progress.</EmptyState>
      ) : (
        <>
          <ul className="divide-y divide-slate-200" aria-label="Reports" data-testid="report-list">
            {items.map((r) => (
              <ReportRow key={r.id} report={r} live={progress[r.id]} accounts={accounts} mine={r.requested_by === userId} timezone={timezone} />
            ))}
          </ul>
          {reports.hasNextPage && (
            <Button variant="secondary" className="mt-3" busy={reports.isFetchingNextPage} onClick={() => void reports.fetchNextPage()}>
              Load more
            </Button>
          )}
        </>
      )}
    </Card>
  );
}

const RANK: Record<string, number> = { queued: 0, running: 1, ready: 2, failed: 2 };

/** The further along of two views of one report (the list's and the report's own). */
export function newerReport(a: Report | undefined, b: Report): Report {
  if (!a) return b;
  const ra = RANK[a.status] ?? 0;
  const rb = RANK[b.status] ?? 0;
  if (ra !== rb) return ra > rb ? a : b;
  if (a.progress !== b.progress) return a.progress > b.progress ? a : b;
  // Same state: the one whose links last longer.
  return (a.urls_expire_at ?? '') >= (b.urls_expire_at ?? '') ? a : b;
}

const STATUS_STYLE: Record<string, string> = {
  queued: 'bg-slate-200 text-slate-800',
  running: 'bg-amber-100 text-amber-900',
  ready: 'bg-emerald-100 text-emerald-900',
  failed: 'bg-red-100 text-red-900',
};
const STATUS_LABEL: Record<string, string> = { queued: 'Queued', running: 'Building', ready: 'Ready', failed: 'Failed' };

export function ReportRow({ report, live, accounts, mine, timezone }: { report: Report; live: ReportProgressData | undefined; accounts: Account[]; mine: boolean; timezone: string }) {
  const queryClient = useQueryClient();
  const feedOpen = useLiveStatus() === 'open';
  const [linkError, setLinkError] = useState<string | null>(null);
  const liveDone = live?.stage === 'ready' || live?.stage === 'failed';
  const detail = useQuery({
    queryKey: analyticsKeys.report(report.id),
    queryFn: () => getReport(report.id),
    enabled: isReportInFlight(report.status),
    // Progress comes over the live feed: ask the API only while the feed is down, when the feed
    // said the report finished and the API does not show it yet, or for someone else's report.
    refetchInterval: (q) => {
      if (!isReportInFlight(newerReport(q.state.data, report).status)) return false;
      if (!feedOpen || liveDone) return REPORT_POLL_MS;
      return mine ? false : OTHERS_POLL_MS;
    },
  });
  const { refetch } = detail;
  // Finished: fetch it for its download links.
  useEffect(() => {
    if (liveDone) void refetch();
  }, [liveDone, refetch]);

  const view = newerReport(detail.data, report);
  const status = view.status === 'queued' && live?.stage === 'running' ? 'running' : view.status;
  const inFlight = isReportInFlight(status);
  const percent = !inFlight ? 100 : Math.max(view.progress, live?.percent ?? 0);
  const failed = status === 'failed' || (inFlight && live?.stage === 'failed');

  /** Presigned links last 15 minutes: past that (or nearly), fetch the report for fresh ones. */
  const follow = async (e: React.MouseEvent<HTMLAnchorElement>, kind: 'pdf' | 'csv') => {
    setLinkError(null);
    if (!linksExpiring(view.urls_expire_at)) return;
    e.preventDefault();
    const tab = window.open('', '_blank');
    try {
      const fresh = await queryClient.fetchQuery({ queryKey: analyticsKeys.report(report.id), queryFn: () => getReport(report.id), staleTime: 0 });
      const url = kind === 'pdf' ? fresh.pdf_url : fresh.csv_url;
      if (!url) throw new Error('The file is not available any more.');
      if (tab) {
        tab.opener = null;
        tab.location.href = url;
      } else {
        window.location.assign(url);
      }
    } catch (err) {
      tab?.close();
      setLinkError(bannerMessage(err));
    }
  };

  const scope =
    view.account_ids.length === 0
      ? 'All accounts'
      : view.account_ids.length === 1
        ? (accounts.find((a) => a.id === view.account_ids[0]) ? accountLabel(accounts.find((a) => a.id === view.account_ids[0])!) : '1 account')
        : `${view.account_ids.length} accounts`;
  const sections = view.sections.length >= REPORT_SECTIONS.length ? 'All sections' : view.sections.map((s) => SECTION_LABEL[s as ReportSection] ?? s).join(', ');

  return (
    <li className="flex gap-3 py-4 first:pt-0 last:pb-0" data-report-id={view.id} data-status={failed ? 'failed' : status}>
      <span aria-hidden="true" className={cx('mt-0.5 flex h-9 w-9 shrink-0 items-center justify-center rounded-md', status === 'ready' ? 'bg-indigo-50 text-indigo-700' : 'bg-slate-100 text-slate-500')}>
        <svg viewBox="0 0 24 24" className="h-5 w-5" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round">
          <path d="M14 3H7a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2V8z" />
          <path d="M14 3v5h5M9 17v-3M12 17v-6M15 17v-2" />
        </svg>
      </span>
      <div className="min-w-0 flex-1">
        <div className="flex flex-wrap items-start justify-between gap-2">
          <div className="min-w-0">
            <p className="truncate font-medium text-slate-900">{view.title}</p>
            <p className="text-sm text-slate-600">
              {describePeriod({ from: view.date_from, to: view.date_to })} · {scope} · {sections}
            </p>
            <p className="text-xs text-slate-600" title={formatInstant(view.created_at, timezone)}>
              Asked {relativeTime(view.created_at)} · days in {view.timezone}
            </p>
          </div>
          <span className={cx('inline-block rounded-full px-2 py-0.5 text-xs font-medium', STATUS_STYLE[failed ? 'failed' : status] ?? STATUS_STYLE.queued)}>
            {STATUS_LABEL[failed ? 'failed' : status] ?? status}
          </span>
        </div>
        {inFlight && !failed && (
          <div className="mt-2 space-y-1" data-testid="report-progress" data-stage={live?.stage ?? status}>
            <ProgressBar value={percent} max={100} label={`Progress of ${view.title}`} />
            <p className="text-xs text-slate-600" role="status">
              {status === 'queued' ? 'Waiting to start…' : liveDone ? 'Finishing…' : `Building… ${percent}%`}
            </p>
          </div>
        )}
        {failed && <p className="mt-2 text-sm text-red-800">{view.error ?? 'The report could not be built; ask again.'}</p>}
        {status === 'ready' && (view.pdf_url || view.csv_url) && (
          <div className="mt-2 flex flex-wrap items-center gap-2">
            {view.pdf_url && (
              <a
                href={view.pdf_url}
                target="_blank"
                rel="noreferrer noopener"
                onClick={(e) => void follow(e, 'pdf')}
                className="inline-flex items-center gap-1.5 rounded-md bg-indigo-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-800 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 focus-visible:ring-offset-1"
              >
                Download PDF<span className="sr-only"> of {view.title}</span>
              </a>
            )}
            {view.csv_url && (
              <a
                href={view.csv_url}
                target="_blank"
                rel="noreferrer noopener"
                onClick={(e) => void follow(e, 'csv')}
                className="inline-flex items-center gap-1.5 rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-800 hover:bg-slate-100 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 focus-visible:ring-offset-1"
              >
                Download CSV<span className="sr-only"> of {view.title}</span>
              </a>
            )}
          </div>
        )}
        {linkError && (
          <div className="mt-2">
            <Alert>{linkError}</Alert>
          </div>
        )}
      </div>
    </li>
  );
}
