/**
 * Pieces shared by the insight screens and the composer's insight panels: the tabs, a task
 * call's problems for a form, the best-time heat map, a sparkline and share bars.
 */
import { useMemo, useState, type ReactNode } from 'react';
import type { AccountSlots, Slot } from '../api/insights';
import { ApiError, bannerMessage, mapFieldIssues } from '../api/errors';
import { confidenceBand, confidenceClass, dayName, describeSlot, formatLift, formatPercent, liftClass, liftLevel, LIFT_CLASS, shareWidth, slotGrid, slotKey, slotSummary, sparklinePath } from '../lib/insights';
import { AiErrorAlert } from './ai';
import { TabNav } from './sections';
import { Alert, cx } from './ui';

const INSIGHTS_TABS = [
  { to: '/insights/best-times', label: 'Best times' },
  { to: '/insights/trends', label: 'Trends' },
  { to: '/insights/competitors', label: 'Competitors' },
  { to: '/insights/performance', label: 'Performance' },
  { to: '/insights/crisis', label: 'Crisis' },
];

export function InsightsTabs() {
  return <TabNav label="Insights" tabs={INSIGHTS_TABS} />;
}

/**
 * A task call's error split for a form: 422 details next to their fields (`fields`), the rest in
 * `problem` (the month's budget with its figures on a 402).
 */
export function taskProblem(error: unknown, fields: readonly string[]): { fields: Record<string, string>; problem: ReactNode } {
  if (!error) return { fields: {}, problem: null };
  if (error instanceof ApiError && error.details.length > 0 && error.code !== 'plan_limit_reached') {
    const mapped = mapFieldIssues(error.details, fields);
    const message = bannerMessage(error, mapped);
    return { fields: mapped.fields, problem: message ? <Alert>{message}</Alert> : null };
  }
  return { fields: {}, problem: <AiErrorAlert error={error} /> };
}

// ---------------------------------------------------------------- best-time heat map

const LEVELS = [-3, -2, -1, 0, 1, 2, 3];

/**
 * An account's 7 × 24 hours (rows Monday–Sunday, columns 00–23, in the request's zone),
 * coloured by lift and faded/hatched by confidence; the best slots are ringed. A table, so
 * screen readers can walk it; hovering or tapping a cell shows its figures under the grid.
 */
