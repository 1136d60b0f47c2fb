/**
 * Integrations (Slack, outgoing webhooks, Google Analytics 4): what can be connected, what is,
 * connecting (a webhook's signing secret comes back once), a test delivery (or a GA4 import) and
 * each integration's delivery log.
 */
import { api, unwrap, type Schemas } from './client';

export type IntegrationType = Schemas['IntegrationType'];
/** Also `integration.test` (sent by "Send test" only; never subscribable). */
export type EventType = Schemas['EventType'];
export type AvailableIntegration = Schemas['Available'];
/** `settings` is per type (see `lib/integrations.ts`); secrets never come back. */
export type Integration = Schemas['IntegrationView'];
export type IntegrationList = Schemas['IntegrationList'];
export type ConnectRequest = Schemas['ConnectRequest2'];
export type Connected = Schemas['Connected'];
export type TestResult = Schemas['TestResult'];
export type Delivery = Schemas['DeliveryView'];
export type UtmSettings = Schemas['UtmSettings'];

export const integrationKeys = {
  all: ['integrations'] as const,
  list: ['integrations', 'list'] as const,
  deliveries: (id: string) => ['integrations', 'deliveries', id] as const,
};

export function listIntegrations(): Promise<IntegrationList> {
  return unwrap(api.GET('/api/integrations'));
}

export function connectIntegration(type: IntegrationType, body: ConnectRequest): Promise<Connected> {
  return unwrap(api.POST('/api/integrations/{type}/connect', { params: { path: { type } }, body }));
}

export async function disconnectIntegration(id: string): Promise<void> {
  await unwrap(api.DELETE('/api/integrations/{id}', { params: { path: { id } } }));
}

/** A real delivery now (Slack, webhooks), or a GA4 report for the last 7 days. */
export function testIntegration(id: string): Promise<TestResult> {
  return unwrap(api.POST('/api/integrations/{id}/test', { params: { path: { id } } }));
}

/** Newest first (the API keeps the latest 100). */
export async function listDeliveries(id: string): Promise<Delivery[]> {
  return (await unwrap(api.GET('/api/integrations/{id}/deliveries', { params: { path: { id } } }))).deliveries;
}
