//! Shared domain types of ochami-rs.
//!
//! Parse, don't validate: once you hold an [`Xname`], a [`MacAddr`] or an HMS enum
//! it is valid and in canonical form. This crate does no I/O and knows nothing of
//! HTTP, SQL or sockets.

pub mod enums;
pub mod mac;
pub mod problem;
pub mod xname;

pub use enums::{Arch, Class, Flag, HmsType, NetType, Role, State, SubRole};
pub use mac::{MacAddr, MacParseError};
pub use problem::ProblemDetails;
pub use xname::{Xname, XnameError};

/// A plain string schema with a description and an example, for types that
/// serialise as strings.
pub(crate) fn string_schema(
    description: &str,
    example: &str,
) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .examples([serde_json::Value::String(example.to_owned())])
        .into()
}
