import { describe, expect, it } from 'vitest';
import {
  alignedScale,
  bandLayout,
  bucketLabel,
  bucketTitle,
  describePeriod,
  filtersToSearch,
  formatChange,
  formatCompact,
  formatCount,
  formatRate,
  formatShare,
  heatLevel,
  hourSlot,
  isDay,
  isReportInFlight,
  labelIndexes,
  linear,
  linePath,
  linksExpiring,
  niceRange,
  niceScale,
  niceStep,
  parseFilters,
  periodDays,
  periodProblem,
  periodQuery,
  postFilterQuery,
  presetPeriod,
  previousPeriod,
  usableInterval,
  weekdayName,
} from '../../src/lib/analytics';

describe('periods', () => {
  it('counts presets back from today, today included', () => {
    expect(presetPeriod(7, '2026-11-26')).toEqual({ from: '2026-11-20', to: '2026-11-26' });
    expect(presetPeriod(30, '2026-11-26')).toEqual({ from: '2026-10-28', to: '2026-11-26' });
    expect(presetPeriod(90, '2026-03-01')).toEqual({ from: '2025-12-02', to: '2026-03-01' });
    expect(periodDays('2026-10-28', '2026-11-26')).toBe(30);
    expect(periodDays('2026-11-26', '2026-11-26')).toBe(1);
  });

  it('compares with the period of the same length just before (as the API does)', () => {
    expect(previousPeriod({ from: '2026-10-28', to: '2026-11-26' })).toEqual({ from: '2026-09-28', to: '2026-10-27' });
    expect(previousPeriod({ from: '2024-03-01', to: '2024-03-01' })).toEqual({ from: '2024-02-29', to: '2024-02-29' });
  });

  it('says why a custom period cannot be asked for', () => {
    expect(periodProblem('2026-11-01', '2026-11-30')).toBeNull();
    expect(periodProblem('2026-11-30', '2026-11-01')).toMatch(/must not be after/);
    expect(periodProblem('', '2026-11-01')).toMatch(/both days/);
    expect(periodProblem('2026-02-30', '2026-03-01')).toMatch(/both days/);
    expect(periodProblem('2020-01-01', '2026-11-01')).toMatch(/at most 1098 days/);
    expect(isDay('2024-02-29')).toBe(true);
    expect(isDay('2026-02-29')).toBe(false);
  });

  it('groups by week past 400 days (the API refuses daily buckets there)', () => {
    expect(usableInterval('day', { from: '2026-01-01', to: '2026-12-31' })).toBe('day');
    expect(usableInterval('day', { from: '2025-01-01', to: '2026-12-31' })).toBe('week');
    expect(usableInterval('month', { from: '2025-01-01', to: '2026-12-31' })).toBe('month');
  });

  it('describes periods briefly', () => {
    expect(describePeriod({ from: '2026-11-01', to: '2026-11-30' })).toBe('1 – 30 Nov 2026');
    expect(describePeriod({ from: '2026-10-28', to: '2026-11-26' })).toBe('28 Oct – 26 Nov 2026');
    expect(describePeriod({ from: '2025-12-01', to: '2026-01-03' })).toBe('1 Dec 2025 – 3 Jan 2026');
    expect(describePeriod({ from: '2026-11-26', to: '2026-11-26' })).toBe('26 Nov 2026');
  });
});

