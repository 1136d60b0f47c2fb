/**
 * The OAuth round trip. The platform sends the browser back to the API, which forwards the
 * answer to `/social-accounts/callback` of the app. The consent runs in a popup so the page
 * that started it keeps its in-memory session: the popup's callback page hands the answer to
 * its opener with postMessage (same origin only) and closes.
 */
export const OAUTH_MESSAGE = 'social-oauth-callback';

export interface CallbackParams {
  state: string;
  code?: string;
  error?: string;
  error_description?: string;
}

export function readCallbackParams(search: string): CallbackParams | null {
  const q = new URLSearchParams(search);
  const state = q.get('state');
  if (!state) return null;
  const out: CallbackParams = { state };
  for (const k of ['code', 'error', 'error_description'] as const) {
    const v = q.get(k);
    if (v) out[k] = v;
  }
  return out;
}

export function isCallbackMessage(data: unknown): data is { type: typeof OAUTH_MESSAGE; params: CallbackParams } {
  return (
    typeof data === 'object' &&
    data !== null &&
    (data as { type?: unknown }).type === OAUTH_MESSAGE &&
    typeof (data as { params?: { state?: unknown } }).params?.state === 'string'
  );
}
