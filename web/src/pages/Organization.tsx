import { useEffect, useState } from 'react';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { z } from 'zod';
import { Link } from 'react-router-dom';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../api/client';
import { getSubscription } from '../api/billing';
import { ApiError, bannerMessage } from '../api/errors';
import { keys } from '../api/hooks';
import { useUser } from '../auth/AuthProvider';
import { applyApiError } from '../lib/forms';
import { can, type Role } from '../lib/roles';
import { formatInstant } from '../lib/time';
import { planLabel, statusLabel, usageRows } from '../lib/billing';
import { Alert, Button, Card, ErrorState, Field, Input, Loading, PageHeader, Select } from '../components/ui';

const ROLES: Role[] = ['admin', 'manager', 'user', 'viewer'];

export default function Organization() {
  const user = useUser();
  return (
    <div>
      <PageHeader title="Organization" />
      <div className="grid gap-4 lg:grid-cols-2">
        <OrganizationProfile mayEdit={can(user.role, 'update_organization')} />
        <PlanSummary />
        <div className="lg:col-span-2">
          <Members mayManage={can(user.role, 'manage_members')} currentUserId={user.id} timezone={user.timezone} verified={user.email_verified} />
        </div>
      </div>
    </div>
  );
}

const orgSchema = z.object({
  name: z.string().min(1, 'Required').max(255),
  slug: z.string().min(3, 'At least 3 characters').max(100),
  data_retention_days: z.coerce.number().int().min(1).max(3650),
});
type OrgValues = z.infer<typeof orgSchema>;

function OrganizationProfile({ mayEdit }: { mayEdit: boolean }) {
  const queryClient = useQueryClient();
  const org = useQuery({ queryKey: keys.organization, queryFn: () => unwrap(api.GET('/api/organizations')) });
  const [banner, setBanner] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const form = useForm<OrgValues>({ resolver: zodResolver(orgSchema) });
  useEffect(() => {
    if (org.data) form.reset({ name: org.data.name, slug: org.data.slug, data_retention_days: org.data.data_retention_days });
  }, [org.data, form]);
  const onSubmit = form.handleSubmit(async (v) => {
    setBanner(null);
    setSaved(false);
    try {
      const updated = await unwrap(api.PUT('/api/organizations', { body: v }));
      queryClient.setQueryData(keys.organization, updated);
      setSaved(true);
    } catch (e) {
      setBanner(applyApiError(e, form.setError, ['name', 'slug', 'data_retention_days']));
    }
  });
  return (
    <Card title="Profile">
      {org.isPending ? (
        <Loading />
      ) : org.isError ? (
        <ErrorState error={org.error} onRetry={() => void org.refetch()} />
      ) : (
        <form onSubmit={onSubmit} className="space-y-3" noValidate>
          {banner && <Alert>{banner}</Alert>}
          {saved && <Alert kind="success">Saved.</Alert>}
          <Field label="Name" error={form.formState.errors.name?.message}>{(p) => <Input {...p} disabled={!mayEdit} {...form.register('name')} />}</Field>
          <Field label="Slug" hint="Lower-case letters, digits and single hyphens." error={form.formState.errors.slug?.message}>{(p) => <Input {...p} disabled={!mayEdit} {...form.register('slug')} />}</Field>
          <Field label="Keep data for (days)" error={form.formState.errors.data_retention_days?.message}>{(p) => <Input {...p} type="number" disabled={!mayEdit} {...form.register('data_retention_days')} />}</Field>
          {mayEdit && <Button type="submit" busy={form.formState.isSubmitting}>Save</Button>}
        </form>
      )}
    </Card>
  );
}

/** The plan in a line, and the way to the plan and billing page. */
function PlanSummary() {
  const sub = useQuery({ queryKey: keys.subscription, queryFn: getSubscription });
  return (
    <Card title="Plan">
      {sub.isPending ? (
        <Loading />
      ) : sub.isError ? (
        <ErrorState error={sub.error} onRetry={() => void sub.refetch()} />
      ) : (
        <div className="space-y-3 text-sm">
          <p data-testid="organization-plan">
            <span className="font-semibold">{planLabel(sub.data.plan)}</span> ({statusLabel(sub.data.status)}): {usageRows(sub.data).map((r) => `${r.label.toLowerCase()} ${r.text}`).join('; ')}.
          </p>
          <Link to="/settings/billing" className="inline-block font-medium text-indigo-800 underline">
            Plan &amp; billing
          </Link>
        </div>
      )}
    </Card>
  );
}

const inviteSchema = z.object({ email: z.string().email('Enter a valid email address'), role: z.enum(['admin', 'manager', 'user', 'viewer']) });
type InviteValues = z.infer<typeof inviteSchema>;