describe('filters in the URL and the API query', () => {
  const today = '2026-11-26';

  it('defaults to the last 30 days, all accounts, newest posts first', () => {
    const f = parseFilters(new URLSearchParams(''), today);
    expect(f).toMatchObject({ range: 30, from: '2026-10-28', to: today, accounts: [], platform: '', interval: 'day', sort: 'published_at', order: 'desc' });
    expect(filtersToSearch(f).toString()).toBe('');
  });

  it('round-trips a custom period and every filter', () => {
    const search = 'range=custom&from=2026-09-01&to=2026-09-30&accounts=a1%2Ca2&platform=x&content_type=video&tag=launch&interval=week&sort=engagements&order=asc';
    const f = parseFilters(new URLSearchParams(search), today);
    expect(f).toEqual({
      range: 'custom',
      from: '2026-09-01',
      to: '2026-09-30',
      accounts: ['a1', 'a2'],
      platform: 'x',
      contentType: 'video',
      tag: 'launch',
      interval: 'week',
      sort: 'engagements',
      order: 'asc',
    });
    expect(filtersToSearch(f).toString()).toBe(search);
  });

  it('ignores what it does not know, and a broken custom period', () => {
    const f = parseFilters(new URLSearchParams('range=12&platform=myspace&sort=vibes&interval=hour&content_type=gif'), today);
    expect(f).toMatchObject({ range: 30, platform: '', sort: 'published_at', interval: 'day', contentType: '' });
    expect(parseFilters(new URLSearchParams('range=custom&from=2026-10-10&to=2026-10-01'), today).range).toBe(30);
    expect(parseFilters(new URLSearchParams('range=7'), today)).toMatchObject({ range: 7, from: '2026-11-20' });
  });

  it('builds the API query with the zone, leaving empty filters out', () => {
    const f = parseFilters(new URLSearchParams('accounts=a1,a2&tag=%23Launch&content_type=image'), today);
    expect(periodQuery(f, 'Europe/Paris')).toEqual({ from: '2026-10-28', to: today, tz: 'Europe/Paris', accounts: 'a1,a2' });
    expect(postFilterQuery(f, 'UTC')).toEqual({ from: '2026-10-28', to: today, tz: 'UTC', accounts: 'a1,a2', content_type: 'image', tag: 'Launch' });
    expect(postFilterQuery(parseFilters(new URLSearchParams(''), today), 'UTC')).toEqual({ from: '2026-10-28', to: today, tz: 'UTC' });
  });
});

describe('numbers', () => {
  it('formats counts, compact counts, rates and shares', () => {
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatCount(null)).toBe('—');
    expect(formatCompact(987)).toBe('987');
    expect(formatCompact(9999)).toBe('9,999');
    expect(formatCompact(30146)).toBe('30.1K');
    expect(formatCompact(1223382)).toBe('1.2M');
    expect(formatCompact(undefined)).toBe('—');
    expect(formatRate(2.456)).toBe('2.46%');
    expect(formatRate(null)).toBe('—');
    expect(formatShare(1, 8)).toBe('12.5%');
    expect(formatShare(1, 0)).toBe('—');
  });

  it('formats changes: up, down, unchanged, and no earlier data', () => {
    expect(formatChange(12.345)).toEqual({ text: '+12.3%', direction: 'up', label: 'up 12.3% on the previous period' });
    expect(formatChange(-4.04)).toEqual({ text: '−4.0%', direction: 'down', label: 'down 4.0% on the previous period' });
    expect(formatChange(2800)).toMatchObject({ text: '+2,800%', direction: 'up' });
    expect(formatChange(0)).toMatchObject({ text: '0%', direction: 'flat', label: 'unchanged from the previous period' });
    expect(formatChange(0.04)).toMatchObject({ text: '0%', direction: 'flat' });
    expect(formatChange(null)).toEqual({ text: '', direction: 'none', label: 'no earlier data' });
    expect(formatChange(undefined).direction).toBe('none');
    expect(formatChange(Number.NaN).direction).toBe('none');
  });

  it('formats rate changes in percentage points', () => {
    expect(formatChange(-0.51, 'points')).toEqual({ text: '−0.51 pts', direction: 'down', label: 'down 0.51 percentage points on the previous period' });
    expect(formatChange(1.26, 'points').text).toBe('+1.3 pts');
    expect(formatChange(12.4, 'points').text).toBe('+12 pts');
    expect(formatChange(0.001, 'points').direction).toBe('flat');
  });
});

