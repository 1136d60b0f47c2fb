import { describe, expect, it } from 'vitest';
import type { PlanChangeOutcome, Subscription } from '../../src/api/billing';
import {
  checkoutConfirmed,
  checkoutReturn,
  clearPending,
  CONFIRM_WAIT_MS,
  confirmPhase,
  formatBillingDate,
  formatMoney,
  formatMonthlyPrice,
  isUpgrade,
  nextStep,
  pastDueMessage,
  PENDING_KEY,
  PENDING_TTL_MS,
  periodNote,
  planAction,
  planLabel,
  readPending,
  savePending,
  statusLabel,
  statusTone,
  usageRows,
  withoutCheckout,
} from '../../src/lib/billing';

const offers = [
  { plan: 'free', max_users: 1, max_social_accounts: 3, monthly_price_cents: 0 },
  { plan: 'pro', max_users: 5, max_social_accounts: 10, monthly_price_cents: 2900 },
  { plan: 'business', max_users: 20, max_social_accounts: 50, monthly_price_cents: 9950 },
  { plan: 'enterprise', max_users: 1000, max_social_accounts: 1000, monthly_price_cents: null },
] as unknown as Subscription['available_plans'];

export const subscription = (extra: Partial<Subscription> = {}): Subscription => ({
  plan: 'free',
  status: 'active',
  max_users: 1,
  max_social_accounts: 3,
  usage: { members: 1, pending_invitations: 0, social_accounts: 2 },
  available_plans: offers,
  how_to_upgrade: 'Choose a plan below.',
  billing: 'stripe',
  has_billing_account: false,
  grace_until: null,
  current_period_end: null,
  cancel_at_period_end: false,
  ...extra,
});

class MemoryStorage {
  items = new Map<string, string>();
  getItem(k: string) {
    return this.items.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.items.set(k, v);
  }
  removeItem(k: string) {
    this.items.delete(k);
  }
}

describe('money and dates', () => {
  it('formats cents as dollars, without cents when whole', () => {
    expect(formatMoney(2900)).toBe('$29');
    expect(formatMoney(9950)).toBe('$99.50');
    expect(formatMoney(0)).toBe('$0');
    expect(formatMoney(123456)).toBe('$1,234.56');
    expect(formatMoney(5)).toBe('$0.05');
    expect(formatMoney(null)).toBe('—');
    expect(formatMoney(Number.NaN)).toBe('—');
    expect(formatMoney(1000, 'EUR')).toBe('€10');
  });

  it('says a plan card price per month, or custom when not listed', () => {
    expect(formatMonthlyPrice({ monthly_price_cents: 2900 })).toBe('$29 / month');
    expect(formatMonthlyPrice({ monthly_price_cents: 0 })).toBe('$0 / month');
    expect(formatMonthlyPrice({ monthly_price_cents: null })).toBe('Custom pricing');
  });

  it('formats a grace date in the user zone', () => {
    // 23:30 UTC on 2 December is already 3 December in Paris, still 2 December in New York.
    expect(formatBillingDate('2026-12-02T23:30:00Z', 'Europe/Paris')).toBe('3 December 2026');
    expect(formatBillingDate('2026-12-02T23:30:00Z', 'America/New_York')).toBe('2 December 2026');
    expect(formatBillingDate(null, 'UTC')).toBe('—');
    expect(formatBillingDate('not a date', 'UTC')).toBe('—');
  });

  it('puts a failed payment into words, with and without a grace date', () => {
    expect(pastDueMessage({ plan: 'pro', grace_until: '2026-12-03T12:00:00Z' }, 'UTC')).toBe(
      'Payment failed — update your card by 3 December 2026 to keep the Pro plan. After that date the organization moves to the Free plan.',
    );
    expect(pastDueMessage({ plan: 'business', grace_until: null }, 'UTC')).toBe('Payment failed — update your card to keep the Business plan.');
  });

  it('says when the period renews or ends', () => {
    expect(periodNote({ plan: 'pro', current_period_end: '2026-12-26T10:00:00Z', cancel_at_period_end: false }, 'UTC')).toBe('Renews on 26 December 2026.');
    expect(periodNote({ plan: 'pro', current_period_end: '2026-12-26T10:00:00Z', cancel_at_period_end: true }, 'UTC')).toBe(
      'The Pro plan ends on 26 December 2026; the organization then moves to the Free plan.',
    );
    expect(periodNote({ plan: 'free', current_period_end: '2026-12-26T10:00:00Z', cancel_at_period_end: false }, 'UTC')).toBeNull();
    expect(periodNote({ plan: 'pro', current_period_end: null, cancel_at_period_end: false }, 'UTC')).toBeNull();
  });

  it('labels plans and statuses, unknown ones as sent', () => {
    expect(planLabel('pro')).toBe('Pro');
    expect(planLabel('startup')).toBe('Startup');
    expect(statusLabel('past_due')).toBe('Payment past due');
    expect(statusLabel('on_hold')).toBe('on hold');
    expect(statusTone('active')).toBe('ok');
    expect(statusTone('past_due')).toBe('warning');
    expect(statusTone('unpaid')).toBe('bad');
  });
});

