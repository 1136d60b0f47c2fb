/**
 * The live feed's wire format. Server → client text frames are
 * `{ v: 1, type, data, sent_at }`; anything else — another version, a type this build does not
 * know, a malformed body — is ignored, so the server can add types without breaking old tabs.
 */
import type { Notification } from '../api/notifications';
import type { components } from '../api/schema';
import type { CrisisLevel } from '../api/crisis';
import { CRISIS_LEVELS } from '../lib/crisis';
import { isObj, isStr, type Obj } from '../lib/read';

type PostStatus = components['schemas']['PostStatus'];
type PostPlatformStatus = components['schemas']['PostPlatformStatus'];
type AgentType = components['schemas']['AgentType'];
type AgentTaskStatus = components['schemas']['AgentTaskStatus'];

export const PROTOCOL_VERSION = 1;

export type ExportStage = 'collecting' | 'uploading' | 'ready' | 'failed';
export type ReportStage = 'running' | 'ready' | 'failed';

export interface PostStatusData {
  post_id: string;
  status: PostStatus;
  targets: { id: string; platform: string; status: PostPlatformStatus }[];
}

export interface ExportProgressData {
  export_id: string;
  stage: ExportStage;
  /** 0–100. */
  percent: number;
}

/** An analytics report advanced; sent to the user who asked for it. */
export interface ReportProgressData {
  report_id: string;
  stage: ReportStage;
  /** 0–100. */
  percent: number;
}

/** An AI task changed status; sent to the member who asked for it (workflow steps included). */
export interface AiTaskStatusData {
  task_id: string;
  agent_type: AgentType;
  status: AgentTaskStatus;
  workflow_id: string | null;
}

/** The crisis manager's level or the publishing pause changed (refetch the status). */
export interface CrisisChangedData {
  level: CrisisLevel;
  paused: boolean;
}

/** The organization's plan or billing status changed (Stripe's webhook, or a platform admin): refetch it. */
export interface SubscriptionChangedData {
  plan: string | null;
  status: string | null;
}

export type LiveMessage =
  | { type: 'notification.created'; data: { notification: Notification; unread: number }; sentAt: string }
  | { type: 'notifications.unread'; data: { unread: number }; sentAt: string }
  | { type: 'post.status'; data: PostStatusData; sentAt: string }
  | { type: 'export.progress'; data: ExportProgressData; sentAt: string }
  | { type: 'report.progress'; data: ReportProgressData; sentAt: string }
  | { type: 'ai_task.status'; data: AiTaskStatusData; sentAt: string }
  | { type: 'crisis.changed'; data: CrisisChangedData; sentAt: string }
  | { type: 'subscription.changed'; data: SubscriptionChangedData; sentAt: string }
  | { type: 'pong'; data: Record<string, never>; sentAt: string }
  | { type: 'error'; data: { code: string; message: string }; sentAt: string };

export type LiveType = LiveMessage['type'];
export type MessageOf<T extends LiveType> = Extract<LiveMessage, { type: T }>;

/** Client → server. */
export type LiveAction = { action: 'ping' } | { action: 'sync' };

const POST_STATUSES: readonly string[] = ['draft', 'scheduled', 'publishing', 'published', 'partially_failed', 'failed'];
const TARGET_STATUSES: readonly string[] = ['pending', 'publishing', 'published', 'failed', 'unconfirmed', 'cancelled'];
const EXPORT_STAGES: readonly string[] = ['collecting', 'uploading', 'ready', 'failed'];
const REPORT_STAGES: readonly string[] = ['running', 'ready', 'failed'];
const TASK_STATUSES: readonly string[] = ['pending', 'running', 'completed', 'failed', 'cancelled'];

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isStrOrNull = (v: unknown): v is string | null => v === null || isStr(v);

function notification(v: unknown): Notification | null {
  if (!isObj(v)) return null;
  const { id, kind, title, body, link = null, post_id = null, social_account_id = null, read, created_at } = v;
  if (!isStr(id) || !isStr(kind) || !isStr(title) || !isStr(body) || typeof read !== 'boolean' || !isStr(created_at)) return null;
  if (!isStrOrNull(link) || !isStrOrNull(post_id) || !isStrOrNull(social_account_id)) return null;
  // An unknown kind is kept: the bell shows the title and body, whatever the kind.
  return { id, kind: kind as Notification['kind'], title, body, link, post_id, social_account_id, read, created_at };
}

