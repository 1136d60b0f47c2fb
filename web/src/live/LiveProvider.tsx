/**
 * Runs the tab's one live connection while the user is signed in (it is mounted inside the auth
 * guard, so signing out unmounts it and closes the socket), and applies the feed to the query
 * cache. Screens read the connection's state with `useLiveStatus` and listen with
 * `useLiveMessages`; outside the provider (tests, public pages) both are inert.
 */
import { createContext, useContext, useEffect, useRef, useState, useSyncExternalStore, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { API_BASE, session } from '../api/client';
import { applyLiveMessage, BatchedInvalidator, refreshAfterConnect } from './cache';
import { LiveClient, type LiveStatus } from './LiveClient';
import { liveUrl, type LiveMessage } from './protocol';

const LiveContext = createContext<LiveClient | null>(null);

export function defaultLiveUrl(token: string): string {
  return liveUrl(token, {
    liveUrl: (import.meta.env.VITE_LIVE_URL as string | undefined) || undefined,
    apiBase: API_BASE || undefined,
    location: window.location,
  });
}

export function LiveProvider({ children, client: given }: { children: ReactNode; client?: LiveClient }) {
  const queryClient = useQueryClient();
  const [client] = useState(() => given ?? new LiveClient({ url: defaultLiveUrl, auth: session }));

  useEffect(() => {
    const invalidator = new BatchedInvalidator(queryClient);
    const offMessage = client.subscribe((m) => applyLiveMessage(queryClient, m, invalidator));
    const offOpen = client.onOpen((reconnected) => refreshAfterConnect(queryClient, reconnected));
    const online = () => client.retryNow();
    window.addEventListener('online', online);
    client.start();
    return () => {
      window.removeEventListener('online', online);
      offMessage();
      offOpen();
      invalidator.cancel();
      client.stop();
    };
  }, [client, queryClient]);

  return <LiveContext.Provider value={client}>{children}</LiveContext.Provider>;
}

const noop = () => () => undefined;
const closed = (): LiveStatus => 'closed';

/** The live connection's state ('closed' outside the provider). */
export function useLiveStatus(): LiveStatus {
  const client = useContext(LiveContext);
  return useSyncExternalStore(client ? client.onStatus : noop, client ? client.getStatus : closed);
}

/** Calls `handler` with every live message while the component is mounted. */
export function useLiveMessages(handler: (message: LiveMessage) => void): void {
  const client = useContext(LiveContext);
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => client?.subscribe((m) => latest.current(m)), [client]);
}
