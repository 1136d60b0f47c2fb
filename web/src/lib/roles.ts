/**
 * What each role may do, for showing or hiding controls only (the API decides). Mirrors the
 * API's permission table: admins do everything; managers everything but the organization,
 * members and plan (so they configure the AI agents and the integrations); users create
 * content (and run the agents); viewers look.
 */
import type { components } from '../api/schema';

export type Role = components['schemas']['Role'];
export type Capability =
  | 'create_content'
  | 'manage_social_accounts'
  | 'manage_members'
  | 'update_organization'
  | 'manage_subscription'
  | 'manage_all_content'
  /** Change the AI agents' settings and curate their memory (managers and admins). */
  | 'configure_agents'
  /** Pause and resume publishing, resolve a crisis alert (managers and admins). */
  | 'manage_publishing'
  /** Connect, test and disconnect integrations: Slack, webhooks, Google Analytics (managers and admins). */
  | 'manage_integrations';

export function can(role: Role | undefined, capability: Capability): boolean {
  switch (role) {
    case 'admin':
      return true;
    case 'manager':
      return !['manage_members', 'update_organization', 'manage_subscription'].includes(capability);
    case 'user':
      return capability === 'create_content';
    default:
      return false;
  }
}
