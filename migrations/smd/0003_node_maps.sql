-- smd schema, version 3: Defaults/NodeMaps — default NID, Role and SubRole
-- of a node, applied when the node is created. A NID belongs to at most one
-- map (checked at commit, so a bulk POST may swap NIDs).
CREATE TABLE node_maps (
    id        TEXT COLLATE "C" PRIMARY KEY,
    nid       BIGINT NOT NULL,
    role      TEXT NOT NULL DEFAULT '',
    sub_role  TEXT NOT NULL DEFAULT '',
    node_info JSONB,
    CONSTRAINT node_maps_nid_key UNIQUE (nid) DEFERRABLE INITIALLY DEFERRED
);