function postStatus(d: Obj): PostStatusData | null {
  const { post_id, status, targets } = d;
  if (!isStr(post_id) || !isStr(status) || !POST_STATUSES.includes(status) || !Array.isArray(targets)) return null;
  const out: PostStatusData['targets'] = [];
  for (const t of targets) {
    if (!isObj(t) || !isStr(t.id) || !isStr(t.platform) || !isStr(t.status)) return null;
    // A target status this build does not know is left out rather than shown wrongly.
    if (TARGET_STATUSES.includes(t.status)) out.push({ id: t.id, platform: t.platform, status: t.status as PostPlatformStatus });
  }
  return { post_id, status: status as PostStatus, targets: out };
}

/** Parses one text frame; null for anything this client should ignore. */
export function parseLiveMessage(text: unknown): LiveMessage | null {
  if (!isStr(text)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObj(raw) || raw.v !== PROTOCOL_VERSION || !isStr(raw.type) || !isObj(raw.data)) return null;
  const sentAt = isStr(raw.sent_at) ? raw.sent_at : '';
  const d = raw.data;
  switch (raw.type) {
    case 'notification.created': {
      const n = notification(d.notification);
      return n && isCount(d.unread) ? { type: raw.type, data: { notification: n, unread: d.unread }, sentAt } : null;
    }
    case 'notifications.unread':
      return isCount(d.unread) ? { type: raw.type, data: { unread: d.unread }, sentAt } : null;
    case 'post.status': {
      const data = postStatus(d);
      return data ? { type: raw.type, data, sentAt } : null;
    }
    case 'export.progress': {
      const { export_id, stage, percent } = d;
      if (!isStr(export_id) || !isStr(stage) || !EXPORT_STAGES.includes(stage) || typeof percent !== 'number' || !Number.isFinite(percent)) return null;
      return { type: raw.type, data: { export_id, stage: stage as ExportStage, percent: Math.min(100, Math.max(0, percent)) }, sentAt };
    }
    case 'report.progress': {
      const { report_id, stage, percent } = d;
      if (!isStr(report_id) || !isStr(stage) || !REPORT_STAGES.includes(stage) || typeof percent !== 'number' || !Number.isFinite(percent)) return null;
      return { type: raw.type, data: { report_id, stage: stage as ReportStage, percent: Math.min(100, Math.max(0, percent)) }, sentAt };
    }
    case 'ai_task.status': {
      const { task_id, agent_type, status, workflow_id = null } = d;
      // An agent this build does not know is kept (the task pages show its name as sent).
      if (!isStr(task_id) || !isStr(agent_type) || !isStr(status) || !TASK_STATUSES.includes(status) || !isStrOrNull(workflow_id)) return null;
      return { type: raw.type, data: { task_id, agent_type: agent_type as AgentType, status: status as AgentTaskStatus, workflow_id }, sentAt };
    }
    case 'crisis.changed': {
      const { level, paused } = d;
      if (!isStr(level) || !(CRISIS_LEVELS as readonly string[]).includes(level) || typeof paused !== 'boolean') return null;
      return { type: raw.type, data: { level: level as CrisisLevel, paused }, sentAt };
    }
    case 'subscription.changed': {
      // Only a signal: the fields are optional (the page refetches the subscription).
      const plan = isStr(d.plan) ? d.plan : null;
      const status = isStr(d.status) ? d.status : null;
      return { type: raw.type, data: { plan, status }, sentAt };
    }
    case 'pong':
      return { type: raw.type, data: {}, sentAt };
    case 'error':
      return isStr(d.code) && isStr(d.message) ? { type: raw.type, data: { code: d.code, message: d.message }, sentAt } : null;
    default:
      return null;
  }
}

/** Reconnect delays: 1 s, 2 s, 4 s … doubling, at most 30 s. `attempt` counts from 0. */
export function backoffDelay(attempt: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.max(0, Math.min(attempt, 15)));
}

/** Close code the server uses when the session behind the connection was revoked. */
export const CLOSE_SESSION_REVOKED = 4401;

/**
 * The feed's address with the access token (browsers cannot set headers on a WebSocket):
 * `VITE_LIVE_URL` when set (in AWS, the WebSocket API's `wss://…/<stage>`), otherwise `/live`
 * on the API's origin — the page's own origin unless the API is on another one.
 */
export function liveUrl(token: string, options: { liveUrl?: string | undefined; apiBase?: string | undefined; location: { protocol: string; host: string } }): string {
  let base: URL;
  if (options.liveUrl) {
    base = new URL(options.liveUrl);
  } else if (options.apiBase) {
    base = new URL('/live', options.apiBase);
  } else {
    base = new URL(`${options.location.protocol}//${options.location.host}/live`);
  }
  if (base.protocol === 'http:') base.protocol = 'ws:';
  if (base.protocol === 'https:') base.protocol = 'wss:';
  base.searchParams.set('token', token);
  return base.toString();
}
