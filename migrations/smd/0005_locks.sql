-- smd schema, version 5: component reservations (HSM v2 /locks).
-- A component's lock and reservation-disabled flags live on `components`
-- (columns `locked`, `reservation_disabled`, since version 1); this table holds
-- at most one reservation per component.
--   expires IS NULL  -> an admin reservation (POST /locks/reservations), which
--                       never expires;
--   expires NOT NULL -> a service reservation, which counts only while
--                       expires > now().
-- Expiry is evaluated in every statement that reads a reservation, so no
-- reaper is needed; a lapsed row is deleted by the next write that targets its
-- component. Keys are '<xname>:dk:<uuid>' / '<xname>:rk:<uuid>' as in
-- OpenCHAMI smd (internal/hmsds InsertCompReservationsTx).

CREATE TABLE reservations (
    component_id    TEXT COLLATE "C" PRIMARY KEY
                    REFERENCES components (id) ON DELETE CASCADE,
    created         TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires         TIMESTAMPTZ,
    deputy_key      TEXT NOT NULL UNIQUE,
    reservation_key TEXT NOT NULL UNIQUE
);
CREATE INDEX reservations_expires_idx ON reservations (expires) WHERE expires IS NOT NULL;
