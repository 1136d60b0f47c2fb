/**
 * Settings → Integrations (`/settings/integrations`): Slack, outgoing webhooks and Google
 * Analytics 4. Managers and admins connect (a form per type; the API's 422 details show next to
 * their fields), send a test (its result in words, then the delivery log refreshed) and
 * disconnect (after a confirmation). A webhook's signing secret is shown once, right after
 * connecting, with a copy button and how to verify a delivery. Every member reads the list and
 * the delivery logs; other roles get no buttons (the API answers them 403 anyway).
 */
import { useEffect, useId, useRef, useState, type ChangeEvent, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  connectIntegration,
  disconnectIntegration,
  integrationKeys,
  listDeliveries,
  listIntegrations,
  testIntegration,
  type AvailableIntegration,
  type Connected,
  type Delivery,
  type Integration,
  type IntegrationType,
} from '../api/integrations';
import { ApiError, bannerMessage, mapFieldIssues } from '../api/errors';
import { useUser } from '../auth/AuthProvider';
import {
  connectBlocked,
  connectRequest,
  deliveryStatus,
  emptyForm,
  EVENT_HINT,
  eventLabel,
  fieldsOf,
  hasDeliveries,
  hasPending,
  integrationStatus,
  isSubscribable,
  lastAnswer,
  settingsRows,
  testSummary,
  TYPE_ORDER,
  typeLabel,
  urlField,
  utmPreview,
  UTM_DEFAULTS,
  UTM_FIELDS,
  type ConnectForm,
  type SubscribableEvent,
  type Tone,
  type UtmField,
} from '../lib/integrations';
import { can } from '../lib/roles';
import { formatInstant, relativeTime } from '../lib/time';
import { Badge, type BadgeTone } from '../components/sections';
import { Alert, Button, Card, cx, EmptyState, ErrorState, Field, Input, Loading, PageHeader, Textarea } from '../components/ui';

type Message = { kind: 'error' | 'success' | 'info'; text: string } | null;

/** A status's badge colour: pending ones need a look. */
const BADGE_TONE: Record<Tone, BadgeTone> = { ok: 'ok', pending: 'warning', bad: 'bad' };

