-- The spec's fifteen tables. Differences from the spec, on purpose:
--  * timestamps are TIMESTAMPTZ (instants, never local wall-clock times);
--  * enumerated text columns carry CHECK constraints matching the `domain` crate's enums;
--  * post/post_platforms statuses include the publishing state machine
--    (publishing, unconfirmed, partially_failed, cancelled);
--  * emails are stored lower-case (the EmailAddress type normalises them);
--  * updated_at is maintained by a trigger, never by application code.

CREATE EXTENSION IF NOT EXISTS pgcrypto;

CREATE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;

-- 1. Organizations & users -------------------------------------------------------------------

CREATE TABLE organizations (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name VARCHAR(255) NOT NULL CHECK (btrim(name) <> ''),
    slug VARCHAR(100) UNIQUE NOT NULL CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    subscription_plan VARCHAR(50) DEFAULT 'free'
        CHECK (subscription_plan IN ('free', 'pro', 'business', 'enterprise')),
    subscription_status VARCHAR(50) DEFAULT 'active'
        CHECK (subscription_status IN ('active', 'trialing', 'past_due', 'canceled', 'incomplete',
                                       'incomplete_expired', 'unpaid', 'paused')),
    max_users INTEGER DEFAULT 5 CHECK (max_users >= 1),
    max_social_accounts INTEGER DEFAULT 3 CHECK (max_social_accounts >= 0),
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW(),
    deleted_at TIMESTAMPTZ NULL,
    data_retention_days INTEGER DEFAULT 365 CHECK (data_retention_days BETWEEN 1 AND 3650),
    gdpr_consent BOOLEAN DEFAULT FALSE,
    gdpr_consent_date TIMESTAMPTZ NULL
);

CREATE TABLE users (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id UUID REFERENCES organizations(id) ON DELETE CASCADE,
    email VARCHAR(255) UNIQUE NOT NULL CHECK (email = lower(email) AND position('@' IN email) > 1),
    password_hash VARCHAR(255) NOT NULL,
    first_name VARCHAR(100),
    last_name VARCHAR(100),
    role VARCHAR(50) DEFAULT 'user' CHECK (role IN ('admin', 'manager', 'user', 'viewer')),
    avatar_url TEXT,
    timezone VARCHAR(50) DEFAULT 'UTC',
    language VARCHAR(10) DEFAULT 'en',
    is_active BOOLEAN DEFAULT TRUE,
    email_verified BOOLEAN DEFAULT FALSE,
    last_login TIMESTAMPTZ,
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW(),
    gdpr_consent BOOLEAN DEFAULT FALSE,
    gdpr_consent_date TIMESTAMPTZ NULL,
    data_export_requested BOOLEAN DEFAULT FALSE,
    data_deletion_requested BOOLEAN DEFAULT FALSE
);
CREATE INDEX users_organization_idx ON users (organization_id, role);

CREATE TABLE user_sessions (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID REFERENCES users(id) ON DELETE CASCADE,
    token_hash VARCHAR(255) NOT NULL,
    device_info JSONB,
    ip_address INET,
    expires_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ DEFAULT NOW()
);
CREATE UNIQUE INDEX user_sessions_token_hash_key ON user_sessions (token_hash);
CREATE INDEX user_sessions_user_idx ON user_sessions (user_id, expires_at);

-- 2. Social accounts & content ---------------------------------------------------------------

CREATE TABLE social_accounts (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id UUID REFERENCES organizations(id) ON DELETE CASCADE,
    user_id UUID REFERENCES users(id) ON DELETE CASCADE,
    platform VARCHAR(50) NOT NULL
        CHECK (platform IN ('facebook', 'instagram', 'x', 'linkedin', 'tiktok')),
    account_name VARCHAR(255),
    account_handle VARCHAR(255),
    account_id VARCHAR(255),
    access_token TEXT,
    refresh_token TEXT,
    token_expires_at TIMESTAMPTZ,
    account_data JSONB,
    is_active BOOLEAN DEFAULT TRUE,
    last_sync TIMESTAMPTZ,
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW()
);
-- One connection per platform identity inside an organization.
CREATE UNIQUE INDEX social_accounts_identity_key
    ON social_accounts (organization_id, platform, account_id);
