/**
 * The platform administrators' console (`/admin/*`, one lazy chunk): stats across the platform,
 * users, organizations with a plan override, the audit log, system health and maintenance mode.
 * Only for profiles with `is_super_admin` (the nav item is hidden for everybody else, and the
 * API answers 404 to them anyway). Filters live in the address bar, so a view can be shared.
 */
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { Link, Navigate, Route, Routes, useSearchParams } from 'react-router-dom';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  adminKeys,
  getHealth,
  getMaintenance,
  getStats,
  listAuditLogs,
  listOrganizations,
  listUsers,
  setMaintenance,
  setOrganizationPlan,
  type AdminOrganization,
  type AuditEntry,
  type MaintenanceMode,
  type QueueFigures,
} from '../api/admin';
import type { Plan } from '../api/billing';
import { bannerMessage } from '../api/errors';
import { useUser } from '../auth/AuthProvider';
import {
  actionLabel,
  AUDIT_ACTIONS,
  auditFilterProblem,
  auditFiltersFrom,
  auditFiltersToSearch,
  auditQuery,
  changedKeys,
  deadLettersNeedAttention,
  fullName,
  HEALTH_LABEL,
  HEALTH_SUMMARY,
  healthTone,
  isPlan,
  offsetOf,
  PAGE_SIZE,
  organizationQueryFrom,
  pageInfo,
  postTotals,
  queueLabel,
  userQueryFrom,
  withParam,
  formatUsd,
  type AuditFilters,
} from '../lib/admin';
import { PLAN_ORDER, formatBillingDate, planLabel, statusLabel } from '../lib/billing';
import { formatCount } from '../lib/analytics';
import { formatInstant, relativeTime } from '../lib/time';
import { DailyPostsChart } from '../components/charts';
import { Badge, JsonBlock, TabNav } from '../components/sections';
import { Alert, Button, Card, cx, EmptyState, ErrorState, Field, Input, Loading, PageHeader, Select, Textarea } from '../components/ui';

export default function Admin() {
  const user = useUser();
  if (!user.is_super_admin) return <Navigate to="/" replace />;
  return (
    <div>
      <PageHeader title="Admin console" />
      <TabNav label="Admin console" tabs={ADMIN_TABS} />
      <Routes>
        <Route index element={<Stats />} />
        <Route path="users" element={<Users />} />
        <Route path="organizations" element={<Organizations />} />
        <Route path="audit-logs" element={<AuditLogs />} />
        <Route path="health" element={<Health />} />
        <Route path="maintenance" element={<Maintenance />} />
        <Route path="*" element={<Navigate to="/admin" replace />} />
      </Routes>
    </div>
  );
}

const ADMIN_TABS = [
  { to: '/admin', label: 'Stats', end: true },
  { to: '/admin/users', label: 'Users' },
  { to: '/admin/organizations', label: 'Organizations' },
  { to: '/admin/audit-logs', label: 'Audit logs' },
  { to: '/admin/health', label: 'System health' },
  { to: '/admin/maintenance', label: 'Maintenance' },
];

// ---------------------------------------------------------------- shared pieces

function Figure({ label, value, sub, tone }: { label: string; value: ReactNode; sub?: ReactNode; tone?: 'bad' }) {
  return (
    <div className={cx('rounded-lg border bg-white p-4 shadow-sm', tone === 'bad' ? 'border-red-300' : 'border-slate-200')}>
      <p className="text-sm text-slate-600">{label}</p>
      <p className={cx('mt-1 text-2xl font-semibold', tone === 'bad' ? 'text-red-800' : 'text-slate-900')}>{value}</p>
      {sub && <div className="mt-1 text-xs text-slate-600">{sub}</div>}
    </div>
  );
}

function LevelBadge({ level, label }: { level: string; label?: string }) {
  return (
    <Badge tone={healthTone(level)} data-level={level}>
      {label ?? HEALTH_LABEL[level as keyof typeof HEALTH_LABEL] ?? level}
    </Badge>
  );
}

