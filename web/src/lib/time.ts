/**
 * Time-zone helpers. The API resolves local times (and DST) itself; these only format wall
 * clocks in a zone and put the API's DST questions into words.
 */

function parts(date: Date, timeZone: string): Record<string, string> {
  const fmt = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  const out: Record<string, string> = {};
  for (const p of fmt.formatToParts(date)) out[p.type] = p.value;
  return out;
}

/** `YYYY-MM-DDTHH:MM`: the wall clock in `timeZone` at the instant `date`. */
export function localDateTime(date: Date, timeZone: string): string {
  const p = parts(date, timeZone);
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

/** `YYYY-MM-DD` in `timeZone`. */
export function localDate(date: Date, timeZone: string): string {
  return localDateTime(date, timeZone).slice(0, 10);
}

/** Adds days to a `YYYY-MM-DD` date (calendar arithmetic, no time zone involved). */
export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** `+02:00`: the zone's offset from UTC at the instant `date`. */
export function utcOffset(date: Date, timeZone: string): string {
  const name =
    new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
      .formatToParts(date)
      .find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-]\d{2}):?(\d{2})?/.exec(name);
  return m ? `${m[1]}:${m[2] ?? '00'}` : '+00:00';
}

/** Whether the runtime knows this IANA zone. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** The zones the browser knows, for pickers. */
export function timeZones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (k: string) => string[] };
  const zones = intl.supportedValuesOf?.('timeZone') ?? [];
  return zones.includes('UTC') ? zones : ['UTC', ...zones];
}

/** "Saturday 31 October 2026 at 02:30" for a `YYYY-MM-DDTHH:MM` wall clock. */
export function describeLocal(localTime: string): string {
  const [day = '', time = ''] = localTime.split('T');
  const d = new Date(`${day}T12:00:00Z`);
  const date = new Intl.DateTimeFormat('en-GB', {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  }).format(d);
  return `${date} at ${time.slice(0, 5)}`;
}

export interface OffsetChoice {
  offset: string;
  label: string;
}

function offsetMinutes(offset: string): number {
  const m = /^([+-])(\d{2}):(\d{2})$/.exec(offset);
  if (!m) return 0;
  const v = Number(m[2]) * 60 + Number(m[3]);
  return m[1] === '-' ? -v : v;
}

/**
 * The question to ask when the API answers that a local time happens twice (the clocks go
 * back): the two offsets the API offered, in words, the earlier occurrence first.
 */
export function ambiguousTimeChoices(issue: string, localTime: string): OffsetChoice[] | null {
  const offsets = [...issue.matchAll(/[+-]\d{2}:\d{2}/g)].map((m) => m[0]);
  const unique = [...new Set(offsets)];
  if (unique.length !== 2) return null;
  // A larger offset means an earlier instant for the same wall clock.
  const sorted = unique.sort((a, b) => offsetMinutes(b) - offsetMinutes(a));
  const time = localTime.slice(11, 16);
  return [
    {
      offset: sorted[0]!,
      label: `The first ${time}, before the clocks go back (UTC${sorted[0]})`,
    },
    {
      offset: sorted[1]!,
      label: `The second ${time}, after the clocks go back (UTC${sorted[1]})`,
    },
  ];
}

/** A sentence for a time the clocks skip, from the API's issue. */
export function isSkippedTimeIssue(issue: string): boolean {
  return /does not exist/i.test(issue);
}

/** Formats an instant in a zone for people: "26 Nov 2026, 09:30". */
export function formatInstant(iso: string | null | undefined, timeZone: string): string {
  if (!iso) return '—';
  return new Intl.DateTimeFormat('en-GB', {
    timeZone,
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(iso));
}

/**
 * The instant (ISO, UTC) at which the wall clock in `timeZone` reads `local`
 * (`YYYY-MM-DDTHH:MM`). For filters only; scheduling sends wall clocks to the API.
 */
export function zonedToInstant(local: string, timeZone: string): string {
  const asUtc = Date.parse(`${local}:00Z`);
  let guess = asUtc;
  for (let i = 0; i < 3; i++) {
    const shown = Date.parse(`${localDateTime(new Date(guess), timeZone)}:00Z`);
    guess += asUtc - shown;
  }
  return new Date(guess).toISOString();
}

const RELATIVE_STEPS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['minute', 60],
  ['hour', 3600],
  ['day', 86_400],
  ['week', 604_800],
  ['month', 2_629_800],
  ['year', 31_557_600],
];

/** "just now", "5 minutes ago", "yesterday", "3 weeks ago" for an instant. */
export function relativeTime(iso: string, now = Date.now()): string {
  const seconds = (Date.parse(iso) - now) / 1000;
  if (!Number.isFinite(seconds)) return '';
  const abs = Math.abs(seconds);
  if (abs < 45) return 'just now';
  const format = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
  // The largest unit that fits at least once (45–59 s count as a minute).
  let [unit, size] = RELATIVE_STEPS[0]!;
  for (const [u, s] of RELATIVE_STEPS) {
    if (abs >= s) [unit, size] = [u, s];
  }
  return format.format(Math.round(seconds / size), unit);
}