CREATE INDEX social_accounts_token_expiry_idx
    ON social_accounts (token_expires_at) WHERE is_active;

CREATE TABLE posts (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id UUID REFERENCES organizations(id) ON DELETE CASCADE,
    user_id UUID REFERENCES users(id) ON DELETE CASCADE,
    title VARCHAR(500),
    content TEXT NOT NULL,
    content_type VARCHAR(50) DEFAULT 'text'
        CHECK (content_type IN ('text', 'image', 'video', 'carousel')),
    media_urls JSONB CHECK (media_urls IS NULL OR jsonb_typeof(media_urls) = 'array'),
    hashtags JSONB CHECK (hashtags IS NULL OR jsonb_typeof(hashtags) = 'array'),
    mentions JSONB CHECK (mentions IS NULL OR jsonb_typeof(mentions) = 'array'),
    status VARCHAR(50) DEFAULT 'draft'
        CHECK (status IN ('draft', 'scheduled', 'publishing', 'published', 'partially_failed',
                          'failed')),
    scheduled_at TIMESTAMPTZ,
    published_at TIMESTAMPTZ,
    ai_generated BOOLEAN DEFAULT FALSE,
    ai_agent_id VARCHAR(100),
    ai_prompt TEXT,
    ai_model_used VARCHAR(100),
    engagement_score DECIMAL(5,2) DEFAULT 0,
    reach_count INTEGER DEFAULT 0 CHECK (reach_count >= 0),
    impression_count INTEGER DEFAULT 0 CHECK (impression_count >= 0),
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW(),
    CHECK (status <> 'scheduled' OR scheduled_at IS NOT NULL)
);
CREATE INDEX posts_org_status_schedule_idx ON posts (organization_id, status, scheduled_at);
CREATE INDEX posts_org_created_idx ON posts (organization_id, created_at DESC, id DESC);
CREATE INDEX posts_author_idx ON posts (user_id);
CREATE INDEX posts_due_idx ON posts (scheduled_at) WHERE status = 'scheduled';

CREATE TABLE post_platforms (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    post_id UUID REFERENCES posts(id) ON DELETE CASCADE,
    social_account_id UUID REFERENCES social_accounts(id) ON DELETE CASCADE,
    platform_post_id VARCHAR(255),
    status VARCHAR(50) DEFAULT 'pending'
        CHECK (status IN ('pending', 'publishing', 'published', 'failed', 'unconfirmed',
                          'cancelled')),
    published_at TIMESTAMPTZ,
    error_message TEXT,
    platform_data JSONB,
    CHECK (status <> 'published' OR platform_post_id IS NOT NULL)
);
CREATE UNIQUE INDEX post_platforms_target_key ON post_platforms (post_id, social_account_id);
CREATE INDEX post_platforms_account_idx ON post_platforms (social_account_id, status);
CREATE INDEX post_platforms_in_flight_idx ON post_platforms (status)
    WHERE status IN ('pending', 'publishing');

-- 3. Analytics & performance -----------------------------------------------------------------

CREATE TABLE analytics (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id UUID REFERENCES organizations(id) ON DELETE CASCADE,
    post_id UUID REFERENCES posts(id) ON DELETE CASCADE,
    social_account_id UUID REFERENCES social_accounts(id) ON DELETE CASCADE,
    likes_count INTEGER DEFAULT 0 CHECK (likes_count >= 0),
    comments_count INTEGER DEFAULT 0 CHECK (comments_count >= 0),
    shares_count INTEGER DEFAULT 0 CHECK (shares_count >= 0),
    clicks_count INTEGER DEFAULT 0 CHECK (clicks_count >= 0),
    impressions_count INTEGER DEFAULT 0 CHECK (impressions_count >= 0),
    reach_count INTEGER DEFAULT 0 CHECK (reach_count >= 0),
    engagement_rate DECIMAL(5,2) DEFAULT 0,
    recorded_at TIMESTAMPTZ DEFAULT NOW(),
    date_bucket DATE,
    hour_bucket INTEGER CHECK (hour_bucket BETWEEN 0 AND 23),
    sentiment_score DECIMAL(3,2) CHECK (sentiment_score BETWEEN -1 AND 1),
    virality_score DECIMAL(5,2),
    platform_algorithm_score DECIMAL(5,2)
);
CREATE INDEX analytics_post_bucket_idx ON analytics (post_id, date_bucket);
CREATE INDEX analytics_org_bucket_idx ON analytics (organization_id, date_bucket);
CREATE INDEX analytics_account_bucket_idx ON analytics (social_account_id, date_bucket, hour_bucket);

