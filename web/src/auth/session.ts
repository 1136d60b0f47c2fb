/**
 * The session: the access token (15 minutes) and, when the API returns it in the body, the
 * refresh token — both kept in memory only. Every auth call sends `X-Client: web` and
 * `credentials: 'include'`, so when the API keeps the refresh token in an HttpOnly cookie
 * instead, `refresh()` sends `{}` and the cookie does the work. Refreshes are single-flight:
 * the API rotates refresh tokens and revokes the session when one is reused, so two parallel
 * refreshes with the same token would sign the user out.
 */
export interface TokenAnswer {
  access_token: string;
  expires_in: number;
  refresh_token?: string | null;
}

export type FetchLike = (input: Request) => Promise<Response>;

export interface SessionOptions {
  apiBase: string;
  fetch?: FetchLike;
  now?: () => number;
  /** Refresh this many ms before the access token expires. */
  skewMs?: number;
}

export const CLIENT_HEADER = 'X-Client';
export const CLIENT_NAME = 'web';

export class Session {
  private accessToken: string | null = null;
  private refreshToken: string | null = null;
  private expiresAt = 0;
  private inflight: Promise<boolean> | null = null;
  private listeners = new Set<(signedIn: boolean) => void>();
  private readonly apiBase: string;
  private readonly doFetch: FetchLike;
  private readonly now: () => number;
  private readonly skewMs: number;

  constructor(options: SessionOptions) {
    this.apiBase = options.apiBase;
    this.doFetch = options.fetch ?? ((r) => fetch(r));
    this.now = options.now ?? (() => Date.now());
    this.skewMs = options.skewMs ?? 60_000;
  }

  get signedIn(): boolean {
    return this.accessToken !== null;
  }

  /** Whether a refresh token is held in memory (false in cookie mode). */
  get hasRefreshToken(): boolean {
    return this.refreshToken !== null;
  }

  onChange(listener: (signedIn: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stores what login, register and refresh answer. */
  accept(answer: TokenAnswer): void {
    const was = this.signedIn;
    this.accessToken = answer.access_token;
    this.expiresAt = this.now() + answer.expires_in * 1000;
    // Cookie mode omits the refresh token: keep nothing, the cookie is the refresh token.
    this.refreshToken = answer.refresh_token ? answer.refresh_token : null;
    if (!was) this.emit(true);
  }

  clear(): void {
    const was = this.signedIn;
    this.accessToken = null;
    this.refreshToken = null;
    this.expiresAt = 0;
    if (was) this.emit(false);
  }

  private emit(signedIn: boolean): void {
    for (const l of this.listeners) l(signedIn);
  }

  /** Builds a request to an auth endpoint with the web-client header and cookies. */
  authRequest(path: string, body: unknown, method = 'POST', bearer?: string): Request {
    const headers = new Headers({ 'Content-Type': 'application/json', [CLIENT_HEADER]: CLIENT_NAME });
    if (bearer) headers.set('Authorization', `Bearer ${bearer}`);
    return new Request(`${this.apiBase}${path}`, {
      method,
      headers,
      credentials: 'include',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  /** Exchanges the refresh token (body or cookie) for new tokens; false when signed out. */
  refresh(): Promise<boolean> {
    if (!this.inflight) {
      this.inflight = this.doRefresh().finally(() => {
        this.inflight = null;
      });
    }
    return this.inflight;
  }

  private async doRefresh(): Promise<boolean> {
    const body = this.refreshToken ? { refresh_token: this.refreshToken } : {};
    let response: Response;
    try {
      response = await this.doFetch(this.authRequest('/api/auth/refresh', body));
    } catch {
      return false; // offline: keep the tokens, the next call tries again
    }
    if (!response.ok) {
      this.clear();
      return false;
    }
    this.accept((await response.json()) as TokenAnswer);
    return true;
  }

  /** A valid access token, refreshing first when it is about to expire; null when signed out. */
  async token(): Promise<string | null> {
    if (this.accessToken && this.now() < this.expiresAt - this.skewMs) return this.accessToken;
    if (!this.accessToken && !this.refreshToken) return null;
    const ok = await this.refresh();
    return ok ? this.accessToken : null;
  }

  /**
   * Sends an API request with the bearer token. On a 401 it refreshes once and retries, so an
   * access token revoked or expired server-side is replaced transparently.
   */
  async fetch(request: Request): Promise<Response> {
    const retry = request.clone();
    const token = await this.token();
    const first = await this.doFetch(this.withAuth(request, token));
    if (first.status !== 401 || !token) return first;
    const ok = await this.refresh();
    if (!ok) return first;
    return this.doFetch(this.withAuth(retry, this.accessToken));
  }

  private withAuth(request: Request, token: string | null): Request {
    const headers = new Headers(request.headers);
    headers.set(CLIENT_HEADER, CLIENT_NAME);
    if (token) headers.set('Authorization', `Bearer ${token}`);
    return new Request(request, { headers, credentials: 'include' });
  }

  /** Ends the session at the API (best effort) and forgets the tokens. */
  async logout(): Promise<void> {
    const token = this.accessToken;
    this.clear();
    if (!token) return;
    try {
      await this.doFetch(this.authRequest('/api/auth/logout', undefined, 'POST', token));
    } catch {
      /* the tokens are gone locally either way */
    }
  }
}
