//! PARSE_URL: a URL's parts as Snowflake's OBJECT of them — `fragment`, `host` (with any
//! `user:password@`), `parameters` (the query's `key=value` pairs), `path` (without its leading
//! `/`), `port` (text), `query` and `scheme`, JSON null for a part the URL lacks.
//! `sg_parse_url` fails on a URL without a scheme ("Error parsing URL: scheme not specified");
//! `sg_parse_url_permissive` answers `{"error": "..."}` instead.

use std::error::Error;

use duckdb::arrow::array::{ArrayRef, RecordBatch};
use duckdb::vscalar::{ArrowFunctionSignature, VArrowScalar};
use duckdb::Connection;
use serde_json::{Map, Value};

use crate::json_text::map_text;

pub fn register(conn: &Connection) -> duckdb::Result<()> {
    conn.register_scalar_function::<Strict>("sg_parse_url")?;
    conn.register_scalar_function::<Permissive>("sg_parse_url_permissive")
}

/// The OBJECT of a URL's parts, as JSON text; the reason when it cannot be read.
pub fn parse_url(url: &str) -> Result<String, String> {
    let not_specified = || "scheme not specified".to_string();
    let colon = url.find(':').ok_or_else(not_specified)?;
    let scheme = &url[..colon];
    let scheme_ok = scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok {
        return Err(not_specified());
    }
    let rest = &url[colon + 1..];
    let (rest, fragment) = match rest.split_once('#') {
        Some((r, f)) => (r, Some(f)),
        None => (rest, None),
    };
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, Some(q)),
        None => (rest, None),
    };
    let (host, port, path) = match rest.strip_prefix("//") {
        Some(hierarchical) => {
            let (authority, path) = match hierarchical.split_once('/') {
                Some((a, p)) => (a, p),
                None => (hierarchical, ""),
            };
            // The port follows the last `:` after any `user:password@`.
            let host_start = authority.rfind('@').map_or(0, |at| at + 1);
            let (host, port) = match authority[host_start..].rfind(':') {
                Some(at) => (
                    &authority[..host_start + at],
                    Some(&authority[host_start + at + 1..]),
                ),
                None => (authority, None),
            };
            (Some(host).filter(|h| !h.is_empty()), port, path)
        }
        None => (None, None, rest),
    };
    let parameters = query.map(|q| {
        let mut pairs = Map::new();
        for pair in q.split('&').filter(|p| !p.is_empty()) {
            match pair.split_once('=') {
                Some((k, v)) => pairs.insert(k.to_string(), Value::from(v)),
                None => pairs.insert(pair.to_string(), Value::Null),
            };
        }
        Value::Object(pairs)
    });
    let text = |t: Option<&str>| t.map_or(Value::Null, Value::from);
    let mut object = Map::new();
    object.insert("fragment".into(), text(fragment));
    object.insert("host".into(), text(host));
    object.insert("parameters".into(), parameters.unwrap_or(Value::Null));
    object.insert("path".into(), Value::from(path));
    object.insert("port".into(), text(port.filter(|p| !p.is_empty())));
    object.insert("query".into(), text(query));
    object.insert("scheme".into(), Value::from(scheme));
    Ok(Value::Object(object).to_string())
}

fn text_signature() -> Vec<ArrowFunctionSignature> {
    vec![ArrowFunctionSignature::exact(
        vec![duckdb::arrow::datatypes::DataType::Utf8],
        duckdb::arrow::datatypes::DataType::Utf8,
    )]
}

struct Strict;

impl VArrowScalar for Strict {
    type State = ();

    fn invoke(_: &(), input: RecordBatch) -> Result<ArrayRef, Box<dyn Error>> {
        // The first URL that cannot be read fails the statement.
        let failure = std::cell::RefCell::new(None);
        let out = map_text(&input, |url| match parse_url(url) {
            Ok(object) => Some(object.into()),
            Err(reason) => {
                failure.borrow_mut().get_or_insert(reason);
                None
            }
        })?;
        match failure.into_inner() {
            Some(reason) => Err(format!("Error parsing URL: {reason}").into()),
            None => Ok(out),
        }
    }

    fn signatures() -> Vec<ArrowFunctionSignature> {
        text_signature()
    }
}

struct Permissive;

impl VArrowScalar for Permissive {
    type State = ();

    fn invoke(_: &(), input: RecordBatch) -> Result<ArrayRef, Box<dyn Error>> {
        map_text(&input, |url| {
            Some(
                parse_url(url)
                    .unwrap_or_else(|reason| serde_json::json!({ "error": reason }).to_string())
                    .into(),
            )
        })
    }

    fn signatures() -> Vec<ArrowFunctionSignature> {
        text_signature()
    }
}

#[cfg(test)]
mod tests {
    use super::parse_url;

    #[test]
    fn urls_as_snowflake_documents_them() {
        assert_eq!(
            parse_url("http://USER:PASS@EXAMPLE.INT:4345/HELLO.PHP?USER=1").unwrap(),
            r#"{"fragment":null,"host":"USER:PASS@EXAMPLE.INT","parameters":{"USER":"1"},"path":"HELLO.PHP","port":"4345","query":"USER=1","scheme":"http"}"#
        );
        assert_eq!(
            parse_url("mailto:abc@xyz.com").unwrap(),
            r#"{"fragment":null,"host":null,"parameters":null,"path":"abc@xyz.com","port":null,"query":null,"scheme":"mailto"}"#
        );
        assert_eq!(
            parse_url("https://www.snowflake.com/").unwrap(),
            r#"{"fragment":null,"host":"www.snowflake.com","parameters":null,"path":"","port":null,"query":null,"scheme":"https"}"#
        );
        assert_eq!(
            parse_url("https://h/a/b?x=1&y&x=2#top").unwrap(),
            r#"{"fragment":"top","host":"h","parameters":{"x":"2","y":null},"path":"a/b","port":null,"query":"x=1&y&x=2","scheme":"https"}"#
        );
        assert_eq!(
            parse_url("example.int/hello.php?user=12#nofragment").unwrap_err(),
            "scheme not specified"
        );
    }
}
