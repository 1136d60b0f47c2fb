import { describe, expect, it } from 'vitest';
import {
  actionLabel,
  auditFilterProblem,
  auditFiltersFrom,
  auditFiltersToSearch,
  auditQuery,
  changedKeys,
  deadLettersNeedAttention,
  EMPTY_AUDIT_FILTERS,
  formatUsd,
  fullName,
  organizationQueryFrom,
  pageInfo,
  PAGE_SIZE,
  postTotals,
  userQueryFrom,
  withParam,
} from '../../src/lib/admin';

const ORG = '0b7f3a52-7c1e-4c55-9d59-0c4f1f0e8a11';

describe('filters and the address bar', () => {
  it('reads the users and organizations queries, ignoring junk', () => {
    expect(userQueryFrom(new URLSearchParams('q=%20ada%20&offset=50'))).toEqual({ q: 'ada', limit: PAGE_SIZE, offset: 50 });
    expect(userQueryFrom(new URLSearchParams('offset=-3'))).toEqual({ limit: PAGE_SIZE, offset: 0 });
    expect(organizationQueryFrom(new URLSearchParams('q=acme&plan=pro'))).toEqual({ q: 'acme', plan: 'pro', limit: PAGE_SIZE, offset: 0 });
    expect(organizationQueryFrom(new URLSearchParams('plan=gold&offset=x'))).toEqual({ limit: PAGE_SIZE, offset: 0 });
  });

  it('changes one parameter and goes back to the first page', () => {
    const next = withParam(new URLSearchParams('q=a&plan=pro&offset=25'), 'q', ' acme ');
    expect(next.toString()).toBe('q=acme&plan=pro');
    expect(withParam(next, 'plan', '').toString()).toBe('q=acme');
  });

  it('round-trips the audit filters through the address bar', () => {
    const filters = { ...EMPTY_AUDIT_FILTERS, organization_id: ` ${ORG} `, action: 'update', since: '2026-11-01T00:00' };
    const search = auditFiltersToSearch(filters, 25);
    expect(search.toString()).toBe(`organization_id=${ORG}&action=update&since=2026-11-01T00%3A00&offset=25`);
    expect(auditFiltersFrom(search)).toEqual({ ...EMPTY_AUDIT_FILTERS, organization_id: ORG, action: 'update', since: '2026-11-01T00:00' });
    expect(auditFiltersFrom(new URLSearchParams('since=yesterday')).since).toBe('');
    // An action the API does not know is dropped (it would answer 422).
    expect(auditFiltersFrom(new URLSearchParams('action=plan_changed')).action).toBe('');
    expect(auditQuery({ ...EMPTY_AUDIT_FILTERS, action: 'plan_changed' }, 'UTC')).toEqual({ limit: PAGE_SIZE, offset: 0 });
  });

  it('turns the audit filters into the API query, times in the admin zone as UTC instants', () => {
    const q = auditQuery({ ...EMPTY_AUDIT_FILTERS, resource_type: 'organization', since: '2026-07-01T09:00', until: '2026-07-02T09:00' }, 'Europe/Paris', 50);
    expect(q).toEqual({ resource_type: 'organization', since: '2026-07-01T07:00:00.000Z', until: '2026-07-02T07:00:00.000Z', limit: PAGE_SIZE, offset: 50 });
    expect(auditQuery(EMPTY_AUDIT_FILTERS, 'UTC')).toEqual({ limit: PAGE_SIZE, offset: 0 });
  });

  it('says what is wrong with the audit filters', () => {
    expect(auditFilterProblem({ ...EMPTY_AUDIT_FILTERS, organization_id: 'acme' })).toMatch(/organization ID/);
    expect(auditFilterProblem({ ...EMPTY_AUDIT_FILTERS, user_id: '123' })).toMatch(/user ID/);
    expect(auditFilterProblem({ ...EMPTY_AUDIT_FILTERS, since: '2026-11-02T00:00', until: '2026-11-01T00:00' })).toMatch(/before/);
    expect(auditFilterProblem({ ...EMPTY_AUDIT_FILTERS, organization_id: ORG, since: '2026-11-01T00:00', until: '2026-11-02T00:00' })).toBeNull();
  });
});

describe('paging and figures', () => {
  it('says which rows are shown and where the other pages are', () => {
    expect(pageInfo(0, 25, 130, 25)).toEqual({ text: '1–25 of 130', prev: null, next: 25 });
    expect(pageInfo(125, 25, 130, 5)).toEqual({ text: '126–130 of 130', prev: 100, next: null });
    expect(pageInfo(0, 25, 0, 0)).toEqual({ text: 'None', prev: null, next: null });
    expect(pageInfo(50, 25, 40, 0)).toEqual({ text: 'None of 40', prev: 25, next: null });
  });

  it('highlights dead letters, formats dollars and names', () => {
    expect(deadLettersNeedAttention(0)).toBe(false);
    expect(deadLettersNeedAttention(3)).toBe(true);
    expect(deadLettersNeedAttention(null)).toBe(false);
    expect(formatUsd(12.5)).toBe('$12.50');
    expect(formatUsd(0.0042)).toBe('$0.0042');
    expect(formatUsd(0)).toBe('$0.00');
    expect(formatUsd(null)).toBe('—');
    expect(fullName({ first_name: 'Ada', last_name: 'Lovelace', email: 'a@x' })).toBe('Ada Lovelace');
    expect(fullName({ first_name: null, last_name: null, email: 'a@x' })).toBe('a@x');
    expect(actionLabel('update')).toBe('Update');
    expect(actionLabel('plan_changed')).toBe('Plan changed');
    expect(postTotals([{ published: 3, failed: 1 }, { published: 2, failed: 0 }])).toEqual({ published: 5, failed: 1 });
  });

  it('lists the keys an audit entry changed', () => {
    expect(changedKeys({ plan: 'free', name: 'A' }, { plan: 'pro', name: 'A' })).toEqual(['plan']);
    expect(changedKeys(null, { enabled: true })).toEqual(['enabled']);
    expect(changedKeys({ a: [1] }, { a: [1], b: null })).toEqual(['b']);
    expect(changedKeys('x', 3)).toEqual([]);
  });
});
