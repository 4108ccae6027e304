//! The inventory magellan produces and SMD consumes: OpenCHAMI's
//! "SchemaVersion 1" RedfishEndpoint payload. The wire types are `smd-api`'s
//! (smd reads the same ones); reading collect output back from JSON or YAML
//! files is magellan's own.

pub use smd_api::redfish_endpoint::RedfishEndpointIn as RedfishEndpoint;

/// Parse collect output: a JSON/YAML array of endpoints or a single one.
pub fn parse_many(text: &str) -> Result<Vec<RedfishEndpoint>, String> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('[') || trimmed.starts_with('{') {
        if let Ok(list) = serde_json::from_str::<Vec<RedfishEndpoint>>(text) {
            return Ok(list);
        }
        return serde_json::from_str::<RedfishEndpoint>(text)
            .map(|e| vec![e])
            .map_err(|e| format!("not collect output (JSON): {e}"));
    }
    if let Ok(list) = serde_yaml::from_str::<Vec<RedfishEndpoint>>(text) {
        return Ok(list);
    }
    serde_yaml::from_str::<RedfishEndpoint>(text)
        .map(|e| vec![e])
        .map_err(|e| format!("not collect output (YAML): {e}"))
}
