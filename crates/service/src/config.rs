//! Configuration loading: defaults ← optional TOML file ← environment.
//!
//! Every daemon owns a typed `Config` struct; this module only loads it and turns
//! errors into one line that names the key (`SMD_LISTEN`) and the expected form.

use std::path::Path;

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// A configuration error: one line, naming the key and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

impl ConfigError {
    /// Print the error and exit with code 2 (bad configuration), as DESIGN.md says.
    pub fn exit(&self) -> ! {
        eprintln!("error: {}", self.0);
        std::process::exit(2)
    }
}

/// Load `T` from its defaults, then `file` (TOML, keys = field names), then
/// environment variables `PREFIX` + upper-case field name (e.g. `SMD_LISTEN`).
pub fn load<T>(prefix: &str, file: Option<&Path>) -> Result<T, ConfigError>
where
    T: Serialize + DeserializeOwned + Default,
{
    let fig = figment(
        Figment::from(Serialized::defaults(T::default())),
        prefix,
        file,
    )?;
    fig.extract::<T>().map_err(|e| describe(prefix, &fig, e))
}

/// Like [`load`], for two structs sharing one namespace (a daemon's own
/// settings and the shared [`crate::db::DbSettings`]). Rationale: serde's
/// `flatten` loses the key path, and the error must name the key.
pub fn load_pair<T, U>(prefix: &str, file: Option<&Path>) -> Result<(T, U), ConfigError>
where
    T: Serialize + DeserializeOwned + Default,
    U: Serialize + DeserializeOwned + Default,
{
    let base =
        Figment::from(Serialized::defaults(T::default())).merge(Serialized::defaults(U::default()));
    let fig = figment(base, prefix, file)?;
    let t = fig.extract::<T>().map_err(|e| describe(prefix, &fig, e))?;
    let u = fig.extract::<U>().map_err(|e| describe(prefix, &fig, e))?;
    Ok((t, u))
}

fn figment(mut fig: Figment, prefix: &str, file: Option<&Path>) -> Result<Figment, ConfigError> {
    if let Some(path) = file {
        if !path.exists() {
            return Err(ConfigError(format!(
                "config file {} does not exist",
                path.display()
            )));
        }
        fig = fig.merge(Toml::file(path));
    }
    Ok(fig.merge(Env::prefixed(prefix)))
}

fn describe(prefix: &str, fig: &Figment, err: figment::Error) -> ConfigError {
    // Report the first error only: one line.
    let e = err
        .into_iter()
        .next()
        .expect("figment errors are never empty");
    let field = e.path.join(".");
    let key = match e.metadata.as_ref().or_else(|| fig.find_metadata(&field)) {
        Some(md) if md.name.contains("environment") => format!("{prefix}{}", field.to_uppercase()),
        Some(md) if md.name.contains("TOML") => format!(
            "'{field}' in {}",
            md.source
                .as_ref()
                .map(|s| s.to_string())
                .unwrap_or_default()
        ),
        _ if field.is_empty() => "configuration".to_owned(),
        _ => format!("{prefix}{}", field.to_uppercase()),
    };
    let what = match &e.kind {
        figment::error::Kind::InvalidType(actual, expected) => {
            format!("found {actual}, expected {expected}")
        }
        figment::error::Kind::InvalidValue(actual, expected) => {
            format!("invalid value {actual}, expected {expected}")
        }
        figment::error::Kind::UnknownVariant(v, expected) => {
            format!(
                "unknown value '{v}', expected one of: {}",
                expected.join(", ")
            )
        }
        figment::error::Kind::Message(m) => m.clone(),
        other => other.to_string(),
    };
    let hint = hint_for(&field);
    ConfigError(format!("{key}: {what}{hint}"))
}

/// The expected form of common keys, so the one-line error says how to fix it.
fn hint_for(field: &str) -> &'static str {
    let last = field.rsplit('.').next().unwrap_or(field);
    if last.ends_with("listen") {
        " (expected HOST:PORT, e.g. 0.0.0.0:27779)"
    } else if last.ends_with("url") {
        " (expected a URL, e.g. http://localhost:27779)"
    } else if last.ends_with("port") {
        " (expected a port number 1-65535)"
    } else if last == "log_format" {
        " (expected text or json)"
    } else {
        ""
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use std::net::SocketAddr;

    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    struct Demo {
        listen: SocketAddr,
        dbport: u16,
        name: String,
    }

    impl Default for Demo {
        fn default() -> Self {
            Demo {
                listen: "0.0.0.0:27779".parse().unwrap(),
                dbport: 5432,
                name: "hmsds".into(),
            }
        }
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment::Jail's signature
    fn layers_and_errors() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("c.toml", "name = \"fromfile\"\ndbport = 6000\n")?;
            jail.set_env("DEMO_DBPORT", "7000");
            let c: Demo = load("DEMO_", Some(Path::new("c.toml"))).unwrap();
            assert_eq!(
                c,
                Demo {
                    listen: "0.0.0.0:27779".parse().unwrap(),
                    dbport: 7000,
                    name: "fromfile".into()
                }
            );

            jail.set_env("DEMO_LISTEN", "notanaddress");
            let e = load::<Demo>("DEMO_", None).unwrap_err().0;
            assert!(e.starts_with("DEMO_LISTEN: "), "{e}");
            assert!(e.contains("HOST:PORT"), "{e}");
            assert!(!e.contains('\n'));
            jail.clear_env();

            jail.set_env("DEMO_DBPORT", "abc");
            let e = load::<Demo>("DEMO_", None).unwrap_err().0;
            assert!(e.starts_with("DEMO_DBPORT: "), "{e}");
            assert!(e.contains("port number"), "{e}");
            jail.clear_env();

            jail.create_file("bad.toml", "dbport = \"x\"\n")?;
            let e = load::<Demo>("DEMO_", Some(Path::new("bad.toml")))
                .unwrap_err()
                .0;
            assert!(e.starts_with("'dbport' in "), "{e}");
            let e = load::<Demo>("DEMO_", Some(Path::new("missing.toml")))
                .unwrap_err()
                .0;
            assert!(e.contains("does not exist"), "{e}");
            Ok(())
        });
    }
}
