//! The manifest's JSON Schema, derived from its Rust types ([`super::model`]) by schemars.
//!
//! Checked in as `spec/manifest.schema.json` for editors (YAML and JSON language servers
//! validate and complete with it); a test keeps the file equal to what the types give, and
//! `okta-eventhooks manifest schema` prints it.

use schemars::generate::SchemaSettings;
use serde_json::{Map, Value};

use super::model::Manifest;

/// Where the checked-in schema is published, its `$id`.
pub const SCHEMA_ID: &str = "https://raw.githubusercontent.com/okta-eventhooks/okta-eventhooks/main/spec/manifest.schema.json";

/// The schema as JSON, with its keys sorted so that the text does not depend on serde_json's
/// features in a given build.
pub fn schema() -> Value {
    let generator = SchemaSettings::draft2020_12()
        .for_deserialize()
        .into_generator();
    let mut schema = generator.into_root_schema_for::<Manifest>().to_value();
    if let Some(object) = schema.as_object_mut() {
        object.insert("$id".into(), SCHEMA_ID.into());
    }
    sorted(schema)
}

/// The schema as the checked-in file holds it: pretty JSON and a final newline.
pub fn schema_text() -> String {
    let mut text = serde_json::to_string_pretty(&schema()).unwrap_or_default();
    text.push('\n');
    text
}

fn sorted(value: Value) -> Value {
    match value {
        Value::Object(object) => {
            let mut entries: Vec<(String, Value)> = object.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            let mut map = Map::new();
            for (key, value) in entries {
                map.insert(key, sorted(value));
            }
            Value::Object(map)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// The checked-in schema is what the types give. To update it:
    /// `cargo run -p okta-eventhooks-cli -- manifest schema > spec/manifest.schema.json`.
    #[test]
    fn the_checked_in_schema_is_current() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/manifest.schema.json");
        let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            checked_in.replace("\r\n", "\n") == super::schema_text(),
            "{} is stale: run `cargo run -p okta-eventhooks-cli -- manifest schema > spec/manifest.schema.json`",
            path.display()
        );
    }
}
