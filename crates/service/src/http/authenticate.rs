//! Middleware: the bearer-token check of services that turned auth on.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, ResponseError};

use super::Problem;
use crate::auth::{is_write, AuthError, AuthPolicy};

/// Bearer-token check for non-public routes when the service enabled auth
/// (an [`AuthPolicy`] with a verifier in app data). 401/403 problem JSON.
pub(super) async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let policy = req.app_data::<web::Data<AuthPolicy>>().cloned();
    let Some((verifier, policy)) = policy.and_then(|p| p.verifier.clone().map(|v| (v, p))) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    if (policy.is_public)(req.method(), req.path()) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim);
    let result = match token {
        None => Err(AuthError::Missing),
        Some(t) => verifier.verify(t, is_write(req.method())).await,
    };
    match result {
        Ok(_) => Ok(next.call(req).await?.map_into_boxed_body()),
        Err(e) => {
            let status = match e {
                AuthError::Forbidden(_) => StatusCode::FORBIDDEN,
                AuthError::Jwks(_) => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::UNAUTHORIZED,
            };
            tracing::info!(error = %e, "request refused");
            let problem =
                Problem::new(status, e.to_string()).with_header(header::WWW_AUTHENTICATE, "Bearer");
            Ok(req.into_response(problem.error_response()))
        }
    }
}
