import { useEffect, useMemo, useState } from 'react';
import { useNavigate } from 'react-router-dom';
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
import { Alert, Button, Card, ErrorState, Field, Input, Loading, PageHeader, Select } from '../components/ui';

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
      <div className="grid gap-4 lg:grid-cols-2">
        <ProfileForm />
        <Sessions />
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
        <p className="text-sm text-slate-700">{user.email} · <span className="capitalize">{user.role}</span></p>
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

function DataExport() {
  const [exportId, setExportId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const start = useMutation({
    mutationFn: () => unwrap(api.POST('/api/users/export-data')),
    onSuccess: (e) => setExportId(e.id),
    onError: (e) => setError(bannerMessage(e)),
  });
  const status = useQuery({
    queryKey: ['export', exportId],
    enabled: !!exportId,
    queryFn: () => unwrap(api.GET('/api/users/export-data/{id}', { params: { path: { id: exportId! } } })),
    refetchInterval: (q) => (q.state.data && ['completed', 'failed'].includes(q.state.data.status) ? false : 2000),
  });
  const view: Schemas['ExportView'] | undefined = status.data ?? start.data;
  return (
    <Card title="Your data">
      <p className="text-sm text-slate-700">Download everything you own as a JSON archive.</p>
      {error && <Alert>{error}</Alert>}
      <div className="mt-3 flex flex-wrap items-center gap-3">
        <Button variant="secondary" busy={start.isPending} onClick={() => { setError(null); start.mutate(); }}>Prepare an export</Button>
        {view && view.status !== 'completed' && view.status !== 'failed' && <span className="text-sm" role="status">Preparing…</span>}
        {view?.status === 'failed' && <span className="text-sm text-red-800">The export failed; try again.</span>}
        {view?.download_url && (
          <a className="text-sm font-medium text-indigo-800 underline" href={view.download_url} rel="noreferrer noopener" download>
            Download the archive (link valid 15 minutes)
          </a>
        )}
      </div>
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
