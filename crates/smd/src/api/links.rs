//! The document's `links`: which operation reads, changes or deletes what a
//! create operation made, and with which of its values (OpenAPI runtime
//! expressions). Clients and schemathesis' stateful phase follow them.

use ochami_service::openapi::{Link, Links};

/// A link that passes one parameter taken from the create request.
const fn by(
    from: &'static str,
    status: &'static str,
    to: &'static str,
    p: &'static [(&'static str, &'static str)],
) -> Link {
    Link {
        from,
        status,
        to,
        parameters: p,
        body: None,
    }
}

const COMPONENT: &[(&str, &str)] = &[("xname", "$request.body#/Components/0/ID")];
const ENDPOINT: &[(&str, &str)] = &[("xname", "$request.body#/ID")];
const GROUP: &[(&str, &str)] = &[("label", "$request.body#/label")];
const PARTITION: &[(&str, &str)] = &[("name", "$request.body#/name")];
const NODE_MAP: &[(&str, &str)] = &[("xname", "$request.body#/NodeMaps/0/ID")];
const POWER_MAP: &[(&str, &str)] = &[("xname", "$request.body#/0/id")];
const LOCATION: &[(&str, &str)] = &[("xname", "$request.body#/Hardware/0/ID")];
const SUBSCRIPTION: &[(&str, &str)] = &[("id", "$response.body#/ID")];
const GROUP_MEMBER: &[(&str, &str)] = &[
    ("group_label", "$request.path.group_label"),
    ("xname", "$request.body#/id"),
];
const PARTITION_MEMBER: &[(&str, &str)] = &[
    ("partition_name", "$request.path.partition_name"),
    ("xname", "$request.body#/id"),
];

pub const LINKS: Links = Links(&[
    by("doComponentsPost", "204", "doComponentGet", COMPONENT),
    by("doComponentsPost", "204", "doComponentPut", COMPONENT),
    by("doComponentsPost", "204", "doComponentDelete", COMPONENT),
    by("doComponentsPost", "204", "doCompStatePatch", COMPONENT),
    by(
        "doRedfishEndpointsPost",
        "201",
        "doRedfishEndpointGet",
        ENDPOINT,
    ),
    by(
        "doRedfishEndpointsPost",
        "201",
        "doRedfishEndpointPatch",
        ENDPOINT,
    ),
    by(
        "doRedfishEndpointsPost",
        "201",
        "doRedfishEndpointDelete",
        ENDPOINT,
    ),
    by(
        "doRedfishEndpointsPost",
        "201",
        "doComponentEndpointGet",
        ENDPOINT,
    ),
    by("doGroupsPost", "201", "doGroupGet", GROUP),
    by("doGroupsPost", "201", "doGroupPatch", GROUP),
    by("doGroupsPost", "201", "doGroupDelete", GROUP),
    by(
        "doGroupMembersPost",
        "201",
        "doGroupMemberDelete",
        GROUP_MEMBER,
    ),
    by("doPartitionsPost", "201", "doPartitionGet", PARTITION),
    by("doPartitionsPost", "201", "doPartitionPatch", PARTITION),
    by("doPartitionsPost", "201", "doPartitionDelete", PARTITION),
    by(
        "doPartitionMembersPost",
        "201",
        "doPartitionMemberDelete",
        PARTITION_MEMBER,
    ),
    by("doNodeMapPost", "200", "doNodeMapGet", NODE_MAP),
    by("doNodeMapPost", "200", "doNodeMapDelete", NODE_MAP),
    by("doPowerMapsPost", "200", "doPowerMapGet", POWER_MAP),
    by("doPowerMapsPost", "200", "doPowerMapDelete", POWER_MAP),
    by(
        "doHWInvByLocationPost",
        "200",
        "doHWInvByLocationGet",
        LOCATION,
    ),
    by(
        "doHWInvByLocationPost",
        "200",
        "doHWInvByLocationDelete",
        LOCATION,
    ),
    by(
        "doPostSCNSubscription",
        "200",
        "doGetSCNSubscription",
        SUBSCRIPTION,
    ),
    by(
        "doPostSCNSubscription",
        "200",
        "doDeleteSCNSubscription",
        SUBSCRIPTION,
    ),
]);
