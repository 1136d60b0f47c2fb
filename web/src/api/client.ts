import createClient from 'openapi-fetch';
import type { paths, components } from './schema';
import { Session } from '../auth/session';
import { ApiError, toApiError } from './errors';
import { maintenance } from './maintenance';

/** Same origin by default (served next to the API, or through Vite's proxy). */
export const API_BASE: string = (import.meta.env.VITE_API_BASE_URL as string | undefined) ?? '';

export const session = new Session({ apiBase: API_BASE });

/** The session's fetch; every write's answer also tells the maintenance banner (see `maintenance.ts`). */
async function apiFetch(request: Request): Promise<Response> {
  const method = request.method;
  const response = await session.fetch(request);
  void maintenance.noteWrite(method, response);
  return response;
}

export const api = createClient<paths>({
  baseUrl: API_BASE,
  fetch: apiFetch,
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
