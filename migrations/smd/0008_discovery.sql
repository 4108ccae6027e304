-- Inventory/DiscoveryStatus: the state of smd's own Redfish walks of BMCs
-- (on with SMD_ENABLE_DISCOVERY). As in HSM, one entry, ID 0, reports every
-- walk; `running` counts the batches of walks under way, so the entry says
-- InProgress until the last one ends, then Complete.
CREATE TABLE discovery_status (
    id          INTEGER PRIMARY KEY CHECK (id >= 0),
    status      TEXT NOT NULL,
    last_update TIMESTAMPTZ NOT NULL DEFAULT now(),
    details     JSONB,
    running     INTEGER NOT NULL DEFAULT 0 CHECK (running >= 0)
);
INSERT INTO discovery_status (id, status) VALUES (0, 'NotStarted');
