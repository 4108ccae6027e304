//! What every service's OpenAPI document says about errors, written once as a
//! utoipa [`Modify`]: add `modifiers(&ProblemResponses)` to a service's
//! `#[openapi(..)]` and route annotations need not repeat it.

use utoipa::openapi::path::Operation;
use utoipa::openapi::{Content, OpenApi, Ref, RefOr, ResponseBuilder};
use utoipa::Modify;

use ochami_types::ProblemDetails;

/// Makes the document tell the truth about error responses:
/// - every 4xx/5xx body is `application/problem+json` (what
///   [`crate::http::Problem`] sends), not the `application/json` utoipa
///   assumes for a `body = ProblemDetails`;
/// - every operation that takes parameters or a body documents a 400, since
///   the extractors ([`crate::http::ApiJson`], [`crate::http::QueryParams`],
///   typed path segments) answer one for any input they cannot parse.
pub struct ProblemResponses;

impl Modify for ProblemResponses {
    fn modify(&self, api: &mut OpenApi) {
        for item in api.paths.paths.values_mut() {
            let ops = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
                &mut item.head,
                &mut item.options,
                &mut item.trace,
            ];
            for op in ops.into_iter().flatten() {
                problem_json(op);
            }
        }
    }
}

fn problem_json(op: &mut Operation) {
    let takes_input =
        op.request_body.is_some() || op.parameters.as_ref().is_some_and(|p| !p.is_empty());
    let responses = &mut op.responses.responses;
    if takes_input && !responses.contains_key("400") {
        responses.insert(
            "400".into(),
            RefOr::T(
                ResponseBuilder::new()
                    .description("bad input; the detail names the field")
                    .content(
                        ProblemDetails::CONTENT_TYPE,
                        Content::new(Some(Ref::from_schema_name("ProblemDetails"))),
                    )
                    .build(),
            ),
        );
    }
    for (status, response) in responses.iter_mut() {
        let error = status.starts_with('4') || status.starts_with('5');
        let RefOr::T(response) = response else {
            continue;
        };
        if error {
            if let Some(content) = response.content.shift_remove("application/json") {
                response
                    .content
                    .insert(ProblemDetails::CONTENT_TYPE.into(), content);
            }
        }
    }
}