describe('plan actions', () => {
  it('offers Choose on every other plan with Stripe, to admins only', () => {
    const sub = subscription({ plan: 'pro' });
    expect(planAction(sub, 'pro', true)).toEqual({ kind: 'current' });
    expect(planAction(sub, 'business', true)).toEqual({ kind: 'choose' });
    expect(planAction(sub, 'free', true)).toEqual({ kind: 'choose' });
    expect(planAction(sub, 'business', false)).toEqual({ kind: 'none' });
    expect(planAction(sub, 'pro', false)).toEqual({ kind: 'current' });
  });

  it('self-hosted: a raise is for the platform administrator, a move down is offered', () => {
    const sub = subscription({ plan: 'pro', billing: 'manual' });
    expect(planAction(sub, 'business', true)).toEqual({ kind: 'ask_admin' });
    expect(planAction(sub, 'free', true)).toEqual({ kind: 'choose' });
  });

  it('compares plans by their limits, then by the usual order', () => {
    expect(isUpgrade('free', 'pro', offers)).toBe(true);
    expect(isUpgrade('business', 'pro', offers)).toBe(false);
    expect(isUpgrade('pro', 'enterprise')).toBe(true);
    expect(isUpgrade('enterprise', 'free')).toBe(false);
  });
});

describe('a plan change answer', () => {
  const answer = (extra: Partial<PlanChangeOutcome>): PlanChangeOutcome => ({ outcome: 'checkout', url: null, subscription: subscription(), ...extra });

  it('goes to Stripe Checkout or the portal', () => {
    expect(nextStep(answer({ outcome: 'checkout', url: 'http://127.0.0.1:4010/stripe/checkout/cs_1' }))).toEqual({
      kind: 'redirect',
      to: 'checkout',
      url: 'http://127.0.0.1:4010/stripe/checkout/cs_1',
    });
    expect(nextStep(answer({ outcome: 'portal', url: 'https://billing.stripe.com/p/session/x' }))).toMatchObject({ kind: 'redirect', to: 'portal' });
  });

  it('changes in place when billing is manual', () => {
    const sub = subscription({ plan: 'free', billing: 'manual' });
    expect(nextStep(answer({ outcome: 'changed', subscription: sub }))).toEqual({ kind: 'changed', subscription: sub });
  });

  it('refuses a redirect without an address, or to something that is not a web page', () => {
    expect(nextStep(answer({ outcome: 'checkout', url: null })).kind).toBe('error');
    expect(nextStep(answer({ outcome: 'portal', url: 'javascript:alert(1)' })).kind).toBe('error');
    expect(nextStep(answer({ outcome: 'mystery' as 'changed' })).kind).toBe('error');
  });
});

describe('the return from Checkout', () => {
  it('reads ?checkout= and removes it', () => {
    expect(checkoutReturn('?checkout=success')).toBe('success');
    expect(checkoutReturn(new URLSearchParams('checkout=canceled'))).toBe('canceled');
    expect(checkoutReturn('?checkout=cancelled')).toBe('canceled');
    expect(checkoutReturn('?checkout=maybe')).toBeNull();
    expect(checkoutReturn('')).toBeNull();
    expect(withoutCheckout('?checkout=success&session_id=cs_1&tab=x')).toBe('?tab=x');
    expect(withoutCheckout('?checkout=success')).toBe('');
  });

  it('remembers the chosen plan across the trip to Stripe, for a while', () => {
    const storage = new MemoryStorage();
    const now = Date.parse('2026-11-26T10:00:00Z');
    savePending(storage, { plan: 'pro', from: 'free', at: now });
    expect(readPending(storage, now + 60_000)).toEqual({ plan: 'pro', from: 'free', at: now });
    expect(readPending(storage, now + PENDING_TTL_MS + 1)).toBeNull();
    storage.setItem(PENDING_KEY, '{broken');
    expect(readPending(storage, now)).toBeNull();
    storage.setItem(PENDING_KEY, JSON.stringify({ plan: 'pro' }));
    expect(readPending(storage, now)).toBeNull();
    savePending(storage, { plan: 'pro', from: 'free', at: now });
    clearPending(storage);
    expect(readPending(storage, now)).toBeNull();
    expect(readPending(undefined, now)).toBeNull();
  });

  it('is confirmed when the plan is the one bought (or any paid Stripe plan when not remembered)', () => {
    const pending = { plan: 'pro' as const, from: 'free' as const, at: 0 };
    expect(checkoutConfirmed(subscription({ plan: 'free' }), pending)).toBe(false);
    expect(checkoutConfirmed(subscription({ plan: 'pro', has_billing_account: true }), pending)).toBe(true);
    expect(checkoutConfirmed(subscription({ plan: 'business', has_billing_account: true }), pending)).toBe(false);
    expect(checkoutConfirmed(subscription({ plan: 'free' }), null)).toBe(false);
    expect(checkoutConfirmed(subscription({ plan: 'business', has_billing_account: true }), null)).toBe(true);
  });

  it('waits 30 s before saying the confirmation is slow', () => {
    expect(confirmPhase(false, 1000, 1000 + CONFIRM_WAIT_MS - 1)).toBe('confirming');
    expect(confirmPhase(false, 1000, 1000 + CONFIRM_WAIT_MS)).toBe('slow');
    expect(confirmPhase(true, 1000, 1000 + CONFIRM_WAIT_MS * 2)).toBe('confirmed');
  });
});

describe('usage', () => {
  it('counts invitations as seats and flags full limits', () => {
    const rows = usageRows(subscription({ max_users: 5, max_social_accounts: 3, usage: { members: 3, pending_invitations: 2, social_accounts: 1 } }));
    expect(rows).toEqual([
      { label: 'Members', used: 5, max: 5, text: '5 of 5 (3 members + 2 invited)', full: true },
      { label: 'Social accounts', used: 1, max: 3, text: '1 of 3', full: false },
    ]);
  });
});
