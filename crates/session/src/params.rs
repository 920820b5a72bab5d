//! Session parameters: Snowflake's defaults, changed by login and `ALTER SESSION`.

use std::collections::BTreeMap;

use serde_json::Value;

/// Parameters every session starts with, as Snowflake's defaults. Clients read several of them
/// (PROTOCOL.md §2.2): Python needs CLIENT_STAGE_ARRAY_BINDING_THRESHOLD for `executemany`, Node
/// needs the output formats and TIMEZONE to decode dates and binaries.
fn defaults() -> Vec<(&'static str, Value)> {
    vec![
        ("TIMEZONE", Value::from("America/Los_Angeles")),
        ("AUTOCOMMIT", Value::from(true)),
        ("CLIENT_STAGE_ARRAY_BINDING_THRESHOLD", Value::from(65280)),
        ("CLIENT_SESSION_KEEP_ALIVE", Value::from(false)),
        (
            "CLIENT_SESSION_KEEP_ALIVE_HEARTBEAT_FREQUENCY",
            Value::from(3600),
        ),
        ("CLIENT_TELEMETRY_ENABLED", Value::from(false)),
        ("CLIENT_PREFETCH_THREADS", Value::from(4)),
        ("CLIENT_RESULT_CHUNK_SIZE", Value::from(160)),
        ("CLIENT_RESULT_PREFETCH_SLOTS", Value::from(2)),
        ("CLIENT_RESULT_PREFETCH_THREADS", Value::from(1)),
        (
            "CLIENT_TIMESTAMP_TYPE_MAPPING",
            Value::from("TIMESTAMP_LTZ"),
        ),
        ("CLIENT_MEMORY_LIMIT", Value::from(1536)),
        ("CLIENT_USE_V1_QUERY_API", Value::from(true)),
        ("CLIENT_DISABLE_INCIDENTS", Value::from(true)),
        (
            "CLIENT_ENABLE_LOG_INFO_STATEMENT_PARAMETERS",
            Value::from(false),
        ),
        ("CLIENT_CONSENT_CACHE_ID_TOKEN", Value::from(false)),
        ("CLIENT_STORE_TEMPORARY_CREDENTIAL", Value::from(false)),
        ("CLIENT_REQUEST_MFA_TOKEN", Value::from(false)),
        (
            "CLIENT_METADATA_REQUEST_USE_CONNECTION_CTX",
            Value::from(false),
        ),
        ("CLIENT_METADATA_USE_SESSION_DATABASE", Value::from(false)),
        (
            "CLIENT_HONOR_CLIENT_TZ_FOR_TIMESTAMP_NTZ",
            Value::from(true),
        ),
        ("CLIENT_OUT_OF_BAND_TELEMETRY_ENABLED", Value::from(false)),
        (
            "ENABLE_STAGE_S3_PRIVATELINK_FOR_US_EAST_1",
            Value::from(false),
        ),
        ("QUERY_CONTEXT_CACHE_SIZE", Value::from(5)),
        (
            "JS_DRIVER_DISABLE_OCSP_FOR_NON_SF_ENDPOINTS",
            Value::from(true),
        ),
        ("JS_TREAT_INTEGER_AS_BIGINT", Value::from(false)),
        ("DATE_OUTPUT_FORMAT", Value::from("YYYY-MM-DD")),
        ("TIME_OUTPUT_FORMAT", Value::from("HH24:MI:SS")),
        (
            "TIMESTAMP_OUTPUT_FORMAT",
            Value::from("YYYY-MM-DD HH24:MI:SS.FF3 TZHTZM"),
        ),
        (
            "TIMESTAMP_NTZ_OUTPUT_FORMAT",
            Value::from("YYYY-MM-DD HH24:MI:SS.FF3"),
        ),
        ("TIMESTAMP_LTZ_OUTPUT_FORMAT", Value::from("")),
        ("TIMESTAMP_TZ_OUTPUT_FORMAT", Value::from("")),
        ("BINARY_OUTPUT_FORMAT", Value::from("HEX")),
        ("TIMESTAMP_TYPE_MAPPING", Value::from("TIMESTAMP_NTZ")),
        ("WEEK_START", Value::from(0)),
        ("WEEK_OF_YEAR_POLICY", Value::from(0)),
        ("QUERY_TAG", Value::from("")),
        ("STATEMENT_TIMEOUT_IN_SECONDS", Value::from(172800)),
        ("QUOTED_IDENTIFIERS_IGNORE_CASE", Value::from(false)),
        ("ERROR_ON_NONDETERMINISTIC_MERGE", Value::from(true)),
        ("ERROR_ON_NONDETERMINISTIC_UPDATE", Value::from(false)),
        ("MULTI_STATEMENT_COUNT", Value::from(1)),
    ]
}

