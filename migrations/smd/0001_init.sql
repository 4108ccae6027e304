-- smd schema, version 1: components (HSM State/Components).
CREATE TABLE components (
    id                   TEXT PRIMARY KEY,          -- normalised xname
    type                 TEXT NOT NULL,
    state                TEXT NOT NULL DEFAULT 'Unknown',
    flag                 TEXT NOT NULL DEFAULT 'OK',
    enabled              BOOLEAN NOT NULL DEFAULT TRUE,
    software_status      TEXT NOT NULL DEFAULT '',
    role                 TEXT NOT NULL DEFAULT '',
    sub_role             TEXT NOT NULL DEFAULT '',
    nid                  INTEGER,
    subtype              TEXT NOT NULL DEFAULT '',
    net_type             TEXT NOT NULL DEFAULT '',
    arch                 TEXT NOT NULL DEFAULT '',
    class                TEXT NOT NULL DEFAULT '',
    reservation_disabled BOOLEAN NOT NULL DEFAULT FALSE,
    locked               BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX components_type_idx ON components (type);
CREATE INDEX components_state_idx ON components (state);
CREATE INDEX components_role_idx ON components (role);
CREATE INDEX components_nid_idx ON components (nid);
