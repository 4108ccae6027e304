//! What every service's OpenAPI document says about errors, and what makes it
//! usable by client generators, written once as utoipa [`Modify`]s: add
//! `modifiers(&ProblemResponses, &ForGenerators)` to a service's
//! `#[openapi(..)]` and route annotations need not repeat it.

use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::{ArrayItems, Schema};
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

/// Makes the document one that mainstream client generators can process
/// (openapi-python-client, openapi-typescript): a property whose type is
/// another schema and which has a serde default is written by utoipa as
/// `oneOf: [$ref]` plus a `default` object, which generators reject
/// ("ModelProperty cannot have a default value") and then drop every
/// operation that uses the schema. Such a property becomes the plain `$ref`
/// (keeping its description): an absent object still means its defaults, as
/// for any optional property.
pub struct ForGenerators;

impl Modify for ForGenerators {
    fn modify(&self, api: &mut OpenApi) {
        if let Some(components) = api.components.as_mut() {
            for schema in components.schemas.values_mut() {
                plain_refs(schema);
            }
        }
    }
}

fn plain_refs(schema: &mut RefOr<Schema>) {
    let RefOr::T(inner) = schema else {
        return;
    };
    if let Schema::OneOf(one) = inner {
        if let [RefOr::Ref(r)] = one.items.as_slice() {
            let mut r = r.clone();
            if r.description.is_empty() {
                r.description = one.description.clone().unwrap_or_default();
            }
            *schema = RefOr::Ref(r);
            return;
        }
    }
    match inner {
        Schema::Object(o) => {
            for p in o.properties.values_mut() {
                plain_refs(p);
            }
        }
        Schema::Array(a) => {
            if let ArrayItems::RefOrSchema(items) = &mut a.items {
                plain_refs(items);
            }
        }
        Schema::OneOf(o) => o.items.iter_mut().for_each(plain_refs),
        Schema::AllOf(o) => o.items.iter_mut().for_each(plain_refs),
        Schema::AnyOf(o) => o.items.iter_mut().for_each(plain_refs),
        _ => {}
    }
}
