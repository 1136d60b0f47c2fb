/**
 * Maps the API's calendar (posts per day, wall-clock times in the user's zone) to FullCalendar
 * events. The calendar runs in UTC as a "floating" clock: an event at 09:30 on 2026-12-10 in
 * Europe/Paris is placed at 2026-12-10T09:30Z, so what the grid shows is the wall clock in the
 * user's zone whatever the browser's zone, and a drop gives back a wall clock to schedule at.
 */
import type { components } from '../api/schema';

export type Calendar = components['schemas']['Calendar'];
export type CalendarEntry = components['schemas']['CalendarEntry'];
export type PostStatus = components['schemas']['PostStatus'];
export type Platform = components['schemas']['Platform'];

export interface CalendarEvent {
  id: string;
  title: string;
  start: string;
  allDay: false;
  editable: boolean;
  classNames: string[];
  extendedProps: { status: PostStatus; platforms: Platform[] };
}

export const STATUS_LABEL: Record<PostStatus, string> = {
  draft: 'Draft',
  scheduled: 'Scheduled',
  publishing: 'Publishing',
  published: 'Published',
  partially_failed: 'Partly failed',
  failed: 'Failed',
};

export const PLATFORM_LABEL: Record<Platform, string> = {
  x: 'X',
  facebook: 'Facebook',
  instagram: 'Instagram',
  linkedin: 'LinkedIn',
  tiktok: 'TikTok',
};

/** Only posts that have not started publishing can move. */
export function isMovable(status: PostStatus): boolean {
  return status === 'scheduled' || status === 'draft';
}

export function toEvents(calendar: Calendar): CalendarEvent[] {
  const events: CalendarEvent[] = [];
  for (const [day, entries] of Object.entries(calendar.days)) {
    for (const entry of entries ?? []) {
      const time = entry.local_time.slice(0, 5);
      const platforms = entry.platforms.map((p) => PLATFORM_LABEL[p]).join(', ');
      events.push({
        id: entry.id,
        title: entry.title?.trim() || entry.excerpt.trim() || `${STATUS_LABEL[entry.status]} post${platforms ? ` · ${platforms}` : ''}`,
        start: `${day}T${time}:00Z`,
        allDay: false,
        editable: isMovable(entry.status),
        classNames: [`ev-status-${entry.status}`, ...entry.platforms.map((p) => `ev-platform-${p}`)],
        extendedProps: { status: entry.status, platforms: entry.platforms },
      });
    }
  }
  events.sort((a, b) => a.start.localeCompare(b.start));
  return events;
}

/** The wall clock a dropped event lands on (the calendar's floating UTC clock). */
export function dropToLocalTime(start: Date): string {
  return start.toISOString().slice(0, 16);
}

/** Moves an entry in a cached calendar (the optimistic update of a drag). */
export function moveEntry(calendar: Calendar, id: string, localTime: string): Calendar {
  const days: Calendar['days'] = {};
  let moved: CalendarEntry | undefined;
  for (const [day, entries] of Object.entries(calendar.days)) {
    const kept = (entries ?? []).filter((e) => {
      if (e.id === id) {
        moved = e;
        return false;
      }
      return true;
    });
    if (kept.length) days[day] = kept;
  }
  if (moved) {
    const day = localTime.slice(0, 10);
    days[day] = [...(days[day] ?? []), { ...moved, local_time: localTime.slice(11, 16) }].sort((a, b) =>
      a.local_time.localeCompare(b.local_time),
    );
  }
  return { ...calendar, days };
}

/** The API's window (at most 62 days) for a FullCalendar view range (end exclusive). */
export function rangeForView(start: Date, endExclusive: Date): { from: string; to: string } {
  const from = start.toISOString().slice(0, 10);
  const last = new Date(endExclusive.getTime() - 86_400_000);
  return { from, to: last.toISOString().slice(0, 10) };
}
