/**
 * The crisis manager's pieces: the level badge, the evidence, the holding statement with a copy
 * button, and the actions (pause or resume publishing, resolve). The banner the layout shows
 * (a lazy chunk: the first load carries only the status query) and the crisis page use them.
 */
import { useState } from 'react';
import { Link, useLocation } from 'react-router-dom';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { insightKeys, pausePublishing, resolveCrisis, resumePublishing, type CrisisEvidence, type CrisisStatus, type PublishingState } from '../api/insights';
import { bannerMessage } from '../api/errors';
import { useUser } from '../auth/AuthProvider';
import { can } from '../lib/roles';
import { formatInstant, relativeTime } from '../lib/time';
import { CRISIS_LABEL, CRISIS_STYLE, crisisHeadline, crisisLevel, describeCrisisEvidence, formatPercent, heldTargets, readEvidence, sandboxText } from '../lib/insights';
import { SandboxBadge } from './ai';
import { Alert, Button, cx } from './ui';

export function CrisisLevelBadge({ level }: { level: string }) {
  const l = crisisLevel(level);
  return (
    <span className={cx('inline-block rounded-full px-2 py-0.5 text-xs font-bold uppercase tracking-wide', CRISIS_STYLE[l].badge)} data-testid="crisis-level" data-level={l}>
      {CRISIS_LABEL[l]}
    </span>
  );
}