export default function Integrations() {
  const user = useUser();
  const mayManage = can(user.role, 'manage_integrations');
  const queryClient = useQueryClient();
  const list = useQuery({ queryKey: integrationKeys.list, queryFn: listIntegrations });
  const [opened, setOpened] = useState<IntegrationType | null>(null);
  const [secret, setSecret] = useState<{ name: string; value: string } | null>(null);
  const [notice, setNotice] = useState<Message>(null);

  const connected = (answer: Connected) => {
    setOpened(null);
    void queryClient.invalidateQueries({ queryKey: integrationKeys.list });
    if (answer.signing_secret) setSecret({ name: answer.integration.name, value: answer.signing_secret });
    setNotice({ kind: 'success', text: `${answer.integration.name} is connected. Send a test to check it.` });
  };

  const available = list.data ? [...list.data.available].sort((a, b) => TYPE_ORDER.indexOf(a.type) - TYPE_ORDER.indexOf(b.type)) : [];
  const openedType = available.find((a) => a.type === opened);

  return (
    <div>
      <PageHeader title="Integrations">
        <Link to="/settings/billing" className="text-sm font-medium text-indigo-800 underline">
          Plan &amp; billing
        </Link>
      </PageHeader>
      <p className="mb-4 max-w-3xl text-sm text-slate-700">
        Tell Slack or your own systems when posts are published or fail and when reports are ready, and see the visits your posts bring to your site with Google Analytics.
        {!mayManage && ' Admins and managers connect and test integrations; you can see them and their delivery logs.'}
      </p>
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} />
      ) : (
        <div className="space-y-6" data-testid="integrations">
          {secret && <SigningSecret name={secret.name} secret={secret.value} onDone={() => setSecret(null)} />}
          {notice && <Alert kind={notice.kind}>{notice.text}</Alert>}
          <section aria-labelledby="connected-heading">
            <h2 id="connected-heading" className="mb-3 text-lg font-semibold text-slate-900">
              Connected
            </h2>
            {list.data.integrations.length === 0 ? (
              <EmptyState title="No integrations yet">{mayManage ? 'Connect one below.' : 'An admin or a manager can connect one.'}</EmptyState>
            ) : (
              <ul className="space-y-4">
                {list.data.integrations.map((i) => (
                  <IntegrationCard key={i.id} integration={i} mayManage={mayManage} timezone={user.timezone} onNotice={setNotice} />
                ))}
              </ul>
            )}
          </section>
          <section aria-labelledby="available-heading">
            <h2 id="available-heading" className="mb-3 text-lg font-semibold text-slate-900">
              Available
            </h2>
            <ul className="grid gap-4 md:grid-cols-3">
              {available.map((a) => {
                const blocked = connectBlocked(a.type, list.data.integrations);
                return (
                  <li key={a.type} data-available-type={a.type} className={cx('flex flex-col rounded-lg border bg-white p-4 shadow-sm', opened === a.type ? 'border-indigo-600 ring-1 ring-indigo-600' : 'border-slate-200')}>
                    <h3 className="text-base font-semibold text-slate-900">{a.name}</h3>
                    <p className="mt-1 flex-1 text-sm text-slate-700">{a.description}</p>
                    {a.events.length > 0 && <p className="mt-2 text-xs text-slate-600">Events: {a.events.filter(isSubscribable).map(eventLabel).join(', ')}</p>}
                    {mayManage && (
                      <div className="mt-4">
                        {blocked ? (
                          <p className="text-xs text-slate-600">{blocked}</p>
                        ) : (
                          <Button
                            variant={opened === a.type ? 'secondary' : 'primary'}
                            aria-expanded={opened === a.type}
                            aria-controls="connect-form"
                            onClick={() => {
                              setNotice(null);
                              setOpened((o) => (o === a.type ? null : a.type));
                            }}
                          >
                            {opened === a.type ? (
                              <>
                                Close<span className="sr-only"> the {a.name} form</span>
                              </>
                            ) : (
                              `Connect ${a.name}`
                            )}
                          </Button>
                        )}
                      </div>
                    )}
                  </li>
                );
              })}
            </ul>
          </section>
          {mayManage && openedType && <ConnectFormCard key={openedType.type} available={openedType} onCancel={() => setOpened(null)} onConnected={connected} />}
        </div>
      )}
    </div>
  );
}

// ---------------------------------------------------------------- the signing secret, once

