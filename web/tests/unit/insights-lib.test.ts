import { describe, expect, it } from 'vitest';
import {
  confidenceBand,
  confidenceClass,
  contentTypeOf,
  CRISIS_STYLE,
  crisisHeadline,
  crisisLevel,
  dayName,
  describeCoverage,
  describeCrisisEvidence,
  describeEvidence,
  describeLocalTime,
  describeQueueSlot,
  describeSlot,
  formatEffect,
  formatEngagements,
  formatInterval,
  formatLift,
  formatPercent,
  formatRatio,
  formatZ,
  lastDays,
  liftClass,
  liftLevel,
  modelVerdict,
  notEnoughHistory,
  outliers,
  parseKeywords,
  predictionText,
  readPerformanceReview,
  readEvidence,
  readPrediction,
  readScheduleOptimization,
  readTrendReport,
  sandboxText,
  scheduledInstant,
  shareWidth,
  showCrisisBanner,
  slotGrid,
  slotSummary,
  sparklinePath,
  toLocalInput,
} from '../../src/lib/insights';
import type { PostOutlier, Slot } from '../../src/api/insights';

const slot = (weekday: number, hour: number, extra: Partial<Slot> = {}): Slot => ({ weekday, hour, lift: 1, expected_engagements: 30, posts: 2, confidence: 0.3, ...extra });

describe('weekdays and slots', () => {
  it('counts weekdays from 0 = Monday', () => {
    expect(dayName(0)).toBe('Monday');
    expect(dayName(1)).toBe('Tuesday');
    expect(dayName(6)).toBe('Sunday');
    expect(dayName(3, true)).toBe('Thu');
  });

  it('names a slot as an hour range', () => {
    expect(describeSlot({ weekday: 1, hour: 18 })).toBe('Tuesday 18:00–19:00');
    expect(describeSlot({ weekday: 6, hour: 23 }, true)).toBe('Sun 23:00–00:00');
  });

  it('puts 168 slots in a 7 × 24 grid and leaves missing hours empty', () => {
    const grid = slotGrid([slot(1, 18, { lift: 1.74 }), slot(3, 19), slot(9, 1), slot(0, 24)]);
    expect(grid).toHaveLength(7);
    expect(grid.every((row) => row.length === 24)).toBe(true);
    expect(grid[1]![18]!.lift).toBe(1.74);
    expect(grid[3]![19]).not.toBeNull();
    expect(grid[0]![0]).toBeNull();
    expect(grid.flat().filter(Boolean)).toHaveLength(2);
  });
});

