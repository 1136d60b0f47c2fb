-- AI agents: one configuration row per organization and agent; tasks that record what each
-- model call cost; workflows chaining tasks; memory with embeddings searched in SQL.

ALTER TABLE ai_agents
    ALTER COLUMN organization_id SET NOT NULL,
    ALTER COLUMN is_active SET NOT NULL,
    ALTER COLUMN tasks_completed SET NOT NULL,
    ALTER COLUMN success_rate SET NOT NULL,
    ADD COLUMN tasks_failed INTEGER NOT NULL DEFAULT 0 CHECK (tasks_failed >= 0),
    ADD CONSTRAINT ai_agents_configuration_object CHECK (jsonb_typeof(configuration) = 'object'),
    ADD CONSTRAINT ai_agents_one_per_type UNIQUE (organization_id, agent_type);
DROP INDEX ai_agents_org_type_idx;

CREATE TABLE ai_workflows (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    workflow_type VARCHAR(50) NOT NULL CHECK (workflow_type IN ('campaign', 'weekly_review')),
    status VARCHAR(20) NOT NULL DEFAULT 'running'
        CHECK (status IN ('running', 'completed', 'failed')),
    input_data JSONB NOT NULL,
    -- What the finished steps produced, by step name.
    output_data JSONB NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(output_data) = 'object'),
    -- The step being run (0-based); a retry resumes here.
    current_step SMALLINT NOT NULL DEFAULT 0 CHECK (current_step >= 0),
    error_message TEXT,
    requested_by UUID REFERENCES users(id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    completed_at TIMESTAMPTZ
);
CREATE INDEX ai_workflows_org_created_idx ON ai_workflows (organization_id, created_at DESC, id DESC);

ALTER TABLE ai_agent_tasks
    ALTER COLUMN organization_id SET NOT NULL,
    ALTER COLUMN agent_id SET NOT NULL,
    ALTER COLUMN status SET NOT NULL,
    ALTER COLUMN created_at SET NOT NULL,
    ADD COLUMN requested_by UUID REFERENCES users(id) ON DELETE SET NULL,
    ADD COLUMN workflow_id UUID REFERENCES ai_workflows(id) ON DELETE CASCADE,
    ADD COLUMN workflow_step SMALLINT,
    ADD COLUMN input_tokens INTEGER NOT NULL DEFAULT 0 CHECK (input_tokens >= 0),
    ADD COLUMN output_tokens INTEGER NOT NULL DEFAULT 0 CHECK (output_tokens >= 0),
    -- Time spent inside the model (all calls), beside execution_time_ms (the whole task).
    ADD COLUMN model_latency_ms INTEGER NOT NULL DEFAULT 0 CHECK (model_latency_ms >= 0),
    -- Every model call and check, in order: what the task did and why.
    ADD COLUMN steps JSONB NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(steps) = 'array'),
    ADD CONSTRAINT ai_agent_tasks_input_object CHECK (jsonb_typeof(input_data) = 'object');
-- One live task per workflow step; a failed one stays as history when the step is retried.
CREATE UNIQUE INDEX ai_agent_tasks_one_live_step ON ai_agent_tasks (workflow_id, workflow_step)
    WHERE status IN ('pending', 'running', 'completed');
ALTER TABLE ai_agent_tasks ALTER COLUMN cost_usd TYPE NUMERIC(12,6);
DROP INDEX ai_agent_tasks_org_created_idx;
CREATE INDEX ai_agent_tasks_org_created_idx ON ai_agent_tasks (organization_id, created_at DESC, id DESC);

ALTER TABLE ai_agent_memory
    ALTER COLUMN organization_id SET NOT NULL,
    ALTER COLUMN memory_type SET NOT NULL,
    ALTER COLUMN content_summary SET NOT NULL,
    ALTER COLUMN importance_score SET NOT NULL,
    ALTER COLUMN created_at SET NOT NULL,
    -- A unit vector (the embedding model's), so a dot product is the cosine similarity.
    ADD COLUMN embedding REAL[],
    ADD COLUMN embedding_model VARCHAR(100),
    ADD COLUMN source_task_id UUID REFERENCES ai_agent_tasks(id) ON DELETE SET NULL,
    ADD COLUMN created_by UUID REFERENCES users(id) ON DELETE SET NULL,
    ADD COLUMN search_text tsvector
        GENERATED ALWAYS AS (to_tsvector('simple', content_summary)) STORED,
    ADD CONSTRAINT ai_agent_memory_summary_length CHECK (length(content_summary) BETWEEN 1 AND 2000);
CREATE INDEX ai_agent_memory_org_idx ON ai_agent_memory (organization_id, created_at DESC, id DESC);
CREATE INDEX ai_agent_memory_search_idx ON ai_agent_memory USING GIN (search_text);

-- Held notification emails may be of every kind (report_ready was missing, the AI kinds are new).
ALTER TABLE notification_emails_held DROP CONSTRAINT notification_emails_held_kind_check;
ALTER TABLE notification_emails_held ADD CONSTRAINT notification_emails_held_kind_check CHECK (kind IN (
    'post_published', 'post_failed', 'post_unconfirmed', 'account_needs_reconnect',
    'export_ready', 'report_ready', 'member_invited', 'member_joined', 'ai_task_failed',
    'ai_workflow_finished'));