function Pager({ offset, limit, total, shown, onPage }: { offset: number; limit: number; total: number; shown: number; onPage: (offset: number) => void }) {
  const info = pageInfo(offset, limit, total, shown);
  return (
    <div className="mt-3 flex items-center justify-between gap-3 text-sm text-slate-700">
      <span>{info.text}</span>
      <span className="flex gap-2">
        <Button variant="secondary" disabled={info.prev === null} onClick={() => info.prev !== null && onPage(info.prev)}>
          Previous
        </Button>
        <Button variant="secondary" disabled={info.next === null} onClick={() => info.next !== null && onPage(info.next)}>
          Next
        </Button>
      </span>
    </div>
  );
}

/** A search box that updates `?q=` after a pause (and at once on Enter). */
function SearchBox({ label, value, onSearch, placeholder }: { label: string; value: string; onSearch: (q: string) => void; placeholder: string }) {
  const [text, setText] = useState(value);
  const latest = useRef(onSearch);
  latest.current = onSearch;
  useEffect(() => setText(value), [value]);
  useEffect(() => {
    if (text.trim() === value) return;
    const timer = setTimeout(() => latest.current(text), 350);
    return () => clearTimeout(timer);
  }, [text, value]);
  return (
    <form
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        onSearch(text);
      }}
    >
      <Field label={label}>{(p) => <Input {...p} type="search" value={text} placeholder={placeholder} onChange={(e) => setText(e.target.value)} />}</Field>
    </form>
  );
}

const th = 'px-2 py-2 font-medium text-slate-700';
const td = 'px-2 py-2 align-top';

// ---------------------------------------------------------------- stats

function Stats() {
  const stats = useQuery({ queryKey: adminKeys.stats, queryFn: getStats, staleTime: 30_000 });
  if (stats.isPending) return <Loading />;
  if (stats.isError) return <ErrorState error={stats.error} onRetry={() => void stats.refetch()} />;
  const s = stats.data;
  const totals = postTotals(s.posts);
  const deadLetters = s.queues.reduce((n, q) => n + (q.dead_letters ?? 0), 0);
  const waiting = s.queues.reduce((n, q) => n + (q.depth ?? 0), 0);
  // Only the queues worth a look here (System health lists them all).
  const busy = s.queues.filter((q) => q.depth == null || q.depth > 0 || deadLettersNeedAttention(q.dead_letters));
  return (
    <div className="space-y-4" data-testid="admin-stats">
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        <Figure
          label="Organizations"
          value={formatCount(s.organizations.total)}
          sub={PLAN_ORDER.map((p) => `${formatCount(s.organizations.by_plan[p] ?? 0)} ${planLabel(p)}`).join(' · ')}
        />
        <Figure label="Past due" value={formatCount(s.organizations.past_due)} sub="organizations whose payment failed" tone={s.organizations.past_due > 0 ? 'bad' : undefined} />
        <Figure label="Users" value={formatCount(s.users.total)} sub={`${formatCount(s.users.active_30d)} active in the last 30 days`} />
        <Figure label="AI, last 30 days" value={formatUsd(s.ai.cost_usd_30d)} sub={`${formatCount(s.ai.tasks_30d)} tasks · ${formatCount(s.ai.tokens_30d)} tokens`} />
      </div>
      <div className="grid gap-4 lg:grid-cols-3">
        <Card title="Posts per day" className="lg:col-span-2">
          <p className="mb-2 text-sm text-slate-600">
            Last {s.posts.length} days: {formatCount(totals.published)} published, {formatCount(totals.failed)} failed.
          </p>
          {s.posts.length ? <DailyPostsChart days={s.posts} title="Posts published and failed per day" /> : <EmptyState title="No posts yet" />}
        </Card>
        <Card title="Queues">
          <p className="mb-2 text-sm text-slate-600" data-testid="queue-summary">
            {s.queues.length} queues · {formatCount(waiting)} waiting · {formatCount(deadLetters)} dead letter{deadLetters === 1 ? '' : 's'}
          </p>
          {busy.length ? <QueueTable queues={busy} /> : <p className="text-sm text-slate-700">Every queue is empty.</p>}
          {deadLetters > 0 && (
            <p className="mt-2 text-sm text-red-800">
              Messages in dead-letter queues failed every delivery: see{' '}
              <Link to="/admin/health" className="font-medium underline">
                System health
              </Link>
              .
            </p>
          )}
        </Card>
      </div>
    </div>
  );
}

