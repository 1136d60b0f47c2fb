/**
 * The organization's plan and billing (issue #16): the subscription with its limits, usage and
 * prices, and a plan change, whose answer says what the browser does next (Stripe Checkout, the
 * Customer Portal, or nothing: changed at once). Its query key is `keys.subscription` (`hooks.ts`).
 */
import { api, unwrap, type Schemas } from './client';

export type Plan = Schemas['SubscriptionPlan'];
export type SubscriptionStatus = Schemas['SubscriptionStatus'];
/** `monthly_price_cents`: US cents a month (0 for free). */
export type PlanOffer = Schemas['PlanOffer'];
/**
 * `billing: manual` is self-hosted (a platform administrator sets plans); `has_billing_account`:
 * a Stripe customer exists ("Manage billing"); `grace_until`: while past due, the plan holds until
 * then, then falls to free.
 */
export type Subscription = Schemas['Subscription'];
export type PlanChangeOutcome = Schemas['PlanChangeOutcome'];

export function getSubscription(): Promise<Subscription> {
  return unwrap(api.GET('/api/organizations/subscription'));
}

/** Asks for a plan: with the current plan it opens the Customer Portal ("Manage billing"). */
export function requestPlan(plan: Plan): Promise<PlanChangeOutcome> {
  return unwrap(api.POST('/api/organizations/subscription', { body: { plan } }));
}
