import { useState } from 'react';
import { Link } from 'react-router-dom';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { z } from 'zod';
import { useQueryClient } from '@tanstack/react-query';
import { API_BASE, idempotencyKey, session, type Schemas } from '../api/client';
import { toApiError } from '../api/errors';
import { useAccounts } from '../api/hooks';
import { useUser } from '../auth/AuthProvider';
import { applyApiError } from '../lib/forms';
import { can } from '../lib/roles';
import { PLATFORM_LABEL } from '../lib/calendar';
import { Alert, Button, Card, Field, PageHeader, Textarea } from '../components/ui';

const schema = z.object({
  csv: z.string().min(1, 'Paste CSV rows or choose a file'),
  all_or_nothing: z.boolean(),
});
type Values = z.infer<typeof schema>;

/** Sends CSV as it is: the API parses it and answers per row. */
export async function sendBulkCsv(csv: string, allOrNothing: boolean, key: string): Promise<Schemas['BulkReport']> {
  const response = await session.fetch(
    new Request(`${API_BASE}/api/posts/bulk-schedule`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/csv', 'X-All-Or-Nothing': String(allOrNothing), 'Idempotency-Key': key },
      body: csv,
    }),
  );
  const json: unknown = await response.json().catch(() => null);
  if (!response.ok) throw toApiError(response.status, json, response.headers.get('Retry-After'));
  return json as Schemas['BulkReport'];
}

export default function BulkImport() {
  const user = useUser();
  const accounts = useAccounts();
  const queryClient = useQueryClient();
  const [report, setReport] = useState<Schemas['BulkReport'] | null>(null);
  const [banner, setBanner] = useState<string | null>(null);
  const { register, handleSubmit, setError, setValue, formState } = useForm<Values>({
    resolver: zodResolver(schema),
    defaultValues: { csv: 'content,social_account_ids,local_time,timezone,title\n', all_or_nothing: false },
  });

  if (!can(user.role, 'create_content')) return <Alert kind="info">Your role cannot create posts.</Alert>;

  const onSubmit = handleSubmit(async (values) => {
    setBanner(null);
    setReport(null);
    try {
      setReport(await sendBulkCsv(values.csv, values.all_or_nothing, idempotencyKey()));
      void queryClient.invalidateQueries({ queryKey: ['calendar'] });
      void queryClient.invalidateQueries({ queryKey: ['posts'] });
    } catch (e) {
      setBanner(applyApiError(e, setError, ['csv'], { posts: 'csv' }));
    }
  });

  return (
    <div>
      <PageHeader title="Import posts from CSV" />
      <div className="grid gap-6 lg:grid-cols-3">
        <form onSubmit={onSubmit} className="space-y-4 lg:col-span-2" noValidate>
          {banner && <Alert>{banner}</Alert>}
          <Field
            label="CSV"
            hint="A header row, then one post per row: content, social_account_ids (separated by ;), local_time (2026-12-01T09:30), timezone, and optionally title, utc_offset, hashtags. Up to 500 rows."
            error={formState.errors.csv?.message}
          >
            {(p) => <Textarea {...p} rows={10} className="font-mono" {...register('csv')} />}
          </Field>
          <label className="inline-flex cursor-pointer items-center rounded-md border border-slate-300 bg-white px-3 py-2 text-sm font-medium">
            Load a .csv file
            <input
              type="file"
              accept=".csv,text/csv"
              className="sr-only"
              onChange={async (e) => {
                const file = e.target.files?.[0];
                if (file) setValue('csv', await file.text(), { shouldValidate: true });
              }}
            />
          </label>
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" {...register('all_or_nothing')} /> All or nothing: schedule none unless every row is valid
          </label>
          <Button type="submit" busy={formState.isSubmitting}>Schedule these posts</Button>
        </form>
        <Card title="Your account ids">
          {accounts.data?.accounts.length ? (
            <ul className="space-y-2 text-xs">
              {accounts.data.accounts.map((a) => (
                <li key={a.id}>
                  <span className="font-medium">{PLATFORM_LABEL[a.platform]} · {a.account_name}</span>
                  <code className="block break-all rounded bg-slate-100 p-1">{a.id}</code>
                </li>
              ))}
            </ul>
          ) : (
            <p className="text-sm">No account connected yet.</p>
          )}
          <p className="mt-2 text-xs text-slate-600">Times are read in the row's time zone (yours is {user.timezone}).</p>
        </Card>
      </div>
      {report && (
        <section className="mt-6" aria-label="Results">
          <Alert kind={report.rejected ? 'warning' : 'success'}>
            {report.scheduled} scheduled, {report.rejected} rejected.
          </Alert>
          <table className="mt-3 w-full rounded border border-slate-200 bg-white text-left text-sm">
            <thead className="bg-slate-50">
              <tr><th scope="col" className="px-3 py-2">Row</th><th scope="col" className="px-3 py-2">Result</th><th scope="col" className="px-3 py-2">Details</th></tr>
            </thead>
            <tbody className="divide-y divide-slate-200">
              {report.rows.map((r) => (
                <tr key={r.row} data-row-status={r.status}>
                  <td className="px-3 py-2">{r.row}</td>
                  <td className="px-3 py-2">{r.post_id ? <Link className="text-indigo-800 underline" to={`/posts/${r.post_id}`}>{r.status}</Link> : r.status}</td>
                  <td className="px-3 py-2 text-red-800">{r.errors.map((e) => `${e.field}: ${e.issue}`).join('; ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </div>
  );
}
