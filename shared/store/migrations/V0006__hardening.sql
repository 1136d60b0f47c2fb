-- Hardening the publishing promise and the data a member's erasure may touch.

-- `dispatched_at`: when the platform call was sent. A claim that goes stale before it was
-- dispatched never reached the platform, so it is released for another attempt instead of being
-- declared unconfirmed. `enqueued_at`: when the sweeper last queued the target, so a backlog is
-- not queued again every minute.
ALTER TABLE post_platforms
    ADD COLUMN dispatched_at TIMESTAMPTZ,
    ADD COLUMN enqueued_at TIMESTAMPTZ;

-- Erasing one member must not take the organization's accounts, posts and publishing history
-- with them: authorship becomes NULL instead.
ALTER TABLE social_accounts
    DROP CONSTRAINT social_accounts_user_id_fkey,
    ADD CONSTRAINT social_accounts_user_id_fkey
        FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE SET NULL;
ALTER TABLE posts
    DROP CONSTRAINT posts_user_id_fkey,
    ADD CONSTRAINT posts_user_id_fkey
        FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE SET NULL;

-- Deleting a post that reached a platform archives it: the posts stay on the platforms, so
-- their history and metrics stay too.
ALTER TABLE posts
    ADD COLUMN archived_at TIMESTAMPTZ;
CREATE INDEX posts_live_idx ON posts (organization_id, created_at DESC) WHERE archived_at IS NULL;
