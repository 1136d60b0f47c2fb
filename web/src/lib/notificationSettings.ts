/**
 * The notification settings form ↔ the API. The form always holds every kind the API listed,
 * in the API's order, so `kinds[2]` in a 422 is the form's third row.
 */
import { z } from 'zod';
import type { Path } from 'react-hook-form';
import type { EmailDelivery, NotificationKind, NotificationSettings, NotificationSettingsUpdate } from '../api/notifications';

const clock = /^([01]\d|2[0-3]):[0-5]\d$/;

export const settingsSchema = z
  .object({
    kinds: z.array(z.object({ kind: z.string(), in_app: z.boolean(), email: z.boolean() })),
    email_delivery: z.enum(['immediate', 'daily_digest']),
    quiet: z.boolean(),
    quiet_hours: z.object({ start: z.string(), end: z.string() }),
  })
  .superRefine((v, ctx) => {
    if (!v.quiet) return;
    for (const end of ['start', 'end'] as const) {
      if (!clock.test(v.quiet_hours[end])) ctx.addIssue({ code: 'custom', path: ['quiet_hours', end], message: 'Enter a time like 22:00' });
    }
  });

export type SettingsForm = z.infer<typeof settingsSchema>;

/** Quiet hours offered when the user switches them on for the first time. */
export const DEFAULT_QUIET_HOURS = { start: '22:00', end: '07:00' };

export function toFormValues(settings: NotificationSettings): SettingsForm {
  return {
    kinds: settings.kinds.map(({ kind, in_app, email }) => ({ kind, in_app, email })),
    email_delivery: settings.email_delivery,
    quiet: !!settings.quiet_hours,
    quiet_hours: settings.quiet_hours ? { start: settings.quiet_hours.start.slice(0, 5), end: settings.quiet_hours.end.slice(0, 5) } : { ...DEFAULT_QUIET_HOURS },
  };
}

export function toSettingsBody(values: SettingsForm): NotificationSettingsUpdate {
  return {
    kinds: values.kinds.map(({ kind, in_app, email }) => ({ kind: kind as NotificationKind, in_app, email })),
    email_delivery: values.email_delivery as EmailDelivery,
    quiet_hours: values.quiet ? { start: values.quiet_hours.start, end: values.quiet_hours.end } : null,
  };
}

/** The form fields a 422's details can land on (`kinds[2].kind` lands on the row `kinds.2`). */
export function settingsFields(kindCount: number): Path<SettingsForm>[] {
  const rows = Array.from({ length: kindCount }, (_, i) => [`kinds.${i}`, `kinds.${i}.in_app`, `kinds.${i}.email`] as const).flat();
  return ['email_delivery', 'quiet', 'quiet_hours.start', 'quiet_hours.end', ...rows] as Path<SettingsForm>[];
}

/** API field names that differ from the form's: the quiet hours as a whole sit on their switch. */
export const SETTINGS_ALIASES: Record<string, string> = { quiet_hours: 'quiet' };
