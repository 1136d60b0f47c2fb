-- Billing through Stripe: the organization's customer and subscription, and the newest Stripe
-- state applied (its event time and its rank among events of the same second), so a stale or
-- out-of-order delivery never overrides a newer one.
ALTER TABLE organizations
    ADD COLUMN stripe_customer_id VARCHAR(255) UNIQUE,
    ADD COLUMN stripe_subscription_id VARCHAR(255) UNIQUE,
    ADD COLUMN billing_state_at TIMESTAMPTZ,
    ADD COLUMN billing_state_rank SMALLINT NOT NULL DEFAULT 0,
    ADD COLUMN current_period_end TIMESTAMPTZ,
    ADD COLUMN cancel_at_period_end BOOLEAN NOT NULL DEFAULT FALSE,
    -- past_due: service continues until then; afterwards the plan falls to free.
    ADD COLUMN grace_until TIMESTAMPTZ;

-- Each sender's event is stored once, by the sender's own id.
ALTER TABLE webhook_events
    ADD COLUMN external_id VARCHAR(255),
    ADD COLUMN last_error TEXT;
CREATE UNIQUE INDEX webhook_events_source_external_idx ON webhook_events (source, external_id);

-- Meta's data deletion callbacks: what was asked, what was removed, and the code the user
-- can check the status with.
CREATE TABLE data_deletion_requests (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    confirmation_code VARCHAR(64) UNIQUE NOT NULL,
    platform VARCHAR(50) NOT NULL,
    platform_user_id VARCHAR(255) NOT NULL,
    accounts_removed INTEGER NOT NULL DEFAULT 0 CHECK (accounts_removed >= 0),
    requested_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    completed_at TIMESTAMPTZ
);

-- Platform-wide switches (maintenance mode), changed by platform administrators.
CREATE TABLE platform_settings (
    key VARCHAR(100) PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_]*$'),
    value JSONB NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_by UUID REFERENCES users(id) ON DELETE SET NULL
);

-- The last run of each scheduled function, for the system health page.
CREATE TABLE scheduled_runs (
    name VARCHAR(50) PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_-]*$'),
    last_run_at TIMESTAMPTZ NOT NULL,
    succeeded BOOLEAN NOT NULL,
    detail TEXT
);

-- Platform administrators' searches.
CREATE INDEX audit_logs_created_idx ON audit_logs (created_at DESC);

-- Billing notices are notifications too (and may be held for quiet hours).
ALTER TABLE notification_emails_held DROP CONSTRAINT notification_emails_held_kind_check;
ALTER TABLE notification_emails_held ADD CONSTRAINT notification_emails_held_kind_check CHECK (kind IN (
    'post_published', 'post_failed', 'post_unconfirmed', 'account_needs_reconnect',
    'export_ready', 'report_ready', 'member_invited', 'member_joined', 'ai_task_failed',
    'ai_workflow_finished', 'crisis_alert', 'performance_alert', 'competitor_alert',
    'billing_alert'));
