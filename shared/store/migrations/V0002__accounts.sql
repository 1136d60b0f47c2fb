-- Accounts: sessions as rotating refresh-token families, single-use account tokens
-- (email verification, password reset, invitations), and the platform super-admin flag.

ALTER TABLE users
    ADD COLUMN is_super_admin BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN password_changed_at TIMESTAMPTZ;

-- One row per refresh token. A login starts a family; each refresh rotates the family's current
-- token (rotated_at set, a new row inserted). Presenting a rotated token again is reuse: the
-- whole family is revoked.
ALTER TABLE user_sessions
    ADD COLUMN family_id UUID,
    ADD COLUMN user_agent TEXT,
    ADD COLUMN rotated_at TIMESTAMPTZ,
    ADD COLUMN revoked_at TIMESTAMPTZ,
    ADD COLUMN revoke_reason VARCHAR(50)
        CHECK (revoke_reason IN ('logout', 'revoked', 'reuse_detected', 'password_reset',
                                 'account_deleted', 'member_removed'));
UPDATE user_sessions SET family_id = id WHERE family_id IS NULL;
ALTER TABLE user_sessions ALTER COLUMN family_id SET NOT NULL;
CREATE INDEX user_sessions_family_idx ON user_sessions (family_id);
-- At most one live token per family.
CREATE UNIQUE INDEX user_sessions_family_current_key ON user_sessions (family_id)
    WHERE rotated_at IS NULL AND revoked_at IS NULL;

CREATE TABLE account_tokens (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    purpose VARCHAR(20) NOT NULL CHECK (purpose IN ('verify_email', 'reset_password', 'invite')),
    token_hash VARCHAR(64) NOT NULL UNIQUE,
    user_id UUID REFERENCES users(id) ON DELETE CASCADE,
    organization_id UUID REFERENCES organizations(id) ON DELETE CASCADE,
    email VARCHAR(255) NOT NULL CHECK (email = lower(email)),
    role VARCHAR(50) CHECK (role IN ('admin', 'manager', 'user', 'viewer')),
    created_by UUID REFERENCES users(id) ON DELETE SET NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    CHECK (purpose <> 'invite' OR (organization_id IS NOT NULL AND role IS NOT NULL)),
    CHECK (purpose = 'invite' OR user_id IS NOT NULL)
);
CREATE INDEX account_tokens_user_idx ON account_tokens (user_id, purpose);
CREATE INDEX account_tokens_pending_invites_idx ON account_tokens (organization_id, email)
    WHERE purpose = 'invite' AND used_at IS NULL;
