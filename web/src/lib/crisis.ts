/**
 * The crisis levels and whether the layout shows the banner: small, because the first load
 * decides with them whether to load the banner (its colours and words are in `insights.ts`).
 */
import type { CrisisLevel, CrisisStatus } from '../api/crisis';

export const CRISIS_LEVELS: readonly CrisisLevel[] = ['normal', 'watch', 'warning', 'crisis'];

export function crisisLevel(level: unknown): CrisisLevel {
  return CRISIS_LEVELS.includes(level as CrisisLevel) ? (level as CrisisLevel) : 'normal';
}

/** Whether the layout shows the banner: a level above normal, or publishing paused. */
export function showCrisisBanner(status: Pick<CrisisStatus, 'level' | 'publishing'> | null | undefined): boolean {
  if (!status) return false;
  return crisisLevel(status.level) !== 'normal' || !!status.publishing?.paused;
}
