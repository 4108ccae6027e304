-- bss schema, version 1: boot configurations and who boots them.
-- A boot config is kernel + initrd + params (+ cloud-init); it is assigned to
-- any number of keys: an xname host, a MAC, a NID, a role, `Default` or
-- `Unknown-<arch>`. Each key has at most one config.
CREATE TABLE boot_configs (
    id         BIGSERIAL PRIMARY KEY,
    kernel     TEXT NOT NULL DEFAULT '',
    initrd     TEXT NOT NULL DEFAULT '',
    params     TEXT NOT NULL DEFAULT '',
    cloud_init JSONB,
    referral_token TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE boot_keys (
    kind      TEXT NOT NULL CHECK (kind IN ('host', 'mac', 'nid')),
    key       TEXT NOT NULL,
    config_id BIGINT NOT NULL REFERENCES boot_configs (id) ON DELETE CASCADE,
    PRIMARY KEY (kind, key)
);
CREATE INDEX boot_keys_config_idx ON boot_keys (config_id);

CREATE TABLE endpoint_access (
    name       TEXT NOT NULL,
    endpoint   TEXT NOT NULL,
    last_epoch BIGINT NOT NULL,
    PRIMARY KEY (name, endpoint)
);
