//! Rendering results as JSON, YAML or a plain table.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Json,
    Yaml,
    /// Human-readable table (`list` is OpenCHAMI's name for it).
    #[value(alias = "list")]
    Table,
}

pub fn render<T: Serialize>(value: &T, format: Format) -> Result<String, String> {
    match format {
        Format::Yaml => serde_yaml::to_string(value).map_err(|e| e.to_string()),
        // Tables are drawn by the caller; JSON is the fallback shape.
        Format::Json | Format::Table => serde_json::to_string_pretty(value)
            .map(|s| s + "\n")
            .map_err(|e| e.to_string()),
    }
}
