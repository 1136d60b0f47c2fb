import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { addCompetitor, getCompetitors, insightKeys, removeCompetitor, type CompetitorAlert, type Competitors, type CompetitorView, type ShareOfVoice } from '../api/insights';
import { ApiError, bannerMessage, mapFieldIssues } from '../api/errors';
import { useUser } from '../auth/AuthProvider';
import { formatCompact, formatCount } from '../lib/analytics';
import { PLATFORM_LABEL, type Platform } from '../lib/calendar';
import { ALERT_KIND_LABEL, formatPercent, formatRatio, formatZ } from '../lib/insights';
import { can } from '../lib/roles';
import { formatInstant, relativeTime } from '../lib/time';
import { InsightsTabs, ShareBar } from '../components/insights';
import { Alert, Button, Card, EmptyState, ErrorState, Field, Input, Loading, PageHeader, PlatformBadge, Select } from '../components/ui';

const WATCHABLE: Platform[] = ['x', 'instagram'];

export default function InsightsCompetitors() {
  const user = useUser();
  const competitors = useQuery({ queryKey: insightKeys.competitors, queryFn: () => getCompetitors({ tz: user.timezone }) });
  return (
    <div>
      <PageHeader title="Insights" />
      <InsightsTabs />
      {competitors.isPending ? (
        <Loading />
      ) : competitors.isError ? (
        <ErrorState error={competitors.error} onRetry={() => void competitors.refetch()} />
      ) : (
        <div className="grid gap-4 *:min-w-0 lg:grid-cols-3">
          <div className="space-y-4">
            <Watchlist view={competitors.data} />
          </div>
          <div className="space-y-4 lg:col-span-2">
            <SpikeAlerts alerts={competitors.data.alerts ?? []} timezone={user.timezone} />
            <ShareOfVoiceCard rows={competitors.data.share_of_voice ?? []} view={competitors.data} />
            <Benchmarks view={competitors.data} />
          </div>
        </div>
      )}
    </div>
  );
}

function Watchlist({ view }: { view: Competitors }) {
  const user = useUser();
  const queryClient = useQueryClient();
  const mayEdit = can(user.role, 'manage_social_accounts');
  const [handle, setHandle] = useState('');
  const [platform, setPlatform] = useState<Platform>('x');
  const [fields, setFields] = useState<Record<string, string>>({});
  const [banner, setBanner] = useState<string | null>(null);
  const refresh = () => void queryClient.invalidateQueries({ queryKey: insightKeys.competitors });
  const add = useMutation({
    mutationFn: () => addCompetitor({ handle: handle.trim(), platform }),
    onMutate: () => {
      setFields({});
      setBanner(null);
    },
    onSuccess: () => {
      setHandle('');
      refresh();
    },
    onError: (e) => {
      const mapped = e instanceof ApiError ? mapFieldIssues(e.details, ['handle', 'platform']) : undefined;
      setFields(mapped?.fields ?? {});
      setBanner(bannerMessage(e, mapped));
    },
  });
  const remove = useMutation({ mutationFn: removeCompetitor, onSuccess: refresh });
  return (
    <Card title="Watchlist">
      <p className="mb-3 text-sm text-slate-700">
        {view.competitors.length} of {view.limit} competitors your plan allows.
      </p>
      {view.competitors.length === 0 ? (
        <p className="text-sm text-slate-600">No competitors yet.</p>
      ) : (
        <ul className="space-y-2" aria-label="Competitors" data-testid="competitors">
          {view.competitors.map((c) => (
            <CompetitorRow key={c.id} competitor={c} mayEdit={mayEdit} removing={remove.isPending && remove.variables === c.id} onRemove={() => remove.mutate(c.id)} />
          ))}
        </ul>
      )}
      {remove.isError && (
        <div className="mt-2">
          <Alert>{bannerMessage(remove.error)}</Alert>
        </div>
      )}
      {mayEdit ? (
        <form
          className="mt-4 space-y-3 border-t border-slate-200 pt-4"
          aria-label="Watch a competitor"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            if (!handle.trim()) {
              setFields({ handle: 'Write their handle' });
              return;
            }
            add.mutate();
          }}
        >
          <div className="grid grid-cols-3 gap-2">
            <div className="col-span-2">
              <Field label="Handle" error={fields.handle}>
                {(p) => <Input {...p} placeholder="@rival" value={handle} onChange={(e) => setHandle(e.target.value)} />}
              </Field>
            </div>
            <Field label="Platform" error={fields.platform}>
              {(p) => (
                <Select {...p} value={platform} onChange={(e) => setPlatform(e.target.value as Platform)}>
                  {WATCHABLE.map((pl) => (
                    <option key={pl} value={pl}>
                      {PLATFORM_LABEL[pl]}
                    </option>
                  ))}
                </Select>
              )}
            </Field>
          </div>
          {banner && <Alert>{banner}</Alert>}
          <Button type="submit" busy={add.isPending}>
            Watch
          </Button>
        </form>
      ) : (
        <p className="mt-3 text-xs text-slate-600">Admins and managers edit the watchlist.</p>
      )}
    </Card>
  );
}

