-- The media library (not in the spec's schema). A row is created `pending` when an upload is
-- authorised (its declared size reserves quota), and becomes `ready` once the object has been
-- checked: real type sniffed from its bytes, size and dimensions read.

CREATE TABLE media_assets (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    uploaded_by UUID REFERENCES users(id) ON DELETE SET NULL,
    s3_key TEXT NOT NULL UNIQUE,
    original_name VARCHAR(255) NOT NULL CHECK (btrim(original_name) <> ''),
    mime_type VARCHAR(100) NOT NULL
        CHECK (mime_type IN ('image/jpeg', 'image/png', 'image/gif', 'image/webp', 'video/mp4',
                             'video/quicktime')),
    bytes BIGINT NOT NULL CHECK (bytes > 0 AND bytes <= 104857600),
    width INTEGER CHECK (width > 0),
    height INTEGER CHECK (height > 0),
    duration_ms BIGINT CHECK (duration_ms >= 0),
    alt_text TEXT CHECK (char_length(alt_text) <= 1000),
    tags TEXT[] NOT NULL DEFAULT '{}',
    -- [{platform, key, mime_type, width, height, bytes}]
    variants JSONB NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(variants) = 'array'),
    variants_bytes BIGINT NOT NULL DEFAULT 0 CHECK (variants_bytes >= 0),
    status VARCHAR(20) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'ready')),
    multipart_upload_id TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    confirmed_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    CHECK (status = 'pending' OR confirmed_at IS NOT NULL)
);
CREATE INDEX media_assets_library_idx
    ON media_assets (organization_id, created_at DESC, id DESC) WHERE status = 'ready';
CREATE INDEX media_assets_tags_idx ON media_assets USING GIN (tags);
CREATE INDEX media_assets_pending_idx ON media_assets (created_at) WHERE status = 'pending';
CREATE TRIGGER media_assets_updated_at BEFORE UPDATE ON media_assets
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Posts refer to library media by asset id in `media_urls` (a JSON array); this finds the
-- scheduled posts that still need an asset.
CREATE INDEX posts_media_idx ON posts USING GIN (media_urls jsonb_path_ops);
