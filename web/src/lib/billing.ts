/**
 * The plan and billing page's logic, without React: prices and dates in words, what a plan
 * change's answer makes the browser do, and the return from Stripe Checkout (`?checkout=`),
 * which waits for Stripe's webhook to change the plan.
 */
import type { Plan, PlanChangeOutcome, PlanOffer, Subscription, SubscriptionStatus } from '../api/billing';

export const PLAN_ORDER: readonly Plan[] = ['free', 'pro', 'business', 'enterprise'];

export const PLAN_LABEL: Record<Plan, string> = { free: 'Free', pro: 'Pro', business: 'Business', enterprise: 'Enterprise' };

/** "Pro"; an unknown plan as sent, capitalized. */
export function planLabel(plan: string): string {
  return PLAN_LABEL[plan as Plan] ?? plan.charAt(0).toUpperCase() + plan.slice(1);
}

export const STATUS_LABEL: Record<SubscriptionStatus, string> = {
  active: 'Active',
  trialing: 'Trial',
  past_due: 'Payment past due',
  canceled: 'Canceled',
  incomplete: 'Awaiting payment',
  incomplete_expired: 'Payment expired',
  unpaid: 'Unpaid',
  paused: 'Paused',
};

export function statusLabel(status: string): string {
  return STATUS_LABEL[status as SubscriptionStatus] ?? status.replace(/_/g, ' ');
}

/** Whether the status needs the admin's attention (shown in amber/red). */
export function statusTone(status: string): 'ok' | 'warning' | 'bad' {
  if (status === 'active' || status === 'trialing') return 'ok';
  if (status === 'past_due' || status === 'incomplete' || status === 'paused') return 'warning';
  return 'bad';
}

/** Cents as money: 2900 → "$29", 2950 → "$29.50", 0 → "$0"; null → "—". */
export function formatMoney(cents: number | null | undefined, currency = 'USD'): string {
  if (cents === null || cents === undefined || !Number.isFinite(cents)) return '—';
  const whole = cents % 100 === 0;
  return new Intl.NumberFormat('en-US', {
    style: 'currency',
    currency,
    minimumFractionDigits: whole ? 0 : 2,
    maximumFractionDigits: whole ? 0 : 2,
  }).format(cents / 100);
}

/** A plan card's price: "$0 / month", "$29 / month", or "Custom pricing" when not listed. */
export function formatMonthlyPrice(offer: { monthly_price_cents?: number | null }): string {
  const cents = offer.monthly_price_cents;
  if (cents === null || cents === undefined || !Number.isFinite(cents)) return 'Custom pricing';
  return `${formatMoney(cents)} / month`;
}

/** "3 December 2026" for an instant, in the user's zone; "—" when absent or unreadable. */
export function formatBillingDate(iso: string | null | undefined, timeZone: string): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone }).format(d);
}

/** The past_due banner's sentence. */
export function pastDueMessage(sub: Pick<Subscription, 'plan' | 'grace_until'>, timeZone: string): string {
  if (!sub.grace_until) return `Payment failed — update your card to keep the ${planLabel(sub.plan)} plan.`;
  return `Payment failed — update your card by ${formatBillingDate(sub.grace_until, timeZone)} to keep the ${planLabel(sub.plan)} plan. After that date the organization moves to the Free plan.`;
}

/** The renewal or the coming end of the paid period, in a sentence; null when there is none. */
export function periodNote(sub: Pick<Subscription, 'plan' | 'current_period_end' | 'cancel_at_period_end'>, timeZone: string): string | null {
  if (sub.plan === 'free' || !sub.current_period_end) return null;
  const date = formatBillingDate(sub.current_period_end, timeZone);
  if (sub.cancel_at_period_end) return `The ${planLabel(sub.plan)} plan ends on ${date}; the organization then moves to the Free plan.`;
  return `Renews on ${date}.`;
}

/** Which of two plans is larger: by its limits, then by the usual order. */
export function planRank(plan: string, offers: readonly PlanOffer[] = []): number {
  const i = PLAN_ORDER.indexOf(plan as Plan);
  return i === -1 ? offers.findIndex((o) => o.plan === plan) : i;
}

export function isUpgrade(from: string, to: string, offers: readonly PlanOffer[] = []): boolean {
  const a = offers.find((o) => o.plan === from);
  const b = offers.find((o) => o.plan === to);
  if (a && b && (b.max_users !== a.max_users || b.max_social_accounts !== a.max_social_accounts)) {
    return b.max_users > a.max_users || b.max_social_accounts > a.max_social_accounts;
  }
  return planRank(to, offers) > planRank(from, offers);
}

export type PlanAction =
  /** The organization's plan. */
  | { kind: 'current' }
  /** A "Choose <plan>" button. */
  | { kind: 'choose' }
  /** Self-hosted: a raise is for the platform administrator. */
  | { kind: 'ask_admin' }
  /** Read-only (not an organization admin). */
  | { kind: 'none' };

/** What a plan card offers the user. */
export function planAction(sub: Pick<Subscription, 'plan' | 'billing' | 'available_plans'>, plan: Plan, mayChange: boolean): PlanAction {
  if (plan === sub.plan) return { kind: 'current' };
  if (!mayChange) return { kind: 'none' };
  if (sub.billing === 'manual' && isUpgrade(sub.plan, plan, sub.available_plans)) return { kind: 'ask_admin' };
  return { kind: 'choose' };
}

