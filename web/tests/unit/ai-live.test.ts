import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { QueryClient } from '@tanstack/react-query';
import { parseLiveMessage } from '../../src/live/protocol';
import { applyLiveMessage, BatchedInvalidator, refreshAfterConnect } from '../../src/live/cache';
import { aiKeys } from '../../src/api/ai';

const frame = (type: string, data: unknown) => JSON.stringify({ v: 1, type, data, sent_at: '2026-11-26T10:00:01Z' });

describe('ai_task.status messages', () => {
  it('are read with their task, agent, status and workflow', () => {
    expect(parseLiveMessage(frame('ai_task.status', { task_id: 't1', agent_type: 'content_creator', status: 'completed', workflow_id: null }))).toEqual({
      type: 'ai_task.status',
      data: { task_id: 't1', agent_type: 'content_creator', status: 'completed', workflow_id: null },
      sentAt: '2026-11-26T10:00:01Z',
    });
    // A missing workflow is none; an agent this build does not know yet is kept.
    expect(parseLiveMessage(frame('ai_task.status', { task_id: 't2', agent_type: 'trend_scout', status: 'running' }))?.data).toEqual({
      task_id: 't2',
      agent_type: 'trend_scout',
      status: 'running',
      workflow_id: null,
    });
  });

  it('are ignored when malformed', () => {
    expect(parseLiveMessage(frame('ai_task.status', { task_id: 't1', agent_type: 'content_creator', status: 'exploded', workflow_id: null }))).toBeNull();
    expect(parseLiveMessage(frame('ai_task.status', { agent_type: 'content_creator', status: 'completed' }))).toBeNull();
    expect(parseLiveMessage(frame('ai_task.status', { task_id: 't1', agent_type: 'content_creator', status: 'completed', workflow_id: 7 }))).toBeNull();
  });
});

describe('ai_task.status in the query cache', () => {
  let queryClient: QueryClient;
  let invalidator: BatchedInvalidator;
  beforeEach(() => {
    vi.useFakeTimers();
    queryClient = new QueryClient();
    invalidator = new BatchedInvalidator(queryClient, 400);
  });
  afterEach(() => vi.useRealTimers());

  const seed = () => {
    for (const key of [aiKeys.task('t1'), aiKeys.task('t9'), aiKeys.tasks({}), aiKeys.tasks({ status: 'failed' }), aiKeys.workflow('w1'), aiKeys.workflows, aiKeys.agents, aiKeys.usage, aiKeys.memory('')]) {
      queryClient.setQueryData(key, { seeded: true });
    }
  };
  const stale = () =>
    queryClient
      .getQueryCache()
      .getAll()
      .filter((q) => q.state.isInvalidated)
      .map((q) => JSON.stringify(q.queryKey))
      .sort();

  it('refetches the task, every history page and the workflow, batched; counters once it finished', () => {
    seed();
    const message = parseLiveMessage(frame('ai_task.status', { task_id: 't1', agent_type: 'orchestrator', status: 'running', workflow_id: 'w1' }))!;
    applyLiveMessage(queryClient, message, invalidator);
    expect(stale()).toEqual([]);
    vi.advanceTimersByTime(400);
    expect(stale()).toEqual(
      [aiKeys.task('t1'), aiKeys.tasks({}), aiKeys.tasks({ status: 'failed' }), aiKeys.workflow('w1'), aiKeys.workflows].map((k) => JSON.stringify(k)).sort(),
    );

    seed();
    applyLiveMessage(queryClient, parseLiveMessage(frame('ai_task.status', { task_id: 't9', agent_type: 'content_creator', status: 'failed', workflow_id: null }))!, invalidator);
    vi.advanceTimersByTime(400);
    expect(stale()).toEqual(
      [aiKeys.task('t9'), aiKeys.tasks({}), aiKeys.tasks({ status: 'failed' }), aiKeys.agents, aiKeys.usage, aiKeys.memory('')].map((k) => JSON.stringify(k)).sort(),
    );
  });

  it('after a reconnection, everything AI is refetched (events were missed)', () => {
    seed();
    refreshAfterConnect(queryClient, false);
    expect(queryClient.getQueryState(aiKeys.task('t1'))?.isInvalidated).toBe(false);
    refreshAfterConnect(queryClient, true);
    expect(queryClient.getQueryState(aiKeys.task('t1'))?.isInvalidated).toBe(true);
    expect(queryClient.getQueryState(aiKeys.workflows)?.isInvalidated).toBe(true);
  });
});