function SigningSecret({ name, secret, onDone }: { name: string; secret: string; onDone: () => void }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const ref = useRef<HTMLDivElement>(null);
  const codeRef = useRef<HTMLElement>(null);
  useEffect(() => {
    ref.current?.focus();
    ref.current?.scrollIntoView?.({ block: 'start' });
  }, []);
  const copy = () => {
    const done = () => setCopied('yes');
    const failed = () => {
      setCopied('failed');
      // Selected, so Ctrl+C / ⌘C copies it.
      const range = document.createRange();
      if (codeRef.current) {
        range.selectNodeContents(codeRef.current);
        window.getSelection()?.removeAllRanges();
        window.getSelection()?.addRange(range);
      }
    };
    if (!navigator.clipboard) return failed();
    navigator.clipboard.writeText(secret).then(done, failed);
  };
  return (
    <div ref={ref} tabIndex={-1} data-testid="signing-secret-panel" aria-labelledby="secret-heading" role="region" className="space-y-3 rounded-md border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-950 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500">
      <h2 id="secret-heading" className="font-semibold">
        Signing secret of {name}: store it now
      </h2>
      <p>
        <strong>It is not shown again.</strong> Keep it where your receiver can read it; if it is lost, disconnect the webhook and connect it again for a new one.
      </p>
      <div className="flex flex-wrap items-center gap-2">
        <code ref={codeRef} data-testid="signing-secret" className="select-all break-all rounded border border-amber-300 bg-white px-2 py-1 font-mono text-xs text-slate-900">
          {secret}
        </code>
        <Button variant="secondary" onClick={copy}>
          Copy
        </Button>
        <span role="status" className="text-xs">
          {copied === 'yes' ? 'Copied.' : copied === 'failed' ? 'Could not copy: it is selected, press Ctrl+C (⌘C).' : ''}
        </span>
      </div>
      <div>
        <h3 className="font-semibold">How to verify a delivery</h3>
        <ol className="mt-1 list-decimal space-y-1 pl-5">
          <li>
            Read the header <code className="font-mono text-xs">X-Social-Signature: t=&lt;unix time&gt;,v1=&lt;hex&gt;</code>.
          </li>
          <li>
            Compute the HMAC-SHA256, keyed with this secret, of <code className="font-mono text-xs">{'{t}.{body}'}</code>: the timestamp, a dot and the raw request body as received. Hex-encode it.
          </li>
          <li>Compare it with v1 in constant time, and refuse a timestamp more than a few minutes old. It is the scheme of Stripe&apos;s webhooks, so their libraries&apos; checks fit.</li>
        </ol>
        <p className="mt-1 text-xs">
          <code className="font-mono">X-Social-Event</code> names the event and <code className="font-mono">X-Social-Delivery</code> identifies the delivery (the same on a retry).
        </p>
      </div>
      <Button variant="secondary" onClick={onDone}>
        I have stored it
      </Button>
    </div>
  );
}

// ---------------------------------------------------------------- connect

const CHECK_FIELDS = 'Check the highlighted fields.';

function ConnectFormCard({ available, onCancel, onConnected }: { available: AvailableIntegration; onCancel: () => void; onConnected: (c: Connected) => void }) {
  const type = available.type;
  const [form, setForm] = useState<ConnectForm>(emptyForm);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [banner, setBanner] = useState<string | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    headingRef.current?.focus();
    headingRef.current?.scrollIntoView?.({ block: 'nearest' });
  }, []);

  const connect = useMutation({
    mutationFn: (body: Parameters<typeof connectIntegration>[1]) => connectIntegration(type, body),
    onMutate: () => setBanner(null),
    onSuccess: onConnected,
    onError: (e) => {
      if (e instanceof ApiError && e.details.length) {
        const mapped = mapFieldIssues(e.details, fieldsOf(type));
        setErrors(mapped.fields);
        setBanner(bannerMessage(e, mapped));
      } else {
        setBanner(bannerMessage(e) ?? 'Could not connect.');
      }
    },
  });

  const update = (patch: Partial<ConnectForm>, ...fields: string[]) => {
    setForm((f) => ({ ...f, ...patch }));
    if (!fields.some((f) => errors[f])) return;
    const left = Object.fromEntries(Object.entries(errors).filter(([k]) => !fields.includes(k)));
    setErrors(left);
    // "Check the highlighted fields" goes with the last of them.
    if (Object.keys(left).length === 0 && banner === CHECK_FIELDS) setBanner(null);
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const built = connectRequest(type, form);
    if (!built.ok) {
      setErrors(built.errors);
      setBanner(CHECK_FIELDS);
      return;
    }
    setErrors({});
    connect.mutate(built.body);
  };

  return (
    <Card className="scroll-mt-4">
      <form id="connect-form" noValidate onSubmit={submit} aria-labelledby="connect-heading" data-connect-form={type} className="space-y-4">
        <h2 id="connect-heading" ref={headingRef} tabIndex={-1} className="text-lg font-semibold text-slate-900 focus:outline-none">
          Connect {available.name}
        </h2>
        {banner && <Alert kind="error">{banner}</Alert>}
        {type === 'google_analytics' ? (
          <AnalyticsFields form={form} errors={errors} update={update} />
        ) : (
          <>
            <Field
              label={type === 'slack' ? 'Incoming webhook URL' : 'Endpoint URL'}
              error={errors[urlField(type)]}
              hint={
                type === 'slack'
                  ? 'In Slack: Apps → Incoming Webhooks → Add to a channel, then copy its URL. It is kept encrypted and never shown again.'
                  : 'Events are POSTed here as JSON, signed, and retried with backoff when it does not answer 2xx. Private and internal addresses are refused.'
              }
            >
              {(p) => <Input {...p} type="url" inputMode="url" autoComplete="off" value={form.url} placeholder={type === 'slack' ? 'https://hooks.slack.com/services/…' : 'https://example.com/hooks/social'} onChange={(e) => update({ url: e.target.value }, urlField(type))} />}
            </Field>
            <EventsFieldset events={available.events.filter(isSubscribable)} value={form.events} error={errors.events} onChange={(events) => update({ events }, 'events')} />
          </>
        )}
        <Field label="Name (optional)" error={errors.name} hint={`Defaults to “${typeLabel(type)}”.`}>
          {(p) => <Input {...p} value={form.name} maxLength={100} onChange={(e) => update({ name: e.target.value }, 'name')} />}
        </Field>
        <div className="flex flex-wrap gap-2">
          <Button type="submit" busy={connect.isPending}>
            Connect
          </Button>
          <Button variant="secondary" onClick={onCancel} disabled={connect.isPending}>
            Cancel
          </Button>
        </div>
      </form>
    </Card>
  );
}

