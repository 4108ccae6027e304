//! The RFC 7807 problem body every ochami HTTP service answers errors with.

use serde::{Deserialize, Serialize};

/// RFC 7807 "problem details" as HMS services send it
/// (`Content-Type: application/problem+json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProblemDetails {
    /// Always `about:blank` (the status code says it all), as hms-base does.
    #[serde(rename = "type")]
    pub type_: String,
    /// The HTTP reason phrase of `status`.
    pub title: String,
    /// What went wrong, naming the field and value at fault.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
    /// The request path.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub instance: String,
    /// The HTTP status code.
    pub status: u16,
}

impl ProblemDetails {
    /// The content type of a problem body.
    pub const CONTENT_TYPE: &'static str = "application/problem+json";

    pub fn new(status: u16, title: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            type_: "about:blank".to_owned(),
            title: title.into(),
            detail: detail.into(),
            instance: String::new(),
            status,
        }
    }

    pub fn with_instance(mut self, instance: impl Into<String>) -> Self {
        self.instance = instance.into();
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_like_hms_base() {
        let p = ProblemDetails::new(404, "Not Found", "no such xname.");
        assert_eq!(
            serde_json::to_string(&p).unwrap(),
            r#"{"type":"about:blank","title":"Not Found","detail":"no such xname.","status":404}"#
        );
        let p = p.with_instance("/hsm/v2/State/Components/x1");
        let back: ProblemDetails =
            serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
        assert_eq!(back, p);
    }
}
