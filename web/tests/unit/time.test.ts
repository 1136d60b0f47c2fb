import { describe, expect, it } from 'vitest';
import { addDays, ambiguousTimeChoices, describeLocal, isSkippedTimeIssue, localDateTime, relativeTime, utcOffset, zonedToInstant } from '../../src/lib/time';

describe('time zones', () => {
  it('shows the wall clock of an instant in a zone', () => {
    const at = new Date('2026-12-10T08:30:00Z');
    expect(localDateTime(at, 'Europe/Paris')).toBe('2026-12-10T09:30');
    expect(localDateTime(at, 'America/New_York')).toBe('2026-12-10T03:30');
    expect(localDateTime(at, 'Asia/Kolkata')).toBe('2026-12-10T14:00');
  });

  it('gives the offset in force', () => {
    expect(utcOffset(new Date('2026-07-01T12:00:00Z'), 'Europe/Paris')).toBe('+02:00');
    expect(utcOffset(new Date('2026-12-01T12:00:00Z'), 'Europe/Paris')).toBe('+01:00');
    expect(utcOffset(new Date('2026-12-01T12:00:00Z'), 'UTC')).toBe('+00:00');
  });

  it('turns a wall clock into an instant across DST', () => {
    expect(zonedToInstant('2026-07-01T00:00', 'Europe/Paris')).toBe('2026-06-30T22:00:00.000Z');
    expect(zonedToInstant('2026-12-01T00:00', 'Europe/Paris')).toBe('2026-11-30T23:00:00.000Z');
    expect(zonedToInstant('2026-03-08T12:00', 'America/New_York')).toBe('2026-03-08T16:00:00.000Z');
  });

  it('adds calendar days across month ends', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2027-03-01', -1)).toBe('2027-02-28');
  });

  it('puts the API question for a repeated time into words, earlier occurrence first', () => {
    const issue = '2027-10-31T02:30 happens twice in Europe/Paris: give utc_offset +01:00 or +02:00';
    const choices = ambiguousTimeChoices(issue, '2027-10-31T02:30');
    expect(choices).toEqual([
      { offset: '+02:00', label: 'The first 02:30, before the clocks go back (UTC+02:00)' },
      { offset: '+01:00', label: 'The second 02:30, after the clocks go back (UTC+01:00)' },
    ]);
    expect(ambiguousTimeChoices('is in the past', '2027-10-31T02:30')).toBeNull();
  });

  it('recognises a skipped time and describes dates in words', () => {
    expect(isSkippedTimeIssue('2027-03-28T02:30 does not exist in Europe/Paris (the clocks skip it for daylight saving time)')).toBe(true);
    expect(describeLocal('2027-10-31T02:30')).toMatch(/^Sunday,? 31 October 2027 at 02:30$/);
  });
});

describe('relative times', () => {
  const now = Date.parse('2026-11-26T12:00:00Z');
  it('says how long ago in words', () => {
    expect(relativeTime('2026-11-26T11:59:40Z', now)).toBe('just now');
    expect(relativeTime('2026-11-26T11:55:00Z', now)).toBe('5 minutes ago');
    expect(relativeTime('2026-11-26T11:10:00Z', now)).toBe('50 minutes ago');
    expect(relativeTime('2026-11-26T09:00:00Z', now)).toBe('3 hours ago');
    expect(relativeTime('2026-11-25T10:00:00Z', now)).toBe('yesterday');
    expect(relativeTime('2026-11-12T12:00:00Z', now)).toBe('2 weeks ago');
    expect(relativeTime('2025-11-01T12:00:00Z', now)).toBe('last year');
  });
});
