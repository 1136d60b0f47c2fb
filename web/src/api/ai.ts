/**
 * The AI agents API: types, query keys and calls, for the composer's assistant and the AI
 * screens. Task outputs are JSON whose shape depends on the task's kind; the shapes the screens
 * read are typed here (from the agents crate) and checked before use (`lib/ai.ts`).
 */
import { api, unwrap, type Schemas } from './client';
import type { AiTaskStatusData } from '../live/protocol';

export type AgentType = Schemas['AgentType'];
export type AgentView = Schemas['AgentView'];
export type AgentSettings = Schemas['AgentSettings'];
export type AgentChange = Schemas['AgentChange'];
export type AiUsage = Schemas['AiUsage'];
export type TaskView = Schemas['TaskView'];
export type TaskPage = Schemas['TaskPage'];
export type TaskKind = Schemas['TaskKind'];
export type TaskStatus = Schemas['AgentTaskStatus'];
export type Brief = Schemas['Brief'];
export type Goal = Schemas['Goal'];
export type ImproveRequest = Schemas['ImproveRequest'];
export type ImproveGoal = ImproveRequest['goal'];
export type HashtagRequest = Schemas['HashtagRequest'];
export type MemoryView = Schemas['MemoryView'];
export type MemoryPage = Schemas['MemoryPage'];
export type MemoryType = Schemas['MemoryType'];
export type NewMemoryInput = Schemas['NewMemoryInput'];
export type WorkflowView = Schemas['WorkflowView'];
export type WorkflowPage = Schemas['WorkflowPage'];
export type WorkflowRequest = Schemas['WorkflowRequest'];
export type StepView = Schemas['StepView'];
export type Platform = Schemas['Platform'];

/** One platform's post as the content creator checked it (`agents::content::Variant`). */
export interface Variant {
  platform: Platform;
  text: string;
  /** On X when the text became a thread: its posts in order (`text` is the first). */
  thread: string[];
  /** As the platform measures it (X weighs URLs and most non-Latin characters). */
  length: number;
  max_length: number;
  hashtags: string[];
  max_hashtags: number | null;
  /** Times the model was asked to rewrite it to fit. */
  rewrites: number;
  /** Cut (or split) by the agent because the model's rewrites still did not fit. */
  shortened: boolean;
  notes: string[];
}

/** The output of `content_generate`. */
export interface Generated {
  variants: Variant[];
  rationale: string;
  memories_used: string[];
  draft_post_id: string | null;
}

/** The output of `content_improve`. */
export interface Improved {
  text: string;
  changes: { change: string; reason: string }[];
  /** The checks, when a platform was named. */
  check: Variant | null;
  original_length: number;
}

export type HashtagSource = 'history' | 'co_occurrence' | 'model';

export interface HashtagSuggestion {
  /** With its `#`. */
  tag: string;
  score: number;
  sources: HashtagSource[];
  /** Your posts with this tag in the last 180 days (with metrics). */
  uses: number;
  engagement_rate: number | null;
  /** Versus your average, after shrinkage toward it (%). */
  lift_pct: number | null;
  co_occurrences: number;
  model_reason: string | null;
  /** The evidence in a sentence. */
  evidence: string;
}

/** The output of `hashtag_suggest`. */
export interface HashtagAdvice {
  suggestions: HashtagSuggestion[];
  /** The tags to use per platform, best first, within each platform's cap. */
  per_platform: Partial<Record<Platform, string[]>>;
  baseline_rate: number | null;
  posts_considered: number;
}

/** One entry of a task's trace: a model call or a check. */
export interface TraceStep {
  step: string;
  model?: string;
  attempts?: number;
  latency_ms?: number;
  input_tokens?: number;
  output_tokens?: number;
  error?: string;
  retried_after?: string[];
  detail?: unknown;
  [other: string]: unknown;
}

export const PAGE_SIZE = 25;
/** How long a task call waits for its result before answering 202 (`Prefer: wait=N`, N ≤ 25). */
export const WAIT_SECONDS = 20;

export interface TaskFilters {
  agent_type?: AgentType;
  status?: TaskStatus;
  workflow_id?: string;
}

