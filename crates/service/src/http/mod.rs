//! actix-web plumbing shared by smd and bss (and tftpd's optional HTTP side),
//! one module per concern:
//!
//! - [`problem`]: every error leaves as RFC 7807 problem JSON: handler errors
//!   ([`Problem`]), unknown routes ([`not_found`]), wrong methods ([`allow`]);
//! - [`extract`]: bad bodies and query strings ([`ApiJson`], [`QueryParams`])
//!   are 400s naming the field;
//! - the middlewares [`app`] wraps every service in: `request_id` (a tracing
//!   span per request carrying its id, echoed in `X-Request-Id`; request
//!   metrics), `problem_everywhere` (actix's own plain-text errors rewritten),
//!   `authenticate` (bearer JWTs, when a service turned auth on), and actix's
//!   trailing-slash normalisation;
//! - `metrics`: `GET /metrics` of the HTTP services.

#[cfg(feature = "auth")]
mod authenticate;
pub mod extract;
mod metrics;
pub mod problem;
mod problem_everywhere;
mod request_id;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{from_fn, NormalizePath, TrailingSlash};
use actix_web::{web, App};

pub use extract::{decode_json, ApiJson, QueryParams};
pub use problem::{allow, not_found, Problem};
pub use request_id::X_REQUEST_ID;

/// Largest request body accepted, in bytes.
pub const MAX_BODY: usize = 32 * 1024 * 1024;

/// A new actix App with the shared middleware: request ids and access log,
/// trailing-slash tolerance, problem JSON for every error, JSON 404s.
pub fn app(
    configure: impl FnOnce(&mut web::ServiceConfig),
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let app = App::new()
        .route("/metrics", web::get().to(metrics::metrics_text))
        // Bulk writes (10 000 components, a big BMC's inventory) exceed
        // actix's 256 KiB default.
        .app_data(web::PayloadConfig::new(MAX_BODY))
        .configure(configure)
        .default_service(web::to(not_found));
    #[cfg(feature = "auth")]
    let app = app.wrap(from_fn(authenticate::authenticate));
    app.wrap(from_fn(problem_everywhere::problem_everywhere))
        .wrap(NormalizePath::new(TrailingSlash::Trim))
        .wrap(from_fn(request_id::request_id))
}

/// How long a stopping server waits for in-flight requests.
pub const SHUTDOWN_TIMEOUT_SECS: u64 = 30;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Metrics;
    use actix_web::http::header;
    use actix_web::HttpResponse;
    use ochami_types::ProblemDetails;

    #[actix_web::test]
    async fn every_error_leaves_as_problem_json() {
        use actix_web::test;
        #[derive(serde::Deserialize)]
        struct Body {
            #[allow(dead_code)]
            n: u32,
        }
        async fn echo(ApiJson(_b): ApiJson<Body>) -> HttpResponse {
            HttpResponse::NoContent().finish()
        }
        let svc = test::init_service(app(|cfg| {
            cfg.service(
                web::resource("/x")
                    .route(web::post().to(echo))
                    .default_service(allow("POST")),
            );
        }))
        .await;
        fn check<B>(res: ServiceResponse<B>, status: u16) -> ServiceResponse<B> {
            assert_eq!(res.status().as_u16(), status);
            assert_eq!(
                res.headers().get(header::CONTENT_TYPE).unwrap(),
                "application/problem+json"
            );
            res
        }
        // Unknown route.
        let res =
            test::call_service(&svc, test::TestRequest::get().uri("/nope").to_request()).await;
        let body: ProblemDetails = test::read_body_json(check(res, 404)).await;
        assert_eq!(body.detail, "no such route: GET /nope");
        // Wrong method, with Allow.
        let res = test::call_service(&svc, test::TestRequest::get().uri("/x").to_request()).await;
        assert_eq!(res.headers().get(header::ALLOW).unwrap(), "POST");
        check(res, 405);
        // A body naming the bad field.
        let res = test::call_service(
            &svc,
            test::TestRequest::post()
                .uri("/x")
                .set_payload(r#"{"n":"x"}"#)
                .to_request(),
        )
        .await;
        let body: ProblemDetails = test::read_body_json(check(res, 400)).await;
        assert!(body.detail.contains("field 'n'"), "{}", body.detail);
        // Trailing slash tolerated.
        let res = test::call_service(
            &svc,
            test::TestRequest::post()
                .uri("/x/")
                .set_payload(r#"{"n":1}"#)
                .to_request(),
        )
        .await;
        assert_eq!(res.status().as_u16(), 204);
        // Too large: actix's own plain-text 413, rewritten.
        let big = vec![b' '; MAX_BODY + 1];
        let res = test::call_service(
            &svc,
            test::TestRequest::post()
                .uri("/x")
                .set_payload(big)
                .to_request(),
        )
        .await;
        check(res, 413);
    }

    #[actix_web::test]
    async fn metrics_count_requests_by_route_pattern() {
        use actix_web::test;
        let metrics = web::Data::new(Metrics::new("svc").gauge("svc_answer", "a gauge", || 42.0));
        let svc = test::init_service(app(move |cfg| {
            cfg.app_data(metrics.clone()).route(
                "/items/{id}",
                web::get().to(|| async { HttpResponse::NoContent().finish() }),
            );
        }))
        .await;
        for id in ["a", "b"] {
            let req = test::TestRequest::get()
                .uri(&format!("/items/{id}"))
                .to_request();
            assert_eq!(test::call_service(&svc, req).await.status().as_u16(), 204);
        }
        let res =
            test::call_service(&svc, test::TestRequest::get().uri("/metrics").to_request()).await;
        let text = String::from_utf8(test::read_body(res).await.to_vec()).unwrap();
        assert!(
            text.contains(
                r#"svc_http_requests_total{method="GET",route="/items/{id}",status="204"} 2"#
            ),
            "{text}"
        );
        assert!(
            text.contains("svc_http_request_duration_seconds_bucket"),
            "{text}"
        );
        assert!(text.contains("svc_answer 42"), "{text}");
    }
}
