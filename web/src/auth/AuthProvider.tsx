import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { api, session, unwrap, type Schemas } from '../api/client';
import { ApiError, toApiError } from '../api/errors';

export type User = Schemas['User'];
type Status = 'restoring' | 'signedOut' | 'signedIn';

interface AuthValue {
  status: Status;
  user: User | null;
  setUser: (user: User) => void;
  signIn: (email: string, password: string) => Promise<User>;
  signUp: (body: Schemas['RegisterRequest']) => Promise<Schemas['RegisterResponse']>;
  signOut: () => Promise<void>;
  reloadUser: () => Promise<void>;
}

const AuthContext = createContext<AuthValue | null>(null);

async function postAuth<T>(path: string, body: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(session.authRequest(path, body));
  } catch (e) {
    throw new ApiError(0, 'network_error', e instanceof Error ? `Network error: ${e.message}` : 'Network error');
  }
  const json: unknown = await response.json().catch(() => null);
  if (!response.ok) throw toApiError(response.status, json, response.headers.get('Retry-After'));
  return json as T;
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const [status, setStatus] = useState<Status>('restoring');
  const [user, setUser] = useState<User | null>(null);
  const queryClient = useQueryClient();

  const reloadUser = useCallback(async () => {
    const profile = await unwrap(api.GET('/api/users/profile'));
    setUser(profile);
  }, []);

  // On start, a refresh cookie (when the API sets one) restores the session after a reload.
  useEffect(() => {
    let cancelled = false;
    (async () => {
      const ok = await session.refresh();
      if (cancelled) return;
      if (ok) {
        try {
          const profile = await unwrap(api.GET('/api/users/profile'));
          if (!cancelled) {
            setUser(profile);
            setStatus('signedIn');
          }
          return;
        } catch {
          /* fall through */
        }
      }
      if (!cancelled) setStatus((s) => (s === 'restoring' ? 'signedOut' : s));
    })();
    return () => {
      cancelled = true;
    };
  }, []);

  useEffect(
    () =>
      session.onChange((signedIn) => {
        if (!signedIn) {
          setUser(null);
          setStatus('signedOut');
          queryClient.clear();
        }
      }),
    [queryClient],
  );

  const signIn = useCallback(async (email: string, password: string) => {
    const answer = await postAuth<Schemas['LoginResponse']>('/api/auth/login', { email, password });
    session.accept(answer);
    setUser(answer.user);
    setStatus('signedIn');
    return answer.user;
  }, []);

  const signUp = useCallback(async (body: Schemas['RegisterRequest']) => {
    const answer = await postAuth<Schemas['RegisterResponse']>('/api/auth/register', body);
    session.accept(answer);
    setUser(answer.user);
    setStatus('signedIn');
    return answer;
  }, []);

  const signOut = useCallback(async () => {
    await session.logout();
    setUser(null);
    setStatus('signedOut');
    queryClient.clear();
  }, [queryClient]);

  const value = useMemo<AuthValue>(
    () => ({ status, user, setUser, signIn, signUp, signOut, reloadUser }),
    [status, user, signIn, signUp, signOut, reloadUser],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthValue {
  const value = useContext(AuthContext);
  if (!value) throw new Error('useAuth outside AuthProvider');
  return value;
}

/** The signed-in user (inside the auth guard). */
export function useUser(): User {
  const { user } = useAuth();
  if (!user) throw new Error('useUser outside the auth guard');
  return user;
}

/** Unauthenticated auth calls (verify, forgot, reset, resend). */
export { postAuth };
