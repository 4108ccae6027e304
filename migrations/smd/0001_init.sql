-- smd schema, version 1: HSM v2 state and inventory.
-- IDs are normalised xnames (lower case, no leading zeros) in the "C"
-- collation, so prefix searches (a component and its descendants) use the
-- primary-key index.

-- State/Components.
CREATE TABLE components (
    id                   TEXT COLLATE "C" PRIMARY KEY,
    type                 TEXT NOT NULL,
    state                TEXT NOT NULL DEFAULT 'Unknown',
    flag                 TEXT NOT NULL DEFAULT 'OK',
    enabled              BOOLEAN NOT NULL DEFAULT TRUE,
    software_status      TEXT NOT NULL DEFAULT '',
    role                 TEXT NOT NULL DEFAULT '',
    sub_role             TEXT NOT NULL DEFAULT '',
    nid                  BIGINT,
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

-- Inventory/RedfishEndpoints: one per BMC (or other controller).
CREATE TABLE redfish_endpoints (
    id                     TEXT COLLATE "C" PRIMARY KEY,
    type                   TEXT NOT NULL,
    name                   TEXT NOT NULL DEFAULT '',
    hostname               TEXT NOT NULL DEFAULT '',
    domain                 TEXT NOT NULL DEFAULT '',
    fqdn                   TEXT NOT NULL UNIQUE,
    enabled                BOOLEAN NOT NULL DEFAULT TRUE,
    uuid                   TEXT NOT NULL DEFAULT '',
    username               TEXT NOT NULL DEFAULT '',
    password               TEXT NOT NULL DEFAULT '',
    use_ssdp               BOOLEAN NOT NULL DEFAULT FALSE,
    mac_required           BOOLEAN NOT NULL DEFAULT FALSE,
    mac_addr               TEXT NOT NULL DEFAULT '',
    ip_address             TEXT NOT NULL DEFAULT '',
    rediscover_on_update   BOOLEAN NOT NULL DEFAULT FALSE,
    template_id            TEXT NOT NULL DEFAULT '',
    last_discovery_attempt TIMESTAMPTZ,
    last_discovery_status  TEXT NOT NULL DEFAULT 'NotYetQueried',
    redfish_version        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX redfish_endpoints_type_idx ON redfish_endpoints (type);
CREATE INDEX redfish_endpoints_mac_idx ON redfish_endpoints (mac_addr);

-- Inventory/ComponentEndpoints: how a component is reached through its
-- RedfishEndpoint. `info` holds the type-specific block under its JSON name
-- (e.g. {"RedfishSystemInfo": {...}}).
CREATE TABLE component_endpoints (
    id                  TEXT COLLATE "C" PRIMARY KEY,
    type                TEXT NOT NULL,
    domain              TEXT NOT NULL DEFAULT '',
    fqdn                TEXT NOT NULL DEFAULT '',
    redfish_type        TEXT NOT NULL,
    redfish_subtype     TEXT NOT NULL DEFAULT '',
    mac_addr            TEXT NOT NULL DEFAULT '',
    uuid                TEXT NOT NULL DEFAULT '',
    odata_id            TEXT NOT NULL DEFAULT '',
    redfish_endpoint_id TEXT COLLATE "C" NOT NULL
                        REFERENCES redfish_endpoints (id) ON DELETE CASCADE,
    enabled             BOOLEAN NOT NULL DEFAULT TRUE,
    info                JSONB NOT NULL DEFAULT '{}'
);
CREATE INDEX component_endpoints_rfep_idx ON component_endpoints (redfish_endpoint_id);
CREATE INDEX component_endpoints_type_idx ON component_endpoints (type);

-- Inventory/ServiceEndpoints: Redfish services (UpdateService, ...) per endpoint.
CREATE TABLE service_endpoints (
    redfish_endpoint_id TEXT COLLATE "C" NOT NULL
                        REFERENCES redfish_endpoints (id) ON DELETE CASCADE,
    redfish_type        TEXT NOT NULL,
    redfish_subtype     TEXT NOT NULL DEFAULT '',
    uuid                TEXT NOT NULL DEFAULT '',
    odata_id            TEXT NOT NULL DEFAULT '',
    service_info        JSONB,
    PRIMARY KEY (redfish_type, redfish_endpoint_id)
);

-- Inventory/EthernetInterfaces: id = MAC as 12 lower-case hex digits.
CREATE TABLE ethernet_interfaces (
    id           TEXT COLLATE "C" PRIMARY KEY,
    description  TEXT NOT NULL DEFAULT '',
    mac_addr     TEXT NOT NULL UNIQUE,
    last_update  TIMESTAMPTZ NOT NULL DEFAULT now(),
    component_id TEXT COLLATE "C" NOT NULL DEFAULT '',
    type         TEXT NOT NULL DEFAULT '',
    ip_addresses JSONB NOT NULL DEFAULT '[]'
);
CREATE INDEX ethernet_interfaces_component_idx ON ethernet_interfaces (component_id);
CREATE INDEX ethernet_interfaces_type_idx ON ethernet_interfaces (type);
CREATE INDEX ethernet_interfaces_ips_idx ON ethernet_interfaces USING GIN (ip_addresses jsonb_path_ops);
