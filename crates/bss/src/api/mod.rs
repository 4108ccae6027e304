//! bss's routes: `/boot/v1/*` and cloud-init's `/meta-data`, `/user-data`,
//! `/phone-home`. Handlers are thin: parse, call the store or caches, answer.

pub mod bootparameters;
pub mod bootscript;
pub mod cloud_init;
pub mod history;
pub mod hosts;
pub mod scn;
pub mod service;

use actix_web::{web, HttpRequest};
use ochami_service::openapi::{ForGenerators, Link, Links, ProblemResponses};
use utoipa::OpenApi;

use crate::{AppState, Config};

#[derive(OpenApi)]
#[openapi(
    modifiers(&ProblemResponses, &ForGenerators, &LINKS),
    info(
        title = "ochami bss",
        description = "Boot Script Service, wire-compatible with OpenCHAMI bss."
    ),
    paths(
        bootparameters::get,
        bootparameters::post,
        bootparameters::put,
        bootparameters::patch,
        bootparameters::delete,
        bootscript::bootscript,
        hosts::get,
        hosts::post,
        hosts::dumpstate,
        history::get,
        cloud_init::meta_data,
        cloud_init::user_data,
        cloud_init::phone_home,
        service::status,
        service::version,
        service::status_all,
        service::hsm,
        service::storage_status,
        service::openapi,
        scn::post
    ),
    components(schemas(
        ochami_types::ProblemDetails,
        service::Status,
        crate::model::BootParams,
        crate::model::CloudInit,
        crate::model::PhoneHome,
        crate::model::EndpointAccess,
        bootscript::BootData,
        bootscript::Image,
        hosts::Dump,
        crate::model::Scn
    ))
)]
pub struct ApiDoc;

/// What reads, changes and deletes the boot parameters a POST created: by
/// its first MAC, or with the same body.
const LINKS: Links = Links(&[
    Link {
        from: "bootparameters_post",
        status: "201",
        to: "bootparameters_get",
        parameters: &[("mac", "$request.body#/macs/0")],
        body: None,
    },
    Link {
        from: "bootparameters_post",
        status: "201",
        to: "bootscript_get",
        parameters: &[("mac", "$request.body#/macs/0")],
        body: None,
    },
    Link {
        from: "bootparameters_post",
        status: "201",
        to: "bootparameters_patch",
        parameters: &[],
        body: Some("$request.body"),
    },
    Link {
        from: "bootparameters_post",
        status: "201",
        to: "bootparameters_delete",
        parameters: &[],
        body: Some("$request.body"),
    },
]);

/// The document as committed in `openapi/bss.json` (with its final newline),
/// made once.
pub fn openapi_json() -> &'static str {
    static DOC: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| ochami_service::openapi::to_json(&ApiDoc::openapi()));
    &DOC
}

/// OpenCHAMI bss protects only `/boot/v1/bootparameters` (and its index) when
/// auth is on; boot scripts, cloud-init, hosts and status stay open so nodes
/// can boot without credentials. `/boot/v1/scn` is open in OpenCHAMI too
/// (SMD does not authenticate its callbacks), and so is `/boot/v1/openapi.json`.
pub fn is_public(_method: &actix_web::http::Method, path: &str) -> bool {
    !(path.starts_with("/boot/v1/bootparameters") || path == "/boot/v1")
}

pub fn configure(cfg: &mut web::ServiceConfig, state: web::Data<AppState>) {
    cfg.app_data(state)
        .service(
            web::scope("/boot/v1")
                .configure(service::routes)
                .configure(bootparameters::routes)
                .configure(bootscript::routes)
                .configure(hosts::routes)
                .configure(history::routes)
                .configure(scn::routes),
        )
        .configure(cloud_init::routes);
}

/// Base URLs a script points back to.
pub struct Bases {
    /// `<proto>://<server><gw_uri>`, before `/boot/v1/bootscript`.
    pub chain: String,
    /// cloud-init's `s=` base, before `/meta-data`.
    pub advertise: String,
}

impl Bases {
    /// From the configuration, else the address the request came in on.
    /// Rationale: OpenCHAMI's default (`https://api-gw-service-nmn.local`)
    /// exists only in CSM; the node already reached us at this address.
    pub fn of(req: &HttpRequest, cfg: &Config) -> Bases {
        let conn = req.connection_info();
        let set = |o: &Option<String>| {
            o.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let proto = set(&cfg.chain_proto).unwrap_or_else(|| conn.scheme().to_owned());
        let server = set(&cfg.ipxe_server).unwrap_or_else(|| conn.host().to_owned());
        let chain = format!("{proto}://{server}{}", cfg.gw_uri.trim_end_matches('/'));
        let advertise = set(&cfg.advertise_address)
            .unwrap_or_else(|| format!("{}://{}", conn.scheme(), conn.host()));
        Bases {
            chain,
            advertise: advertise.trim_end_matches('/').to_owned(),
        }
    }
}
