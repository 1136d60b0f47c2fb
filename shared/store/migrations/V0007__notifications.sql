-- What each user hears about, and where. A user without a row has the defaults: every kind in
-- the app, failures and what needs action by email too, emails at once, no quiet hours.
CREATE TABLE notification_settings (
    user_id UUID PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    -- Per kind: {"post_failed": {"in_app": true, "email": false}, …}. A kind not listed keeps
    -- its default, so a kind added later reaches everyone who never chose otherwise.
    channels JSONB NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(channels) = 'object'),
    email_delivery VARCHAR(20) NOT NULL DEFAULT 'immediate'
        CHECK (email_delivery IN ('immediate', 'daily_digest')),
    -- Quiet hours in the user's time zone (users.timezone); they may wrap past midnight.
    quiet_start TIME,
    quiet_end TIME,
    CHECK ((quiet_start IS NULL) = (quiet_end IS NULL)),
    CHECK (quiet_start IS NULL OR quiet_start <> quiet_end),
    last_digest_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Notification emails held back: during quiet hours, or for the daily digest. Sent (and
-- deleted) together by the maintenance run once the user may hear from us again.
CREATE TABLE notification_emails_held (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind VARCHAR(40) NOT NULL CHECK (kind IN (
        'post_published', 'post_failed', 'post_unconfirmed', 'account_needs_reconnect',
        'export_ready', 'member_invited', 'member_joined')),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    link TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX notification_emails_held_user_idx ON notification_emails_held (user_id, created_at);