function QueueTable({ queues }: { queues: QueueFigures[] }) {
  if (queues.length === 0) return <p className="text-sm text-slate-600">No queues reported.</p>;
  const inFlight = queues.some((q) => q.in_flight != null);
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm">
        <thead>
          <tr>
            <th scope="col" className={th}>Queue</th>
            <th scope="col" className={cx(th, 'text-right')}>Waiting</th>
            {inFlight && <th scope="col" className={cx(th, 'text-right')}>In flight</th>}
            <th scope="col" className={cx(th, 'text-right')}>Dead letters</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-200">
          {queues.map((q) => {
            const bad = deadLettersNeedAttention(q.dead_letters);
            return (
              <tr key={q.name} data-queue={q.name} data-dead-letters={q.dead_letters ?? undefined} className={bad ? 'bg-red-50' : undefined}>
                <th scope="row" className={cx(td, 'font-normal')}>{queueLabel(q.name)}</th>
                <td className={cx(td, 'text-right tabular-nums')}>{formatCount(q.depth)}</td>
                {inFlight && <td className={cx(td, 'text-right tabular-nums')}>{formatCount(q.in_flight)}</td>}
                <td className={cx(td, 'text-right tabular-nums', bad && 'font-semibold text-red-800')}>
                  {formatCount(q.dead_letters)}
                  {bad && <span className="sr-only"> (needs attention)</span>}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

// ---------------------------------------------------------------- users

function Users() {
  const viewer = useUser();
  const [params, setParams] = useSearchParams();
  const query = userQueryFrom(params);
  const users = useQuery({ queryKey: adminKeys.users(query), queryFn: () => listUsers(query), placeholderData: keepPreviousData });
  const onSearch = (q: string) => setParams(withParam(params, 'q', q), { replace: true });
  return (
    <Card title="Users">
      <div className="mb-3 max-w-md">
        <SearchBox label="Search users" value={query.q ?? ''} onSearch={onSearch} placeholder="Email or name" />
      </div>
      {users.isPending ? (
        <Loading />
      ) : users.isError ? (
        <ErrorState error={users.error} onRetry={() => void users.refetch()} />
      ) : users.data.users.length === 0 ? (
        <EmptyState title={query.q ? `No user matches “${query.q}”` : 'No users'} />
      ) : (
        <>
          <div className="overflow-x-auto" aria-busy={users.isFetching || undefined}>
            <table className="w-full text-left text-sm" data-testid="admin-users">
              <thead>
                <tr>
                  <th scope="col" className={th}>User</th>
                  <th scope="col" className={th}>Organization</th>
                  <th scope="col" className={th}>Role</th>
                  <th scope="col" className={th}>Status</th>
                  <th scope="col" className={th}>Last sign-in</th>
                  <th scope="col" className={th}>Joined</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-200">
                {users.data.users.map((u) => (
                  <tr key={u.id} data-user-email={u.email}>
                    <td className={td}>
                      {fullName(u)}
                      <span className="block text-xs text-slate-600">{u.email}</span>
                    </td>
                    <td className={td}>
                      {u.organization ? (
                        <>
                          {u.organization.name}
                          {u.organization.slug && <span className="block text-xs text-slate-600">{u.organization.slug}</span>}
                        </>
                      ) : (
                        '—'
                      )}
                    </td>
                    <td className={cx(td, 'capitalize')}>
                      {u.role}
                      {u.is_super_admin && <span className="ml-1 inline-block rounded bg-indigo-100 px-1.5 py-0.5 text-xs font-medium normal-case text-indigo-900">platform admin</span>}
                    </td>
                    <td className={td}>{u.is_active ? 'Active' : <span className="text-red-800">Deactivated</span>}</td>
                    <td className={td}>{u.last_login ? <span title={formatInstant(u.last_login, viewer.timezone)}>{relativeTime(u.last_login)}</span> : 'Never'}</td>
                    <td className={td}>{formatBillingDate(u.created_at, viewer.timezone)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager offset={query.offset ?? 0} limit={query.limit ?? PAGE_SIZE} total={users.data.total} shown={users.data.users.length} onPage={(o) => setParams(pageParams(params, o))} />
        </>
      )}
    </Card>
  );
}

function pageParams(params: URLSearchParams, offset: number): URLSearchParams {
  const next = new URLSearchParams(params);
  if (offset > 0) next.set('offset', String(offset));
  else next.delete('offset');
  return next;
}

// ---------------------------------------------------------------- organizations

function Organizations() {
  const viewer = useUser();
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  const query = organizationQueryFrom(params);
  const orgs = useQuery({ queryKey: adminKeys.organizations(query), queryFn: () => listOrganizations(query), placeholderData: keepPreviousData });
  const [message, setMessage] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);
  const change = useMutation({
    mutationFn: ({ org, plan }: { org: AdminOrganization; plan: Plan }) => setOrganizationPlan(org.id, plan),
    onMutate: () => setMessage(null),
    onSuccess: (row) => {
      setMessage({ kind: 'success', text: `${row.name} is now on the ${planLabel(row.plan)} plan.` });
      queryClient.setQueryData<{ organizations: AdminOrganization[]; total: number }>(adminKeys.organizations(query), (data) =>
        data ? { ...data, organizations: data.organizations.map((o) => (o.id === row.id ? row : o)) } : data,
      );
      void queryClient.invalidateQueries({ queryKey: ['admin', 'organizations'] });
      void queryClient.invalidateQueries({ queryKey: adminKeys.stats });
    },
    onError: (e) => setMessage({ kind: 'error', text: bannerMessage(e) ?? 'The plan did not change.' }),
  });
  const onPlanPicked = (org: AdminOrganization, value: string) => {
    if (!isPlan(value) || value === org.plan) return;
    if (!window.confirm(`Change ${org.name} from ${planLabel(org.plan)} to ${planLabel(value)}? This overrides its billing and is recorded in the audit log.`)) return;
    change.mutate({ org, plan: value });
  };
  const onSearch = (q: string) => setParams(withParam(params, 'q', q), { replace: true });
  return (
    <Card title="Organizations">
      <div className="mb-3 grid max-w-2xl gap-3 sm:grid-cols-[2fr_1fr]">
        <SearchBox label="Search organizations" value={query.q ?? ''} onSearch={onSearch} placeholder="Name or slug" />
        <Field label="Plan">
          {(p) => (
            <Select {...p} value={query.plan ?? ''} onChange={(e) => setParams(withParam(params, 'plan', e.target.value), { replace: true })}>
              <option value="">All plans</option>
              {PLAN_ORDER.map((plan) => (
                <option key={plan} value={plan}>
                  {planLabel(plan)}
                </option>
              ))}
            </Select>
          )}
        </Field>
      </div>
      {message && (
        <div className="mb-3">
          <Alert kind={message.kind}>{message.text}</Alert>
        </div>
      )}
      {orgs.isPending ? (
        <Loading />
      ) : orgs.isError ? (
        <ErrorState error={orgs.error} onRetry={() => void orgs.refetch()} />
      ) : orgs.data.organizations.length === 0 ? (
        <EmptyState title="No organization matches these filters" />
      ) : (
        <>
          <div className="overflow-x-auto" aria-busy={orgs.isFetching || undefined}>
            <table className="w-full text-left text-sm" data-testid="admin-organizations">
              <thead>
                <tr>
                  <th scope="col" className={th}>Organization</th>
                  <th scope="col" className={th}>Plan</th>
                  <th scope="col" className={th}>Status</th>
                  <th scope="col" className={cx(th, 'text-right')}>Members</th>
                  <th scope="col" className={cx(th, 'text-right')}>Accounts</th>
                  <th scope="col" className={th}>Created</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-200">
                {orgs.data.organizations.map((o) => (
                  <tr key={o.id} data-org-id={o.id} data-org-plan={o.plan}>
                    <td className={td}>
                      {o.name}
                      <span className="block text-xs text-slate-600">
                        {o.slug} · <span className="font-mono">{o.id}</span>
                      </span>
                    </td>
                    <td className={td}>
                      <Select
                        aria-label={`Plan of ${o.name}`}
                        value={o.plan}
                        disabled={change.isPending}
                        onChange={(e) => onPlanPicked(o, e.target.value)}
                        className="w-36"
                      >
                        {PLAN_ORDER.map((plan) => (
                          <option key={plan} value={plan}>
                            {planLabel(plan)}
                          </option>
                        ))}
                      </Select>
                    </td>
                    <td className={td}>
                      <span className={o.status === 'active' || o.status === 'trialing' ? undefined : 'font-medium text-amber-800'}>{statusLabel(o.status)}</span>
                      {o.grace_until && <span className="block text-xs text-slate-600">until {formatBillingDate(o.grace_until, viewer.timezone)}</span>}
                    </td>
                    <td className={cx(td, 'text-right tabular-nums')}>{formatCount(o.members)}</td>
                    <td className={cx(td, 'text-right tabular-nums')}>{formatCount(o.social_accounts)}</td>
                    <td className={td}>{formatBillingDate(o.created_at, viewer.timezone)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager offset={query.offset ?? 0} limit={query.limit ?? PAGE_SIZE} total={orgs.data.total} shown={orgs.data.organizations.length} onPage={(o) => setParams(pageParams(params, o))} />
        </>
      )}
    </Card>
  );
}

// ---------------------------------------------------------------- audit logs

function AuditLogs() {
  const viewer = useUser();
  const [params, setParams] = useSearchParams();
  const applied = auditFiltersFrom(params);
  const offset = offsetOf(params);
  const [draft, setDraft] = useState<AuditFilters>(applied);
  const [problem, setProblem] = useState<string | null>(null);
  const appliedKey = params.toString();
  useEffect(() => setDraft(auditFiltersFrom(new URLSearchParams(appliedKey))), [appliedKey]);
  const query = auditQuery(applied, viewer.timezone, offset);
  const entries = useQuery({ queryKey: adminKeys.audit(query), queryFn: () => listAuditLogs(query), placeholderData: keepPreviousData });
  const set = (field: keyof AuditFilters) => (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [field]: e.target.value }));
  const apply = (e: FormEvent) => {
    e.preventDefault();
    const p = auditFilterProblem(draft);
    setProblem(p);
    if (!p) setParams(auditFiltersToSearch(draft));
  };
  return (
    <Card title="Audit logs">
      <form onSubmit={apply} className="mb-4 grid gap-3 sm:grid-cols-2 lg:grid-cols-3" aria-label="Audit log filters" noValidate>
        <Field label="Organization ID">{(p) => <Input {...p} value={draft.organization_id} onChange={set('organization_id')} placeholder="UUID" />}</Field>
        <Field label="User ID">{(p) => <Input {...p} value={draft.user_id} onChange={set('user_id')} placeholder="UUID" />}</Field>
        <Field label="Action">
          {(p) => (
            <Select {...p} value={draft.action} onChange={set('action')}>
              <option value="">Any action</option>
              {AUDIT_ACTIONS.map((a) => (
                <option key={a} value={a}>
                  {actionLabel(a)}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <Field label="Resource type">{(p) => <Input {...p} value={draft.resource_type} onChange={set('resource_type')} placeholder="e.g. subscription, post, maintenance_mode" />}</Field>
        <Field label={`Since (${viewer.timezone})`}>{(p) => <Input {...p} type="datetime-local" value={draft.since} onChange={set('since')} />}</Field>
        <Field label={`Until (${viewer.timezone})`}>{(p) => <Input {...p} type="datetime-local" value={draft.until} onChange={set('until')} />}</Field>
        <div className="flex items-end gap-2 sm:col-span-2 lg:col-span-3">
          <Button type="submit">Apply filters</Button>
          <Button
            variant="ghost"
            onClick={() => {
              setProblem(null);
              setParams(new URLSearchParams());
            }}
          >
            Clear
          </Button>
        </div>
        {problem && (
          <div className="sm:col-span-2 lg:col-span-3">
            <Alert>{problem}</Alert>
          </div>
        )}
      </form>
      {entries.isPending ? (
        <Loading />
      ) : entries.isError ? (
        <ErrorState error={entries.error} onRetry={() => void entries.refetch()} />
      ) : entries.data.entries.length === 0 ? (
        <EmptyState title="No audit entries match these filters" />
      ) : (
        <>
          <div className="overflow-x-auto" aria-busy={entries.isFetching || undefined}>
            <table className="w-full text-left text-sm" data-testid="admin-audit">
              <thead>
                <tr>
                  <th scope="col" className={th}>When</th>
                  <th scope="col" className={th}>Action</th>
                  <th scope="col" className={th}>Resource</th>
                  <th scope="col" className={th}>Organization</th>
                  <th scope="col" className={th}>By</th>
                  <th scope="col" className={th}><span className="sr-only">Details</span></th>
                </tr>
              </thead>
              {entries.data.entries.map((entry) => (
                <AuditRow key={entry.id} entry={entry} timezone={viewer.timezone} />
              ))}
            </table>
          </div>
          <Pager offset={offset} limit={query.limit ?? PAGE_SIZE} total={entries.data.total} shown={entries.data.entries.length} onPage={(o) => setParams(pageParams(params, o))} />
        </>
      )}
    </Card>
  );
}

function AuditRow({ entry, timezone }: { entry: AuditEntry; timezone: string }) {
  const [open, setOpen] = useState(false);
  const changed = changedKeys(entry.old_values, entry.new_values);
  const detailsId = `audit-${entry.id}`;
  return (
    <tbody className="border-t border-slate-200" data-audit-action={entry.action}>
      <tr>
        <td className={cx(td, 'whitespace-nowrap')}>{formatInstant(entry.created_at, timezone)}</td>
        <td className={td}>{actionLabel(entry.action)}</td>
        <td className={td}>
          {entry.resource_type}
          {entry.resource_id && <span className="block font-mono text-xs text-slate-600">{entry.resource_id}</span>}
        </td>
        <td className={td}>{entry.organization?.name ?? '—'}</td>
        <td className={td}>
          {entry.user?.email ?? 'System'}
          {entry.ip_address && <span className="block text-xs text-slate-600">{entry.ip_address}</span>}
        </td>
        <td className={cx(td, 'text-right')}>
          <Button variant="ghost" aria-expanded={open} aria-controls={detailsId} onClick={() => setOpen((o) => !o)}>
            {open ? 'Hide' : 'Details'}
            <span className="sr-only"> of {entry.action} at {formatInstant(entry.created_at, timezone)}</span>
          </Button>
        </td>
      </tr>
      {open && (
        <tr id={detailsId}>
          <td colSpan={6} className="px-2 pb-3">
            {changed.length > 0 && <p className="mb-2 text-xs text-slate-700">Changed: {changed.join(', ')}</p>}
            <div className="grid gap-3 md:grid-cols-2">
              <ValuesBlock label="Old values" value={entry.old_values} />
              <ValuesBlock label="New values" value={entry.new_values} />
            </div>
          </td>
        </tr>
      )}
    </tbody>
  );
}

function ValuesBlock({ label, value }: { label: string; value: unknown }) {
  return (
    <div>
      <p className="mb-1 text-xs font-medium text-slate-700">{label}</p>
      <JsonBlock value={value} label={label} className="max-h-72" />
    </div>
  );
}

// ---------------------------------------------------------------- system health

function Health() {
  const viewer = useUser();
  const health = useQuery({ queryKey: adminKeys.health, queryFn: getHealth, refetchInterval: 30_000 });
  if (health.isPending) return <Loading />;
  if (health.isError) return <ErrorState error={health.error} onRetry={() => void health.refetch()} />;
  const h = health.data;
  return (
    <div className="space-y-4" data-testid="admin-health" data-health={h.status}>
      <div className="flex flex-wrap items-center justify-between gap-3">
        <p className="text-sm text-slate-700">
          <LevelBadge level={h.status} label={HEALTH_SUMMARY[h.status] ?? h.status} /> Checked {formatInstant(h.checked_at, viewer.timezone)}
        </p>
        <Button variant="secondary" busy={health.isFetching} onClick={() => void health.refetch()}>
          Check again
        </Button>
      </div>
      {h.maintenance.enabled && (
        <Alert kind="warning" title="Maintenance mode is on">
          {h.maintenance.message ?? 'Changes are paused.'}
        </Alert>
      )}
      <div className="grid gap-4 lg:grid-cols-2">
        <Card title="Checks">
          <table className="w-full text-left text-sm">
            <thead>
              <tr>
                <th scope="col" className={th}>Check</th>
                <th scope="col" className={th}>Status</th>
                <th scope="col" className={cx(th, 'text-right')}>Latency</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-200">
              {h.checks.map((c) => (
                <tr key={c.name} data-check={c.name}>
                  <th scope="row" className={cx(td, 'font-normal')}>
                    {c.name}
                    {c.detail && <span className="block text-xs text-slate-600">{c.detail}</span>}
                  </th>
                  <td className={td}>
                    <LevelBadge level={c.status} />
                  </td>
                  <td className={cx(td, 'text-right tabular-nums')}>{formatLatency(c.latency_ms)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
        <Card title="Queues">
          <QueueTable queues={h.queues} />
        </Card>
        <Card title="Scheduled runs" className="lg:col-span-2">
          <table className="w-full text-left text-sm">
            <thead>
              <tr>
                <th scope="col" className={th}>Job</th>
                <th scope="col" className={th}>Last run</th>
                <th scope="col" className={th}>Status</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-200">
              {h.runs.map((r) => (
                <tr key={r.name} data-run={r.name}>
                  <th scope="row" className={cx(td, 'font-normal')}>
                    {r.name}
                    {r.detail && <span className="block text-xs text-slate-600">{r.detail}</span>}
                  </th>
                  <td className={td}>{r.last_run_at ? <span title={formatInstant(r.last_run_at, viewer.timezone)}>{relativeTime(r.last_run_at)}</span> : 'Never'}</td>
                  <td className={td}>
                    <LevelBadge level={r.status} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      </div>
    </div>
  );
}

function formatLatency(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return '—';
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${formatCount(Math.round(ms))} ms`;
}

// ---------------------------------------------------------------- maintenance

function Maintenance() {
  const viewer = useUser();
  const queryClient = useQueryClient();
  const mode = useQuery({ queryKey: adminKeys.maintenance, queryFn: getMaintenance });
  const [message, setMessage] = useState('');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (mode.data) setMessage(mode.data.message ?? '');
  }, [mode.data]);
  const toggle = useMutation({
    mutationFn: (enabled: boolean) => setMaintenance(enabled, enabled ? message.trim() || null : null),
    onMutate: () => setError(null),
    onSuccess: (m: MaintenanceMode) => {
      queryClient.setQueryData(adminKeys.maintenance, m);
      void queryClient.invalidateQueries({ queryKey: adminKeys.health });
    },
    onError: (e) => setError(bannerMessage(e)),
  });
  if (mode.isPending) return <Loading />;
  if (mode.isError) return <ErrorState error={mode.error} onRetry={() => void mode.refetch()} />;
  const m = mode.data;
  const flip = () => {
    const enabling = !m.enabled;
    const question = enabling
      ? 'Turn maintenance mode on? Every change across the platform (posts, settings, billing) is refused until you turn it off; reading keeps working.'
      : 'Turn maintenance mode off? Changes are accepted again at once.';
    if (window.confirm(question)) toggle.mutate(enabling);
  };
  return (
    <Card title="Maintenance mode">
      <div className="space-y-4" data-testid="admin-maintenance" data-enabled={m.enabled}>
        <p className="text-sm">
          Maintenance mode is{' '}
          <span className={cx('font-semibold', m.enabled ? 'text-amber-800' : 'text-emerald-800')} data-testid="maintenance-state">
            {m.enabled ? 'on' : 'off'}
          </span>
          {m.changed_at && (
            <span className="text-slate-600">
              {' '}
              (changed {formatInstant(m.changed_at, viewer.timezone)}
              {m.changed_by ? (m.changed_by === viewer.id ? ' by you' : ' by another administrator') : ''})
            </span>
          )}
          .
        </p>
        <p className="text-sm text-slate-700">
          While it is on, every write (POST, PUT, PATCH, DELETE) answers 503 except signing in and out and this console; people see a banner saying changes are paused. Reads keep working.
        </p>
        <div className="max-w-xl">
          <Field label="Message shown to users (optional)" hint="For instance: “Upgrading the database, back by 14:00 UTC.”">
            {(p) => <Textarea {...p} rows={2} maxLength={500} value={message} disabled={m.enabled} onChange={(e) => setMessage(e.target.value)} />}
          </Field>
        </div>
        {error && <Alert>{error}</Alert>}
        <Button variant={m.enabled ? 'primary' : 'danger'} busy={toggle.isPending} onClick={flip}>
          {m.enabled ? 'Turn maintenance mode off' : 'Turn maintenance mode on'}
        </Button>
      </div>
    </Card>
  );
}
