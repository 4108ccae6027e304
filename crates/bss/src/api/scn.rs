//! `/boot/v1/scn`: SMD's state change notifications, applied to bss's view
//! of SMD at once instead of at the next background refresh.

use actix_web::{web, HttpResponse};
use ochami_service::http::{allow, ApiJson, Problem};

use crate::model::Scn;
use crate::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/scn")
            .route(web::post().to(post))
            .default_service(allow("POST")),
    );
}

/// Apply an SCN (`{"Components":[..], "State"|"Enabled"|"Role"|...}`) to
/// the SMD view; nodes it names that bss does not know yet are fetched from
/// SMD before the answer. 200 with no body, as OpenCHAMI; a body that is not
/// an SCN is a 400.
#[utoipa::path(post, path = "/boot/v1/scn", operation_id = "scn_post", tag = "scn", request_body = Scn,
    responses((status = 200, description = "applied"),
        (status = 400, body = ochami_types::ProblemDetails)))]
pub async fn post(state: web::Data<AppState>, body: ApiJson<Scn>) -> Result<HttpResponse, Problem> {
    let scn = body.0;
    tracing::info!(components = scn.components.len(), state = ?scn.state, enabled = ?scn.enabled,
        role = ?scn.role, "state change notification");
    state.smd.apply_scn(&scn).await;
    Ok(HttpResponse::Ok().finish())
}
