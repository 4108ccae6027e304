//! smd's routes under `/hsm/v2`. Handlers are thin: parse, call the store, answer.

pub mod component_endpoints;
pub mod components;
pub mod discover;
pub mod ethernet_interfaces;
pub mod groups;
pub mod hardware;
mod links;
pub mod locks;
pub mod memberships;
pub mod node_maps;
pub mod partitions;
pub mod power_maps;
pub mod redfish_endpoints;
pub mod service;
pub mod service_endpoints;
pub mod subscriptions;
pub mod values;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use links::LINKS;
use ochami_service::http::Problem;
use ochami_service::openapi::{ForGenerators, ProblemResponses};
use ochami_types::Xname;
use serde::Serialize;
use utoipa::OpenApi;

use crate::model;
use crate::AppState;

#[derive(OpenApi)]
#[openapi(
    modifiers(&ProblemResponses, &ForGenerators, &LINKS),
    info(
        title = "ochami smd (HSM v2)",
        description = "State Management Database, wire-compatible with OpenCHAMI smd."
    ),
    paths(
        service::ready,
        service::liveness,
        service::openapi,
        values::values_all,
        values::values_one,
        components::list,
        components::post,
        components::delete_all,
        components::get_one,
        components::put_one,
        components::delete_one,
        components::patch_state,
        components::patch_flag,
        components::patch_enabled,
        components::patch_software_status,
        components::patch_role,
        components::patch_nid,
        components::bulk_state,
        components::bulk_flag,
        components::bulk_enabled,
        components::bulk_software_status,
        components::bulk_role,
        components::bulk_nid,
        components::by_nid,
        components::by_nid_query,
        components::query_post,
        components::query_get,
        ethernet_interfaces::list,
        ethernet_interfaces::post,
        ethernet_interfaces::delete_all,
        ethernet_interfaces::get_one,
        ethernet_interfaces::patch_one,
        ethernet_interfaces::delete_one,
        ethernet_interfaces::ips_get,
        ethernet_interfaces::ips_post,
        ethernet_interfaces::ip_patch,
        ethernet_interfaces::ip_delete,
        redfish_endpoints::list,
        redfish_endpoints::post,
        redfish_endpoints::delete_all,
        redfish_endpoints::get_one,
        redfish_endpoints::put_one,
        redfish_endpoints::patch_one,
        redfish_endpoints::delete_one,
        redfish_endpoints::query_get,
        discover::discover,
        discover::status_all,
        discover::status_one,
        component_endpoints::list,
        component_endpoints::delete_all,
        component_endpoints::get_one,
        component_endpoints::delete_one,
        service_endpoints::list,
        service_endpoints::delete_all,
        service_endpoints::by_service,
        service_endpoints::get_one,
        service_endpoints::delete_one,
        groups::list,
        groups::post,
        groups::labels,
        groups::get_one,
        groups::patch_one,
        groups::delete_one,
        groups::members_get,
        groups::members_post,
        groups::members_put,
        groups::member_delete,
        partitions::list,
        partitions::post,
        partitions::names,
        partitions::get_one,
        partitions::patch_one,
        partitions::delete_one,
        partitions::members_get,
        partitions::members_post,
        partitions::member_delete,
        memberships::list,
        memberships::get_one,
        node_maps::list,
        node_maps::post,
        node_maps::delete_all,
        node_maps::get_one,
        node_maps::put_one,
        node_maps::delete_one,
        power_maps::list,
        power_maps::post,
        power_maps::delete_all,
        power_maps::get_one,
        power_maps::put_one,
        power_maps::delete_one,
        locks::reservations_create,
        locks::reservations_remove,
        locks::reservations_release,
        locks::service_reservations_create,
        locks::service_reservations_renew,
        locks::service_reservations_release,
        locks::service_reservations_check,
        locks::status_get,
        locks::status_post,
        locks::lock,
        locks::unlock,
        locks::repair,
        locks::disable,
        hardware::list,
        hardware::post,
        hardware::delete_all,
        hardware::get_one,
        hardware::delete_one,
        hardware::query_get,
        hardware::history_all,
        hardware::history_delete_all,
        hardware::history_one,
        hardware::history_delete_one,
        hardware::fru_list,
        hardware::fru_delete_all,
        hardware::fru_get,
        hardware::fru_delete,
        hardware::fru_history_all,
        // Not `hardware::fru_history_as_fru_delete`: DELETE HardwareByFRU/History is
        // routed (S30) but not documented, since it can only ever answer 404.
        hardware::fru_history_one,
        hardware::fru_history_delete,
        subscriptions::list,
        subscriptions::post,
        subscriptions::delete_all,
        subscriptions::get_one,
        subscriptions::put_one,
        subscriptions::patch_one,
        subscriptions::delete_one,
    ),
    components(schemas(
        ochami_types::ProblemDetails,
        service::Message,
        values::Values,
        model::component::Component,
        model::component::ComponentArray,
        model::component::ComponentIn,
        model::component::ComponentsPost,
        model::component::ComponentPut,
        model::component::StatePatch,
        model::component::FlagPatch,
        model::component::EnabledPatch,
        model::component::SoftwareStatusPatch,
        model::component::RolePatch,
        model::component::NidPatch,
        model::component::BulkNidPatch,
        model::component::NidEntry,
        model::component::NidQuery,
        model::component::ComponentsQuery,
        model::ethernet_interface::EthernetInterface,
        model::ethernet_interface::IpAddressMapping,
        model::ethernet_interface::IpAddressIn,
        model::ethernet_interface::EthernetInterfaceIn,
        model::ethernet_interface::EthernetInterfacePatch,
        model::ethernet_interface::IpAddressPatch,
        model::redfish_endpoint::RedfishEndpoint,
        model::redfish_endpoint::RedfishEndpointArray,
        model::redfish_endpoint::DiscoveryInfo,
        model::redfish_endpoint::RedfishEndpointIn,
        model::redfish_endpoint::RedfishEndpointPatch,
        model::redfish_endpoint::ResourceUri,
        model::redfish_endpoint::RedfishEndpointArrayIn,
        model::redfish_endpoint::SystemIn,
        model::redfish_endpoint::ManagerIn,
        model::redfish_endpoint::EthernetIn,
        model::redfish_endpoint::PowerIn,
        model::redfish_endpoint::LinksIn,
        model::discovery::DiscoverIn,
        model::discovery::DiscoveryStatus,
        model::redfish_endpoint::NetworkInterfaceIn,
        model::redfish_endpoint::NetworkAdapterIn,
        model::redfish_endpoint::ProcessorIn,
        model::redfish_endpoint::MemoryIn,
        model::component_endpoint::ComponentEndpoint,
        model::component_endpoint::ComponentEndpointArray,
        model::component_endpoint::ServiceEndpoint,
        model::component_endpoint::ServiceEndpointArray,
        model::group::Members,
        model::group::Group,
        model::group::Partition,
        model::group::MembersIn,
        model::group::GroupIn,
        model::group::PartitionIn,
        model::group::GroupPatch,
        model::group::MemberIn,
        model::group::Membership,
        model::node_map::NodeMap,
        model::node_map::NodeMapArray,
        model::node_map::NodeMapIn,
        model::node_map::NodeMapArrayIn,
        model::power_map::PowerMap,
        model::power_map::PowerMapIn,
        model::lock::LockFilter,
        model::lock::BoolOrStr,
        model::lock::IntOrStr,
        model::lock::XnameWithKey,
        model::lock::ReservationKeys,
        model::lock::DeputyKeys,
        model::lock::ReservationSuccess,
        model::lock::LockFailure,
        model::lock::ReservationResult,
        model::lock::Counts,
        model::lock::ComponentIds,
        model::lock::UpdateResult,
        model::lock::LockStatus,
        model::lock::LockStatusArray,
        model::hardware::HwInvByLoc,
        model::hardware::HwInvByFru,
        model::hardware::HwInvIn,
        model::hardware::HwInvByLocIn,
        model::hardware::HwInvByFruIn,
        model::hardware::HwInvHist,
        model::hardware::HwInvHistArray,
        model::hardware::HwInvHistResp,
        model::hardware::SystemHwInventory,
        model::subscription::Subscription,
        model::subscription::SubscriptionList,
        model::subscription::SubscriptionIn,
        model::subscription::SubscriptionPatch,
        model::subscription::ScnPayload,
    ))
)]
pub struct ApiDoc;

