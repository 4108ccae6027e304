-- smd schema, version 7: state change notification (SCN) subscriptions and
-- their delivery outbox.
--
-- Components change through many write paths (PATCH, bulk PATCH, PUT/POST,
-- Redfish inventory ingestion, ...). Rather than trust every one of them to
-- remember SCNs, statement-level triggers on `components` compare the old and
-- new rows and queue one notification per subscriber URL and per group of
-- components with the same change, in the SAME transaction as the change: a
-- notification exists exactly when its change was committed, and survives a
-- restart. smd's delivery worker (woken by NOTIFY ochami_scn, else by a poll)
-- POSTs the queue (`FOR UPDATE SKIP LOCKED`, so several smd instances never
-- deliver one row twice).

-- Subscriptions/SCN: HSM's SCNSubscription. Trigger lists hold canonical
-- spellings (States, Roles, SubRoles) or the caller's text (SoftwareStatus);
-- matching is case-insensitive, as HSM lower-cases both sides.
CREATE TABLE scn_subscriptions (
    id              BIGSERIAL PRIMARY KEY,
    subscriber      TEXT NOT NULL,
    url             TEXT NOT NULL,
    enabled         BOOLEAN,
    roles           TEXT[] NOT NULL DEFAULT '{}',
    sub_roles       TEXT[] NOT NULL DEFAULT '{}',
    software_status TEXT[] NOT NULL DEFAULT '{}',
    states          TEXT[] NOT NULL DEFAULT '{}',
    UNIQUE (subscriber, url)
);

-- Notifications waiting for delivery, oldest first per URL. Deleting the
-- subscription drops what was still queued for it.
CREATE TABLE scn_outbox (
    id              BIGSERIAL PRIMARY KEY,
    subscription_id BIGINT NOT NULL REFERENCES scn_subscriptions (id) ON DELETE CASCADE,
    url             TEXT NOT NULL,
    body            JSONB NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt    TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- The queuing transaction: delivery merges one transaction's rows that
    -- carry the same change (several statements of one write) into one SCN.
    txid            BIGINT NOT NULL DEFAULT txid_current(),
    created         TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX scn_outbox_url_idx ON scn_outbox (url, id);

-- `lower(x) = ANY(lower(list))` for text arrays.
CREATE FUNCTION scn_in(list TEXT[], x TEXT) RETURNS BOOLEAN
LANGUAGE sql IMMUTABLE AS $$
    SELECT x <> '' AND EXISTS (SELECT 1 FROM unnest(list) v WHERE lower(v) = lower(x))
$$;

-- Queue `events` (kind, body) for every matching subscription, once per URL.
-- kind: 'state' (State+Flag), 'role' (Role+SubRole), 'swstatus', 'enabled'.
CREATE FUNCTION scn_queue(events JSONB) RETURNS VOID
LANGUAGE sql AS $$
    INSERT INTO scn_outbox (subscription_id, url, body)
    SELECT DISTINCT ON (e.ord, s.url) s.id, s.url, e.ev->'body'
    FROM jsonb_array_elements(events) WITH ORDINALITY AS e(ev, ord)
    JOIN scn_subscriptions s ON
        CASE e.ev->>'kind'
            WHEN 'state' THEN scn_in(s.states, e.ev->'body'->>'State')
            WHEN 'role' THEN scn_in(s.roles, e.ev->'body'->>'Role')
                          OR scn_in(s.sub_roles, e.ev->'body'->>'SubRole')
            WHEN 'swstatus' THEN scn_in(s.software_status, e.ev->'body'->>'SoftwareStatus')
            WHEN 'enabled' THEN s.enabled IS TRUE
            ELSE FALSE
        END
    ORDER BY e.ord, s.url, s.id
$$;

CREATE FUNCTION scn_components_updated() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
DECLARE
    events JSONB;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM scn_subscriptions) THEN
        RETURN NULL;
    END IF;
    WITH ch AS (
        SELECT n.id, n.state, n.flag, n.enabled, n.software_status, n.role, n.sub_role,
               (n.state IS DISTINCT FROM o.state OR n.flag IS DISTINCT FROM o.flag) AS state_changed,
               (n.role IS DISTINCT FROM o.role OR n.sub_role IS DISTINCT FROM o.sub_role) AS role_changed,
               (n.software_status IS DISTINCT FROM o.software_status) AS sw_changed,
               (n.enabled IS DISTINCT FROM o.enabled) AS enabled_changed
        FROM scn_new n JOIN scn_old o ON o.id = n.id
    ), ev AS (
        SELECT 1 AS k, state AS a, flag AS b, jsonb_build_object('kind', 'state', 'body',
            jsonb_strip_nulls(jsonb_build_object('Components', jsonb_agg(id ORDER BY id),
                'State', NULLIF(state, ''), 'Flag', NULLIF(flag, '')))) AS e
        FROM ch WHERE state_changed GROUP BY state, flag
        UNION ALL
        SELECT 2, role, sub_role, jsonb_build_object('kind', 'role', 'body',
            jsonb_strip_nulls(jsonb_build_object('Components', jsonb_agg(id ORDER BY id),
                'Role', NULLIF(role, ''), 'SubRole', NULLIF(sub_role, ''))))
        FROM ch WHERE role_changed GROUP BY role, sub_role
        UNION ALL
        SELECT 3, software_status, '', jsonb_build_object('kind', 'swstatus', 'body',
            jsonb_strip_nulls(jsonb_build_object('Components', jsonb_agg(id ORDER BY id),
                'SoftwareStatus', NULLIF(software_status, ''))))
        FROM ch WHERE sw_changed GROUP BY software_status
        UNION ALL
        SELECT 4, enabled::text, '', jsonb_build_object('kind', 'enabled', 'body',
            jsonb_build_object('Components', jsonb_agg(id ORDER BY id), 'Enabled', enabled))
        FROM ch WHERE enabled_changed GROUP BY enabled
    )
    SELECT jsonb_agg(e ORDER BY k, a, b) INTO events FROM ev;
    IF events IS NOT NULL THEN
        PERFORM scn_queue(events);
        -- Wakes the delivery workers when (and only if) this commits.
        PERFORM pg_notify('ochami_scn', '');
    END IF;
    RETURN NULL;
