/**
 * Settings → Plan & billing (`/settings/billing`): the plan, its status and limits against what
 * the organization uses, the plans with their monthly prices, and (for organization admins) the
 * way to change plan. With Stripe, choosing a plan goes to Stripe Checkout (no subscription yet)
 * or to the Customer Portal (one exists), and "Manage billing" opens the portal; the plan itself
 * changes when Stripe's webhook reaches the API, so the return from Checkout waits for it (the
 * live feed's `subscription.changed`, and a poll every 2 s for 30 s as a fallback). Self-hosted
 * (`billing: manual`) a platform administrator sets plans; admins may still move down.
 */
import { useEffect, useState } from 'react';
import { Link, useLocation, useNavigate } from 'react-router-dom';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getSubscription, requestPlan, type Plan, type PlanOffer, type Subscription } from '../api/billing';
import { keys } from '../api/hooks';
import { ApiError, bannerMessage } from '../api/errors';
import { useUser } from '../auth/AuthProvider';
import {
  checkoutConfirmed,
  checkoutReturn,
  clearPending,
  CONFIRM_POLL_MS,
  CONFIRM_WAIT_MS,
  confirmPhase,
  formatBillingDate,
  formatMonthlyPrice,
  nextStep,
  pastDueMessage,
  periodNote,
  planAction,
  planLabel,
  readPending,
  savePending,
  statusLabel,
  statusTone,
  usageRows,
  withoutCheckout,
  type PendingCheckout,
} from '../lib/billing';
import { can } from '../lib/roles';
import { Badge } from '../components/sections';
import { Alert, Button, Card, cx, ErrorState, Loading, PageHeader, ProgressBar, Spinner } from '../components/ui';

type Message = { kind: 'error' | 'success' | 'info' | 'warning'; text: string } | null;

const storage = (): Storage | undefined => {
  try {
    return window.sessionStorage;
  } catch {
    return undefined;
  }
};

/** Leaves the app for Stripe's page (a seam for tests). */
export const leaveFor = { assign: (url: string) => window.location.assign(url) };

