//! Request extractors whose 400s name the field: [`ApiJson`] (a JSON body)
//! and [`QueryParams`] (the query string, OpenCHAMI's way).

use std::fmt;
use std::future::{ready, Ready};
use std::str::FromStr;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use super::Problem;

/// A JSON body, decoded whatever the `Content-Type` (curl `-d` sends
/// form-urlencoded; OpenCHAMI accepts it). Decoding errors are 400 problem JSON
/// naming the field path, e.g. `Components[0].State: invalid state 'Bogus' ...`.
///
/// Rationale: OpenCHAMI answers 500 to undecodable bodies; a 400 that says
/// which field is wrong is what a user needs.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = Problem;
    type Future = LocalBoxFuture<'static, Result<Self, Problem>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let bytes = body.await.map_err(|e| {
                Problem::new(
                    e.as_response_error().status_code(),
                    format!("could not read request body: {e}"),
                )
            })?;
            decode_json(&bytes).map(ApiJson)
        })
    }
}

/// Decode JSON with the error naming the path of the bad field.
pub fn decode_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Problem::bad_request(
            "request body is empty; expected a JSON document",
        ));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(crate::go_json::GoJson(de)).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." || path.is_empty() {
            Problem::bad_request(format!("invalid JSON body: {inner}"))
        } else {
            Problem::bad_request(format!("invalid JSON body: field '{path}': {inner}"))
        }
    })
}

/// The query string as (lower-cased name, value) pairs: names are
/// case-insensitive and repeatable (`type=Node&type=NodeBMC`), as OpenCHAMI's
/// `r.ParseForm` makes them.
#[derive(Debug, Clone, Default)]
pub struct QueryParams(pub Vec<(String, String)>);

impl QueryParams {
    pub fn parse(query: &str) -> Self {
        QueryParams(
            url_pairs(query)
                .map(|(k, v)| (k.to_ascii_lowercase(), v))
                .collect(),
        )
    }

    /// Every value of `name` (case-insensitive), comma lists split.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// The first value of `name`, if any.
    pub fn first(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k.eq_ignore_ascii_case(name))
    }

    /// Parse every value of `name`; a bad one is a 400 naming the parameter.
    pub fn parse_all<T>(&self, name: &str) -> Result<Vec<T>, Problem>
    where
        T: FromStr,
        T::Err: fmt::Display,
    {
        // `?enabled=` or `?nid=` is no value of the parameter's type: a 400
        // naming it, not a silent "no filter" (found by schemathesis; the spec
        // says bool/integer). Empty items of a comma list are still skipped.
        if self
            .0
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case(name) && v.trim().is_empty())
        {
            return Err(Problem::bad_request(format!(
                "bad query param '{name}': empty value"
            )));
        }
        self.all(name)
            .into_iter()
            .map(|v| {
                v.parse::<T>()
                    .map_err(|e| Problem::bad_request(format!("bad query param '{name}': {e}")))
            })
            .collect()
    }

    /// Parse the first value of `name`.
    pub fn parse_first<T>(&self, name: &str) -> Result<Option<T>, Problem>
    where
        T: FromStr,
        T::Err: fmt::Display,
    {
        self.first(name)
            .map(|v| {
                v.trim().parse::<T>().map_err(|e| {
                    Problem::bad_request(format!("bad query param '{name}': '{v}': {e}"))
                })
            })
            .transpose()
    }

    /// A boolean flag: present without value, or `true`/`1`/`yes`.
    pub fn flag(&self, name: &str) -> Result<bool, Problem> {
        match self.first(name) {
            None => Ok(false),
            Some(v) => match v.to_ascii_lowercase().as_str() {
                "" | "true" | "1" | "yes" | "on" => Ok(true),
                "false" | "0" | "no" | "off" => Ok(false),
                _ => Err(Problem::bad_request(format!(
                    "bad query param '{name}': '{v}' is not a boolean"
                ))),
            },
        }
    }
}

fn url_pairs(query: &str) -> impl Iterator<Item = (String, String)> + '_ {
    form_urlencoded::parse(query.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned()))
}

impl FromRequest for QueryParams {
    type Error = Problem;
    type Future = Ready<Result<Self, Problem>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(QueryParams::parse(req.query_string())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::StatusCode;

    #[test]
    fn query_params_are_case_insensitive_repeatable_and_split() {
        let q = QueryParams::parse("Type=Node&type=NodeBMC,Chassis&mac=aa%3Abb&x=a+b&flag");
        assert_eq!(q.all("TYPE"), ["Node", "NodeBMC", "Chassis"]);
        assert_eq!(q.first("mac"), Some("aa:bb"));
        assert_eq!(q.first("x"), Some("a b"));
        assert!(q.flag("flag").unwrap());
        assert!(!q.flag("nope").unwrap());
        let e = q.parse_all::<u32>("type").unwrap_err();
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        assert!(
            e.detail.starts_with("bad query param 'type'"),
            "{}",
            e.detail
        );
        let q = QueryParams::parse("nid=1,,2&enabled=");
        assert_eq!(q.parse_all::<u32>("nid").unwrap(), [1, 2]);
        let e = q.parse_all::<bool>("enabled").unwrap_err();
        assert_eq!(e.detail, "bad query param 'enabled': empty value");
        // Bad escapes stay as they are.
        let q = QueryParams::parse("a=%zz%4&b=100%");
        assert_eq!((q.first("a"), q.first("b")), (Some("%zz%4"), Some("100%")));
    }

    #[test]
    fn a_struct_body_must_be_an_object() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Entries {
            #[serde(default)]
            entries: Vec<u32>,
        }
        let err = decode_json::<Entries>(b"[]").unwrap_err();
        assert_eq!(err.status, StatusCode::BAD_REQUEST);
        assert!(
            err.detail.contains("expected struct Entries"),
            "{}",
            err.detail
        );
        assert_eq!(
            decode_json::<Entries>(br#"{"entries":[1]}"#)
                .unwrap()
                .entries,
            [1]
        );
        assert_eq!(decode_json::<Vec<u32>>(b"[2]").unwrap(), [2]);
    }

    #[test]
    fn json_errors_name_the_field() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Inner {
            n: u32,
        }
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Outer {
            items: Vec<Inner>,
        }
        let e = decode_json::<Outer>(br#"{"items":[{"n":1},{"n":"x"}]}"#).unwrap_err();
        assert!(e.detail.contains("field 'items[1].n'"), "{}", e.detail);
        let e = decode_json::<Outer>(b"  ").unwrap_err();
        assert!(e.detail.contains("empty"));
        let e = decode_json::<Outer>(b"{nope").unwrap_err();
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
    }
}