END
$$;

-- New components announce their state (and role, when they have one).
CREATE FUNCTION scn_components_inserted() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
DECLARE
    events JSONB;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM scn_subscriptions) THEN
        RETURN NULL;
    END IF;
    WITH ev AS (
        SELECT 1 AS k, state AS a, flag AS b, jsonb_build_object('kind', 'state', 'body',
            jsonb_strip_nulls(jsonb_build_object('Components', jsonb_agg(id ORDER BY id),
                'State', NULLIF(state, ''), 'Flag', NULLIF(flag, '')))) AS e
        FROM scn_new GROUP BY state, flag
        UNION ALL
        SELECT 2, role, sub_role, jsonb_build_object('kind', 'role', 'body',
            jsonb_strip_nulls(jsonb_build_object('Components', jsonb_agg(id ORDER BY id),
                'Role', NULLIF(role, ''), 'SubRole', NULLIF(sub_role, ''))))
        FROM scn_new WHERE role <> '' OR sub_role <> '' GROUP BY role, sub_role
    )
    SELECT jsonb_agg(e ORDER BY k, a, b) INTO events FROM ev;
    IF events IS NOT NULL THEN
        PERFORM scn_queue(events);
        -- Wakes the delivery workers when (and only if) this commits.
        PERFORM pg_notify('ochami_scn', '');
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER components_scn_update
    AFTER UPDATE ON components
    REFERENCING OLD TABLE AS scn_old NEW TABLE AS scn_new
    FOR EACH STATEMENT EXECUTE FUNCTION scn_components_updated();

CREATE TRIGGER components_scn_insert
    AFTER INSERT ON components
    REFERENCING NEW TABLE AS scn_new
    FOR EACH STATEMENT EXECUTE FUNCTION scn_components_inserted();