function FieldsetError({ id, error }: { id: string; error?: string | undefined }) {
  if (!error) return null;
  return (
    <p id={id} className="text-sm text-red-700" data-field-error>
      {error}
    </p>
  );
}

function EventsFieldset({ events, value, error, onChange }: { events: SubscribableEvent[]; value: SubscribableEvent[]; error?: string | undefined; onChange: (v: SubscribableEvent[]) => void }) {
  const id = useId();
  return (
    <fieldset aria-describedby={error ? `${id}-error` : undefined} aria-invalid={!!error || undefined}>
      <legend className="text-sm font-medium text-slate-800">Events</legend>
      <div className="mt-1 space-y-1">
        {events.map((event) => (
          <label key={event} className="flex items-start gap-2 text-sm text-slate-800">
            <input
              type="checkbox"
              className="mt-0.5 h-4 w-4 rounded border-slate-300 text-indigo-700"
              checked={value.includes(event)}
              onChange={(e) => onChange(e.target.checked ? [...value, event] : value.filter((v) => v !== event))}
            />
            <span>
              {eventLabel(event)} <span className="text-slate-600">— {EVENT_HINT[event]}</span>
            </span>
          </label>
        ))}
      </div>
      <FieldsetError id={`${id}-error`} error={error} />
    </fieldset>
  );
}

const UTM_LABEL: Record<UtmField, string> = { source: 'Source', medium: 'Medium', campaign: 'Campaign', content: 'Content' };

const UTM_HINT: Record<UtmField, string> = {
  source: 'utm_source, e.g. {platform} → linkedin',
  medium: 'utm_medium',
  campaign: 'utm_campaign',
  content: 'utm_content, e.g. {post_id} to tell posts apart',
};

