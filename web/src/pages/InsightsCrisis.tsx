import { useEffect, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { crisisSettings, insightKeys, scanCrisis, type CrisisStatus } from '../api/insights';
import { bannerMessage } from '../api/errors';
import { useUser } from '../auth/AuthProvider';
import { crisisHeadline, crisisLevel, CRISIS_STYLE } from '../lib/insights';
import { can } from '../lib/roles';
import { formatInstant, relativeTime } from '../lib/time';
import { useAiTask } from '../live/useAiTask';
import { useCrisisStatus } from '../components/CrisisWatch';
import { CrisisActions, CrisisEvidenceView, CrisisLevelBadge, HoldingStatement, PublishingLine } from '../components/crisis';
import { InsightsTabs } from '../components/insights';
import { TaskResult, useTaskRun } from '../components/ai';
import { Alert, Button, Card, cx, ErrorState, Loading, PageHeader } from '../components/ui';

export default function InsightsCrisis() {
  const status = useCrisisStatus();
  return (
    <div>
      <PageHeader title="Insights" />
      <InsightsTabs />
      {status.isPending ? <Loading /> : status.isError ? <ErrorState error={status.error} onRetry={() => void status.refetch()} /> : <CrisisPage status={status.data} />}
    </div>
  );
}

function CrisisPage({ status }: { status: CrisisStatus }) {
  const user = useUser();
  const level = crisisLevel(status.level);
  const alert = status.alert;
  return (
    <div className="grid gap-4 *:min-w-0 lg:grid-cols-3">
      <div className="space-y-4">
        <section aria-labelledby="crisis-status-heading" className={cx('rounded-lg border p-4 shadow-sm', CRISIS_STYLE[level].banner)} data-testid="crisis-status" data-level={level}>
          <h2 id="crisis-status-heading" className="text-lg font-semibold">
            Crisis monitor
          </h2>
          <p className="mt-2 flex flex-wrap items-center gap-2">
            <CrisisLevelBadge level={level} /> <span className="font-medium">{crisisHeadline(status)}</span>
          </p>
          <p className="mt-2 text-sm">
            Last scan: {status.last_scan_at ? <span title={formatInstant(status.last_scan_at, user.timezone)}>{relativeTime(status.last_scan_at)}</span> : 'never'}. The crisis manager reads your mentions every few minutes.
          </p>
        </section>
        <ScanCard />
        <SettingsCard status={status} />
      </div>
      <div className="space-y-4 lg:col-span-2">
        <Card title="Publishing">
          <div className="space-y-3">
            <PublishingLine publishing={status.publishing} timezone={user.timezone} />
            <p className="text-xs text-slate-600">While paused, scheduled posts stay scheduled and wait; nothing goes out until publishing resumes.</p>
            <CrisisActions status={status} />
          </div>
        </Card>
        <Card title="Evidence">
          {!alert ? (
            <p className="text-sm text-slate-700">No open alert: negative mentions are within their usual range.</p>
          ) : (
            <div className="space-y-3">
              <p className="text-sm text-slate-700">
                Alert opened {formatInstant(alert.opened_at, user.timezone)}, updated {relativeTime(alert.updated_at)}.
              </p>
              <CrisisEvidenceView evidence={alert.evidence} examples={1000} timezone={user.timezone} />
              {alert.holding_statement && <HoldingStatement text={alert.holding_statement} model={alert.statement_model} />}
            </div>
          )}
        </Card>
      </div>
    </div>
  );
}

function ScanCard() {
  const user = useUser();
  const queryClient = useQueryClient();
  const task = useTaskRun();
  const followed = useAiTask(task.taskId);
  const finished = followed.data?.status === 'completed' || followed.data?.status === 'failed';
  useEffect(() => {
    if (finished) void queryClient.invalidateQueries({ queryKey: insightKeys.crisis });
  }, [finished, queryClient]);
  if (!can(user.role, 'create_content')) return null;
  return (
    <Card title="Scan now">
      <div className="space-y-3">
        <p className="text-sm text-slate-700">Reads the latest mentions and scores them now instead of waiting for the next scheduled scan.</p>
        {task.problem}
        <Button variant="secondary" busy={task.sending} onClick={() => void task.run(() => scanCrisis())}>
          Scan now
        </Button>
        <TaskResult taskId={task.taskId} testId="crisis-scan-result">
          {() => <p className="text-sm text-emerald-800">Scan finished: the status above is current.</p>}
        </TaskResult>
      </div>
    </Card>
  );
}

function SettingsCard({ status }: { status: CrisisStatus }) {
  const user = useUser();
  const queryClient = useQueryClient();
  const mayEdit = can(user.role, 'configure_agents');
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // The box follows the click at once, and goes back if the API refuses.
  const [pending, setPending] = useState<boolean | null>(null);
  const toggle = async (autoPause: boolean) => {
    setSaving(true);
    setError(null);
    setPending(autoPause);
    try {
      queryClient.setQueryData(insightKeys.crisis, await crisisSettings(autoPause));
    } catch (e) {
      setError(bannerMessage(e));
    } finally {
      setPending(null);
      setSaving(false);
    }
  };
  return (
    <Card title="Settings">
      <label className="flex items-start gap-2 text-sm">
        <input type="checkbox" className="mt-0.5 h-4 w-4" checked={pending ?? status.auto_pause} disabled={!mayEdit || saving} onChange={(e) => void toggle(e.target.checked)} />
        <span>
          <span className="font-medium">Pause publishing automatically</span>
          <span className="block text-xs text-slate-600">At the crisis level, scheduled posts are held until someone resumes publishing.</span>
        </span>
      </label>
      {!mayEdit && <p className="mt-2 text-xs text-slate-600">Managers and admins change this.</p>}
      {error && (
        <div className="mt-2">
          <Alert>{error}</Alert>
        </div>
      )}
    </Card>
  );
}
