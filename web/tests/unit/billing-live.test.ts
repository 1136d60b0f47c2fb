import { afterEach, describe, expect, it, vi } from 'vitest';
import { QueryClient } from '@tanstack/react-query';
import { applyLiveMessage, BatchedInvalidator } from '../../src/live/cache';
import { parseLiveMessage } from '../../src/live/protocol';

const frame = (type: string, data: unknown) => JSON.stringify({ v: 1, type, data, sent_at: '2026-11-26T10:00:01Z' });

afterEach(() => vi.useRealTimers());

describe('subscription.changed', () => {
  it('is read with or without its fields', () => {
    expect(parseLiveMessage(frame('subscription.changed', { plan: 'pro', status: 'active' }))).toEqual({
      type: 'subscription.changed',
      data: { plan: 'pro', status: 'active' },
      sentAt: '2026-11-26T10:00:01Z',
    });
    expect(parseLiveMessage(frame('subscription.changed', {}))?.data).toEqual({ plan: null, status: null });
    expect(parseLiveMessage(frame('subscription.changed', { plan: 3 }))?.data).toEqual({ plan: null, status: null });
    expect(parseLiveMessage(frame('subscription.changed', null))).toBeNull();
  });

  it('refetches the subscription and the organization, batched', () => {
    vi.useFakeTimers();
    const queryClient = new QueryClient();
    const invalidator = new BatchedInvalidator(queryClient, 400);
    const spy = vi.spyOn(queryClient, 'invalidateQueries');
    const message = parseLiveMessage(frame('subscription.changed', { plan: 'pro' }))!;
    applyLiveMessage(queryClient, message, invalidator);
    applyLiveMessage(queryClient, message, invalidator);
    expect(spy).not.toHaveBeenCalled();
    vi.advanceTimersByTime(400);
    expect(spy.mock.calls.map((c) => c[0]?.queryKey)).toEqual([['subscription'], ['organization']]);
  });
});
