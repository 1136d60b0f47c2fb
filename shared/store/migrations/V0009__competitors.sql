-- The competitor watchlist: public accounts an organization follows on X and Instagram, and
-- their public figures over time (X user lookup, Instagram Business Discovery).

CREATE TABLE competitor_accounts (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    platform VARCHAR(50) NOT NULL CHECK (platform IN ('x', 'instagram')),
    -- Lower case, without the @.
    handle VARCHAR(100) NOT NULL CHECK (handle = lower(handle) AND handle ~ '^[a-z0-9._]{1,30}$'),
    platform_user_id VARCHAR(255) NOT NULL,
    display_name VARCHAR(255),
    added_by UUID REFERENCES users(id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_synced_at TIMESTAMPTZ,
    last_error TEXT,
    UNIQUE (organization_id, platform, handle)
);

CREATE TABLE competitor_snapshots (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    competitor_id UUID NOT NULL REFERENCES competitor_accounts(id) ON DELETE CASCADE,
    organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    recorded_at TIMESTAMPTZ NOT NULL,
    followers_count BIGINT CHECK (followers_count >= 0),
    posts_count BIGINT CHECK (posts_count >= 0),
    -- Their posts of the 30 days before the snapshot.
    recent_posts INTEGER NOT NULL CHECK (recent_posts >= 0),
    recent_likes BIGINT NOT NULL CHECK (recent_likes >= 0),
    recent_comments BIGINT NOT NULL CHECK (recent_comments >= 0),
    top_hashtags JSONB NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(top_hashtags) = 'array')
);
CREATE INDEX competitor_snapshots_recorded_idx ON competitor_snapshots (competitor_id, recorded_at);
CREATE INDEX competitor_snapshots_org_idx ON competitor_snapshots (organization_id, recorded_at);