CREATE TABLE audience_insights (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id UUID REFERENCES organizations(id) ON DELETE CASCADE,
    social_account_id UUID REFERENCES social_accounts(id) ON DELETE CASCADE,
    age_group VARCHAR(20),
    gender VARCHAR(20),
    location VARCHAR(100),
    interests JSONB,
    best_posting_times JSONB,
    preferred_content_types JSONB,
    engagement_trends JSONB,
    analysis_date DATE,
    data_source VARCHAR(50) CHECK (data_source IN ('platform_api', 'ai_analysis'))
);
CREATE INDEX audience_insights_account_date_idx
    ON audience_insights (social_account_id, analysis_date DESC);
CREATE INDEX audience_insights_org_idx ON audience_insights (organization_id, analysis_date DESC);

-- 4. AI agents & workflows -------------------------------------------------------------------

CREATE TABLE ai_agents (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id UUID REFERENCES organizations(id) ON DELETE CASCADE,
    agent_type VARCHAR(100) NOT NULL
        CHECK (agent_type IN ('content_creator', 'trend_analyzer', 'engagement_optimizer',
                              'smart_scheduler', 'performance_tracker', 'competitor_monitor',
                              'crisis_manager', 'orchestrator')),
    agent_name VARCHAR(255) NOT NULL,
    configuration JSONB NOT NULL,
    is_active BOOLEAN DEFAULT TRUE,
    tasks_completed INTEGER DEFAULT 0 CHECK (tasks_completed >= 0),
    success_rate DECIMAL(5,2) DEFAULT 0 CHECK (success_rate BETWEEN 0 AND 100),
    last_execution TIMESTAMPTZ,
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW()
);
CREATE INDEX ai_agents_org_type_idx ON ai_agents (organization_id, agent_type);

CREATE TABLE ai_agent_tasks (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id UUID REFERENCES organizations(id) ON DELETE CASCADE,
    agent_id UUID REFERENCES ai_agents(id) ON DELETE CASCADE,
    task_type VARCHAR(100) NOT NULL,
    input_data JSONB NOT NULL,
    output_data JSONB,
    status VARCHAR(50) DEFAULT 'pending'
        CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled')),
    started_at TIMESTAMPTZ,
    completed_at TIMESTAMPTZ,
    execution_time_ms INTEGER CHECK (execution_time_ms >= 0),
    error_message TEXT,
    model_used VARCHAR(100),
    tokens_used INTEGER CHECK (tokens_used >= 0),
    cost_usd DECIMAL(10,4) CHECK (cost_usd >= 0),
    created_at TIMESTAMPTZ DEFAULT NOW()
);
CREATE INDEX ai_agent_tasks_org_created_idx ON ai_agent_tasks (organization_id, created_at DESC);
CREATE INDEX ai_agent_tasks_agent_idx ON ai_agent_tasks (agent_id, status);

CREATE TABLE ai_agent_memory (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id UUID REFERENCES organizations(id) ON DELETE CASCADE,
    agent_id UUID REFERENCES ai_agents(id) ON DELETE CASCADE,
    memory_type VARCHAR(50) CHECK (memory_type IN ('conversation', 'knowledge', 'preference')),
    content_summary TEXT,
    vector_id VARCHAR(255),
    metadata JSONB,
    importance_score DECIMAL(3,2) CHECK (importance_score BETWEEN 0 AND 1),
    created_at TIMESTAMPTZ DEFAULT NOW(),
    expires_at TIMESTAMPTZ
);
CREATE INDEX ai_agent_memory_agent_idx ON ai_agent_memory (agent_id, importance_score DESC);
CREATE INDEX ai_agent_memory_expiry_idx ON ai_agent_memory (expires_at) WHERE expires_at IS NOT NULL;

