-- Connection health and user settings of social accounts.
ALTER TABLE social_accounts
    ADD COLUMN status VARCHAR(20) NOT NULL DEFAULT 'active'
        CHECK (status IN ('active', 'needs_reconnect')),
    ADD COLUMN status_reason TEXT,
    -- {display_name, default_hashtags[], posting_slots[{weekday, time}]}
    ADD COLUMN settings JSONB NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(settings) = 'object'),
    ADD COLUMN followers_count BIGINT CHECK (followers_count >= 0);
CREATE INDEX social_accounts_org_idx ON social_accounts (organization_id, platform, created_at);