function Members({ mayManage, currentUserId, timezone, verified }: { mayManage: boolean; currentUserId: string; timezone: string; verified: boolean }) {
  const queryClient = useQueryClient();
  const members = useQuery({ queryKey: keys.members, queryFn: () => unwrap(api.GET('/api/organizations/members')) });
  const [banner, setBanner] = useState<string | null>(null);
  const [invited, setInvited] = useState<string | null>(null);
  const form = useForm<InviteValues>({ resolver: zodResolver(inviteSchema), defaultValues: { email: '', role: 'user' } });
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: keys.members });
    void queryClient.invalidateQueries({ queryKey: keys.subscription });
  };
  const changeRole = useMutation({
    mutationFn: ({ id, role }: { id: string; role: Role }) => unwrap(api.PUT('/api/organizations/members/{id}', { params: { path: { id } }, body: { role } })),
    onSuccess: refresh,
    onError: (e) => setBanner(bannerMessage(e)),
  });
  const removeMember = useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/api/organizations/members/{id}', { params: { path: { id } } })),
    onSuccess: refresh,
    onError: (e) => setBanner(bannerMessage(e)),
  });
  const onInvite = form.handleSubmit(async (v) => {
    setBanner(null);
    setInvited(null);
    try {
      await unwrap(api.POST('/api/organizations/members/invite', { body: v }));
      setInvited(v.email);
      form.reset({ email: '', role: v.role });
      refresh();
    } catch (e) {
      if (e instanceof ApiError && e.code === 'email_not_verified') setBanner('Confirm your email address before inviting people (see the banner above).');
      else setBanner(applyApiError(e, form.setError, ['email', 'role']));
    }
  });
  return (
    <Card title="Members">
      {banner && <div className="mb-3"><Alert>{banner}</Alert></div>}
      {members.isPending ? (
        <Loading />
      ) : members.isError ? (
        <ErrorState error={members.error} onRetry={() => void members.refetch()} />
      ) : (
        <>
          <div className="overflow-x-auto">
            <table className="w-full text-left text-sm">
              <thead><tr><th scope="col" className="py-1">Member</th><th scope="col">Role</th><th scope="col">Last sign-in</th><th scope="col"><span className="sr-only">Actions</span></th></tr></thead>
              <tbody className="divide-y divide-slate-200">
                {members.data.members.map((m) => (
                  <tr key={m.id}>
                    <td className="py-2">{[m.first_name, m.last_name].filter(Boolean).join(' ') || m.email}<span className="block text-xs text-slate-600">{m.email}{m.email_verified ? '' : ' · not confirmed'}</span></td>
                    <td>
                      {mayManage && m.id !== currentUserId ? (
                        <Select aria-label={`Role of ${m.email}`} value={m.role} onChange={(e) => changeRole.mutate({ id: m.id, role: e.target.value as Role })}>
                          {ROLES.map((r) => <option key={r} value={r}>{r}</option>)}
                        </Select>
                      ) : (
                        <span className="capitalize">{m.role}</span>
                      )}
                    </td>
                    <td>{formatInstant(m.last_login, timezone)}</td>
                    <td className="text-right">
                      {mayManage && m.id !== currentUserId && (
                        <Button variant="ghost" onClick={() => { if (window.confirm(`Remove ${m.email}?`)) removeMember.mutate(m.id); }}>Remove</Button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {mayManage && members.data.invitations.length > 0 && (
            <div className="mt-4">
              <h3 className="text-sm font-semibold">Pending invitations</h3>
              <ul className="text-sm">
                {members.data.invitations.map((i) => (
                  <li key={i.id}>{i.email} as {i.role}, until {formatInstant(i.expires_at, timezone)}</li>
                ))}
              </ul>
            </div>
          )}
        </>
      )}
      {mayManage && (
        <form onSubmit={onInvite} className="mt-4 grid gap-3 border-t border-slate-200 pt-4 sm:grid-cols-3" noValidate>
          <Field label="Invite by email" error={form.formState.errors.email?.message}>{(p) => <Input {...p} type="email" {...form.register('email')} />}</Field>
          <Field label="Role" error={form.formState.errors.role?.message}>
            {(p) => <Select {...p} {...form.register('role')}>{ROLES.map((r) => <option key={r} value={r}>{r}</option>)}</Select>}
          </Field>
          <div className="self-end">
            <Button type="submit" busy={form.formState.isSubmitting} disabled={!verified}>Send invitation</Button>
          </div>
          {invited && <p className="text-sm text-emerald-800 sm:col-span-3" role="status">Invitation sent to {invited}.</p>}
        </form>
      )}
    </Card>
  );
}
