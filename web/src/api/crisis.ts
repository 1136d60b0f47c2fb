/**
 * The crisis manager's status and the insight screens' query keys: a module of its own because
 * the first load needs them (the layout's banner decides whether to show, the live feed's
 * `crisis.changed` refetches); the rest of the insights API (`insights.ts`) loads with its screens.
 */
import { api, unwrap, type Schemas } from './client';

export type CrisisLevel = 'normal' | 'watch' | 'warning' | 'crisis';

export interface MentionExample {
  author: string | null;
  text: string;
  sentiment: number;
  scored_by: string;
  created_at: string;
}

export interface CrisisEvidence {
  window_hours: number;
  mentions: number;
  negative: number;
  negative_ratio: number;
  baseline_negative_per_window: number;
  baseline_ratio: number;
  z: number;
  /** How the level was assessed, in a sentence. */
  method: string;
  examples: MentionExample[];
}

export interface CrisisAlert {
  id: string;
  level: CrisisLevel;
  opened_at: string;
  updated_at: string;
  evidence: CrisisEvidence;
  holding_statement: string | null;
  /** The model that drafted the statement, as labelled (`sandbox:…` for the model sandbox). */
  statement_model: string | null;
}

/** The publishing pause (`released` only in the answer to a resume). */
export type PublishingState = Schemas['PublishingView'];

export interface CrisisStatus {
  level: CrisisLevel;
  alert: CrisisAlert | null;
  auto_pause: boolean;
  last_scan_at: string | null;
  publishing: PublishingState;
}

export const insightKeys = {
  all: ['insights'] as const,
  crisis: ['insights', 'crisis'] as const,
  keywords: ['insights', 'keywords'] as const,
  trends: ['analytics', 'trends'] as const,
  competitors: ['analytics', 'competitors'] as const,
  latestReview: ['insights', 'performance', 'latest'] as const,
  drafts: ['posts', { status: 'draft', insights: true }] as const,
};

// ---------------------------------------------------------------- calls

/** The crisis status; the alert's evidence is a document the API does not type (read defensively by the screens). */
export async function getCrisis(): Promise<CrisisStatus> {
  return (await unwrap(api.GET('/api/ai-agents/crisis'))) as unknown as CrisisStatus;
}
