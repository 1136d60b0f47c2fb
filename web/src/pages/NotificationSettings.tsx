import { useId, useState } from 'react';
import { Link } from 'react-router-dom';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { getSettings, kindLabel, notificationKeys, putSettings, type NotificationSettings } from '../api/notifications';
import { applyApiError } from '../lib/forms';
import { SETTINGS_ALIASES, settingsFields, settingsSchema, toFormValues, toSettingsBody, type SettingsForm } from '../lib/notificationSettings';
import { Alert, Button, Card, ErrorState, Field, Input, Loading, PageHeader } from '../components/ui';

export default function NotificationSettingsPage() {
  const settings = useQuery({ queryKey: notificationKeys.settings, queryFn: getSettings, staleTime: Infinity });
  return (
    <div>
      <PageHeader title="Notification settings" />
      {settings.isPending ? (
        <Loading />
      ) : settings.isError ? (
        <ErrorState error={settings.error} onRetry={() => void settings.refetch()} />
      ) : (
        <SettingsEditor settings={settings.data} />
      )}
    </div>
  );
}

function SettingsEditor({ settings }: { settings: NotificationSettings }) {
  const queryClient = useQueryClient();
  const [banner, setBanner] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const ids = useId();
  const form = useForm<SettingsForm>({ resolver: zodResolver(settingsSchema), defaultValues: toFormValues(settings) });
  const { errors } = form.formState;
  const quiet = form.watch('quiet');

  const onSubmit = form.handleSubmit(async (values) => {
    setBanner(null);
    setSaved(false);
    try {
      const answer = await putSettings(toSettingsBody(values));
      queryClient.setQueryData(notificationKeys.settings, answer);
      form.reset(toFormValues(answer));
      setSaved(true);
    } catch (e) {
      setBanner(applyApiError(e, form.setError, settingsFields(values.kinds.length), SETTINGS_ALIASES));
    }
  });

  const deliveryError = errors.email_delivery?.message;
  const quietError = errors.quiet?.message;

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-4" onChange={() => setSaved(false)}>
      {banner && <Alert>{banner}</Alert>}
      {saved && <Alert kind="success">Saved.</Alert>}
      <Card title="What you hear about">
        <div className="overflow-x-auto">
          <table className="w-full text-left text-sm">
            <caption className="sr-only">Each kind of notification, in the app and by email</caption>
            <thead className="bg-slate-50 text-slate-700">
              <tr>
                <th scope="col" className="px-3 py-2">Notification</th>
                <th scope="col" className="w-24 px-3 py-2 text-center">In-app</th>
                <th scope="col" className="w-24 px-3 py-2 text-center">Email</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-200">
              {settings.kinds.map(({ kind }, i) => {
                const label = kindLabel(kind);
                const row = errors.kinds?.[i];
                const rowError = [row?.message, row?.in_app?.message, row?.email?.message].filter(Boolean).join('; ') || undefined;
                const errorId = `${ids}-kind-${i}-error`;
                const invalid = { 'aria-invalid': !!rowError, 'aria-describedby': rowError ? errorId : undefined };
                return (
                  <tr key={kind} data-kind={kind}>
                    <th scope="row" className="px-3 py-2 font-normal text-slate-900">
                      {label}
                      {rowError && <p id={errorId} className="text-sm text-red-700" data-field-error>{rowError}</p>}
                    </th>
                    <td className="px-3 py-2 text-center">
                      <input type="checkbox" className="h-4 w-4" aria-label={`In-app: ${label}`} {...invalid} {...form.register(`kinds.${i}.in_app`)} />
                    </td>
                    <td className="px-3 py-2 text-center">
                      <input type="checkbox" className="h-4 w-4" aria-label={`Email: ${label}`} {...invalid} {...form.register(`kinds.${i}.email`)} />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </Card>
      <div className="grid gap-4 lg:grid-cols-2">
        <Card title="Emails">
          <fieldset aria-describedby={deliveryError ? `${ids}-delivery-error` : undefined}>
            <legend className="text-sm font-medium text-slate-800">Email delivery</legend>
            <div className="mt-2 space-y-2 text-sm">
              <label className="flex items-center gap-2">
                <input type="radio" value="immediate" {...form.register('email_delivery')} /> Immediately, one email per notification
              </label>
              <label className="flex items-center gap-2">
                <input type="radio" value="daily_digest" {...form.register('email_delivery')} /> Daily digest, one email a day
              </label>
            </div>
            {deliveryError && <p id={`${ids}-delivery-error`} className="mt-1 text-sm text-red-700" data-field-error>{deliveryError}</p>}
          </fieldset>
        </Card>
        <Card title="Quiet hours">
          <p id={`${ids}-zone`} className="mb-3 text-sm text-slate-700">
            No notification emails between these times, in your time zone: <strong>{settings.timezone}</strong>{' '}
            (<Link className="text-indigo-800 underline" to="/profile">change it in your profile</Link>).
          </p>
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" aria-invalid={!!quietError} aria-describedby={quietError ? `${ids}-quiet-error` : undefined} {...form.register('quiet')} /> Quiet hours
          </label>
          {quietError && <p id={`${ids}-quiet-error`} className="mt-1 text-sm text-red-700" data-field-error>{quietError}</p>}
          {quiet && (
            <div className="mt-3 grid grid-cols-2 gap-3">
              <Field label="From" hint={`In ${settings.timezone}`} error={errors.quiet_hours?.start?.message}>
                {(p) => <Input {...p} type="time" {...form.register('quiet_hours.start')} />}
              </Field>
              <Field label="Until" hint={`In ${settings.timezone}`} error={errors.quiet_hours?.end?.message}>
                {(p) => <Input {...p} type="time" {...form.register('quiet_hours.end')} />}
              </Field>
            </div>
          )}
        </Card>
      </div>
      <Button type="submit" busy={form.formState.isSubmitting}>Save</Button>
    </form>
  );
}