export function BestTimeHeatmap({ account, timezone, label }: { account: AccountSlots; timezone: string; label: string }) {
  // Hovering re-renders the 168 cells: their figures in words are worked out once per answer.
  const { grid, best, summaries } = useMemo(() => {
    const grid = slotGrid(account.slots);
    return { grid, best: new Set(account.best.map(slotKey)), summaries: grid.map((row, d) => row.map((cell, h) => slotSummary(cell, d, h))) };
  }, [account]);
  const [active, setActive] = useState<{ weekday: number; hour: number } | null>(account.best[0] ?? null);
  const activeSlot = active ? grid[active.weekday]?.[active.hour] ?? null : null;
  return (
    <div>
      {/* Scrolls sideways on phones; focusable so the keyboard can scroll it too. */}
      <div className="relative overflow-x-auto focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500" tabIndex={0} role="region" aria-label={`${label}: best times heat map`}>
        <table className="w-full min-w-[36rem] table-fixed border-separate border-spacing-0.5 text-[10px] text-slate-600" data-testid="best-time-heatmap" data-account-id={account.account_id}>
          <caption className="sr-only">
            {label}: expected engagement by weekday and hour, in {timezone}, against the account's average (1.00×). Best: {account.best.map((s) => describeSlot(s)).join('; ') || 'none yet'}.
          </caption>
          <thead>
            <tr>
              <th scope="col" className="w-9">
                <span className="sr-only">Weekday</span>
              </th>
              {Array.from({ length: 24 }, (_, h) => (
                <th key={h} scope="col" className="text-center font-normal">
                  <span aria-hidden="true">{h % 3 === 0 ? String(h).padStart(2, '0') : ''}</span>
                  <span className="sr-only">{String(h).padStart(2, '0')}:00</span>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {grid.map((row, d) => (
              <tr key={d}>
                <th scope="row" className="pr-1 text-left text-xs font-normal">
                  <span aria-hidden="true">{dayName(d, true)}</span>
                  <span className="sr-only">{dayName(d)}</span>
                </th>
                {row.map((cell, h) => {
                  const isBest = best.has(`${d}-${h}`);
                  const isActive = active?.weekday === d && active.hour === h;
                  const summary = summaries[d]![h]!;
                  return (
                    <td
                      key={h}
                      title={summary}
                      data-weekday={d}
                      data-hour={h}
                      data-level={cell ? liftLevel(cell.lift) : undefined}
                      data-confidence={cell ? confidenceBand(cell.confidence) : undefined}
                      data-best={isBest || undefined}
                      onMouseEnter={() => setActive({ weekday: d, hour: h })}
                      onClick={() => setActive({ weekday: d, hour: h })}
                      className={cx(
                        'h-6 rounded-sm p-0',
                        cell ? liftClass(cell.lift) : 'bg-white',
                        cell ? confidenceClass(cell.confidence) : '',
                        isBest && 'ring-2 ring-inset ring-emerald-500',
                        isActive && 'outline outline-2 outline-slate-900',
                      )}
                    >
                      <span className="sr-only">
                        {summary}
                        {isBest ? ' (one of the best)' : ''}
                      </span>
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="mt-2 min-h-5 text-sm text-slate-800" data-testid="heatmap-detail" aria-hidden="true">
        {active ? slotSummary(activeSlot, active.weekday, active.hour) : 'Point at an hour to see its figures.'}
      </p>
      <HeatmapLegend />
    </div>
  );
}

function HeatmapLegend() {
  return (
    <div className="mt-1 flex flex-wrap items-center gap-x-4 gap-y-1 text-xs text-slate-600" aria-hidden="true">
      <span className="flex items-center gap-1">
        Below average
        {LEVELS.map((l) => (
          <span key={l} className={cx('h-3 w-3 rounded-sm', LIFT_CLASS[l])} />
        ))}
        Above
      </span>
      <span className="flex items-center gap-1">
        <span className="h-3 w-3 rounded-sm bg-indigo-400 opacity-50 hatch" /> little evidence
      </span>
      <span className="flex items-center gap-1">
        <span className="h-3 w-3 rounded-sm bg-white ring-2 ring-inset ring-emerald-500" /> best
      </span>
    </div>
  );
}

/** The top slots, best first. */
export function BestSlots({ slots, timezone }: { slots: Slot[]; timezone: string }) {
  if (slots.length === 0) return <p className="text-sm text-slate-600">No slot stands out yet.</p>;
  return (
    <ol className="grid gap-2 sm:grid-cols-2 xl:grid-cols-3" aria-label={`Best times, in ${timezone}`} data-testid="best-slots">
      {slots.slice(0, 5).map((s, i) => (
        <li key={slotKey(s)} className="flex items-center gap-3" data-weekday={s.weekday} data-hour={s.hour}>
          <span aria-hidden="true" className="flex h-7 w-7 shrink-0 items-center justify-center rounded-full bg-emerald-50 text-xs font-semibold text-emerald-800">
            {i + 1}
          </span>
          <span className="min-w-0 flex-1">
            <span className="block text-sm font-medium text-slate-900">{describeSlot(s)}</span>
            <span className="block text-xs text-slate-600">
              {s.posts} post{s.posts === 1 ? '' : 's'} · confidence {formatPercent(s.confidence)} · about {Math.round(s.expected_engagements)} engagements
            </span>
          </span>
          <span className="text-sm font-semibold tabular-nums text-slate-900" data-testid="slot-lift">
            {formatLift(s.lift)}
          </span>
        </li>
      ))}
    </ol>
  );
}

// ---------------------------------------------------------------- small charts

/** A tiny line of a series (no axes); its numbers are said in `label`. */
export function Sparkline({ values, label, width = 96, height = 28 }: { values: number[]; label: string; width?: number; height?: number }) {
  const path = sparklinePath(values, width, height);
  return (
    <svg role="img" aria-label={label} width={width} height={height} viewBox={`0 0 ${width} ${height}`} className="shrink-0" data-testid="sparkline">
      <path d={path} fill="none" stroke="#4338ca" strokeWidth={1.75} strokeLinejoin="round" strokeLinecap="round" />
    </svg>
  );
}

/** A horizontal bar for a share (0–1). */
export function ShareBar({ share, you }: { share: number; you?: boolean }) {
  return (
    <span className="block h-2.5 w-full overflow-hidden rounded bg-slate-200" aria-hidden="true">
      <span className={cx('block h-2.5 rounded', you ? 'bg-emerald-600' : 'bg-indigo-500', shareWidth(share))} />
    </span>
  );
}
