-- smd schema, version 2: groups and partitions (HSM v2 /groups, /partitions,
-- /memberships). Both live in one table, told apart by `kind`, as in
-- OpenCHAMI's hmsds. A member row carries a `namespace` and a component may
-- appear at most once per namespace:
--   partition           -> '%%partition%%'        (one partition per component)
--   exclusive group     -> '%' || exclusive_group || '%'
--   plain group         -> the group's own label
-- Labels match ^[-a-z0-9:._]+$, so they never collide with the '%' forms.

CREATE TABLE component_groups (
    kind            TEXT NOT NULL CHECK (kind IN ('group', 'partition')),
    name            TEXT COLLATE "C" NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    exclusive_group TEXT NOT NULL DEFAULT '',
    tags            TEXT[] NOT NULL DEFAULT '{}',
    CONSTRAINT component_groups_pkey PRIMARY KEY (kind, name)
);
CREATE INDEX component_groups_tags_idx ON component_groups USING GIN (tags);

CREATE TABLE component_group_members (
    kind         TEXT NOT NULL,
    name         TEXT COLLATE "C" NOT NULL,
    component_id TEXT COLLATE "C" NOT NULL
                 REFERENCES components (id) ON DELETE CASCADE,
    namespace    TEXT NOT NULL,
    CONSTRAINT component_group_members_pkey PRIMARY KEY (kind, name, component_id),
    CONSTRAINT component_group_members_namespace_key UNIQUE (component_id, namespace),
    FOREIGN KEY (kind, name) REFERENCES component_groups (kind, name) ON DELETE CASCADE
);
CREATE INDEX component_group_members_component_idx ON component_group_members (component_id);
