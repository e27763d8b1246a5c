-- Platform bootstrap: what every registry database needs before its regulation's changesets run.
-- Each "--changeset author:id" block is applied once and recorded in databasechangelog under the
-- file name "platform" (the reference platform's registry-postgres image provides the same objects).
-- Edit with care: an applied block whose text changes is reported as an edited changeset.

--changeset registry-data-factory:type_file
-- A file value: {"id": "<uuid>", "checksum": "<sha256 hex>"}; file[] columns are type_file[].
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'type_file') THEN
        CREATE TYPE type_file AS (id text, checksum text);
    END IF;
END
$$;

--changeset registry-data-factory:uuid_generate_v4
-- Regulations default ids to uuid_generate_v4() (extension uuid-ossp), which embedded PostgreSQL lacks.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'uuid_generate_v4') THEN
        CREATE FUNCTION uuid_generate_v4() RETURNS uuid
            LANGUAGE sql VOLATILE PARALLEL SAFE
            AS 'SELECT gen_random_uuid()';
    END IF;
END
$$;

--changeset registry-data-factory:ddm_files
-- The file catalogue: one row per uploaded file, bound to (entity, entity_id, field) once attached.
CREATE TABLE ddm_files (
    id uuid PRIMARY KEY,
    path_in_storage text NOT NULL,
    bucket text NOT NULL,
    filename text NOT NULL,
    size bigint NOT NULL,
    file_type text NOT NULL,
    checksum text NOT NULL,
    short_name varchar(24) NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text,
    entity text,
    entity_id text,
    field text,
    attached_at timestamptz,
    root_process_instance_id text
);
CREATE INDEX ix_ddm_files_entity ON ddm_files (entity, entity_id, field);

--changeset registry-data-factory:ddm_files_verified_version
-- The S3 version (ETag@Last-Modified) of each file last hashed against its checksum: downloads of
-- that same version need not hash again (registry_api/files/content.py).
ALTER TABLE ddm_files ADD COLUMN verified_version text;

--changeset registry-data-factory:ddm_file_bindings
-- Where each file is used: one row per (entity, entity id, field). A file may be bound to several
-- places (a business process copies the same {id, checksum} from record to record, as on the reference
-- platform); its bytes stay one registry object <fileId>. The one binding each ddm_files row held moves
-- here. unbound_at: when a file lost its last binding (`files prune` collects it after a grace period).
CREATE TABLE ddm_file_bindings (
    file_id uuid NOT NULL REFERENCES ddm_files (id) ON DELETE CASCADE,
    entity text NOT NULL,
    entity_id text NOT NULL,
    field text NOT NULL,
    bound_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (entity, entity_id, field, file_id)
);
CREATE INDEX ix_ddm_file_bindings_file ON ddm_file_bindings (file_id);
INSERT INTO ddm_file_bindings (file_id, entity, entity_id, field, bound_at)
    SELECT id, entity, entity_id, field, coalesce(attached_at, created_at) FROM ddm_files
    WHERE entity IS NOT NULL AND entity_id IS NOT NULL AND field IS NOT NULL;
DROP INDEX ix_ddm_files_entity;
ALTER TABLE ddm_files DROP COLUMN entity, DROP COLUMN entity_id, DROP COLUMN field;
ALTER TABLE ddm_files ADD COLUMN unbound_at timestamptz;

--changeset registry-data-factory:ddm_file_links
-- Signed links for forms (registry_api/files/links.py): what each minted link opens, its uses and
-- whether it was revoked. Uses are counted with one conditional UPDATE, so maxUses holds under races.
CREATE TABLE ddm_file_links (
    id uuid PRIMARY KEY,
    file_id uuid NOT NULL REFERENCES ddm_files (id) ON DELETE CASCADE,
    entity text NOT NULL,
    entity_id text NOT NULL,
    field text NOT NULL,
    checksum text NOT NULL,
    disposition text NOT NULL CHECK (disposition IN ('attachment', 'inline')),
    uses integer NOT NULL DEFAULT 0,
    max_uses integer CHECK (max_uses IS NULL OR max_uses > 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text,
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz
);
CREATE INDEX ix_ddm_file_links_file ON ddm_file_links (file_id);
CREATE INDEX ix_ddm_file_links_expires_at ON ddm_file_links (expires_at);