/// Parameters the server sends back in every response (Node requires the formats and TIMEZONE).
pub const RESPONSE_PARAMETERS: &[&str] = &[
    "TIMEZONE",
    "AUTOCOMMIT",
    "CLIENT_STAGE_ARRAY_BINDING_THRESHOLD",
    "CLIENT_SESSION_KEEP_ALIVE",
    "CLIENT_SESSION_KEEP_ALIVE_HEARTBEAT_FREQUENCY",
    "CLIENT_TELEMETRY_ENABLED",
    "CLIENT_PREFETCH_THREADS",
    "CLIENT_RESULT_CHUNK_SIZE",
    "CLIENT_TIMESTAMP_TYPE_MAPPING",
    "CLIENT_HONOR_CLIENT_TZ_FOR_TIMESTAMP_NTZ",
    "JS_TREAT_INTEGER_AS_BIGINT",
    "DATE_OUTPUT_FORMAT",
    "TIME_OUTPUT_FORMAT",
    "TIMESTAMP_OUTPUT_FORMAT",
    "TIMESTAMP_NTZ_OUTPUT_FORMAT",
    "TIMESTAMP_LTZ_OUTPUT_FORMAT",
    "TIMESTAMP_TZ_OUTPUT_FORMAT",
    "BINARY_OUTPUT_FORMAT",
    "QUERY_CONTEXT_CACHE_SIZE",
    "QUERY_TAG",
];

/// A session's parameters.
#[derive(Debug, Clone)]
pub struct Parameters {
    values: BTreeMap<String, Value>,
}

impl Default for Parameters {
    fn default() -> Self {
        Parameters {
            values: defaults()
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        }
    }
}

impl Parameters {
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values.get(&name.to_ascii_uppercase())
    }

    /// The parameter as text (strings unquoted).
    pub fn text(&self, name: &str) -> Option<String> {
        self.get(name).map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    }

    /// A boolean parameter: false when unset or not a boolean.
    pub fn flag(&self, name: &str) -> bool {
        match self.get(name) {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => {
                matches!(s.to_ascii_lowercase().as_str(), "true" | "1" | "yes" | "on")
            }
            _ => false,
        }
    }

    /// Set from SQL text: the value keeps the type of the default (bool, number or text).
    pub fn set_text(&mut self, name: &str, text: &str) {
        let name = name.to_ascii_uppercase();
        let value = match self.values.get(&name) {
            Some(Value::Bool(_)) => Value::Bool(matches!(
                text.to_ascii_lowercase().as_str(),
                "true" | "1" | "yes" | "on"
            )),
            Some(Value::Number(_)) => text
                .parse::<i64>()
                .map(Value::from)
                .unwrap_or_else(|_| Value::from(text)),
            _ => Value::from(text),
        };
        self.values.insert(name, value);
    }

    /// Set from a JSON value (login SESSION_PARAMETERS, request parameters).
    pub fn set_json(&mut self, name: &str, value: &Value) {
        match value {
            Value::String(s) => self.set_text(name, s),
            other => {
                self.values.insert(name.to_ascii_uppercase(), other.clone());
            }
        }
    }

    /// Back to Snowflake's default (or removed if it has none).
    pub fn unset(&mut self, name: &str) {
        let name = name.to_ascii_uppercase();
        match defaults().into_iter().find(|(k, _)| *k == name) {
            Some((_, v)) => {
                self.values.insert(name, v);
            }
            None => {
                self.values.remove(&name);
            }
        }
    }

    /// Every parameter with its value and default as text and its SHOW PARAMETERS type.
    pub fn listing(&self) -> Vec<(String, String, String, &'static str)> {
        let defaults: BTreeMap<String, Value> = defaults()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        let text = |v: &Value| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        self.values
            .iter()
            .map(|(k, v)| {
                let kind = match v {
                    Value::Bool(_) => "BOOLEAN",
                    Value::Number(_) => "NUMBER",
                    _ => "STRING",
                };
                let default = defaults.get(k).map(text).unwrap_or_default();
                (k.clone(), text(v), default, kind)
            })
            .collect()
    }

    /// `[{"name","value"}]` for the parameters sent back to clients.
    pub fn response_list(&self) -> Vec<Value> {
        RESPONSE_PARAMETERS
            .iter()
            .filter_map(|k| {
                self.values
                    .get(*k)
                    .map(|v| serde_json::json!({"name": k, "value": v}))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_keeps_the_default_type() {
        let mut p = Parameters::default();
        p.set_text("autocommit", "FALSE");
        assert_eq!(p.get("AUTOCOMMIT"), Some(&Value::Bool(false)));
        p.set_text("timezone", "UTC");
        assert_eq!(p.text("TIMEZONE").as_deref(), Some("UTC"));
        p.unset("TIMEZONE");
        assert_eq!(p.text("TIMEZONE").as_deref(), Some("America/Los_Angeles"));
    }

    #[test]
    fn responses_carry_what_node_needs() {
        let list = Parameters::default().response_list();
        for name in [
            "BINARY_OUTPUT_FORMAT",
            "DATE_OUTPUT_FORMAT",
            "TIMEZONE",
            "CLIENT_STAGE_ARRAY_BINDING_THRESHOLD",
        ] {
            assert!(list.iter().any(|p| p["name"] == name), "{name}");
        }
    }
}