describe('heat map colours', () => {
  it('scales lift on a log scale around the average, capped at ±3', () => {
    expect(liftLevel(1)).toBe(0);
    expect(liftLevel(1.1)).toBe(1);
    expect(liftLevel(1.3)).toBe(2);
    expect(liftLevel(1.74)).toBe(3);
    expect(liftLevel(4)).toBe(3);
    expect(liftLevel(0.95)).toBe(0);
    expect(liftLevel(0.9)).toBe(-1);
    expect(liftLevel(0.8)).toBe(-1);
    expect(liftLevel(0.6)).toBe(-3);
    expect(liftLevel(0.05)).toBe(-3);
  });

  it('is symmetric: twice and half as good are as far from average', () => {
    expect(liftLevel(2)).toBe(-liftLevel(0.5));
    expect(liftLevel(1.19)).toBe(-liftLevel(1 / 1.19));
  });

  it('treats a missing or broken lift as average', () => {
    expect(liftLevel(null)).toBe(0);
    expect(liftLevel(undefined)).toBe(0);
    expect(liftLevel(0)).toBe(0);
    expect(liftLevel(Number.NaN)).toBe(0);
  });

  it('colours below average orange and above average indigo', () => {
    expect(liftClass(1.74)).toBe('bg-indigo-700');
    expect(liftClass(1)).toBe('bg-slate-100');
    expect(liftClass(0.6)).toBe('bg-orange-400');
  });

  it('fades and hatches thin evidence', () => {
    expect(confidenceBand(0.55)).toBe('high');
    expect(confidenceBand(0.5)).toBe('high');
    expect(confidenceBand(0.3)).toBe('medium');
    expect(confidenceBand(0.05)).toBe('low');
    expect(confidenceBand(null)).toBe('low');
    expect(confidenceClass(0.9)).toBe('opacity-100');
    expect(confidenceClass(0.3)).toBe('opacity-75');
    expect(confidenceClass(0.1)).toContain('hatch');
  });

  it('says a cell in words', () => {
    expect(slotSummary(slot(1, 18, { lift: 1.74, posts: 6, confidence: 0.55, expected_engagements: 52.3 }), 1, 18)).toBe(
      'Tuesday 18:00–19:00: 1.74× your average, 6 posts, confidence 55%, about 52.3 engagements expected',
    );
    expect(slotSummary(slot(0, 3, { posts: 1 }), 0, 3)).toContain('1 post,');
    expect(slotSummary(null, 2, 4)).toBe('Wednesday 04:00–05:00: no estimate');
  });

  it('sums up the evidence behind an account', () => {
    expect(describeEvidence({ posts_analyzed: 240, weeks_of_history: 16, prior: 'platform' }, 'X')).toEqual([
      '240 posts analyzed',
      '16 weeks of history',
      'thin hours borrow from your other X accounts',
    ]);
    expect(describeEvidence({ posts_analyzed: 1, weeks_of_history: 1, prior: 'organization' }, 'X')).toEqual(['1 post analyzed', '1 week of history', 'thin hours borrow from your accounts on other platforms']);
    expect(describeEvidence({ posts_analyzed: 0, weeks_of_history: 2.54, prior: 'none' }, 'X')).toEqual(['0 posts analyzed', '2.5 weeks of history', 'no other history: thin hours stay near the average']);
    expect(describeEvidence({ posts_analyzed: 3, weeks_of_history: 1, prior: 'galaxy' }, 'X')[2]).toBe('prior: galaxy');
  });
});

describe('figures in words', () => {
  it('formats lift, percentages and engagements', () => {
    expect(formatLift(1.7432)).toBe('1.74×');
    expect(formatLift(null)).toBe('—');
    expect(formatPercent(0.55)).toBe('55%');
    expect(formatPercent(0.125, 1)).toBe('12.5%');
    expect(formatPercent(undefined)).toBe('—');
    expect(formatEngagements(48.24)).toBe('48.2');
    expect(formatEngagements(48)).toBe('48');
    expect(formatEngagements(412.6)).toBe('413');
  });

  it('formats an interval and its coverage', () => {
    expect(formatInterval({ low: 35, high: 66.1 })).toBe('35–66.1');
    expect(describeCoverage(0.8)).toBe('80% interval');
  });

  it('formats effects with their sign', () => {
    expect(formatEffect(45.4)).toBe('+45.4%');
    expect(formatEffect(-12)).toBe('−12%');
    expect(formatEffect(0.04)).toBe('0%');
    expect(formatEffect(10.06)).toBe('+10.1%');
    expect(formatEffect(null)).toBe('—');
  });

  it('formats ratios and z scores', () => {
    expect(formatRatio(7.7)).toBe('7.7×');
    expect(formatRatio(12.4)).toBe('12×');
    expect(formatRatio(1)).toBe('1×');
    expect(formatRatio(null)).toBe('—');
    expect(formatZ(12.34)).toBe('z = 12.3');
    expect(formatZ(-2)).toBe('z = -2.0');
  });

  it('compares the model with its baselines', () => {
    const model = { kind: 'ridge_regression', trained_on: 330, held_out: 82, error: { model: 0.12, account_mean: 0.41, slot_mean: 0.33 }, beats_baselines: true };
    expect(modelVerdict(model)).toBe('Beats both baselines on 82 held-out posts: typical error 12% against 41% for your average and 33% for the time slot\'s average.');
    expect(modelVerdict({ ...model, beats_baselines: false })).toMatch(/^Does not beat the baselines .*rough guide\.$/);
  });

  it('says how much history is missing', () => {
    expect(notEnoughHistory({ posts_available: 12, minimum_posts: 30 })).toBe('Not enough history: 12 of 30 posts');
  });

  it('describes a queue slot with its source', () => {
    expect(describeQueueSlot({ source: 'best_times', lift: 1.7, confidence: 0.5 })).toBe('from best times: 1.70× your average, confidence 50%');
    expect(describeQueueSlot({ source: 'your_slots', lift: null, confidence: null })).toBe('from your slots');
  });

  it('describes a wall-clock time', () => {
    expect(describeLocalTime('2026-12-01T18:00')).toBe('Tuesday 1 December 2026 at 18:00');
  });
});