/// The document as committed in `openapi/smd.json` (with its final newline),
/// made once.
pub fn openapi_json() -> &'static str {
    static DOC: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| ochami_service::openapi::to_json(&ApiDoc::openapi()));
    &DOC
}

/// Routes OpenCHAMI keeps open when auth is on (cmd/smd/routers.go): health,
/// the enum values, `GET State/Components` and `GET Inventory/EthernetInterfaces`
/// (which DHCP servers and BSS read), and `/metrics`; and this API's document.
pub fn is_public(method: &actix_web::http::Method, path: &str) -> bool {
    use actix_web::http::Method;
    let read = *method == Method::GET || *method == Method::HEAD;
    path == "/hsm/v2/service/ready"
        || path == "/hsm/v2/service/liveness"
        || path == "/hsm/v2/openapi.json"
        || path.starts_with("/hsm/v2/service/values")
        || path == "/metrics"
        || (read
            && (path == "/hsm/v2/State/Components"
                || path == "/hsm/v2/Inventory/EthernetInterfaces"))
}

pub fn configure(cfg: &mut web::ServiceConfig, state: web::Data<AppState>) {
    cfg.app_data(state)
        .app_data(web::PayloadConfig::new(ochami_service::http::MAX_BODY))
        .service(
            web::scope("/hsm/v2")
                .configure(service::routes)
                .configure(values::routes)
                .configure(components::routes)
                .configure(ethernet_interfaces::routes)
                .configure(redfish_endpoints::routes)
                .configure(discover::routes)
                .configure(component_endpoints::routes)
                .configure(service_endpoints::routes)
                .configure(groups::routes)
                .configure(partitions::routes)
                .configure(memberships::routes)
                .configure(node_maps::routes)
                .configure(power_maps::routes)
                .configure(locks::routes)
                .configure(hardware::routes)
                .configure(subscriptions::routes),
        );
}

