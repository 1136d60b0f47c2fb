/**
 * The composer's "Predicted engagement" panel: the engagement optimizer's prediction for the
 * first chosen account, with its interval, the model's held-out error against two baselines, and
 * suggestions (a suggested time can be applied to the composer). Recomputed on a click only.
 */
import { useState } from 'react';
import type { Schemas } from '../api/client';
import { predictEngagement, type EngagementPrediction, type Suggestion } from '../api/insights';
import {
  contentTypeOf,
  describeCoverage,
  describeLocalTime,
  formatEffect,
  formatEngagements,
  formatInterval,
  MODEL_LABEL,
  modelVerdict,
  notEnoughHistory,
  predictionText,
  readPrediction,
  scheduledInstant,
  toLocalInput,
} from '../lib/insights';
import { accountLabel } from './analytics';
import { TaskResult, useTaskRun } from './ai';
import { Alert, Button, Card, cx, PlatformBadge } from './ui';

type Account = Schemas['AccountView'];

export interface EngagementPanelProps {
  accounts: Account[];
  selected: string[];
  content: string;
  hashtags: string;
  /** The kinds of the post's media, in order ("image", "video"). */
  mediaKinds: string[];
  /** The composer's date and time (`YYYY-MM-DDTHH:MM`, profile's zone), if set. */
  localTime: string;
  timezone: string;
  onApplyTime: (localTime: string) => void;
}

export function EngagementPanel({ accounts, selected, content, hashtags, mediaKinds, localTime, timezone, onApplyTime }: EngagementPanelProps) {
  const task = useTaskRun();
  const [applied, setApplied] = useState<string | null>(null);
  const account = accounts.find((a) => a.id === selected[0]);
  const text = predictionText(content, hashtags);
  const ready = !!account && !!text;
  const run = () => {
    if (!account) return;
    setApplied(null);
    const scheduledAt = scheduledInstant(localTime, timezone);
    return task.run(() =>
      predictEngagement({
        account_id: account.id,
        text,
        content_type: contentTypeOf(mediaKinds),
        media_count: mediaKinds.length,
        timezone,
        ...(scheduledAt ? { scheduled_at: scheduledAt } : {}),
      }),
    );
  };
  return (
    <Card title="Predicted engagement">
      <div className="space-y-3" data-testid="engagement-panel">
        {!account ? (
          <p className="text-sm text-slate-700">Pick an account to post to: the prediction is for the first one.</p>
        ) : (
          <p className="flex flex-wrap items-center gap-1 text-sm text-slate-700">
            For <PlatformBadge platform={account.platform} /> {accountLabel(account)}
            {selected.length > 1 && ' (the first account chosen)'}, {localTime ? `at ${describeLocalTime(localTime)}` : 'with no time set yet'}.
          </p>
        )}
        {task.problem}
        <Button variant="secondary" busy={task.sending} disabled={!ready} onClick={() => void run()}>
          {task.taskId ? 'Recompute' : 'Predict engagement'}
        </Button>
        {!text && account && <p className="text-xs text-slate-600">Write some text first.</p>}
        <TaskResult taskId={task.taskId} testId="prediction-result">
          {(t) => {
            const prediction = readPrediction(t.output);
            if (!prediction) return <Alert kind="warning">The result cannot be shown here; see its details.</Alert>;
            return (
              <PredictionView
                prediction={prediction}
                timezone={timezone}
                applied={applied}
                onApplyTime={(local) => {
                  onApplyTime(local);
                  setApplied(local);
                }}
              />
            );
          }}
        </TaskResult>
      </div>
    </Card>
  );
}

export function PredictionView({ prediction: p, timezone, applied, onApplyTime }: { prediction: EngagementPrediction; timezone: string; applied?: string | null; onApplyTime?: (local: string) => void }) {
  return (
    <div className="space-y-3" data-testid="prediction" data-status={p.status}>
      {p.status === 'not_enough_history' || !p.prediction ? (
        <Alert kind="info" title={`${notEnoughHistory(p)}.`}>
          The predictor learns from this account’s published posts with their metrics; it needs {p.minimum_posts}. Until then, the suggestions below come from general patterns.
        </Alert>
      ) : (
        <div>
          <p className="text-slate-900" data-testid="prediction-value">
            <span className="text-3xl font-semibold tabular-nums">{formatEngagements(p.prediction.engagements)}</span> engagements expected
          </p>
          <p className="text-sm text-slate-700" data-testid="prediction-interval">
            Likely between {formatInterval(p.prediction).replace('–', ' and ')} ({describeCoverage(p.prediction.coverage)})
          </p>
        </div>
      )}
      {p.model && p.status === 'predicted' && (
        <div className="rounded-md bg-slate-50 p-2 text-sm" data-testid="prediction-model" data-beats-baselines={p.model.beats_baselines}>
          <p className="font-medium text-slate-900">
            {MODEL_LABEL[p.model.kind] ?? p.model.kind}, trained on {p.model.trained_on} of {p.posts_available} posts
          </p>
          <p className={cx('text-slate-700', !p.model.beats_baselines && 'text-amber-900')}>{modelVerdict(p.model)}</p>
        </div>
      )}
      {p.suggestions.length > 0 && (
        <div>
          <h3 className="text-sm font-medium text-slate-800">Suggestions</h3>
          <ul className="mt-1 space-y-2" aria-label="Suggestions" data-testid="prediction-suggestions">
            {p.suggestions.map((s, i) => (
              <SuggestionRow key={i} suggestion={s} timezone={timezone} applied={applied} onApplyTime={onApplyTime} />
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}

function SuggestionRow({ suggestion: s, timezone, applied, onApplyTime }: { suggestion: Suggestion; timezone: string; applied?: string | null; onApplyTime?: (local: string) => void }) {
  const local = s.field === 'scheduled_at' && typeof s.value === 'string' ? toLocalInput(s.value, timezone) : null;
  const up = s.effect_pct > 0;
  return (
    <li className="rounded border border-slate-200 p-2 text-sm" data-testid="suggestion" data-field={s.field}>
      <div className="flex flex-wrap items-center gap-2">
        <span className="min-w-0 flex-1 text-slate-900">{s.change}</span>
        <span className={cx('rounded-full px-1.5 py-0.5 text-xs font-semibold tabular-nums', up ? 'bg-emerald-50 text-emerald-800' : 'bg-red-50 text-red-800')} data-testid="suggestion-effect">
          {formatEffect(s.effect_pct)}
        </span>
      </div>
      <p className="text-xs text-slate-600">About {formatEngagements(s.predicted_engagements)} engagements</p>
      {local && onApplyTime && (
        <div className="mt-1">
          {applied === local ? (
            <p className="text-xs text-emerald-800" role="status">
              The time is set to {describeLocalTime(local)}. Recompute to see the new prediction.
            </p>
          ) : (
            <Button variant="secondary" className="px-2 py-1 text-xs" onClick={() => onApplyTime(local)}>
              Use {describeLocalTime(local)}
            </Button>
          )}
        </div>
      )}
    </li>
  );
}
