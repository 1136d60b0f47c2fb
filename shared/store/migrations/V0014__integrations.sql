-- Integrations: settings readable in `configuration`, the secret part (a Slack webhook URL, a
-- signing secret, a service-account key) sealed with AES-256-GCM in `secret_sealed`, never
-- returned by the API.
ALTER TABLE integrations
    ADD COLUMN name VARCHAR(100),
    ADD COLUMN secret_sealed TEXT,
    ALTER COLUMN organization_id SET NOT NULL,
    ADD CONSTRAINT integrations_configuration_object CHECK (jsonb_typeof(configuration) = 'object');
-- One Google Analytics property per organization.
CREATE UNIQUE INDEX integrations_one_analytics
    ON integrations (organization_id) WHERE integration_type = 'google_analytics';

-- Every event sent to a customer's endpoint (Slack or an outgoing webhook), with its attempts:
-- the delivery log, and the outbox the dispatcher retries from.
CREATE TABLE integration_deliveries (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    integration_id UUID NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
    organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    event_type VARCHAR(50) NOT NULL CHECK (event_type ~ '^[a-z_]+\.[a-z_]+$'),
    payload JSONB NOT NULL,
    status VARCHAR(20) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at TIMESTAMPTZ,
    last_status_code INTEGER,
    last_error TEXT,
    last_attempt_at TIMESTAMPTZ,
    delivered_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (status <> 'pending' OR next_attempt_at IS NOT NULL)
);
CREATE INDEX integration_deliveries_due_idx ON integration_deliveries (next_attempt_at)
    WHERE status = 'pending';
CREATE INDEX integration_deliveries_log_idx ON integration_deliveries (integration_id, created_at DESC);

-- Sessions that came from social media, imported from Google Analytics 4 per day.
CREATE TABLE web_traffic_daily (
    organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    day DATE NOT NULL,
    source VARCHAR(100) NOT NULL,
    medium VARCHAR(100) NOT NULL,
    campaign VARCHAR(255) NOT NULL,
    sessions INTEGER NOT NULL CHECK (sessions >= 0),
    engaged_sessions INTEGER NOT NULL CHECK (engaged_sessions >= 0),
    imported_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, day, source, medium, campaign)
);
