-- Analytics: history of every post's and every account's numbers, the latest numbers of each
-- published target (what the dashboards read), the sync's per-account progress, demographics,
-- and reports.

-- Posts published on the platform directly are imported for history.
ALTER TABLE posts ADD COLUMN origin VARCHAR(20) NOT NULL DEFAULT 'app'
    CHECK (origin IN ('app', 'imported'));

-- `analytics` is the history: one row per observation, never updated. A row with a post is a
-- snapshot of that post on one account; a row without one is a snapshot of the account.
ALTER TABLE analytics
    ADD COLUMN post_platform_id UUID REFERENCES post_platforms(id) ON DELETE CASCADE,
    ADD COLUMN saves_count INTEGER NOT NULL DEFAULT 0 CHECK (saves_count >= 0),
    ADD COLUMN video_views_count INTEGER NOT NULL DEFAULT 0 CHECK (video_views_count >= 0),
    ADD COLUMN followers_count INTEGER CHECK (followers_count >= 0),
    ALTER COLUMN recorded_at SET NOT NULL,
    ADD CHECK (post_id IS NULL OR post_platform_id IS NOT NULL);
CREATE INDEX analytics_target_recorded_idx ON analytics (post_platform_id, recorded_at)
    WHERE post_platform_id IS NOT NULL;
CREATE INDEX analytics_account_snapshots_idx ON analytics (social_account_id, recorded_at)
    INCLUDE (followers_count) WHERE post_id IS NULL;
CREATE INDEX analytics_org_recorded_idx ON analytics (organization_id, recorded_at);

-- The latest numbers of each published target, written with each snapshot in one transaction,
-- and when the sync looks at it next (hourly while new, then daily, then weekly).
CREATE TABLE post_metrics (
    post_platform_id UUID PRIMARY KEY REFERENCES post_platforms(id) ON DELETE CASCADE,
    organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    post_id UUID NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    social_account_id UUID NOT NULL REFERENCES social_accounts(id) ON DELETE CASCADE,
    platform VARCHAR(50) NOT NULL,
    content_type VARCHAR(50) NOT NULL,
    published_at TIMESTAMPTZ NOT NULL,
    likes BIGINT NOT NULL DEFAULT 0,
    comments BIGINT NOT NULL DEFAULT 0,
    shares BIGINT NOT NULL DEFAULT 0,
    saves BIGINT NOT NULL DEFAULT 0,
    clicks BIGINT NOT NULL DEFAULT 0,
    impressions BIGINT NOT NULL DEFAULT 0,
    reach BIGINT NOT NULL DEFAULT 0,
    video_views BIGINT NOT NULL DEFAULT 0,
    engagements BIGINT GENERATED ALWAYS AS (likes + comments + shares + saves + clicks) STORED,
    synced_at TIMESTAMPTZ,
    next_sync_at TIMESTAMPTZ NOT NULL,
    CHECK (least(likes, comments, shares, saves, clicks, impressions, reach, video_views) >= 0)
);
-- Dashboards: an organization's posts in a date range (index-only for the sums).
CREATE INDEX post_metrics_org_published_idx ON post_metrics (organization_id, published_at)
    INCLUDE (social_account_id, platform, content_type, engagements, impressions, reach, likes,
             comments, shares, saves, clicks, video_views);
-- The sync: an account's targets that are due.
CREATE INDEX post_metrics_due_idx ON post_metrics (social_account_id, next_sync_at);

-- Where the sync of each account stands, so a run can stop at its deadline and the next one
-- continue: a lease against overlapping runs, a platform's rate-limit pause, when the account's
-- own figures are due, and the import walk through its timeline.
CREATE TABLE metrics_sync_state (
    social_account_id UUID PRIMARY KEY REFERENCES social_accounts(id) ON DELETE CASCADE,
    leased_until TIMESTAMPTZ,
    paused_until TIMESTAMPTZ,
    -- When the account's own figures are read next (none: now).
    figures_due_at TIMESTAMPTZ,
    -- Newest timeline post already walked past: a walk stops when it reaches it.
    import_watermark TIMESTAMPTZ,
    -- An unfinished walk: the next page, and the newest post the walk has seen.
    import_cursor TEXT,
    import_walk_newest TIMESTAMPTZ,
    last_synced_at TIMESTAMPTZ,
    last_error TEXT
);

-- Demographics as shares of the audience on the day they were read.
ALTER TABLE audience_insights
    ADD COLUMN followers INTEGER CHECK (followers >= 0),
    ADD COLUMN audience_share NUMERIC(6, 5) CHECK (audience_share BETWEEN 0 AND 1);

-- Reports generated in the background: CSV and PDF in S3.
CREATE TABLE analytics_reports (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    requested_by UUID REFERENCES users(id) ON DELETE SET NULL,
    title VARCHAR(200) NOT NULL CHECK (btrim(title) <> ''),
    date_from DATE NOT NULL,
    date_to DATE NOT NULL CHECK (date_to >= date_from),
    timezone VARCHAR(64) NOT NULL,
    account_ids UUID[] NOT NULL DEFAULT '{}',
    sections TEXT[] NOT NULL,
    status VARCHAR(20) NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'running', 'ready', 'failed')),
    progress SMALLINT NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    csv_key TEXT,
    pdf_key TEXT,
    error TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at TIMESTAMPTZ,
    CHECK (status <> 'ready' OR (csv_key IS NOT NULL AND pdf_key IS NOT NULL))
);
CREATE INDEX analytics_reports_org_idx ON analytics_reports (organization_id, created_at DESC, id DESC);

-- A platform post is one target: imports and publishing never record it twice.
CREATE UNIQUE INDEX post_platforms_platform_post_key
    ON post_platforms (social_account_id, platform_post_id) WHERE platform_post_id IS NOT NULL;