describe('the composer', () => {
  it('adds the hashtags the text does not use yet', () => {
    expect(predictionText('Fresh roast #coffee', '#coffee #latteart, morning')).toBe('Fresh roast #coffee #latteart #morning');
    expect(predictionText('  ', '')).toBe('');
    expect(predictionText('Hello', '#A #a')).toBe('Hello #A #a');
  });

  it('derives the content type from the media', () => {
    expect(contentTypeOf([])).toBe('text');
    expect(contentTypeOf(['image'])).toBe('image');
    expect(contentTypeOf(['video'])).toBe('video');
    expect(contentTypeOf(['image', 'image'])).toBe('carousel');
  });

  it('turns the composer time into an instant and back', () => {
    expect(scheduledInstant('2026-12-01T18:00', 'Europe/Paris')).toBe('2026-12-01T17:00:00.000Z');
    expect(scheduledInstant('', 'Europe/Paris')).toBeUndefined();
    expect(scheduledInstant('tomorrow', 'UTC')).toBeUndefined();
    expect(toLocalInput('2026-12-01T17:00:00Z', 'Europe/Paris')).toBe('2026-12-01T18:00');
    expect(toLocalInput('not a date', 'UTC')).toBeNull();
  });
});

describe('trends', () => {
  it('draws a sparkline inside its box', () => {
    const path = sparklinePath([0, 5, 10], 100, 20);
    expect(path).toBe('M2.0,18.0 L50.0,10.0 L98.0,2.0');
    expect(sparklinePath([], 100, 20)).toBe('');
    expect(sparklinePath([3], 100, 20)).toBe('M50.0,2.0');
    // A flat series stays inside the box.
    expect(sparklinePath([0, 0], 10, 10)).toBe('M2.0,8.0 L8.0,8.0');
  });

  it('keeps the last days of a series, oldest first', () => {
    const series = ['2026-11-05', '2026-11-01', '2026-11-03', '2026-11-02', '2026-11-04'].map((day, i) => ({ day, count: i }));
    expect(lastDays(series, 3).map((p) => p.day)).toEqual(['2026-11-03', '2026-11-04', '2026-11-05']);
  });

  it('splits the sandbox label from model text', () => {
    expect(sandboxText('sandbox: coffee is up')).toEqual({ text: 'coffee is up', sandbox: true });
    expect(sandboxText('coffee is up')).toEqual({ text: 'coffee is up', sandbox: false });
    expect(sandboxText(null)).toEqual({ text: '', sandbox: false });
  });

  it('parses typed keywords once each', () => {
    expect(parseKeywords('coffee, #latteart\n  cold  brew , Coffee,,')).toEqual(['coffee', '#latteart', 'cold brew']);
    expect(parseKeywords('')).toEqual([]);
  });
});