function CompetitorRow({ competitor: c, mayEdit, removing, onRemove }: { competitor: CompetitorView; mayEdit: boolean; removing: boolean; onRemove: () => void }) {
  return (
    <li className="rounded border border-slate-200 p-2 text-sm" data-testid="competitor" data-handle={c.handle}>
      <div className="flex items-center gap-2">
        <PlatformBadge platform={c.platform} />
        <span className="min-w-0 flex-1 truncate font-medium">
          @{c.handle}
          {c.display_name && <span className="font-normal text-slate-600"> · {c.display_name}</span>}
        </span>
        {mayEdit && (
          <Button variant="ghost" className="px-2 py-1 text-xs text-red-800" busy={removing} onClick={onRemove} aria-label={`Stop watching @${c.handle}`}>
            Remove
          </Button>
        )}
      </div>
      <p className="mt-1 text-xs text-slate-700">
        {c.latest?.followers_count != null ? `${formatCompact(c.latest.followers_count)} followers` : 'Followers not known yet'}
        {c.posts_per_week != null && ` · ${c.posts_per_week.toFixed(1)} posts a week`}
        {c.engagements_per_post != null && ` · ${formatCompact(c.engagements_per_post)} engagements a post`}
      </p>
      {c.last_error && <p className="mt-1 text-xs text-red-800">Last refresh failed: {c.last_error}</p>}
    </li>
  );
}

function SpikeAlerts({ alerts, timezone }: { alerts: CompetitorAlert[]; timezone: string }) {
  return (
    <Card title="Spike alerts">
      {alerts.length === 0 ? (
        <p className="text-sm text-slate-600">No unusual jump in a competitor's followers or engagement.</p>
      ) : (
        <ul className="space-y-2" data-testid="competitor-alerts" aria-label="Spike alerts">
          {alerts.map((a, i) => (
            <li key={`${a.competitor_id}-${a.kind}-${i}`} className="rounded border border-amber-300 bg-amber-50 p-2 text-sm text-amber-950" data-testid="competitor-alert" data-kind={a.kind}>
              <p className="flex flex-wrap items-center gap-2 font-medium">
                <PlatformBadge platform={a.platform} /> @{a.handle}: {ALERT_KIND_LABEL[a.kind] ?? a.kind.replace(/_/g, ' ')}
                <span className="text-xs font-normal" title={formatInstant(a.detected_at, timezone)}>
                  {relativeTime(a.detected_at)}
                </span>
              </p>
              <p className="text-xs">
                {formatCount(Math.round(a.value))} against {formatCount(Math.round(a.baseline * 10) / 10)} usually ({formatRatio(a.baseline > 0 ? a.value / a.baseline : null)}, {formatZ(a.z)})
              </p>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

function ShareOfVoiceCard({ rows, view }: { rows: ShareOfVoice[]; view: Competitors }) {
  return (
    <Card title="Share of voice">
      <p className="mb-3 text-sm text-slate-700">
        Posts and engagement from {view.period.from} to {view.period.to}, you against your watchlist.
      </p>
      {rows.length === 0 ? (
        <EmptyState title="No share of voice yet">Watch a competitor: their public posts are counted next to yours.</EmptyState>
      ) : (
        <table className="w-full text-sm" data-testid="share-of-voice">
          <thead>
            <tr className="text-left text-xs text-slate-600">
              <th scope="col" className="pb-1 font-medium">Who</th>
              <th scope="col" className="pb-1 font-medium">Share of posts</th>
              <th scope="col" className="pb-1 font-medium">Share of engagement</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.name} data-testid="sov-row" data-you={r.is_you} className="align-top">
                <th scope="row" className="py-1.5 pr-3 text-left font-medium">
                  {r.is_you ? 'You' : r.name}
                </th>
                <td className="w-2/5 py-1.5 pr-3">
                  <ShareBar share={r.share_of_posts} you={r.is_you} />
                  <span className="text-xs text-slate-700">
                    {formatPercent(r.share_of_posts)} · {formatCount(r.posts)} posts
                  </span>
                </td>
                <td className="w-2/5 py-1.5">
                  <ShareBar share={r.share_of_engagement} you={r.is_you} />
                  <span className="text-xs text-slate-700">
                    {formatPercent(r.share_of_engagement)} · {formatCompact(r.engagements)} engagements
                  </span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}

function Benchmarks({ view }: { view: Competitors }) {
  if (view.own.length === 0) return null;
  return (
    <Card title="Your accounts, measured the same way">
      <ul className="space-y-1 text-sm">
        {view.own.map((o) => (
          <li key={o.platform} className="flex flex-wrap items-center gap-2">
            <PlatformBadge platform={o.platform} />
            {o.followers != null ? `${formatCompact(o.followers)} followers` : 'Followers not known'} · {o.posts_per_week.toFixed(1)} posts a week
            {o.engagements_per_post != null && ` · ${formatCompact(o.engagements_per_post)} engagements a post`}
          </li>
        ))}
      </ul>
    </Card>
  );
}
