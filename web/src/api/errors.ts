import type { components } from './schema';

export type FieldIssue = components['schemas']['FieldIssue'];
export type ErrorCode = components['schemas']['ErrorCode'];

/** An error answered by the API in its one error format (or a network failure). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: ErrorCode | 'network_error';
  readonly details: FieldIssue[];
  readonly retryAfter: number | undefined;

  constructor(
    status: number,
    code: ErrorCode | 'network_error',
    message: string,
    details: FieldIssue[] = [],
    retryAfter?: number,
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
    this.retryAfter = retryAfter;
  }
}

function isErrorBody(body: unknown): body is components['schemas']['Error'] {
  if (typeof body !== 'object' || body === null || !('error' in body)) return false;
  const inner = (body as { error: unknown }).error;
  return typeof inner === 'object' && inner !== null && 'code' in inner && 'message' in inner;
}

/** Builds an ApiError from a response status and its parsed body. */
export function toApiError(status: number, body: unknown, retryAfterHeader?: string | null): ApiError {
  const retryAfter = retryAfterHeader ? Number(retryAfterHeader) || undefined : undefined;
  if (isErrorBody(body)) {
    const { code, message, details } = body.error;
    return new ApiError(status, code, message, details ?? [], retryAfter);
  }
  return new ApiError(status, 'internal', `The server answered ${status}.`, [], retryAfter);
}

/** `targets[0].text` → `targets.0.text` (React Hook Form's path notation). */
export function normalizeFieldPath(field: string): string {
  return field.replace(/\[(\d+)\]/g, '.$1').replace(/^\./, '');
}

export interface MappedIssues {
  /** Issues keyed by the form field they belong to. */
  fields: Record<string, string>;
  /** Issues for fields the form does not show, as sentences. */
  unmatched: string[];
}

/**
 * Splits an error's details between the form's fields and the rest. A detail matches a form
 * field when its path equals the field, or starts with it (`media.2` → `media`). `aliases`
 * maps API field names to form field names when they differ.
 */
export function mapFieldIssues(
  details: FieldIssue[],
  formFields: readonly string[],
  aliases: Record<string, string> = {},
): MappedIssues {
  const fields: Record<string, string> = {};
  const unmatched: string[] = [];
  for (const { field, issue } of details) {
    const path = normalizeFieldPath(aliases[field] ?? field);
    const target =
      formFields.find((f) => f === path) ??
      formFields
        .filter((f) => path.startsWith(`${f}.`))
        .sort((a, b) => b.length - a.length)[0];
    if (target) {
      fields[target] = fields[target] ? `${fields[target]}; ${issue}` : issue;
    } else {
      unmatched.push(field ? `${field}: ${issue}` : issue);
    }
  }
  return { fields, unmatched };
}

/** What to show in a form's banner for an error: its message, or the details no field shows. */
export function bannerMessage(error: unknown, mapped?: MappedIssues): string | null {
  if (!(error instanceof ApiError)) {
    return error instanceof Error ? error.message : error ? String(error) : null;
  }
  if (mapped && Object.keys(mapped.fields).length > 0 && mapped.unmatched.length === 0) return null;
  const extra = mapped?.unmatched.length ? ` (${mapped.unmatched.join('; ')})` : '';
  const retry = error.code === 'rate_limited' && error.retryAfter ? ` Try again in ${error.retryAfter} s.` : '';
  return `${capitalize(error.message)}${extra}.${retry}`.replace(/\.\.$/, '.');
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
