import { describe, expect, it } from 'vitest';
import { ApiError, bannerMessage, mapFieldIssues, normalizeFieldPath, toApiError } from '../../src/api/errors';

describe('API errors', () => {
  it('parses the one error format', () => {
    const e = toApiError(422, { error: { code: 'validation_failed', message: 'the request has invalid fields', details: [{ field: 'content', issue: 'is required' }] } });
    expect(e).toBeInstanceOf(ApiError);
    expect(e.code).toBe('validation_failed');
    expect(e.details).toEqual([{ field: 'content', issue: 'is required' }]);
  });

  it('keeps Retry-After and says it', () => {
    const e = toApiError(429, { error: { code: 'rate_limited', message: 'too many requests', details: [] } }, '30');
    expect(e.retryAfter).toBe(30);
    expect(bannerMessage(e)).toBe('Too many requests. Try again in 30 s.');
  });

  it('survives a body that is not the error format', () => {
    const e = toApiError(502, '<html>bad gateway</html>');
    expect(e.status).toBe(502);
    expect(e.message).toMatch(/502/);
  });

  it('normalizes array paths', () => {
    expect(normalizeFieldPath('targets[0].text')).toBe('targets.0.text');
    expect(normalizeFieldPath('posts[12].local_time')).toBe('posts.12.local_time');
  });

  it('puts details next to their fields and keeps the rest for the banner', () => {
    const mapped = mapFieldIssues(
      [
        { field: 'email', issue: 'is not an email address' },
        { field: 'hashtags[1]', issue: 'must be letters, digits or _' },
        { field: 'targets[0].text', issue: 'is too long for X' },
        { field: 'gdpr', issue: 'unknown' },
      ],
      ['email', 'hashtags', 'overrides.acc-1'],
      { 'targets[0].text': 'overrides.acc-1' },
    );
    expect(mapped.fields).toEqual({
      email: 'is not an email address',
      hashtags: 'must be letters, digits or _',
      'overrides.acc-1': 'is too long for X',
    });
    expect(mapped.unmatched).toEqual(['gdpr: unknown']);
  });

  it('joins several issues on one field', () => {
    const mapped = mapFieldIssues([{ field: 'password', issue: 'a' }, { field: 'password', issue: 'b' }], ['password']);
    expect(mapped.fields.password).toBe('a; b');
  });

  it('shows no banner when every detail found its field, the message otherwise', () => {
    const e = new ApiError(422, 'validation_failed', 'the request has invalid fields', [{ field: 'email', issue: 'x' }]);
    expect(bannerMessage(e, mapFieldIssues(e.details, ['email']))).toBeNull();
    expect(bannerMessage(e, mapFieldIssues(e.details, ['name']))).toBe('The request has invalid fields (email: x).');
    expect(bannerMessage(new ApiError(401, 'invalid_credentials', 'the email or password is wrong'))).toBe('The email or password is wrong.');
  });
});
