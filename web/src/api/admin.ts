/**
 * The platform administrators' console API (issue #16): figures across organizations, users and
 * organizations with a plan override, the audit log, system health and maintenance mode. Every
 * `/api/admin` route answers 404 to anybody who is not a platform administrator.
 */
import { api, unwrap, type Schemas } from './client';
import type { Plan } from './billing';

export type AdminStats = Schemas['Stats'];
/** `depth`, `in_flight`, `dead_letters`: null when the queue could not be read. */
export type QueueFigures = Schemas['QueueDepth'];
export type AdminUser = Schemas['AdminUser'];
export type AdminOrganization = Schemas['AdminOrganization'];
export type AuditEntry = Schemas['AuditEntryView'];
export type AuditAction = Schemas['AuditAction'];
export type HealthLevel = Schemas['Level2'];
export type MaintenanceMode = Schemas['MaintenanceMode'];
export type SystemHealth = Schemas['SystemHealth'];

export interface UserQuery {
  q?: string;
  limit?: number;
  offset?: number;
}

export interface OrganizationQuery {
  q?: string;
  plan?: Plan;
  limit?: number;
  offset?: number;
}

export interface AuditQuery {
  organization_id?: string;
  user_id?: string;
  action?: AuditAction;
  resource_type?: string;
  /** ISO instants. */
  since?: string;
  until?: string;
  limit?: number;
  offset?: number;
}

export const adminKeys = {
  all: ['admin'] as const,
  stats: ['admin', 'stats'] as const,
  users: (q: UserQuery) => ['admin', 'users', q] as const,
  organizations: (q: OrganizationQuery) => ['admin', 'organizations', q] as const,
  audit: (q: AuditQuery) => ['admin', 'audit', q] as const,
  health: ['admin', 'health'] as const,
  maintenance: ['admin', 'maintenance'] as const,
};

export const getStats = () => unwrap(api.GET('/api/admin/stats'));

export const listUsers = (query: UserQuery) => unwrap(api.GET('/api/admin/users', { params: { query } }));

export const listOrganizations = (query: OrganizationQuery) => unwrap(api.GET('/api/admin/organizations', { params: { query } }));

export const setOrganizationPlan = (id: string, plan: Plan) =>
  unwrap(api.PUT('/api/admin/organizations/{id}/plan', { params: { path: { id } }, body: { plan } }));

export const listAuditLogs = (query: AuditQuery) => unwrap(api.GET('/api/admin/audit-logs', { params: { query } }));

export const getHealth = () => unwrap(api.GET('/api/admin/system-health'));

export const getMaintenance = () => unwrap(api.GET('/api/admin/maintenance-mode'));

export const setMaintenance = (enabled: boolean, message: string | null) =>
  unwrap(api.POST('/api/admin/maintenance-mode', { body: message ? { enabled, message } : { enabled } }));