function AnalyticsFields({ form, errors, update }: { form: ConnectForm; errors: Record<string, string>; update: (patch: Partial<ConnectForm>, ...fields: string[]) => void }) {
  const fileId = useId();
  const [fileNote, setFileNote] = useState<string | null>(null);
  const readFile = (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    if (!file) return;
    if (file.size > 64 * 1024) {
      setFileNote(`${file.name} is too large for a key file.`);
      return;
    }
    void file.text().then(
      (text) => {
        setFileNote(`Read ${file.name}.`);
        update({ keyText: text }, 'service_account_key');
      },
      () => setFileNote(`Could not read ${file.name}.`),
    );
  };
  const setUtm = (patch: Partial<ConnectForm['utm']>, field?: UtmField) => update({ utm: { ...form.utm, ...patch } }, ...(field ? [`utm.${field}`, 'utm'] : ['utm']));
  return (
    <>
      <Field label="Property ID" error={errors.property_id} hint="In Google Analytics: Admin → Property details, the numeric ID (e.g. 123456789).">
        {(p) => <Input {...p} inputMode="numeric" autoComplete="off" value={form.propertyId} onChange={(e) => update({ propertyId: e.target.value }, 'property_id')} />}
      </Field>
      <Field
        label="Service account key (JSON)"
        error={errors.service_account_key}
        hint="A key of a service account with Viewer access to the property (Google Cloud → IAM → Service accounts → Keys → JSON). Paste the file, or choose it below. It is kept encrypted and never shown again."
      >
        {(p) => <Textarea {...p} rows={6} spellCheck={false} autoComplete="off" className="font-mono text-xs" value={form.keyText} placeholder='{"type": "service_account", "client_email": "…", "private_key": "…", …}' onChange={(e) => update({ keyText: e.target.value }, 'service_account_key')} />}
      </Field>
      <div className="space-y-1">
        <label htmlFor={fileId} className="block text-sm font-medium text-slate-800">
          Or choose the key file
        </label>
        <input id={fileId} type="file" accept="application/json,.json" onChange={readFile} className="block text-sm text-slate-700 file:mr-3 file:rounded-md file:border file:border-slate-300 file:bg-white file:px-3 file:py-1.5 file:text-sm file:font-medium file:text-slate-800 hover:file:bg-slate-100" />
        {fileNote && (
          <p role="status" className="text-xs text-slate-600">
            {fileNote}
          </p>
        )}
      </div>
      <fieldset className="space-y-3 rounded-md border border-slate-200 p-3" aria-describedby="utm-note">
        <legend className="px-1 text-sm font-medium text-slate-800">UTM tags on published links</legend>
        <label className="flex items-center gap-2 text-sm text-slate-800">
          <input type="checkbox" className="h-4 w-4 rounded border-slate-300 text-indigo-700" checked={form.utm.enabled} onChange={(e) => setUtm({ enabled: e.target.checked })} />
          Add UTM tags to the links in posts as they are published
        </label>
        <p id="utm-note" className="text-xs text-slate-600">
          Templates may use <code>{'{platform}'}</code>, <code>{'{post_id}'}</code> and <code>{'{date}'}</code>; 1 to 100 characters each. A link that already has utm_source is left as written.
        </p>
        <div className="grid gap-3 sm:grid-cols-2">
          {UTM_FIELDS.map((field) => (
            <Field key={field} label={UTM_LABEL[field]} error={errors[`utm.${field}`]} hint={UTM_HINT[field]}>
              {(p) => <Input {...p} value={form.utm[field]} placeholder={UTM_DEFAULTS[field]} onChange={(e) => setUtm({ [field]: e.target.value }, field)} />}
            </Field>
          ))}
        </div>
        {errors.utm && <p className="text-sm text-red-700" data-field-error>{errors.utm}</p>}
        {form.utm.enabled && (
          <p className="break-all text-xs text-slate-600">
            A link on LinkedIn becomes <span className="font-mono">{utmPreview(form.utm)}</span>
          </p>
        )}
      </fieldset>
    </>
  );
}

// ---------------------------------------------------------------- a connected integration

