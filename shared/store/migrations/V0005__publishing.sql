-- Publishing: each post-platform target carries its own schedule, attempts and outcome, so the
-- publisher can claim one target with a conditional update and publish it at most once.

ALTER TABLE posts
    ADD COLUMN schedule_timezone VARCHAR(64);

ALTER TABLE post_platforms
    ADD COLUMN text_override TEXT,
    ADD COLUMN scheduled_at TIMESTAMPTZ,
    ADD COLUMN next_attempt_at TIMESTAMPTZ,
    ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    ADD COLUMN claimed_at TIMESTAMPTZ,
    ADD COLUMN permalink TEXT,
    -- retryable, rate_limited, auth_expired, rejected_content, unknown_outcome
    ADD COLUMN failure_class VARCHAR(30),
    ADD COLUMN created_at TIMESTAMPTZ NOT NULL DEFAULT now();

-- What the sweeper and the publisher look up: targets due now.
CREATE INDEX post_platforms_due_idx ON post_platforms (COALESCE(next_attempt_at, scheduled_at))
    WHERE status = 'pending';
CREATE INDEX post_platforms_claimed_idx ON post_platforms (claimed_at) WHERE status = 'publishing';