/// A JSON response as Go's json.Encoder writes it (trailing newline).
pub fn json<T: Serialize + ?Sized>(status: StatusCode, body: &T) -> HttpResponse {
    let mut bytes = Vec::with_capacity(256);
    if let Err(e) = serde_json::to_writer(&mut bytes, body) {
        tracing::error!(error = %e, "response does not serialise");
        return actix_web::ResponseError::error_response(&Problem::internal(
            "response does not serialise",
        ));
    }
    bytes.push(b'\n');
    HttpResponse::build(status)
        .content_type("application/json")
        .body(bytes)
}

/// `{"code":0,"message":..}` with 200.
pub fn ok_message(msg: impl Into<String>) -> HttpResponse {
    service::message(StatusCode::OK, 0, msg)
}

/// "deleted N entries" (404 "no entries to delete" when N is 0), as OpenCHAMI.
pub fn deleted(n: u64) -> Result<HttpResponse, Problem> {
    if n == 0 {
        Err(Problem::not_found("no entries to delete"))
    } else {
        Ok(ok_message(format!("deleted {n} entries")))
    }
}

/// An xname from the URL path: 400 naming it when malformed.
pub fn xname_param(raw: &str) -> Result<Xname, Problem> {
    raw.parse::<Xname>()
        .map_err(|e| Problem::bad_request(e.to_string()))
}

/// OpenCHAMI's hmsds sentences for a bad argument (`hmsds-api.go`); handlers
/// answer them exactly and log what was wrong.
pub mod hms_text {
    pub const BAD_ID: &str = "Argument was not a valid xname ID";
    pub const BAD_TYPE: &str = "Argument was not a valid HMS Type";
    pub const BAD_STATE: &str = "Argument was not a valid HMS State";
    pub const BAD_FLAG: &str = "Argument was not a valid HMS Flag";
    pub const BAD_ROLE: &str = "Argument was not a valid HMS Role";
    pub const BAD_SUBROLE: &str = "Argument was not a valid HMS SubRole";
    pub const BAD_ARCH: &str = "Argument was not a valid HMS Arch";
    pub const BAD_CLASS: &str = "Argument was not a valid HMS Class";
    pub const NO_MATCH: &str = "a required argument did not match any valid input";
    pub const NOT_AN_INT: &str = "a required argument was not an integer";
}

/// Each value parsed as `T` and mapped by `canon`, or 400 `<prefix><text>`
/// with the value and the parse error in the log line.
pub fn each<T, U>(
    values: &[String],
    prefix: &str,
    text: &str,
    canon: impl Fn(T) -> U,
) -> Result<Vec<U>, Problem>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    values
        .iter()
        .map(|v| {
            v.trim().parse::<T>().map(&canon).map_err(|e| {
                Problem::bad_request(format!("{prefix}{text}")).because(format_args!("'{v}': {e}"))
            })
        })
        .collect()
}

/// The canonical text of a parsed value.
pub fn text<T: std::fmt::Display>(v: T) -> String {
    v.to_string()
}

/// An xname from the URL, or 400 `detail` (OpenCHAMI's words for the route,
/// e.g. `invalid xname`) with the reason in the log line.
pub fn xname_or(raw: &str, detail: &str) -> Result<Xname, Problem> {
    raw.trim()
        .parse::<Xname>()
        .map_err(|e| Problem::bad_request(detail).because(e))
}

/// A member xname of a group or partition (URL or body): 400
/// `invalid xname ID` when malformed, as OpenCHAMI.
pub fn member_id(raw: &str) -> Result<Xname, Problem> {
    xname_or(raw, "invalid xname ID")
}

/// A boolean as Go's strconv.ParseBool reads it.
pub struct GoBool(pub bool);

impl std::str::FromStr for GoBool {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(GoBool(true)),
            "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(GoBool(false)),
            _ => Err(format!("'{s}' is not a boolean")),
        }
    }
}
