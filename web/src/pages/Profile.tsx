import { useEffect, useMemo, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { z } from 'zod';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, session, unwrap, type Schemas } from '../api/client';
import { bannerMessage } from '../api/errors';
import { keys } from '../api/hooks';
import { useAuth, useUser } from '../auth/AuthProvider';
import { applyApiError } from '../lib/forms';
import { formatInstant, timeZones } from '../lib/time';
import { useLiveMessages, useLiveStatus } from '../live/LiveProvider';
import type { ExportProgressData } from '../live/protocol';
import { Alert, Button, Card, ErrorState, Field, Input, Loading, PageHeader, ProgressBar, Select } from '../components/ui';

const profileSchema = z.object({
  first_name: z.string().max(100),
  last_name: z.string().max(100),
  timezone: z.string().min(1),
  language: z.string().min(2).max(10),
});
type ProfileValues = z.infer<typeof profileSchema>;

export default function Profile() {
  return (
    <div>
      <PageHeader title="Your profile" />
      {/* min-w-0: a long email or device name must not widen the cards past a phone's screen. */}
      <div className="grid gap-4 *:min-w-0 lg:grid-cols-2">
        <ProfileForm />
        <Sessions />
        <Notifications />
        <DataExport />
        <DeleteAccount />
      </div>
    </div>
  );
}

function ProfileForm() {
  const user = useUser();
  const { setUser } = useAuth();
  const [banner, setBanner] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const zones = useMemo(() => timeZones(), []);
  const form = useForm<ProfileValues>({
    resolver: zodResolver(profileSchema),
    defaultValues: { first_name: user.first_name ?? '', last_name: user.last_name ?? '', timezone: user.timezone, language: user.language },
  });
  const queryClient = useQueryClient();
  const onSubmit = form.handleSubmit(async (v) => {
    setBanner(null);
    setSaved(false);
    try {
      const updated = await unwrap(
        api.PUT('/api/users/profile', {
          body: { avatar_url: user.avatar_url ?? null, first_name: v.first_name.trim() || null, last_name: v.last_name.trim() || null, timezone: v.timezone, language: v.language },
        }),
      );
      setUser(updated);
      setSaved(true);
      void queryClient.invalidateQueries({ queryKey: ['calendar'] });
    } catch (e) {
      setBanner(applyApiError(e, form.setError, ['first_name', 'last_name', 'timezone', 'language']));
    }
  });
  return (
    <Card title="About you">
      <form onSubmit={onSubmit} className="space-y-3" noValidate>
        {banner && <Alert>{banner}</Alert>}
        {saved && <Alert kind="success">Saved.</Alert>}
        <p className="break-words text-sm text-slate-700">{user.email} · <span className="capitalize">{user.role}</span></p>
        <Field label="First name" error={form.formState.errors.first_name?.message}>{(p) => <Input {...p} {...form.register('first_name')} />}</Field>
        <Field label="Last name" error={form.formState.errors.last_name?.message}>{(p) => <Input {...p} {...form.register('last_name')} />}</Field>
        <Field label="Time zone" hint="Scheduling and the calendar use it." error={form.formState.errors.timezone?.message}>
          {(p) => (
            <Select {...p} {...form.register('timezone')}>
              {!zones.includes(user.timezone) && <option value={user.timezone}>{user.timezone}</option>}
              {zones.map((z) => <option key={z} value={z}>{z}</option>)}
            </Select>
          )}
        </Field>
        <Field label="Language" hint="A tag like en or pt-BR." error={form.formState.errors.language?.message}>{(p) => <Input {...p} {...form.register('language')} />}</Field>
        <Button type="submit" busy={form.formState.isSubmitting}>Save</Button>
      </form>
    </Card>
  );
}

