//! `GET /metrics` of the HTTP services: their [`Metrics`] as Prometheus text.

use actix_web::{web, HttpRequest, HttpResponse, ResponseError};

use super::Problem;
use crate::metrics::Metrics;

/// `GET /metrics`: Prometheus text, when the service registered [`Metrics`].
/// (The UDP daemons serve theirs on a listener of their own:
/// `metrics::listener`.)
pub(super) async fn metrics_text(req: HttpRequest) -> HttpResponse {
    match req.app_data::<web::Data<Metrics>>() {
        Some(m) => HttpResponse::Ok()
            .content_type("text/plain; version=0.0.4")
            .body(m.render()),
        None => Problem::not_found("no metrics here").error_response(),
    }
}
