import { afterEach, describe, expect, it, vi } from 'vitest';
import { isWrite, maintenanceFromAnswer, MaintenanceState, retryAfterAt } from '../../src/api/maintenance';

const body = (code: string, message = 'Back at 14:00 UTC') => ({ error: { code, message, details: [] } });
const answer = (status: number, json: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(json), { status, headers: { 'Content-Type': 'application/json', ...headers } });

describe('maintenance answers', () => {
  it('recognizes a 503 maintenance_mode only', () => {
    expect(maintenanceFromAnswer(503, body('maintenance_mode'), null, 0)).toEqual({ message: 'Back at 14:00 UTC.', until: null });
    expect(maintenanceFromAnswer(503, body('maintenance_mode', ''), '30', 1000)).toEqual({ message: 'Changes are paused for maintenance.', until: 31_000 });
    expect(maintenanceFromAnswer(503, body('maintenance_mode', 'the platform is under maintenance; retry later'), null)?.message).toBe('The platform is under maintenance; retry later.');
    expect(maintenanceFromAnswer(503, body('service_unavailable'), null)).toBeNull();
    expect(maintenanceFromAnswer(500, body('maintenance_mode'), null)).toBeNull();
    expect(maintenanceFromAnswer(503, 'oops', null)).toBeNull();
  });

  it('reads Retry-After in seconds or as a date', () => {
    expect(retryAfterAt('120', 1000)).toBe(121_000);
    expect(retryAfterAt('Thu, 26 Nov 2026 14:00:00 GMT')).toBe(Date.parse('2026-11-26T14:00:00Z'));
    expect(retryAfterAt('soon')).toBeNull();
    expect(retryAfterAt(null)).toBeNull();
  });

  it('only writes count', () => {
    expect(isWrite('post')).toBe(true);
    expect(isWrite('DELETE')).toBe(true);
    expect(isWrite('GET')).toBe(false);
    expect(isWrite('HEAD')).toBe(false);
  });
});

describe('the banner state', () => {
  afterEach(() => vi.useRealTimers());

  it('sets on a refused write, clears on the next successful write, ignores reads', async () => {
    const state = new MaintenanceState();
    const seen: (string | null)[] = [];
    state.subscribe(() => seen.push(state.get()?.message ?? null));
    await state.noteWrite('GET', answer(503, body('maintenance_mode')));
    expect(state.get()).toBeNull();
    const refused = answer(503, body('maintenance_mode'));
    await state.noteWrite('POST', refused);
    expect(state.get()?.message).toBe('Back at 14:00 UTC.');
    // The caller can still read the body.
    expect(await refused.json()).toEqual(body('maintenance_mode'));
    await state.noteWrite('PUT', answer(503, body('service_unavailable')));
    await state.noteWrite('PUT', answer(422, body('validation_failed')));
    expect(state.get()).not.toBeNull();
    await state.noteWrite('GET', answer(200, {}));
    expect(state.get()).not.toBeNull();
    await state.noteWrite('PATCH', answer(200, {}));
    expect(state.get()).toBeNull();
    expect(seen).toEqual(['Back at 14:00 UTC.', null]);
  });

  it('clears by itself once Retry-After has passed', async () => {
    vi.useFakeTimers();
    vi.setSystemTime(Date.parse('2026-11-26T10:00:00Z'));
    const state = new MaintenanceState();
    await state.noteWrite('POST', answer(503, body('maintenance_mode'), { 'Retry-After': '60' }));
    expect(state.get()).not.toBeNull();
    vi.advanceTimersByTime(59_000);
    expect(state.get()).not.toBeNull();
    vi.advanceTimersByTime(1_000);
    expect(state.get()).toBeNull();
  });
});