describe('competitors and performance', () => {
  it('turns a share into a bar width in 5% steps, a sliver staying visible', () => {
    expect(shareWidth(0.3)).toBe('pw-30');
    expect(shareWidth(0.42)).toBe('pw-40');
    expect(shareWidth(0.01)).toBe('pw-5');
    expect(shareWidth(0)).toBe('pw-0');
    expect(shareWidth(1.5)).toBe('pw-100');
    expect(shareWidth(null)).toBe('pw-0');
  });

  it('splits outliers above and below, the furthest first', () => {
    const post = (id: string, direction: PostOutlier['direction'], z: number): PostOutlier => ({
      post_id: id,
      account_id: 'a',
      platform: 'x',
      published_at: '2026-11-01T00:00:00Z',
      excerpt: id,
      engagements: 1,
      expected: 1,
      ratio: 1,
      z,
      direction,
    });
    const { above, below } = outliers([post('a', 'above', 2.1), post('b', 'below', -3), post('c', 'above', 4.2), post('d', 'steady', 0.1), post('e', 'below', -2.5)]);
    expect(above.map((p) => p.post_id)).toEqual(['c', 'a']);
    expect(below.map((p) => p.post_id)).toEqual(['b', 'e']);
  });
});

describe('crisis', () => {
  const publishing = { paused: false, paused_at: null, reason: null, held_targets: 0 };

  it('shows the banner above normal or while publishing is paused', () => {
    expect(showCrisisBanner({ level: 'normal', publishing })).toBe(false);
    expect(showCrisisBanner({ level: 'watch', publishing })).toBe(true);
    expect(showCrisisBanner({ level: 'crisis', publishing })).toBe(true);
    expect(showCrisisBanner({ level: 'normal', publishing: { ...publishing, paused: true } })).toBe(true);
    expect(showCrisisBanner(null)).toBe(false);
    expect(showCrisisBanner({ level: 'bogus' as never, publishing })).toBe(false);
  });

  it('styles each level, the worst in red', () => {
    expect(crisisLevel('warning')).toBe('warning');
    expect(crisisLevel('unknown')).toBe('normal');
    expect(CRISIS_STYLE.crisis.banner).toContain('red');
    expect(CRISIS_STYLE.warning.banner).toContain('orange');
    expect(CRISIS_STYLE.watch.banner).toContain('amber');
    expect(CRISIS_STYLE.crisis.badge).toContain('text-white');
  });

  it('words the headline with the pause', () => {
    expect(crisisHeadline({ level: 'crisis', publishing })).toBe('Possible crisis: negative mentions are spiking');
    expect(crisisHeadline({ level: 'crisis', publishing: { ...publishing, paused: true } })).toBe('Possible crisis: negative mentions are spiking; publishing is paused');
    expect(crisisHeadline({ level: 'normal', publishing: { ...publishing, paused: true } })).toBe('Publishing is paused');
  });

  it('says the evidence in a sentence', () => {
    expect(
      describeCrisisEvidence({ window_hours: 6, mentions: 40, negative: 31, negative_ratio: 0.775, baseline_negative_per_window: 0.8, baseline_ratio: 0.1, z: 12.34, method: 'z of negatives per window', examples: [] }),
    ).toBe('31 of 40 mentions negative in the last 6 h (78%), against 10% usually (0.8 negative per 6 h); z = 12.3.');
  });
});