/** The figures behind the level, and the first `examples` mentions. */
export function CrisisEvidenceView({ evidence: raw, examples = 3, timezone }: { evidence: CrisisEvidence | unknown; examples?: number; timezone: string }) {
  const evidence = readEvidence(raw);
  const shown = evidence.examples.slice(0, examples);
  return (
    <div className="space-y-2" data-testid="crisis-evidence">
      <p className="text-sm">{describeCrisisEvidence(evidence)}</p>
      <dl className="flex flex-wrap gap-x-4 gap-y-1 text-xs">
        <div>
          <dt className="inline font-medium">Mentions: </dt>
          <dd className="inline" data-testid="crisis-mentions">
            {evidence.mentions}
          </dd>
        </div>
        <div>
          <dt className="inline font-medium">Negative: </dt>
          <dd className="inline" data-testid="crisis-negative">
            {evidence.negative} ({formatPercent(evidence.negative_ratio)})
          </dd>
        </div>
        <div>
          <dt className="inline font-medium">Usually: </dt>
          <dd className="inline">{formatPercent(evidence.baseline_ratio)} negative</dd>
        </div>
        <div>
          <dt className="inline font-medium">Against the baseline: </dt>
          <dd className="inline" data-testid="crisis-z">
            z = {evidence.z.toFixed(1)}
          </dd>
        </div>
      </dl>
      {evidence.method && examples > 3 && <p className="text-xs">How: {evidence.method}</p>}
      {shown.length > 0 && (
        <ul className="space-y-1" aria-label="Example mentions" data-testid="crisis-examples">
          {shown.map((m, i) => (
            <li key={i} className="rounded border border-slate-200 bg-white p-2 text-sm text-slate-900">
              <p className="whitespace-pre-wrap break-words">“{m.text}”</p>
              <p className="mt-0.5 text-xs text-slate-700">
                {m.author ? `@${m.author.replace(/^@/, '')}` : 'Someone'} · sentiment {m.sentiment.toFixed(2)}
                {m.scored_by && ` (${m.scored_by})`}
                {m.created_at && (
                  <>
                    {' '}
                    · <span title={formatInstant(m.created_at, timezone)}>{relativeTime(m.created_at)}</span>
                  </>
                )}
              </p>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The statement to post while the team looks into it, with a copy button. */
export function HoldingStatement({ text, model }: { text: string; model?: string | null }) {
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  const read = sandboxText(text);
  const statement = read.text;
  // The model that drafted it says whether it is a sandbox draft.
  const sandbox = read.sandbox || Boolean(model?.startsWith('sandbox:'));
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(statement);
      setCopied('yes');
    } catch {
      setCopied('no');
    }
  };
  return (
    <div className="rounded border border-slate-300 bg-white p-2 text-slate-900" data-testid="holding-statement">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className="flex items-center gap-2 text-sm font-medium">
          Holding statement {sandbox && <SandboxBadge />}
        </p>
        <Button variant="secondary" className="px-2 py-1 text-xs" onClick={() => void copy()}>
          Copy the statement
        </Button>
      </div>
      <p className="mt-1 whitespace-pre-wrap break-words text-sm" data-testid="holding-statement-text">
        {statement}
      </p>
      <p className="sr-only" role="status">
        {copied === 'yes' ? 'Copied.' : copied === 'no' ? 'Could not copy: select the text instead.' : ''}
      </p>
      {copied && (
        <p className="mt-1 text-xs text-slate-700" aria-hidden="true">
          {copied === 'yes' ? 'Copied.' : 'Could not copy: select the text instead.'}
        </p>
      )}
    </div>
  );
}

/** The publishing pause in words. */
export function PublishingLine({ publishing, timezone }: { publishing: PublishingState; timezone: string }) {
  if (!publishing.paused) return <p className="text-sm" data-testid="publishing-state" data-paused="false">Publishing is on.</p>;
  return (
    <p className="text-sm" data-testid="publishing-state" data-paused="true">
      <strong>Publishing is paused</strong>
      {publishing.paused_at && <> since {formatInstant(publishing.paused_at, timezone)}</>}
      {publishing.reason && <>: {publishing.reason}</>}. {heldTargets(publishing.held_targets)}.
    </p>
  );
}

/**
 * Pause/resume publishing and resolve the alert (managers and admins), with a link to the crisis
 * page (`detailsLink`); the status in the cache follows each answer, and the live feed's
 * `crisis.changed` tells the other tabs.
 */
export function CrisisActions({ status, detailsLink }: { status: CrisisStatus; detailsLink?: boolean }) {
  const user = useUser();
  const queryClient = useQueryClient();
  const [done, setDone] = useState<string | null>(null);
  const mayAct = can(user.role, 'manage_publishing');
  const setPublishing = (publishing: PublishingState) =>
    queryClient.setQueryData<CrisisStatus>(insightKeys.crisis, (s) => (s ? { ...s, publishing: { ...s.publishing, ...publishing } } : s));
  const after = () => {
    void queryClient.invalidateQueries({ queryKey: insightKeys.crisis });
    void queryClient.invalidateQueries({ queryKey: ['posts'] });
    void queryClient.invalidateQueries({ queryKey: ['calendar'] });
  };
  const pause = useMutation({
    mutationFn: () => pausePublishing(status.alert ? `${CRISIS_LABEL[crisisLevel(status.level)]} alert: ${formatPercent(readEvidence(status.alert.evidence).negative_ratio)} of mentions negative` : 'Paused by hand'),
    onSuccess: (p) => {
      setPublishing(p);
      setDone(`Publishing paused: ${heldTargets(p.held_targets)}.`);
      after();
    },
  });
  const resume = useMutation({
    mutationFn: resumePublishing,
    onSuccess: (p) => {
      setPublishing(p);
      setDone(`Publishing resumed${p.released != null ? `: ${p.released} held post${p.released === 1 ? '' : 's'} released` : ''}.`);
      after();
    },
  });
  const resolve = useMutation({
    mutationFn: resolveCrisis,
    onSuccess: (s) => {
      queryClient.setQueryData(insightKeys.crisis, s);
      setDone('The alert is resolved.');
      after();
    },
  });
  const error = pause.error ?? resume.error ?? resolve.error;
  const busy = pause.isPending || resume.isPending || resolve.isPending;
  if (!mayAct) {
    return <p className="text-xs">Managers and admins can pause publishing and resolve the alert; your role is {user.role}.</p>;
  }
  return (
    <div className="space-y-2">
      <div className="flex flex-wrap gap-2">
        {status.publishing.paused ? (
          <Button busy={resume.isPending} disabled={busy} onClick={() => resume.mutate()}>
            Resume publishing
          </Button>
        ) : (
          <Button variant="danger" busy={pause.isPending} disabled={busy} onClick={() => pause.mutate()}>
            Pause publishing
          </Button>
        )}
        {status.alert && (
          <Button variant="secondary" busy={resolve.isPending} disabled={busy} onClick={() => resolve.mutate()}>
            Resolve
          </Button>
        )}
        {detailsLink && (
          <Link to="/insights/crisis" className="inline-flex items-center rounded-md px-3 py-2 text-sm font-medium underline">
            Crisis details
          </Link>
        )}
      </div>
      {error ? <Alert>{bannerMessage(error)}</Alert> : null}
      {done && !error && (
        <p className="text-xs" role="status">
          {done}
        </p>
      )}
    </div>
  );
}

/** The layout's banner (lazy): level, evidence, holding statement and actions. */
export default function CrisisBanner({ status }: { status: CrisisStatus }) {
  const user = useUser();
  const level = crisisLevel(status.level);
  // Open by default when serious, except on the crisis page, which shows the evidence itself.
  const onCrisisPage = useLocation().pathname.startsWith('/insights/crisis');
  const [toggled, setOpen] = useState<boolean | null>(null);
  const open = toggled ?? ((level === 'warning' || level === 'crisis') && !onCrisisPage);
  const alert = status.alert;
  return (
    <div role="alert" aria-labelledby="crisis-banner-title" className={cx('border-b-2 px-3 py-3 sm:px-4', CRISIS_STYLE[level].banner)} data-testid="crisis-banner" data-level={level} data-paused={status.publishing.paused}>
      <div className="mx-auto max-w-6xl space-y-2">
        <div className="flex flex-wrap items-center gap-2">
          {level !== 'normal' && <CrisisLevelBadge level={level} />}
          <p id="crisis-banner-title" className="font-semibold">
            {crisisHeadline(status)}
          </p>
          {alert && (
            <Button variant="ghost" className="ml-auto px-2 py-1 text-xs" aria-expanded={open} aria-controls="crisis-banner-body" onClick={() => setOpen(!open)}>
              {open ? 'Hide the evidence' : 'Show the evidence'}
            </Button>
          )}
        </div>
        {status.publishing.paused && <PublishingLine publishing={status.publishing} timezone={user.timezone} />}
        {alert && open && (
          <div id="crisis-banner-body" className="space-y-2">
            <CrisisEvidenceView evidence={alert.evidence} timezone={user.timezone} />
            {alert.holding_statement && <HoldingStatement text={alert.holding_statement} model={alert.statement_model} />}
          </div>
        )}
        <CrisisActions status={status} detailsLink={!onCrisisPage} />
      </div>
    </div>
  );
}
