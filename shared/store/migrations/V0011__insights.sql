-- Insight agents: publishing paused by an organization (by hand or on a crisis), the brand's
-- mentions with their sentiment, crisis alerts with their evidence, stored trend reports, the
-- keywords trends follow, and competitor spikes.

ALTER TABLE organizations
    ADD COLUMN publishing_paused_at TIMESTAMPTZ,
    ADD COLUMN publishing_pause_reason TEXT,
    ADD COLUMN crisis_auto_pause BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN trend_keywords TEXT[] NOT NULL DEFAULT '{}',
    ADD CHECK ((publishing_paused_at IS NULL) = (publishing_pause_reason IS NULL));

-- A due target of a paused organization is held: still pending, schedule kept, with why.
ALTER TABLE post_platforms ADD COLUMN held_at TIMESTAMPTZ;

CREATE TABLE brand_mentions (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    social_account_id UUID NOT NULL REFERENCES social_accounts(id) ON DELETE CASCADE,
    platform VARCHAR(50) NOT NULL,
    platform_mention_id VARCHAR(255) NOT NULL,
    kind VARCHAR(20) NOT NULL CHECK (kind IN ('mention', 'comment')),
    author VARCHAR(255),
    text TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    sentiment REAL NOT NULL CHECK (sentiment BETWEEN -1 AND 1),
    label VARCHAR(20) NOT NULL CHECK (label IN ('positive', 'neutral', 'negative')),
    scored_by VARCHAR(20) NOT NULL CHECK (scored_by IN ('lexicon', 'model')),
    recorded_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (social_account_id, platform_mention_id)
);
CREATE INDEX brand_mentions_org_created_idx ON brand_mentions (organization_id, created_at)
    INCLUDE (label);

-- One open alert per organization; its level moves up (and down) while it is open.
CREATE TABLE crisis_alerts (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    level VARCHAR(20) NOT NULL CHECK (level IN ('watch', 'warning', 'crisis')),
    evidence JSONB NOT NULL CHECK (jsonb_typeof(evidence) = 'object'),
    holding_statement TEXT,
    opened_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    resolved_at TIMESTAMPTZ,
    resolved_by UUID REFERENCES users(id) ON DELETE SET NULL
);
CREATE UNIQUE INDEX crisis_alerts_one_open ON crisis_alerts (organization_id) WHERE resolved_at IS NULL;
CREATE INDEX crisis_alerts_org_idx ON crisis_alerts (organization_id, opened_at DESC);

CREATE TABLE trend_reports (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    task_id UUID REFERENCES ai_agent_tasks(id) ON DELETE SET NULL,
    analyzed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    report JSONB NOT NULL CHECK (jsonb_typeof(report) = 'object')
);
CREATE INDEX trend_reports_org_idx ON trend_reports (organization_id, analyzed_at DESC);

-- A competitor's unusual day, once per competitor, kind and day.
CREATE TABLE competitor_alerts (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    competitor_id UUID NOT NULL REFERENCES competitor_accounts(id) ON DELETE CASCADE,
    kind VARCHAR(30) NOT NULL CHECK (kind IN ('follower_spike', 'engagement_spike')),
    detected_on DATE NOT NULL,
    detected_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    value DOUBLE PRECISION NOT NULL,
    baseline DOUBLE PRECISION NOT NULL,
    z DOUBLE PRECISION NOT NULL,
    UNIQUE (competitor_id, kind, detected_on)
);
CREATE INDEX competitor_alerts_org_idx ON competitor_alerts (organization_id, detected_at DESC);

-- The insight agents' notification kinds may be held for quiet hours too.
ALTER TABLE notification_emails_held DROP CONSTRAINT notification_emails_held_kind_check;
ALTER TABLE notification_emails_held ADD CONSTRAINT notification_emails_held_kind_check CHECK (kind IN (
    'post_published', 'post_failed', 'post_unconfirmed', 'account_needs_reconnect',
    'export_ready', 'report_ready', 'member_invited', 'member_joined', 'ai_task_failed',
    'ai_workflow_finished', 'crisis_alert', 'performance_alert', 'competitor_alert'));