function IntegrationCard({ integration, mayManage, timezone, onNotice }: { integration: Integration; mayManage: boolean; timezone: string; onNotice: (m: Message) => void }) {
  const queryClient = useQueryClient();
  const status = integrationStatus(integration);
  const logged = hasDeliveries(integration.type);

  const test = useMutation({
    mutationFn: () => testIntegration(integration.id),
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: integrationKeys.list });
      if (logged) void queryClient.invalidateQueries({ queryKey: integrationKeys.deliveries(integration.id) });
      // A GA4 test imports sessions: the dashboard's "Visits from social" may change.
      else void queryClient.invalidateQueries({ queryKey: ['analytics'] });
    },
  });

  const disconnect = useMutation({
    mutationFn: () => disconnectIntegration(integration.id),
    onSuccess: () => {
      queryClient.removeQueries({ queryKey: integrationKeys.deliveries(integration.id) });
      onNotice({ kind: 'info', text: `${integration.name} is disconnected.` });
      return queryClient.invalidateQueries({ queryKey: integrationKeys.list });
    },
    onError: (e) => {
      if (e instanceof ApiError && e.status === 404) return void queryClient.invalidateQueries({ queryKey: integrationKeys.list });
      onNotice({ kind: 'error', text: bannerMessage(e) ?? 'Could not disconnect.' });
    },
  });

  const ask = () => {
    const what = integration.type === 'google_analytics' ? 'Links will no longer be tagged and sessions no longer imported (those imported stay).' : 'Nothing more will be sent to it, and its delivery log goes with it.';
    if (window.confirm(`Disconnect ${integration.name}? ${what}`)) disconnect.mutate();
  };

  const summary = test.data ? testSummary(integration.type, test.data) : null;
  const headingId = `integration-${integration.id}`;

  return (
    <li
      aria-labelledby={headingId}
      data-integration-id={integration.id}
      data-integration-type={integration.type}
      data-status={integration.status}
      className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm"
    >
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0 space-y-1">
          <h3 id={headingId} className="flex flex-wrap items-center gap-2 text-base font-semibold text-slate-900">
            {integration.name}
            {integration.name !== typeLabel(integration.type) && <span className="rounded bg-slate-100 px-1.5 py-0.5 text-xs font-medium text-slate-700">{typeLabel(integration.type)}</span>}
            <Badge tone={BADGE_TONE[status.tone]} data-testid="integration-status">
              {status.label}
            </Badge>
          </h3>
          <p className="text-xs text-slate-600">
            Connected {formatInstant(integration.created_at, timezone)}
            {integration.last_used_at && (
              <>
                {' · '}last used <time dateTime={integration.last_used_at} title={formatInstant(integration.last_used_at, timezone)}>{relativeTime(integration.last_used_at)}</time>
              </>
            )}
          </p>
        </div>
        {mayManage && (
          <div className="flex flex-wrap gap-2">
            <Button variant="secondary" busy={test.isPending} disabled={disconnect.isPending} onClick={() => test.mutate()}>
              Send test
            </Button>
            <Button variant="danger" busy={disconnect.isPending} disabled={test.isPending} onClick={ask}>
              Disconnect
            </Button>
          </div>
        )}
      </div>
      {status.message && (
        <p className="mt-3 rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900" data-testid="integration-error">
          <span className="font-semibold">Error: </span>
          {status.message}
        </p>
      )}
      <dl className="mt-3 grid gap-x-4 gap-y-1 text-sm sm:grid-cols-[10rem_1fr]">
        {settingsRows(integration).map(([label, value]) => (
          <div key={label} className="contents">
            <dt className="text-slate-600">{label}</dt>
            <dd className="min-w-0 break-words text-slate-900">{value}</dd>
          </div>
        ))}
      </dl>
      <div role="status" aria-live="polite">
        {summary && (
          <div data-testid="test-result" data-ok={String(test.data!.ok)} className={cx('mt-3 rounded-md border px-3 py-2 text-sm', summary.tone === 'ok' ? 'border-emerald-300 bg-emerald-50 text-emerald-900' : 'border-red-300 bg-red-50 text-red-900')}>
            <p className="font-semibold">{summary.title}</p>
            <p>{summary.line}</p>
          </div>
        )}
        {test.isError && (
          <p data-testid="test-result" data-ok="false" className="mt-3 rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900">
            {bannerMessage(test.error) ?? 'The test could not be sent.'}
          </p>
        )}
      </div>
      {logged && <DeliveryLog integrationId={integration.id} name={integration.name} timezone={timezone} />}
    </li>
  );
}

