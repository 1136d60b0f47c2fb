/**
 * Hand-rolled SVG charts for the analytics dashboard (no chart library: a few KB instead of a
 * few hundred). They draw at the container's real width (a ResizeObserver), so text stays crisp
 * and readable from a phone to a wide screen; colours are SVG attributes (the CSP allows no
 * inline styles). Each chart carries its numbers as a visually hidden table for screen readers.
 */
import { useId, useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import type { EngagementBucket, Growth } from '../api/analytics';
import { addDays } from '../lib/time';
import {
  alignedScale,
  bandLayout,
  bucketLabel,
  bucketTitle,
  formatCompact,
  formatCount,
  formatDay,
  formatRate,
  labelIndexes,
  linear,
  linePath,
  niceRange,
  niceScale,
  periodDays,
  type Interval,
  type Period,
} from '../lib/analytics';

export const CHART_COLORS = {
  bar: '#6366f1', // indigo-500
  barActive: '#4338ca', // indigo-700
  rate: '#ea580c', // orange-600
  total: '#4338ca',
  grid: '#e2e8f0', // slate-200
  axis: '#64748b', // slate-500
  text: '#0f172a', // slate-900
};
/** One colour per account line (after the total's). */
export const SERIES_COLORS = ['#0891b2', '#db2777', '#16a34a', '#ca8a04', '#7c3aed', '#475569', '#dc2626', '#0d9488'];

/** The element's width, kept current; `fallback` until measured (and in tests). */
export function useWidth<T extends HTMLElement>(fallback = 640): [React.RefObject<T>, number] {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(fallback);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => {
      const w = Math.floor(el.clientWidth);
      if (w > 0) setWidth(w);
    };
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}

interface TooltipLine {
  text: string;
  color?: string;
  bold?: boolean;
}

/** A small card drawn inside the SVG next to `x`, kept within the chart. */
function Tooltip({ x, y, width, lines }: { x: number; y: number; width: number; lines: TooltipLine[] }) {
  const w = Math.min(188, width - 8);
  const h = 12 + lines.length * 17;
  const left = x + 12 + w > width ? Math.max(4, x - 12 - w) : x + 12;
  return (
    <g pointerEvents="none" aria-hidden="true">
      <rect x={left} y={y} width={w} height={h} rx={6} fill="#ffffff" stroke="#cbd5e1" />
      {lines.map((line, i) => (
        <g key={i}>
          {line.color && <rect x={left + 10} y={y + 10 + i * 17} width={8} height={8} rx={2} fill={line.color} />}
          <text x={left + (line.color ? 24 : 10)} y={y + 18 + i * 17} fontSize={12} fill={CHART_COLORS.text} fontWeight={line.bold ? 600 : 400}>
            {line.text}
          </text>
        </g>
      ))}
    </g>
  );
}

export function Legend({ items }: { items: { label: string; color: string; kind: 'bar' | 'line' }[] }) {
  return (
    <ul className="flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-700" aria-hidden="true">
      {items.map((item) => (
        <li key={item.label} className="flex items-center gap-1.5">
          <svg width="14" height="10" viewBox="0 0 14 10">
            {item.kind === 'bar' ? <rect width="14" height="10" rx="2" fill={item.color} /> : <path d="M0 5h14" stroke={item.color} strokeWidth="2.5" />}
          </svg>
          {item.label}
        </li>
      ))}
    </ul>
  );
}

function SrTable({ caption, head, rows }: { caption: string; head: string[]; rows: ReactNode[][] }) {
  return (
    // The wrapper is what is hidden: a table ignores `width: 1px` and would widen the page.
    <div className="sr-only">
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            {head.map((h) => (
              <th key={h} scope="col">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((cells, i) => (
            <tr key={i}>
              {cells.map((c, j) => (j === 0 ? <th key={j} scope="row">{c}</th> : <td key={j}>{c}</td>))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Engagements per bucket as bars, the engagement rate as a line on a second axis. */
export function EngagementChart({ buckets, interval, title }: { buckets: EngagementBucket[]; interval: Interval; title: string }) {
  const [ref, width] = useWidth<HTMLDivElement>();
  const [hover, setHover] = useState<number | null>(null);
  const compact = width < 520;
  const height = compact ? 220 : 280;
  const m = { top: 14, right: compact ? 40 : 52, bottom: 30, left: compact ? 42 : 56 };
  const iw = Math.max(10, width - m.left - m.right);
  const ih = height - m.top - m.bottom;
  const left = niceScale(Math.max(0, ...buckets.map((b) => b.engagements)), compact ? 3 : 4);
  const steps = left.ticks.length - 1;
  const right = alignedScale(Math.max(0, ...buckets.map((b) => b.engagement_rate ?? 0)), steps);
  const y = linear(0, left.max, m.top + ih, m.top);
  const yRate = linear(0, right.max, m.top + ih, m.top);
  const bands = bandLayout(buckets.length, iw, buckets.length > 60 ? 0.15 : 0.3);
  const labels = new Set(labelIndexes(buckets.length, Math.max(2, Math.floor(iw / (interval === 'month' ? 70 : 56)))));
  const rateLine = linePath(buckets.map((b, i) => ({ x: m.left + bands[i]!.center, y: b.engagement_rate == null ? null : yRate(b.engagement_rate) })));
  const active = hover !== null ? buckets[hover] : undefined;
  const rateDigits = right.max < 10 ? 1 : 0;

  return (
    <div>
      <Legend
        items={[
          { label: 'Engagements', color: CHART_COLORS.bar, kind: 'bar' },
          { label: 'Engagement rate', color: CHART_COLORS.rate, kind: 'line' },
        ]}
      />
      <div ref={ref} className="mt-2 w-full" data-testid="engagement-chart">
        <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={title} className="block select-none" onMouseLeave={() => setHover(null)}>
          {left.ticks.map((t, i) => (
            <g key={t}>
              <line x1={m.left} x2={m.left + iw} y1={y(t)} y2={y(t)} stroke={CHART_COLORS.grid} strokeDasharray={t === 0 ? undefined : '3 3'} />
              <text x={m.left - 8} y={y(t) + 4} fontSize={11} textAnchor="end" fill={CHART_COLORS.axis}>
                {formatCompact(t)}
              </text>
              <text x={m.left + iw + 8} y={y(t) + 4} fontSize={11} fill={CHART_COLORS.rate}>
                {`${(right.ticks[i] ?? 0).toFixed(rateDigits)}%`}
              </text>
            </g>
          ))}
          {buckets.map((b, i) => {
            const band = bands[i]!;
            const top = y(b.engagements);
            return (
              <rect
                key={b.start}
                x={m.left + band.x}
                y={top}
                width={band.width}
                height={Math.max(0, m.top + ih - top)}
                rx={Math.min(3, band.width / 3)}
                fill={hover === i ? CHART_COLORS.barActive : CHART_COLORS.bar}
              />
            );
          })}
          <path d={rateLine} fill="none" stroke={CHART_COLORS.rate} strokeWidth={2} strokeLinejoin="round" strokeLinecap="round" />
          {buckets.length <= 45 &&
            buckets.map((b, i) =>
              b.engagement_rate == null ? null : (
                <circle key={b.start} cx={m.left + bands[i]!.center} cy={yRate(b.engagement_rate)} r={hover === i ? 4 : 2.5} fill="#ffffff" stroke={CHART_COLORS.rate} strokeWidth={2} />
              ),
            )}
          {buckets.map((b, i) =>
            labels.has(i) ? (
              <text key={b.start} x={m.left + bands[i]!.center} y={height - 10} fontSize={11} textAnchor="middle" fill={CHART_COLORS.axis}>
                {bucketLabel(b.start, interval)}
              </text>
            ) : null,
          )}
          {/* Hover targets: the whole height of each slot. */}
          {buckets.map((b, i) => (
            <rect key={b.start} x={m.left + (iw / buckets.length) * i} y={m.top} width={iw / buckets.length} height={ih} fill="transparent" onMouseEnter={() => setHover(i)} />
          ))}
          {active && hover !== null && (
            <Tooltip
              x={m.left + bands[hover]!.center}
              y={m.top + 4}
              width={width}
              lines={[
                { text: bucketTitle(active.start, interval), bold: true },
                { text: `${formatCount(active.engagements)} engagements`, color: CHART_COLORS.bar },
                { text: `${formatRate(active.engagement_rate)} engagement rate`, color: CHART_COLORS.rate },
                { text: `${formatCount(active.impressions)} impressions · ${active.posts} post${active.posts === 1 ? '' : 's'}` },
              ]}
            />
          )}
        </svg>
      </div>
      <SrTable
        caption={title}
        head={['Period', 'Engagements', 'Engagement rate', 'Impressions', 'Posts']}
        rows={buckets.map((b) => [bucketTitle(b.start, interval), formatCount(b.engagements), formatRate(b.engagement_rate), formatCount(b.impressions), b.posts])}
      />
    </div>
  );
}

export interface FollowerSeries {
  id: string;
  label: string;
  color: string;
  points: { date: string; followers: number }[];
}

/** Followers over the period's days: the total, and optionally one line per account. */
export function FollowersChart({ series, period, title }: { series: FollowerSeries[]; period: Period; title: string }) {
  const [ref, width] = useWidth<HTMLDivElement>();
  const [hover, setHover] = useState<number | null>(null);
  const compact = width < 520;
  const height = compact ? 200 : 240;
  const m = { top: 14, right: 16, bottom: 30, left: compact ? 48 : 60 };
  const iw = Math.max(10, width - m.left - m.right);
  const ih = height - m.top - m.bottom;
  const days = Math.max(1, periodDays(period.from, period.to));
  const dayIndex = (date: string) => periodDays(period.from, date) - 1;
  const x = linear(0, Math.max(1, days - 1), m.left, m.left + iw);
  const values = series.flatMap((s) => s.points.map((p) => p.followers));
  const range = niceRange(values.length ? Math.min(...values) : 0, values.length ? Math.max(...values) : 1, compact ? 3 : 4);
  const y = linear(range.min, range.max, m.top + ih, m.top);
  const labelDays = labelIndexes(days, Math.max(2, Math.floor(iw / 64)));
  const main = series[0];
  const hovered = hover !== null && main ? main.points[hover] : undefined;
  const gradient = `${useId().replace(/:/g, '')}-fill`;
  const mainPoints = main?.points.map((p) => ({ x: x(dayIndex(p.date)), y: y(p.followers) })) ?? [];
  const area =
    mainPoints.length > 1 ? `${linePath(mainPoints)}L${mainPoints.at(-1)!.x} ${m.top + ih}L${mainPoints[0]!.x} ${m.top + ih}Z` : '';
  const lone = main?.points.length === 1 ? main.points[0] : undefined;

  const onMove = (e: React.MouseEvent<SVGRectElement>) => {
    if (!main?.points.length) return;
    const box = e.currentTarget.getBoundingClientRect();
    const at = e.clientX - box.left + m.left;
    let best = 0;
    main.points.forEach((p, i) => {
      if (Math.abs(x(dayIndex(p.date)) - at) < Math.abs(x(dayIndex(main.points[best]!.date)) - at)) best = i;
    });
    setHover(best);
  };

  return (
    <div>
      <Legend items={series.map((s) => ({ label: s.label, color: s.color, kind: 'line' as const }))} />
      <div ref={ref} className="mt-2 w-full" data-testid="followers-chart">
        <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={title} className="block select-none">
          {range.ticks.map((t) => (
            <g key={t}>
              <line x1={m.left} x2={m.left + iw} y1={y(t)} y2={y(t)} stroke={CHART_COLORS.grid} strokeDasharray="3 3" />
              <text x={m.left - 8} y={y(t) + 4} fontSize={11} textAnchor="end" fill={CHART_COLORS.axis}>
                {formatCompact(t)}
              </text>
            </g>
          ))}
          {labelDays.map((i) => (
            <text key={i} x={x(i)} y={height - 10} fontSize={11} textAnchor={i === 0 ? 'start' : i === days - 1 ? 'end' : 'middle'} fill={CHART_COLORS.axis}>
              {bucketLabel(addDays(period.from, i), 'day')}
            </text>
          ))}
          <defs>
            <linearGradient id={gradient} x1="0" x2="0" y1="0" y2="1">
              <stop offset="0%" stopColor={CHART_COLORS.total} stopOpacity={0.18} />
              <stop offset="100%" stopColor={CHART_COLORS.total} stopOpacity={0} />
            </linearGradient>
          </defs>
          {area && <path d={area} fill={`url(#${gradient})`} />}
          {series.map((s, si) => (
            <g key={s.id}>
              <path
                d={linePath(s.points.map((p) => ({ x: x(dayIndex(p.date)), y: y(p.followers) })))}
                fill="none"
                stroke={s.color}
                strokeWidth={si === 0 ? 2.5 : 1.75}
                strokeLinejoin="round"
                strokeLinecap="round"
              />
              {(s.points.length <= 40 || s.points.length === 1) &&
                s.points.map((p) => <circle key={p.date} cx={x(dayIndex(p.date))} cy={y(p.followers)} r={si === 0 ? 3.5 : 2.5} fill="#ffffff" stroke={s.color} strokeWidth={2} />)}
            </g>
          ))}
          {lone && !hovered && (
            <text x={x(dayIndex(lone.date)) - 10} y={y(lone.followers) - 10} fontSize={12} fontWeight={600} textAnchor="end" fill={CHART_COLORS.text}>
              {formatCount(lone.followers)}
            </text>
          )}
          {hovered && <line x1={x(dayIndex(hovered.date))} x2={x(dayIndex(hovered.date))} y1={m.top} y2={m.top + ih} stroke="#94a3b8" />}
          <rect x={m.left} y={m.top} width={iw} height={ih} fill="transparent" onMouseMove={onMove} onMouseLeave={() => setHover(null)} />
          {hovered && (
            <Tooltip
              x={x(dayIndex(hovered.date))}
              y={m.top + 4}
              width={width}
              lines={[
                { text: formatDay(hovered.date), bold: true },
                ...series.slice(0, 5).flatMap((s) => {
                  const p = [...s.points].reverse().find((q) => q.date <= hovered.date);
                  return p ? [{ text: `${formatCount(p.followers)} · ${s.label}`, color: s.color }] : [];
                }),
              ]}
            />
          )}
        </svg>
      </div>
      <SrTable
        caption={title}
        head={['Day', ...series.map((s) => s.label)]}
        rows={[...new Set(series.flatMap((s) => s.points.map((p) => p.date)))].sort().map((date) => [
          formatDay(date),
          ...series.map((s) => formatCount(s.points.find((p) => p.date === date)?.followers ?? null)),
        ])}
      />
    </div>
  );
}

/** The growth answer as chart series: the total first, then each account when asked. */
export function followerSeries(growth: Growth, perAccount: boolean, accountLabel: (id: string, name: string | null | undefined) => string): FollowerSeries[] {
  const out: FollowerSeries[] = [{ id: 'total', label: 'All accounts', color: CHART_COLORS.total, points: growth.total }];
  if (perAccount) {
    growth.accounts.forEach((a, i) => {
      out.push({ id: a.social_account_id, label: accountLabel(a.social_account_id, a.account_name), color: SERIES_COLORS[i % SERIES_COLORS.length]!, points: a.points });
    });
  }
  return out;
}

const FAILED_COLOR = '#dc2626'; // red-600

export interface DailyCount {
  date: string;
  published: number;
  failed: number;
}

/** Posts per day, published and failed stacked (the admin console's last 14 days). */
export function DailyPostsChart({ days, title }: { days: DailyCount[]; title: string }) {
  const [ref, width] = useWidth<HTMLDivElement>();
  const [hover, setHover] = useState<number | null>(null);
  const compact = width < 520;
  const height = compact ? 180 : 220;
  const m = { top: 12, right: 12, bottom: 28, left: compact ? 36 : 44 };
  const iw = Math.max(10, width - m.left - m.right);
  const ih = height - m.top - m.bottom;
  const scale = niceScale(Math.max(0, ...days.map((d) => d.published + d.failed)), 3);
  const y = linear(0, scale.max, m.top + ih, m.top);
  const bands = bandLayout(days.length, iw, 0.3);
  const labels = new Set(labelIndexes(days.length, Math.max(2, Math.floor(iw / 56))));
  const active = hover !== null ? days[hover] : undefined;
  return (
    <div>
      <Legend
        items={[
          { label: 'Published', color: CHART_COLORS.bar, kind: 'bar' },
          { label: 'Failed', color: FAILED_COLOR, kind: 'bar' },
        ]}
      />
      <div ref={ref} className="mt-2 w-full" data-testid="posts-per-day-chart">
        <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={title} className="block select-none" onMouseLeave={() => setHover(null)}>
          {scale.ticks.map((t) => (
            <g key={t}>
              <line x1={m.left} x2={m.left + iw} y1={y(t)} y2={y(t)} stroke={CHART_COLORS.grid} strokeDasharray={t === 0 ? undefined : '3 3'} />
              <text x={m.left - 8} y={y(t) + 4} fontSize={11} textAnchor="end" fill={CHART_COLORS.axis}>
                {formatCompact(t)}
              </text>
            </g>
          ))}
          {days.map((d, i) => {
            const band = bands[i]!;
            const top = y(d.published);
            const failedTop = y(d.published + d.failed);
            return (
              <g key={d.date}>
                <rect x={m.left + band.x} y={top} width={band.width} height={Math.max(0, m.top + ih - top)} fill={hover === i ? CHART_COLORS.barActive : CHART_COLORS.bar} />
                {d.failed > 0 && <rect x={m.left + band.x} y={failedTop} width={band.width} height={Math.max(0, top - failedTop)} fill={FAILED_COLOR} />}
              </g>
            );
          })}
          {days.map((d, i) =>
            labels.has(i) ? (
              <text key={d.date} x={m.left + bands[i]!.center} y={height - 9} fontSize={11} textAnchor="middle" fill={CHART_COLORS.axis}>
                {bucketLabel(d.date, 'day')}
              </text>
            ) : null,
          )}
          {days.map((d, i) => (
            <rect key={d.date} x={m.left + (iw / days.length) * i} y={m.top} width={iw / days.length} height={ih} fill="transparent" onMouseEnter={() => setHover(i)} />
          ))}
          {active && hover !== null && (
            <Tooltip
              x={m.left + bands[hover]!.center}
              y={m.top + 4}
              width={width}
              lines={[
                { text: formatDay(active.date), bold: true },
                { text: `${formatCount(active.published)} published`, color: CHART_COLORS.bar },
                { text: `${formatCount(active.failed)} failed`, color: FAILED_COLOR },
              ]}
            />
          )}
        </svg>
      </div>
      <SrTable caption={title} head={['Day', 'Published', 'Failed']} rows={days.map((d) => [formatDay(d.date), formatCount(d.published), formatCount(d.failed)])} />
    </div>
  );
}