export type NextStep = { kind: 'redirect'; to: 'checkout' | 'portal'; url: string } | { kind: 'changed'; subscription: Subscription } | { kind: 'error'; message: string };

/** What the browser does with a plan change's answer. */
export function nextStep(answer: PlanChangeOutcome): NextStep {
  switch (answer.outcome) {
    case 'checkout':
    case 'portal':
      if (!answer.url || !/^https?:\/\//i.test(answer.url)) {
        return { kind: 'error', message: `The billing provider's page is not available right now (no ${answer.outcome === 'checkout' ? 'checkout' : 'portal'} address). Try again in a minute.` };
      }
      return { kind: 'redirect', to: answer.outcome, url: answer.url };
    case 'changed':
      return { kind: 'changed', subscription: answer.subscription };
    default:
      return { kind: 'error', message: 'The API answered with an outcome this page does not know.' };
  }
}

// ---------------------------------------------------------------- the return from Checkout

export type CheckoutReturn = 'success' | 'canceled' | null;

/** `?checkout=success` / `?checkout=canceled` (`cancelled` too); null otherwise. */
export function checkoutReturn(search: string | URLSearchParams): CheckoutReturn {
  const params = typeof search === 'string' ? new URLSearchParams(search) : search;
  const value = params.get('checkout')?.toLowerCase();
  if (value === 'success') return 'success';
  if (value === 'canceled' || value === 'cancelled') return 'canceled';
  return null;
}

/** The search string without `checkout` (after the page dealt with it). */
export function withoutCheckout(search: string): string {
  const params = new URLSearchParams(search);
  params.delete('checkout');
  params.delete('session_id');
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** What the tab remembers while the user is on Stripe's page: which plan from which. */
export interface PendingCheckout {
  plan: Plan;
  from: Plan;
  /** ms since the epoch. */
  at: number;
}

export const PENDING_KEY = 'billing.pendingCheckout';
/** A pending checkout older than this is forgotten. */
export const PENDING_TTL_MS = 2 * 60 * 60 * 1000;

export function savePending(storage: Pick<Storage, 'setItem'> | undefined, pending: PendingCheckout): void {
  try {
    storage?.setItem(PENDING_KEY, JSON.stringify(pending));
  } catch {
    /* storage full or blocked: the page falls back to "any paid plan" */
  }
}

export function readPending(storage: Pick<Storage, 'getItem'> | undefined, now = Date.now()): PendingCheckout | null {
  let raw: string | null = null;
  try {
    raw = storage?.getItem(PENDING_KEY) ?? null;
  } catch {
    return null;
  }
  if (!raw) return null;
  try {
    const v = JSON.parse(raw) as Partial<PendingCheckout>;
    if (typeof v.plan !== 'string' || typeof v.from !== 'string' || typeof v.at !== 'number') return null;
    if (now - v.at > PENDING_TTL_MS || v.at > now + 60_000) return null;
    return { plan: v.plan as Plan, from: v.from as Plan, at: v.at };
  } catch {
    return null;
  }
}

export function clearPending(storage: Pick<Storage, 'removeItem'> | undefined): void {
  try {
    storage?.removeItem(PENDING_KEY);
  } catch {
    /* nothing to do */
  }
}

/**
 * Whether the subscription shows the bought plan: the pending plan when the tab remembers it,
 * otherwise any paid plan on a Stripe subscription.
 */
export function checkoutConfirmed(sub: Pick<Subscription, 'plan' | 'status' | 'has_billing_account'>, pending: PendingCheckout | null): boolean {
  if (pending) return sub.plan === pending.plan;
  return sub.plan !== 'free' && sub.has_billing_account;
}

/** How long the page waits (polling every POLL ms) for the webhook before saying it is slow. */
export const CONFIRM_POLL_MS = 2000;
export const CONFIRM_WAIT_MS = 30_000;

export type ConfirmPhase = 'confirming' | 'confirmed' | 'slow';

export function confirmPhase(confirmed: boolean, startedAt: number, now = Date.now()): ConfirmPhase {
  if (confirmed) return 'confirmed';
  return now - startedAt >= CONFIRM_WAIT_MS ? 'slow' : 'confirming';
}

// ---------------------------------------------------------------- usage

export interface UsageRow {
  label: string;
  used: number;
  max: number;
  text: string;
  /** At or over the limit. */
  full: boolean;
}

export function usageRows(sub: Pick<Subscription, 'usage' | 'max_users' | 'max_social_accounts'>): UsageRow[] {
  const seats = sub.usage.members + sub.usage.pending_invitations;
  const invited = sub.usage.pending_invitations ? ` (${sub.usage.members} members + ${sub.usage.pending_invitations} invited)` : '';
  return [
    { label: 'Members', used: seats, max: sub.max_users, text: `${seats} of ${sub.max_users}${invited}`, full: seats >= sub.max_users },
    {
      label: 'Social accounts',
      used: sub.usage.social_accounts,
      max: sub.max_social_accounts,
      text: `${sub.usage.social_accounts} of ${sub.max_social_accounts}`,
      full: sub.usage.social_accounts >= sub.max_social_accounts,
    },
  ];
}