const th = 'px-2 py-2 font-medium text-slate-700';
const td = 'px-2 py-2 align-top';
const SHOWN = 10;

function DeliveryLog({ integrationId, name, timezone }: { integrationId: string; name: string; timezone: string }) {
  const log = useQuery({
    queryKey: integrationKeys.deliveries(integrationId),
    queryFn: () => listDeliveries(integrationId),
    // While something waits for a retry, look again now and then.
    refetchInterval: (query) => (hasPending((query.state.data as Delivery[] | undefined) ?? []) ? 15_000 : false),
  });
  const [all, setAll] = useState(false);
  const headingId = `log-${integrationId}`;
  return (
    <section aria-labelledby={headingId} className="mt-4" data-testid="delivery-log">
      <div className="mb-1 flex items-center justify-between gap-2">
        <h4 id={headingId} className="text-sm font-semibold text-slate-900">
          Delivery log<span className="sr-only"> of {name}</span>
        </h4>
        <Button variant="ghost" className="px-2 py-1 text-xs" busy={log.isFetching && !log.isPending} onClick={() => void log.refetch()}>
          Refresh<span className="sr-only"> the delivery log of {name}</span>
        </Button>
      </div>
      {log.isPending ? (
        <Loading label="Loading deliveries…" />
      ) : log.isError ? (
        <ErrorState error={log.error} onRetry={() => void log.refetch()} />
      ) : log.data.length === 0 ? (
        <p className="text-sm text-slate-600">Nothing sent yet.</p>
      ) : (
        <>
          {/* Focusable, so the table scrolls sideways from the keyboard on a phone. */}
          <div className="overflow-x-auto" tabIndex={0} role="region" aria-label={`Deliveries to ${name}`}>
            <table className="w-full text-left text-sm">
              <thead>
                <tr>
                  <th scope="col" className={th}>Event</th>
                  <th scope="col" className={th}>Status</th>
                  <th scope="col" className={cx(th, 'text-right')}>Attempts</th>
                  <th scope="col" className={th}>Last answer</th>
                  <th scope="col" className={th}>When</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-200">
                {(all ? log.data : log.data.slice(0, SHOWN)).map((d) => {
                  const st = deliveryStatus(d);
                  const answer = lastAnswer(d);
                  return (
                    <tr key={d.id} data-delivery-id={d.id} data-delivery-status={d.status} data-event={d.event_type}>
                      <td className={td}>{eventLabel(d.event_type)}</td>
                      <td className={td}>
                        <Badge tone={BADGE_TONE[st.tone]}>{st.label}</Badge>
                      </td>
                      <td className={cx(td, 'text-right tabular-nums')}>{d.attempts}</td>
                      <td className={cx(td, 'max-w-xs break-words', d.status === 'delivered' ? 'text-slate-700' : 'text-red-800')}>{answer ?? '—'}</td>
                      <td className={cx(td, 'whitespace-nowrap text-slate-700')}>
                        {formatInstant(d.last_attempt_at ?? d.created_at, timezone)}
                        {d.status === 'pending' && d.next_attempt_at && <span className="block text-xs text-amber-800">next try {formatInstant(d.next_attempt_at, timezone)}</span>}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          {log.data.length > SHOWN && (
            <Button variant="ghost" className="mt-1 px-2 py-1 text-xs" onClick={() => setAll((a) => !a)}>
              {all ? 'Show the latest 10' : `Show all ${log.data.length}`}
            </Button>
          )}
        </>
      )}
    </section>
  );
}