describe('chart arithmetic', () => {
  it('picks round axis steps', () => {
    expect(niceScale(2365)).toEqual({ max: 3000, ticks: [0, 1000, 2000, 3000] });
    expect(niceScale(2365, 5)).toEqual({ max: 2500, ticks: [0, 500, 1000, 1500, 2000, 2500] });
    expect(niceScale(3000)).toEqual({ max: 3000, ticks: [0, 1000, 2000, 3000] });
    expect(niceScale(7, 4)).toEqual({ max: 8, ticks: [0, 2, 4, 6, 8] });
    expect(niceScale(0.9)).toEqual({ max: 1, ticks: [0, 0.25, 0.5, 0.75, 1] });
    expect(niceScale(0)).toEqual({ max: 1, ticks: [0, 1] });
    expect(niceStep(0.3)).toBe(0.5);
    expect(niceStep(2.2)).toBe(2.5);
  });

  it('aligns a second axis on the first one\'s grid lines', () => {
    expect(alignedScale(4.23, 3)).toEqual({ max: 6, ticks: [0, 2, 4, 6] });
    expect(alignedScale(6.52, 4)).toEqual({ max: 8, ticks: [0, 2, 4, 6, 8] });
    expect(alignedScale(0, 2).ticks).toEqual([0, 0.5, 1]);
  });

  it('frames follower counts without starting at zero', () => {
    expect(niceRange(44018, 44018)).toEqual({ min: 43500, max: 44500, ticks: [43500, 43750, 44000, 44250, 44500] });
    expect(niceRange(1200, 1290, 3)).toEqual({ min: 1200, max: 1300, ticks: [1200, 1250, 1300] });
    expect(niceRange(3, 10)).toEqual({ min: 2, max: 10, ticks: [2, 4, 6, 8, 10] });
    expect(niceRange(0.5, 1, 4).min).toBeGreaterThanOrEqual(0);
  });

  it('maps values and draws lines with gaps', () => {
    const y = linear(0, 100, 200, 0);
    expect(y(0)).toBe(200);
    expect(y(25)).toBe(150);
    expect(linePath([{ x: 0, y: 10 }, { x: 5.555, y: 20 }, { x: 10, y: null }, { x: 15, y: 5 }, { x: 20, y: 6 }])).toBe('M0 10L5.56 20M15 5L20 6');
    expect(linePath([])).toBe('');
  });

  it('lays out bars and thins labels out, keeping the last one', () => {
    const bands = bandLayout(4, 400, 0.5);
    expect(bands.map((b) => b.x)).toEqual([25, 125, 225, 325]);
    expect(bands[0]).toEqual({ x: 25, width: 50, center: 50 });
    expect(labelIndexes(5, 10)).toEqual([0, 1, 2, 3, 4]);
    expect(labelIndexes(30, 8)).toEqual([4, 9, 14, 19, 24, 29]);
    expect(labelIndexes(30, 1)).toEqual([29]);
    expect(labelIndexes(0, 5)).toEqual([]);
  });

  it('names buckets, weekdays and hours', () => {
    expect(bucketLabel('2026-11-03', 'day')).toBe('3 Nov');
    expect(bucketLabel('2026-11-01', 'month')).toBe('Nov 2026');
    expect(bucketTitle('2026-11-03', 'day')).toBe('Tue, 3 Nov 2026');
    expect(bucketTitle('2026-11-02', 'week')).toBe('Week of 2 Nov 2026');
    expect(bucketTitle('2026-11-01', 'month')).toBe('November 2026');
    expect(weekdayName(1)).toBe('Monday');
    expect(weekdayName(7, true)).toBe('Sun');
    expect(hourSlot(9)).toBe('09:00–10:00');
    expect(hourSlot(23)).toBe('23:00–00:00');
  });

  it('puts heat-map values into five levels', () => {
    expect(heatLevel(0, 10)).toBe(0);
    expect(heatLevel(null, 10)).toBe(0);
    expect(heatLevel(0.1, 10)).toBe(1);
    expect(heatLevel(5, 10)).toBe(3);
    expect(heatLevel(10, 10)).toBe(5);
  });
});

describe('reports', () => {
  it('knows unfinished reports and expiring links', () => {
    expect(isReportInFlight('queued')).toBe(true);
    expect(isReportInFlight('running')).toBe(true);
    expect(isReportInFlight('ready')).toBe(false);
    const now = Date.parse('2026-11-26T12:00:00Z');
    expect(linksExpiring('2026-11-26T12:10:00Z', now)).toBe(false);
    expect(linksExpiring('2026-11-26T12:00:30Z', now)).toBe(true);
    expect(linksExpiring(null, now)).toBe(true);
  });
});
