-- smd schema, version 4: sysinfo/powermaps — which components (PDU outlets,
-- power supplies) power a component.
CREATE TABLE power_maps (
    id         TEXT COLLATE "C" PRIMARY KEY,
    powered_by TEXT[] NOT NULL DEFAULT '{}'
);
