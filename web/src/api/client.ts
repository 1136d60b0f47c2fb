import createClient from 'openapi-fetch';
import type { paths, components } from './schema';
import { Session } from '../auth/session';
import { ApiError, toApiError } from './errors';

/** Same origin by default (served next to the API, or through Vite's proxy). */
export const API_BASE: string = (import.meta.env.VITE_API_BASE_URL as string | undefined) ?? '';

export const session = new Session({ apiBase: API_BASE });

export const api = createClient<paths>({
  baseUrl: API_BASE,
  fetch: (request: Request) => session.fetch(request),
});

export type Schemas = components['schemas'];

interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** Returns the data of an openapi-fetch call, or throws its ApiError. */
export async function unwrap<T>(call: Promise<FetchResult<T>>): Promise<T> {
  let result: FetchResult<T>;
  try {
    result = await call;
  } catch (e) {
    throw new ApiError(0, 'network_error', e instanceof Error ? `Network error: ${e.message}` : 'Network error');
  }
  const { data, error, response } = result;
  if (!response.ok || error !== undefined) {
    throw toApiError(response.status, error, response.headers.get('Retry-After'));
  }
  return data as T;
}

/** A fresh Idempotency-Key: retries of one user action reuse it, so nothing is done twice. */
export function idempotencyKey(): string {
  return crypto.randomUUID();
}
