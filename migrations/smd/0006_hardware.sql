-- smd schema, version 6: hardware inventory (HSM v2 /Inventory/Hardware,
-- /Inventory/HardwareByFRU and their History), as OpenCHAMI's hmsds keeps it:
-- a location (xname) optionally populated by a FRU, the type-specific Redfish
-- details stored as JSON, and an append-only event log.

CREATE TABLE hwinv_by_fru (
    fru_id   TEXT COLLATE "C" PRIMARY KEY,
    type     TEXT NOT NULL,
    subtype  TEXT NOT NULL DEFAULT '',
    fru_info JSONB NOT NULL DEFAULT '{}'
);

CREATE TABLE hwinv_by_loc (
    id            TEXT COLLATE "C" PRIMARY KEY,
    type          TEXT NOT NULL,
    ordinal       INTEGER NOT NULL DEFAULT 0,
    -- The node a node subcomponent (processor, DIMM, NIC, ...) belongs to; ''
    -- otherwise. Partition filters match on it.
    parent_node   TEXT COLLATE "C" NOT NULL DEFAULT '',
    location_info JSONB NOT NULL DEFAULT '{}',
    -- NULL: the location is Empty.
    fru_id        TEXT COLLATE "C" REFERENCES hwinv_by_fru (fru_id) ON DELETE SET NULL
);
CREATE INDEX hwinv_by_loc_fru_idx ON hwinv_by_loc (fru_id);
CREATE INDEX hwinv_by_loc_parent_node_idx ON hwinv_by_loc (parent_node);

CREATE TABLE hwinv_hist (
    seq        BIGSERIAL PRIMARY KEY,
    id         TEXT COLLATE "C" NOT NULL,
    fru_id     TEXT COLLATE "C" NOT NULL,
    event_type TEXT NOT NULL CHECK (event_type IN ('Added', 'Removed', 'Scanned', 'Detected')),
    timestamp  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX hwinv_hist_id_idx ON hwinv_hist (id, seq);
CREATE INDEX hwinv_hist_fru_idx ON hwinv_hist (fru_id, seq);