-- 5. Integrations & webhooks -----------------------------------------------------------------

CREATE TABLE integrations (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id UUID REFERENCES organizations(id) ON DELETE CASCADE,
    integration_type VARCHAR(100) NOT NULL CHECK (integration_type ~ '^[a-z][a-z0-9_]*$'),
    configuration JSONB NOT NULL,
    is_active BOOLEAN DEFAULT TRUE,
    last_sync TIMESTAMPTZ,
    sync_status VARCHAR(50) DEFAULT 'active' CHECK (sync_status IN ('active', 'error', 'disabled')),
    error_message TEXT,
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW()
);
CREATE INDEX integrations_org_type_idx ON integrations (organization_id, integration_type);

CREATE TABLE webhook_events (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id UUID REFERENCES organizations(id) ON DELETE CASCADE,
    source VARCHAR(100) NOT NULL
        CHECK (source IN ('stripe', 'facebook', 'instagram', 'x', 'linkedin', 'tiktok')),
    event_type VARCHAR(100) NOT NULL,
    event_data JSONB NOT NULL,
    processed BOOLEAN DEFAULT FALSE,
    processed_at TIMESTAMPTZ,
    retry_count INTEGER DEFAULT 0 CHECK (retry_count >= 0),
    created_at TIMESTAMPTZ DEFAULT NOW()
);
CREATE INDEX webhook_events_unprocessed_idx ON webhook_events (created_at) WHERE NOT processed;
CREATE INDEX webhook_events_org_idx ON webhook_events (organization_id, created_at DESC);

-- 6. Audit & compliance ----------------------------------------------------------------------

CREATE TABLE audit_logs (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id UUID REFERENCES organizations(id) ON DELETE CASCADE,
    user_id UUID REFERENCES users(id) ON DELETE SET NULL,
    action VARCHAR(100) NOT NULL
        CHECK (action IN ('create', 'read', 'update', 'delete', 'export', 'login', 'logout',
                          'publish', 'schedule', 'invite', 'connect', 'disconnect')),
    resource_type VARCHAR(100) NOT NULL CHECK (resource_type ~ '^[a-z][a-z0-9_]*$'),
    resource_id UUID,
    old_values JSONB,
    new_values JSONB,
    ip_address INET,
    user_agent TEXT,
    created_at TIMESTAMPTZ DEFAULT NOW()
);
CREATE INDEX audit_logs_org_created_idx ON audit_logs (organization_id, created_at DESC);
CREATE INDEX audit_logs_user_idx ON audit_logs (user_id, created_at DESC);
CREATE INDEX audit_logs_resource_idx ON audit_logs (resource_type, resource_id);

CREATE TABLE data_export_requests (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID REFERENCES users(id) ON DELETE CASCADE,
    request_type VARCHAR(50) DEFAULT 'full_export'
        CHECK (request_type IN ('full_export', 'specific_data')),
    status VARCHAR(50) DEFAULT 'pending'
        CHECK (status IN ('pending', 'processing', 'completed', 'failed')),
    export_url TEXT,
    expires_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ DEFAULT NOW(),
    completed_at TIMESTAMPTZ
);
CREATE INDEX data_export_requests_user_idx ON data_export_requests (user_id, created_at DESC);

-- updated_at, maintained for every table that has it -----------------------------------------

CREATE TRIGGER organizations_updated_at BEFORE UPDATE ON organizations
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER users_updated_at BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER social_accounts_updated_at BEFORE UPDATE ON social_accounts
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER posts_updated_at BEFORE UPDATE ON posts
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER ai_agents_updated_at BEFORE UPDATE ON ai_agents
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER integrations_updated_at BEFORE UPDATE ON integrations
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
