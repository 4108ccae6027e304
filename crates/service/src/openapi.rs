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
/// (keeping its description), and a nullable one (`oneOf: [null, $ref]`)
/// loses its `default`: an absent object still means its defaults, as for any
/// optional property.
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
        // `null` or another schema (a nullable defaulted property): the
        // same, minus the default object.
        if one.items.iter().any(|i| matches!(i, RefOr::Ref(_))) {
            one.default = None;
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

/// One OpenAPI `link`: after `from` answers `status`, `to` can be called with
/// `parameters` (name → runtime expression such as `$request.body#/ID`) and,
/// optionally, `body` (an expression or a JSON value). Links tell clients and
/// schemathesis' stateful phase which operation reads, changes or deletes
/// what another created.
pub struct Link {
    pub from: &'static str,
    pub status: &'static str,
    pub to: &'static str,
    pub parameters: &'static [(&'static str, &'static str)],
    pub body: Option<&'static str>,
}

/// Adds a table of [`Link`]s to the document, each under its response, named
/// after its target. Rationale for a table rather than route annotations: a
/// link relates two operations, so it belongs to neither handler.
///
/// Panics when an operationId or a response in the table is not in the
/// document, so a renamed operation fails the document's test at once.
pub struct Links(pub &'static [Link]);

impl Modify for Links {
    fn modify(&self, api: &mut OpenApi) {
        let mut ids = std::collections::BTreeSet::new();
        for item in api.paths.paths.values() {
            for op in operations(item) {
                ids.extend(op.operation_id.clone());
            }
        }
        for link in self.0 {
            assert!(
                ids.contains(link.to),
                "link target {} is no operationId",
                link.to
            );
            let response = api
                .paths
                .paths
                .values_mut()
                .flat_map(operations_mut)
                .find(|op| op.operation_id.as_deref() == Some(link.from))
                .unwrap_or_else(|| panic!("link source {} is no operationId", link.from))
                .responses
                .responses
                .get_mut(link.status);
            let Some(RefOr::T(response)) = response else {
                panic!(
                    "{} documents no {} response to link from",
                    link.from, link.status
                );
            };
            let mut built = utoipa::openapi::link::LinkBuilder::new().operation_id(link.to);
            for (name, expr) in link.parameters {
                built = built.parameter(*name, *expr);
            }
            if let Some(body) = link.body {
                let body = serde_json::from_str(body).unwrap_or_else(|_| body.into());
                built = built.request_body(Some::<serde_json::Value>(body));
            }
            response
                .links
                .insert(link.to.to_owned(), RefOr::T(built.build()));
        }
    }
}

fn operations(item: &utoipa::openapi::PathItem) -> impl Iterator<Item = &Operation> {
    [
        &item.get,
        &item.put,
        &item.post,
        &item.delete,
        &item.patch,
        &item.head,
        &item.options,
        &item.trace,
    ]
    .into_iter()
    .flatten()
}

fn operations_mut(item: &mut utoipa::openapi::PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.patch,
        &mut item.head,
        &mut item.options,
        &mut item.trace,
    ]
    .into_iter()
    .flatten()
}

/// The document as pretty JSON with a final newline, as committed and served.
///
/// Rationale for the key fix-up: utoipa 5 serialises its `Link` with Rust's
/// field names (`operation_id`, `request_body`, `operation_ref`) where OpenAPI
/// says `operationId`, `requestBody`, `operationRef`; those spellings occur
/// nowhere else in our documents, which [`Links`] relies on.
pub fn to_json(api: &OpenApi) -> String {
    let doc = api
        .to_pretty_json()
        .expect("the OpenAPI document serialises");
    doc.replace("\"operation_id\": ", "\"operationId\": ")
        .replace("\"request_body\": ", "\"requestBody\": ")
        .replace("\"operation_ref\": ", "\"operationRef\": ")
        + "\n"
}
