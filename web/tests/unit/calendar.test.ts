import { describe, expect, it } from 'vitest';
import { dropToLocalTime, isMovable, moveEntry, rangeForView, toEvents, type Calendar } from '../../src/lib/calendar';

const cal: Calendar = {
  timezone: 'Europe/Paris',
  days: {
    '2026-12-12': [
      { id: 'b', title: null, excerpt: 'Doors open at nine', status: 'scheduled', local_time: '10:30', platforms: ['x', 'linkedin'] },
      { id: 'a', title: 'Launch', excerpt: 'Launch day', status: 'published', local_time: '08:00', platforms: ['facebook'] },
    ],
    '2026-12-13': [{ id: 'c', title: '  ', excerpt: ' ', status: 'failed', local_time: '23:59:00', platforms: [] }],
    '2026-12-14': [{ id: 'd', title: null, excerpt: '', status: 'scheduled', local_time: '11:00', platforms: ['x', 'linkedin'] }],
  },
};

describe('calendar mapping', () => {
  it('places entries at their wall clock on the floating UTC grid, coloured by status and platform', () => {
    const events = toEvents(cal);
    expect(events.map((e) => [e.id, e.start])).toEqual([
      ['a', '2026-12-12T08:00:00Z'],
      ['b', '2026-12-12T10:30:00Z'],
      ['c', '2026-12-13T23:59:00Z'],
      ['d', '2026-12-14T11:00:00Z'],
    ]);
    const b = events.find((e) => e.id === 'b')!;
    // Untitled posts show the start of their text; with no text either, their status.
    expect(b.title).toBe('Doors open at nine');
    expect(events.find((e) => e.id === 'd')!.title).toBe('Scheduled post · X, LinkedIn');
    expect(b.classNames).toEqual(['ev-status-scheduled', 'ev-platform-x', 'ev-platform-linkedin']);
    expect(b.editable).toBe(true);
    expect(events.find((e) => e.id === 'a')!.editable).toBe(false);
    expect(events.find((e) => e.id === 'c')!.title).toBe('Failed post');
  });

  it('only lets posts that have not started move', () => {
    expect(isMovable('scheduled')).toBe(true);
    expect(isMovable('draft')).toBe(true);
    expect(isMovable('publishing')).toBe(false);
    expect(isMovable('published')).toBe(false);
  });

  it('reads a drop back as a wall clock', () => {
    expect(dropToLocalTime(new Date('2026-12-15T10:30:00Z'))).toBe('2026-12-15T10:30');
  });

  it('moves an entry between days for the optimistic update', () => {
    const moved = moveEntry(cal, 'b', '2026-12-13T09:15');
    expect(moved.days['2026-12-12']!.map((e) => e.id)).toEqual(['a']);
    expect(moved.days['2026-12-13']!.map((e) => [e.id, e.local_time])).toEqual([
      ['b', '09:15'],
      ['c', '23:59:00'],
    ]);
    expect(cal.days['2026-12-12']!.length).toBe(2); // the original is untouched, for rollback
  });

  it('turns a view range into the API window (end inclusive)', () => {
    expect(rangeForView(new Date('2026-11-30T00:00:00Z'), new Date('2027-01-11T00:00:00Z'))).toEqual({ from: '2026-11-30', to: '2027-01-10' });
  });
});