export const aiKeys = {
  all: ['ai'] as const,
  agents: ['ai', 'agents'] as const,
  usage: ['ai', 'usage'] as const,
  tasks: (filters: TaskFilters = {}) => ['ai', 'tasks', filters] as const,
  task: (id: string) => ['ai', 'task', id] as const,
  memory: (type: MemoryType | '' = '') => ['ai', 'memory', type] as const,
  workflows: ['ai', 'workflows'] as const,
  workflow: (id: string) => ['ai', 'workflow', id] as const,
};

/** The queries an `ai_task.status` event may have changed. */
export function keysAfterTaskEvent(data: AiTaskStatusData): readonly (readonly unknown[])[] {
  const keys: (readonly unknown[])[] = [aiKeys.task(data.task_id), ['ai', 'tasks']];
  if (data.workflow_id) keys.push(aiKeys.workflow(data.workflow_id), aiKeys.workflows);
  if (data.status === 'completed' || data.status === 'failed' || data.status === 'cancelled') {
    // Counters, success rates, the month's spending, and what the agents remember.
    keys.push(aiKeys.agents, aiKeys.usage, ['ai', 'memory']);
  }
  return keys;
}

const prefer = { Prefer: `wait=${WAIT_SECONDS}` };

export function listAgents(): Promise<AgentView[]> {
  return unwrap(api.GET('/api/ai-agents'));
}

export function configureAgent(agentType: AgentType, body: AgentChange): Promise<AgentView> {
  return unwrap(api.PATCH('/api/ai-agents/{agent_type}', { params: { path: { agent_type: agentType } }, body }));
}

export function getUsage(): Promise<AiUsage> {
  return unwrap(api.GET('/api/ai-agents/usage'));
}

/** Writes one post per platform; waits for the result (200), else answers the pending task (202). */
export function generateContent(brief: Brief): Promise<TaskView> {
  return unwrap(api.POST('/api/ai-agents/content/generate', { params: { header: prefer }, body: brief }));
}

export function improveContent(body: ImproveRequest): Promise<TaskView> {
  return unwrap(api.POST('/api/ai-agents/content/improve', { params: { header: prefer }, body }));
}

export function suggestHashtags(body: HashtagRequest): Promise<TaskView> {
  return unwrap(api.POST('/api/ai-agents/hashtags/suggest', { params: { header: prefer }, body }));
}

export function listTasks(filters: TaskFilters, cursor: string | null): Promise<TaskPage> {
  return unwrap(api.GET('/api/ai-agents/tasks', { params: { query: { ...filters, limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) } } }));
}

export function getTask(id: string): Promise<TaskView> {
  return unwrap(api.GET('/api/ai-agents/tasks/{id}', { params: { path: { id } } }));
}

export function sendFeedback(id: string, accepted: boolean, note?: string): Promise<MemoryView> {
  return unwrap(api.POST('/api/ai-agents/tasks/{id}/feedback', { params: { path: { id } }, body: { accepted, note: note?.trim() || null } }));
}

export function listMemory(type: MemoryType | '', cursor: string | null): Promise<MemoryPage> {
  return unwrap(
    api.GET('/api/ai-agents/memory', { params: { query: { limit: PAGE_SIZE, ...(type ? { memory_type: type } : {}), ...(cursor ? { cursor } : {}) } } }),
  );
}

export function addMemory(body: NewMemoryInput): Promise<MemoryView> {
  return unwrap(api.POST('/api/ai-agents/memory', { body }));
}

export async function deleteMemory(id: string): Promise<void> {
  await unwrap(api.DELETE('/api/ai-agents/memory/{id}', { params: { path: { id } } }));
}

export function startWorkflow(body: WorkflowRequest): Promise<WorkflowView> {
  return unwrap(api.POST('/api/ai-agents/workflows', { body }));
}

export function listWorkflows(cursor: string | null): Promise<WorkflowPage> {
  return unwrap(api.GET('/api/ai-agents/workflows', { params: { query: { limit: 20, ...(cursor ? { cursor } : {}) } } }));
}

export function getWorkflow(id: string): Promise<WorkflowView> {
  return unwrap(api.GET('/api/ai-agents/workflows/{id}', { params: { path: { id } } }));
}

export function retryWorkflow(id: string): Promise<WorkflowView> {
  return unwrap(api.POST('/api/ai-agents/workflows/{id}/retry', { params: { path: { id } } }));
}