function Sessions() {
  const queryClient = useQueryClient();
  const user = useUser();
  const sessions = useQuery({ queryKey: keys.sessions, queryFn: () => unwrap(api.GET('/api/users/sessions')) });
  const revoke = useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/api/users/sessions/{id}', { params: { path: { id } } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: keys.sessions }),
  });
  return (
    <Card title="Signed-in devices">
      {revoke.isError && <Alert>{bannerMessage(revoke.error)}</Alert>}
      {sessions.isPending ? (
        <Loading />
      ) : sessions.isError ? (
        <ErrorState error={sessions.error} onRetry={() => void sessions.refetch()} />
      ) : (
        <ul className="divide-y divide-slate-200 text-sm">
          {sessions.data.sessions.map((s) => (
            <li key={s.id} className="flex flex-wrap items-center justify-between gap-2 py-2">
              <span className="min-w-0">
                <span className="block truncate">{s.user_agent ?? 'Unknown device'}</span>
                <span className="text-xs text-slate-600">{s.ip_address ?? ''} · last used {formatInstant(s.last_used_at, user.timezone)}</span>
              </span>
              {s.current ? <span className="text-xs font-medium text-emerald-800">This device</span> : (
                <Button variant="secondary" busy={revoke.isPending && revoke.variables === s.id} onClick={() => revoke.mutate(s.id)}>Sign out</Button>
              )}
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

function Notifications() {
  return (
    <Card title="Notifications">
      <p className="text-sm text-slate-700">Choose what you hear about, in the app and by email, and when emails may arrive.</p>
      <p className="mt-3 text-sm">
        <Link className="font-medium text-indigo-800 underline" to="/settings/notifications">Notification settings</Link>
      </p>
    </Card>
  );
}

const STAGE_LABEL: Record<ExportProgressData['stage'], string> = {
  collecting: 'Collecting your data',
  uploading: 'Packing the archive',
  ready: 'Ready',
  failed: 'Failed',
};

function DataExport() {
  const [exportId, setExportId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Progress by export: an event can arrive before the API's answer tells us the export's id.
  const [progress, setProgress] = useState<Record<string, ExportProgressData>>({});
  const live = useLiveStatus() === 'open';
  useLiveMessages((m) => {
    if (m.type === 'export.progress') setProgress((p) => ({ ...p, [m.data.export_id]: m.data }));
  });
  const start = useMutation({
    mutationFn: () => unwrap(api.POST('/api/users/export-data')),
    onSuccess: (e) => setExportId(e.id),
    onError: (e) => setError(bannerMessage(e)),
  });
  const current = exportId ? progress[exportId] : undefined;
  const finished = current?.stage === 'ready' || current?.stage === 'failed';
  const status = useQuery({
    queryKey: ['export', exportId],
    enabled: !!exportId,
    queryFn: () => unwrap(api.GET('/api/users/export-data/{id}', { params: { path: { id: exportId! } } })),
    // The live feed reports progress: poll only while it is down, or when the feed said the
    // export finished and the API does not show it yet.
    refetchInterval: (q) => (q.state.data && ['completed', 'failed'].includes(q.state.data.status)) || (live && !finished) ? false : 2000,
  });
  const view: Schemas['ExportView'] | undefined = status.data ?? start.data;
  const { refetch } = status;
  // The export finished: fetch it for the download link.
  useEffect(() => {
    if (finished) void refetch();
  }, [finished, refetch]);

  const done = view?.status === 'completed';
  const failed = view?.status === 'failed' || current?.stage === 'failed';
  const percent = done ? 100 : (current?.percent ?? 0);
  const label = done ? 'Ready' : failed ? 'Failed' : current ? STAGE_LABEL[current.stage] : 'Preparing';
  return (
    <Card title="Your data">
      <p className="text-sm text-slate-700">Download everything you own as a JSON archive.</p>
      {error && <Alert>{error}</Alert>}
      <div className="mt-3 flex flex-wrap items-center gap-3">
        <Button variant="secondary" busy={start.isPending} onClick={() => { setError(null); start.mutate(); }}>Prepare an export</Button>
        {failed && <span className="text-sm text-red-800">The export failed; try again.</span>}
        {view?.download_url && (
          <a className="text-sm font-medium text-indigo-800 underline" href={view.download_url} rel="noreferrer noopener" download>
            Download the archive (link valid 15 minutes)
          </a>
        )}
      </div>
      {view && !failed && (
        <div className="mt-3 space-y-1" data-testid="export-progress" data-stage={done ? 'ready' : (current?.stage ?? 'pending')}>
          <ProgressBar value={percent} max={100} label="Export progress" />
          <p className="text-sm text-slate-700" role="status">
            {label}{done || current?.stage === 'ready' ? '' : '…'} {percent}%
          </p>
        </div>
      )}
    </Card>
  );
}

const deleteSchema = z.object({ password: z.string().min(1, 'Enter your password'), confirm: z.literal(true, { errorMap: () => ({ message: 'Tick to confirm' }) }) });
type DeleteValues = z.infer<typeof deleteSchema>;

function DeleteAccount() {
  const navigate = useNavigate();
  const { signOut } = useAuth();
  const [banner, setBanner] = useState<string | null>(null);
  const form = useForm<DeleteValues>({ resolver: zodResolver(deleteSchema) });
  const onSubmit = form.handleSubmit(async (v) => {
    setBanner(null);
    try {
      await unwrap(api.DELETE('/api/users/profile', { body: { password: v.password } }));
      session.clear();
      await signOut();
      navigate('/signin?deleted=1', { replace: true });
    } catch (e) {
      setBanner(applyApiError(e, form.setError, ['password']));
    }
  });
  useEffect(() => () => setBanner(null), []);
  return (
    <Card title="Delete your account">
      <form onSubmit={onSubmit} className="space-y-3" noValidate>
        <p className="text-sm text-slate-700">This erases your account and personal data. It cannot be undone.</p>
        {banner && <Alert>{banner}</Alert>}
        <Field label="Your password" error={form.formState.errors.password?.message}>{(p) => <Input {...p} type="password" autoComplete="current-password" {...form.register('password')} />}</Field>
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" {...form.register('confirm')} /> I understand that this is permanent
        </label>
        {form.formState.errors.confirm && <p className="text-sm text-red-700">{form.formState.errors.confirm.message}</p>}
        <Button type="submit" variant="danger" busy={form.formState.isSubmitting}>Delete my account</Button>
      </form>
    </Card>
  );
}