describe('reading outputs', () => {
  it('reads a schedule optimization, leaving out broken entries', () => {
    const r = readScheduleOptimization({
      timezone: 'Europe/Paris',
      accounts: [{ account_id: 'a1', platform: 'x', username: 'acme', posts_analyzed: 240, weeks_of_history: 16, prior: 'platform', slots: [slot(1, 18), { weekday: 'x' }], best: [slot(1, 18)] }, { nope: true }],
      method: 'log engagement per hour of the week',
      assignments: [{ post_id: 'p1', account_ids: ['a1', 'a2'], scheduled_at: '2026-12-01T17:00:00Z', local_time: '2026-12-01T18:00', lift: 1.74, confidence: 0.55 }, {}],
      unassigned: [{ post_id: 'p2', reason: 'no free slot in the range' }],
    });
    expect(r?.accounts).toHaveLength(1);
    expect(r?.accounts[0]!.slots).toHaveLength(1);
    expect(r?.assignments).toHaveLength(1);
    expect(r?.assignments[0]!.account_ids).toEqual(['a1', 'a2']);
    expect(r?.method).toBe('log engagement per hour of the week');
    expect(r?.unassigned[0]!.reason).toBe('no free slot in the range');
    expect(readScheduleOptimization({ something: 'else' })).toBeNull();
    expect(readScheduleOptimization(null)).toBeNull();
  });

  it('reads a crisis alert\'s evidence with safe defaults', () => {
    const e = readEvidence({ window_hours: 6, mentions: 40, negative: 31, negative_ratio: 0.78, z: 12.3, examples: [{ author: null, text: 'Awful', sentiment: -0.8, scored_by: 'lexicon', created_at: '2026-11-27T08:00:00Z' }, { nope: 1 }] });
    expect(e.examples).toEqual([{ author: null, text: 'Awful', sentiment: -0.8, scored_by: 'lexicon', created_at: '2026-11-27T08:00:00Z' }]);
    expect(e.baseline_ratio).toBe(0);
    expect(e.method).toBe('');
    expect(readEvidence(null).examples).toEqual([]);
  });

  it('reads a prediction and the not-enough-history answer', () => {
    const p = readPrediction({
      status: 'predicted',
      minimum_posts: 30,
      posts_available: 412,
      prediction: { engagements: 48.2, low: 35, high: 66.1, coverage: 0.8 },
      model: { kind: 'ridge_regression', trained_on: 330, held_out: 82, error: { model: 0.12, account_mean: 0.41, slot_mean: 0.33 }, beats_baselines: true },
      suggestions: [{ field: 'scheduled_at', change: 'Post Tuesday 18:00 instead', value: '2026-12-01T17:00:00Z', predicted_engagements: 70.1, effect_pct: 45.4 }],
    });
    expect(p?.prediction?.low).toBe(35);
    expect(p?.model?.beats_baselines).toBe(true);
    expect(p?.suggestions[0]!.value).toBe('2026-12-01T17:00:00Z');
    const none = readPrediction({ status: 'not_enough_history', minimum_posts: 30, posts_available: 12, prediction: null, model: null, suggestions: [] });
    expect(none?.status).toBe('not_enough_history');
    expect(none?.prediction).toBeNull();
    expect(readPrediction([])).toBeNull();
  });

  it('reads a trend report', () => {
    const r = readTrendReport({
      analyzed_at: '2026-11-27T10:00:00Z',
      window_hours: 24,
      baseline_days: 6,
      method: 'counts per hour against the days before',
      gaps: ['tea: rate limited'],
      terms: [{ term: 'coffee', source: 'x_recent_counts', recent: 930, baseline_per_day: 120.5, ratio: 7.7, z: 73.8, status: 'emerging', series: [{ day: '2026-11-20', count: 118 }] }, { term: 'tea', status: 'weird' }],
      emerging: ['coffee'],
      declining: [],
      summary: 'sandbox: coffee is hot',
      ideas: [{ title: 'Latte art Tuesday', angle: 'Show the pour', terms: ['coffee'] }],
    });
    expect(r?.terms.map((t) => t.status)).toEqual(['emerging', 'steady']);
    expect(r?.ideas[0]!.title).toBe('Latte art Tuesday');
    expect(r?.gaps).toEqual(['tea: rate limited']);
    expect(readTrendReport({})).toBeNull();
  });

  it('reads a performance review', () => {
    const r = readPerformanceReview({
      from: '2026-11-01T00:00:00Z',
      to: '2026-11-15T00:00:00Z',
      method: 'expected from account × hour × type',
      posts: [{ post_id: 'p', account_id: 'a', platform: 'x', published_at: '2026-11-02T10:00:00Z', excerpt: 'Hi', engagements: 300, expected: 60, ratio: 5, z: 4.2, direction: 'above' }],
      accounts: [{ account_id: 'a', platform: 'x', username: 'acme', posts: 10, engagements: 900, expected: 700, ratio: 1.29, z: 1.1, direction: 'sideways' }],
    });
    expect(r?.posts[0]!.direction).toBe('above');
    expect(r?.accounts[0]!.direction).toBe('steady');
    expect(readPerformanceReview({ accounts: [] })).toBeNull();
  });
});
