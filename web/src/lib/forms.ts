import type { FieldValues, Path, UseFormSetError } from 'react-hook-form';
import { ApiError, bannerMessage, mapFieldIssues } from '../api/errors';

/**
 * Puts an API error on a React Hook Form: each detail next to its field, and returns the
 * message for the form's banner (null when every detail found its field).
 */
export function applyApiError<T extends FieldValues>(
  error: unknown,
  setError: UseFormSetError<T>,
  fields: readonly Path<T>[],
  aliases: Record<string, string> = {},
): string | null {
  if (!(error instanceof ApiError)) return bannerMessage(error);
  const mapped = mapFieldIssues(error.details, fields, aliases);
  for (const [field, issue] of Object.entries(mapped.fields)) {
    setError(field as Path<T>, { type: 'server', message: issue });
  }
  return bannerMessage(error, mapped);
}