export default function Billing() {
  const user = useUser();
  const mayChange = can(user.role, 'manage_subscription');
  const location = useLocation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [returned] = useState(() => checkoutReturn(location.search));
  const [pending] = useState<PendingCheckout | null>(() => (returned ? readPending(storage()) : null));
  const [startedAt] = useState(() => Date.now());
  const [now, setNow] = useState(() => Date.now());
  const [message, setMessage] = useState<Message>(null);
  const [leaving, setLeaving] = useState<Plan | 'manage' | null>(null);

  const waiting = returned === 'success';
  const sub = useQuery({
    queryKey: keys.subscription,
    queryFn: getSubscription,
    // Back from Checkout: poll until the webhook changed the plan (the live event usually comes first).
    refetchInterval: (query) => {
      const data = query.state.data as Subscription | undefined;
      if (!waiting || (data && checkoutConfirmed(data, pending))) return false;
      return Date.now() - startedAt < CONFIRM_WAIT_MS ? CONFIRM_POLL_MS : false;
    },
  });
  const confirmed = !!sub.data && checkoutConfirmed(sub.data, pending);
  const phase = waiting ? confirmPhase(confirmed, startedAt, now) : null;

  // The clock for the 30 s wait (the poll stops by itself; this only updates the words).
  useEffect(() => {
    if (phase !== 'confirming') return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [phase]);

  // Done with the return: forget the pending checkout and tidy the address (keeps the notice).
  useEffect(() => {
    if (!returned) return;
    if (returned === 'canceled' || phase === 'confirmed') {
      clearPending(storage());
      navigate({ pathname: location.pathname, search: withoutCheckout(location.search) }, { replace: true });
    }
  }, [returned, phase]);

  // Back from Stripe with the browser's back button (a page restored from the back-forward cache): usable again.
  useEffect(() => {
    const restored = (e: PageTransitionEvent) => {
      if (e.persisted) setLeaving(null);
    };
    window.addEventListener('pageshow', restored);
    return () => window.removeEventListener('pageshow', restored);
  }, []);

  const change = useMutation({
    mutationFn: ({ plan }: { plan: Plan; manage: boolean }) => requestPlan(plan),
    onMutate: () => setMessage(null),
    onSuccess: (answer, { plan, manage }) => {
      const step = nextStep(answer);
      queryClient.setQueryData(keys.subscription, answer.subscription);
      if (step.kind === 'redirect') {
        if (step.to === 'checkout' && sub.data) savePending(storage(), { plan, from: sub.data.plan, at: Date.now() });
        setLeaving(manage ? 'manage' : plan);
        leaveFor.assign(step.url);
      } else if (step.kind === 'changed') {
        void queryClient.invalidateQueries({ queryKey: keys.organization });
        setMessage({ kind: 'success', text: `The organization is now on the ${planLabel(step.subscription.plan)} plan.` });
      } else {
        setMessage({ kind: 'error', text: step.message });
      }
    },
    onError: (e) => setMessage({ kind: 'error', text: planErrorText(e) }),
  });

  const choose = (offer: PlanOffer) => {
    if (!sub.data) return;
    // A change that takes effect at once (self-hosted) is confirmed first; Stripe's pages confirm themselves.
    if (sub.data.billing === 'manual' && !window.confirm(`Move the organization from ${planLabel(sub.data.plan)} to ${planLabel(offer.plan)}?`)) return;
    change.mutate({ plan: offer.plan, manage: false });
  };
  const manage = () => sub.data && change.mutate({ plan: sub.data.plan, manage: true });
  const busy = change.isPending || leaving !== null;

  return (
    <div>
      <PageHeader title="Plan & billing">
        <Link to="/organization" className="text-sm font-medium text-indigo-800 underline">
          Organization settings
        </Link>
      </PageHeader>
      {sub.isPending ? (
        <Loading />
      ) : sub.isError ? (
        <ErrorState error={sub.error} onRetry={() => void sub.refetch()} />
      ) : (
        <div className="space-y-4" data-testid="billing" data-plan={sub.data.plan} data-status={sub.data.status}>
          {phase === 'confirming' && (
            <div role="status" data-testid="checkout-confirming" className="flex items-center gap-3 rounded-md border border-sky-300 bg-sky-50 px-4 py-3 text-sm text-sky-900">
              <Spinner small />
              <span>
                Confirming your payment…{pending ? ` Your ${planLabel(pending.plan)} plan starts as soon as Stripe confirms it.` : ''}
              </span>
            </div>
          )}
          {phase === 'confirmed' && (
            <Alert kind="success" title="Payment confirmed">
              <span data-testid="checkout-confirmed">The organization is now on the {planLabel(sub.data.plan)} plan.</span>
            </Alert>
          )}
          {phase === 'slow' && (
            <Alert kind="warning" title="Still waiting for the payment confirmation">
              Stripe has not confirmed the payment yet. Your plan changes as soon as it does;{' '}
              <button type="button" className="font-medium underline" onClick={() => void sub.refetch()}>
                check again
              </button>
              .
            </Alert>
          )}
          {returned === 'canceled' && (
            <Alert kind="info" title="Checkout canceled">
              <span data-testid="checkout-canceled">Nothing was charged and the plan did not change.</span>
            </Alert>
          )}
          {sub.data.status === 'past_due' && (
            <div role="alert" data-testid="past-due-banner" className="flex flex-wrap items-center justify-between gap-3 rounded-md border border-red-300 bg-red-50 px-4 py-3 text-sm text-red-900">
              <span>{pastDueMessage(sub.data, user.timezone)}</span>
              {mayChange && sub.data.billing === 'stripe' && sub.data.has_billing_account && (
                <Button variant="danger" busy={leaving === 'manage'} disabled={busy} onClick={manage}>
                  Update card
                </Button>
              )}
            </div>
          )}
          {message && <Alert kind={message.kind}>{message.text}</Alert>}
          <CurrentPlan sub={sub.data} timezone={user.timezone} mayChange={mayChange} busy={busy} managing={leaving === 'manage'} onManage={manage} />
          <section aria-labelledby="plans-heading">
            <h2 id="plans-heading" className="mb-3 text-lg font-semibold text-slate-900">
              Plans
            </h2>
            <ul className="grid gap-4 sm:grid-cols-2 xl:grid-cols-4">
              {sub.data.available_plans.map((offer) => (
                <PlanCard
                  key={offer.plan}
                  offer={offer}
                  sub={sub.data}
                  mayChange={mayChange}
                  busy={busy}
                  choosing={(change.isPending && change.variables?.plan === offer.plan && !change.variables.manage) || leaving === offer.plan}
                  onChoose={() => choose(offer)}
                />
              ))}
            </ul>
          </section>
          <p className="text-sm text-slate-600">{sub.data.how_to_upgrade}</p>
        </div>
      )}
    </div>
  );
}

/** A refused plan change in words: the API's message (a raise refused self-hosted says who grants it). */
function planErrorText(e: unknown): string {
  if (e instanceof ApiError && e.status === 403 && !e.message) return 'Only organization admins can change the plan.';
  return bannerMessage(e) ?? 'The plan did not change.';
}

function CurrentPlan({ sub, timezone, mayChange, busy, managing, onManage }: { sub: Subscription; timezone: string; mayChange: boolean; busy: boolean; managing: boolean; onManage: () => void }) {
  const note = periodNote(sub, timezone);
  return (
    <Card title="Current plan">
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div className="space-y-1">
          <p className="text-2xl font-semibold text-slate-900" data-testid="current-plan">
            {planLabel(sub.plan)}
          </p>
          <p>
            <Badge tone={statusTone(sub.status)} data-testid="subscription-status">
              {statusLabel(sub.status)}
            </Badge>
          </p>
          {note && <p className="text-sm text-slate-700">{note}</p>}
          {sub.status === 'past_due' && sub.grace_until && <p className="text-sm text-red-800">Service continues until {formatBillingDate(sub.grace_until, timezone)}.</p>}
        </div>
        {sub.billing === 'stripe' && sub.has_billing_account && mayChange && (
          <Button variant="secondary" busy={managing} disabled={busy} onClick={onManage} data-testid="manage-billing">
            Manage billing
          </Button>
        )}
      </div>
      <dl className="mt-4 grid gap-4 sm:grid-cols-2">
        {usageRows(sub).map((row) => (
          <div key={row.label}>
            <dt className="flex justify-between text-sm font-medium text-slate-800">
              <span>{row.label}</span>
              <span className={cx('font-normal', row.full ? 'text-amber-800' : 'text-slate-700')}>{row.text}</span>
            </dt>
            <dd className="mt-1">
              <ProgressBar value={row.used} max={row.max} label={`${row.label}: ${row.text}`} />
            </dd>
          </div>
        ))}
      </dl>
      {sub.billing === 'manual' && (
        <p className="mt-4 text-sm text-slate-700" data-testid="manual-billing">
          This installation is billed outside the app: plans are set by your platform administrator.
        </p>
      )}
      {!mayChange && <p className="mt-4 text-sm text-slate-600">Only organization admins can change the plan or the billing details.</p>}
    </Card>
  );
}

function PlanCard({ offer, sub, mayChange, busy, choosing, onChoose }: { offer: PlanOffer; sub: Subscription; mayChange: boolean; busy: boolean; choosing: boolean; onChoose: () => void }) {
  const action = planAction(sub, offer.plan, mayChange);
  const current = action.kind === 'current';
  return (
    <li
      data-plan-card={offer.plan}
      className={cx('flex flex-col rounded-lg border bg-white p-4 shadow-sm', current ? 'border-indigo-600 ring-1 ring-indigo-600' : 'border-slate-200')}
    >
      <h3 className="text-base font-semibold text-slate-900">{planLabel(offer.plan)}</h3>
      <p className="mt-1 text-xl font-semibold text-slate-900">{formatMonthlyPrice(offer)}</p>
      <ul className="mt-3 flex-1 space-y-1 text-sm text-slate-700">
        <li>Up to {offer.max_users} members</li>
        <li>Up to {offer.max_social_accounts} social accounts</li>
      </ul>
      <div className="mt-4">
        {action.kind === 'current' ? (
          <span className="inline-block rounded-full bg-indigo-100 px-2 py-0.5 text-xs font-medium text-indigo-900">Current plan</span>
        ) : action.kind === 'choose' ? (
          <Button className="w-full" variant={offer.plan === 'free' ? 'secondary' : 'primary'} busy={choosing} disabled={busy} onClick={onChoose}>
            Choose {planLabel(offer.plan)}
          </Button>
        ) : action.kind === 'ask_admin' ? (
          <p className="text-xs text-slate-600">Ask your platform administrator for this plan.</p>
        ) : null}
      </div>
    </li>
  );
}
