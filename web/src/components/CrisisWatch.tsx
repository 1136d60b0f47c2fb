/**
 * The crisis manager's status for the layout: fetched once, then refetched when the live feed
 * says `crisis.changed` (see `live/cache.ts`), never polled. The banner itself is a lazy chunk,
 * loaded only when there is something to show (a level above normal, or publishing paused).
 */
import { lazy, Suspense } from 'react';
import { useQuery } from '@tanstack/react-query';
import { getCrisis, insightKeys } from '../api/crisis';
import { showCrisisBanner } from '../lib/crisis';

const CrisisBanner = lazy(() => import('./crisis'));

export function useCrisisStatus() {
  return useQuery({ queryKey: insightKeys.crisis, queryFn: getCrisis, staleTime: 60_000 });
}

export function CrisisWatch() {
  const status = useCrisisStatus();
  if (!status.data || !showCrisisBanner(status.data)) return null;
  return (
    <Suspense fallback={null}>
      <CrisisBanner status={status.data} />
    </Suspense>
  );
}
