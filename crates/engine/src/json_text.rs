//! Semi-structured values as text, with OBJECT keys in Snowflake's order.
//!
//! Snowflake keeps the keys of an OBJECT sorted: `OBJECT_CONSTRUCT('b', 1, 'a', 2)`,
//! `PARSE_JSON('{"b":1,"a":2}')` and an OBJECT_AGG fed `b` before `a` all show as
//! `{"a":2,"b":1}`, and FLATTEN and OBJECT_KEYS meet the keys in that order. DuckDB's JSON keeps
//! the order a value was written in, so text leaving the engine goes through [`sorted`]:
//!
//! - `sg_json_sorted(json) → VARCHAR`: the value as compact JSON text with every object's keys
//!   sorted (TO_JSON, FLATTEN's input);
//! - `sg_json_text(json) → VARCHAR`: a variant converted to text as Snowflake converts it (`::STRING`,
//!   TO_VARCHAR, comparisons with text): a string without its quotes, JSON null as NULL, any other
//!   value as [`sorted`] text;
//! - `sg_row_object(json)`, `sg_row_object_keep_null(json)` → VARCHAR: a row's `to_json` as
//!   `OBJECT_CONSTRUCT(*)` builds it ([`row_object`]).
//!
//! Tokens are copied as written: a NUMBER keeps every digit (an f64 would round a
//! NUMBER(38,0)), a string keeps its escapes.

use std::borrow::Cow;
use std::error::Error;
use std::sync::Arc;

use duckdb::arrow::array::{Array, ArrayRef, AsArray, RecordBatch, StringBuilder};
use duckdb::arrow::datatypes::DataType;
use duckdb::vscalar::{ArrowFunctionSignature, VArrowScalar};
use duckdb::Connection;

/// Containers nested deeper than this are left as written rather than risk the stack.
const MAX_DEPTH: usize = 512;

/// Register the functions on the database `conn` belongs to.
pub fn register(conn: &Connection) -> duckdb::Result<()> {
    conn.register_scalar_function::<Sorted>("sg_json_sorted")?;
    conn.register_scalar_function::<Text>("sg_json_text")?;
    conn.register_scalar_function::<RowObject>("sg_row_object")?;
    conn.register_scalar_function::<RowObjectKeepNull>("sg_row_object_keep_null")
}

/// A row as Snowflake's `OBJECT_CONSTRUCT(*)` builds it from DuckDB's `to_json` of the row's
/// struct: column names as Snowflake spells them (storage names demangled), members whose value
/// is NULL left out unless `keep_nulls`, keys sorted. Text that is not a JSON object comes back
/// as [`sorted`] text.
pub fn row_object(json: &str, keep_nulls: bool) -> Cow<'_, str> {
    let mut parser = Parser {
        text: json,
        at: 0,
        depth: 0,
    };
    let Some(Node::Object(members)) = parser.value() else {
        return sorted(json);
    };
    let mut kept: Vec<(Cow<'_, str>, &str, &Node<'_>)> = members
        .iter()
        .filter(|(_, _, value)| keep_nulls || !matches!(value, Node::Token("null")))
        .map(|(token, name, value)| {
            let spelled = snowglobe_catalog::names::demangle(name);
            let token = if spelled.len() == name.len() {
                Cow::Borrowed(*token)
            } else {
                Cow::Owned(serde_json::Value::from(spelled).to_string())
            };
            (token, spelled, stored_timestamp_tz(value).unwrap_or(value))
        })
        .collect();
    kept.sort_by(|a, b| a.1.as_bytes().cmp(b.1.as_bytes()));
    let mut out = String::with_capacity(json.len());
    out.push('{');
    for (i, (token, _, value)) in kept.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(token);
        out.push(':');
        value.write(&mut out);
    }
    out.push('}');
    Cow::Owned(out)
}

/// `json` with every object's keys sorted (by their decoded text, byte-wise), as compact JSON
/// text. Text that is not JSON comes back as it is.
pub fn sorted(json: &str) -> Cow<'_, str> {
    if !json.contains('{') {
        return Cow::Borrowed(json.trim());
    }
    let mut parser = Parser {
        text: json,
        at: 0,
        depth: 0,
    };
    let Some(node) = parser.value() else {
        return Cow::Borrowed(json);
    };
    parser.skip_space();
    if parser.at != json.len() {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len());
    node.write(&mut out);
    Cow::Owned(out)
}

/// A variant as Snowflake converts it to text: `None` for JSON null, a string's content, else
/// [`sorted`] JSON text.
pub fn text(json: &str) -> Option<Cow<'_, str>> {
    let t = json.trim();
    if t == "null" {
        return None;
    }
    if t.starts_with('"') {
        if !t.contains('\\') && t.len() >= 2 && t.ends_with('"') {
            return Some(Cow::Borrowed(&t[1..t.len() - 1]));
        }
        if let Ok(s) = serde_json::from_str::<String>(t) {
            return Some(Cow::Owned(s));
        }
    }
    Some(sorted(json))
}

enum Node<'a> {
    /// A number, string, `true`, `false` or `null`, as written.
    Token(&'a str),
    Array(Vec<Node<'a>>),
    /// Members as (key token with its quotes, decoded key, value).
    Object(Vec<(&'a str, Cow<'a, str>, Node<'a>)>),
}

impl Node<'_> {
    fn write(&self, out: &mut String) {
        match self {
            Node::Token(t) => out.push_str(t),
            Node::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Node::Object(members) => {
                out.push('{');
                for (i, (key, _, value)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(key);
                    out.push(':');
                    value.write(out);
                }
                out.push('}');
            }
        }
    }
}

struct Parser<'a> {
    text: &'a str,
    at: usize,
    depth: usize,
}

impl<'a> Parser<'a> {
    fn skip_space(&mut self) {
        let rest = &self.text[self.at..];
        self.at += rest.len() - rest.trim_start().len();
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn eat(&mut self, b: u8) -> Option<()> {
        self.skip_space();
        (self.peek() == Some(b)).then(|| self.at += 1)
    }

    fn value(&mut self) -> Option<Node<'a>> {
        self.skip_space();
        match self.peek()? {
            b'{' | b'[' if self.depth >= MAX_DEPTH => None,
            b'{' => {
                self.at += 1;
                self.depth += 1;
                let mut members = Vec::new();
                if self.eat(b'}').is_none() {
                    loop {
                        self.skip_space();
                        let key = self.string()?;
                        self.eat(b':')?;
                        let value = self.value()?;
                        members.push((key, decoded(key)?, value));
                        if self.eat(b',').is_none() {
                            self.eat(b'}')?;
                            break;
                        }
                    }
                }
                self.depth -= 1;
                // A stable sort: duplicate keys keep their order.
                members.sort_by(|a, b| a.1.as_bytes().cmp(b.1.as_bytes()));
                Some(Node::Object(members))
            }
            b'[' => {
                self.at += 1;
                self.depth += 1;
                let mut items = Vec::new();
                if self.eat(b']').is_none() {
                    loop {
                        items.push(self.value()?);
                        if self.eat(b',').is_none() {
                            self.eat(b']')?;
                            break;
                        }
                    }
                }
                self.depth -= 1;
                Some(Node::Array(items))
            }
            b'"' => self.string().map(Node::Token),
            _ => {
                let rest = &self.text[self.at..];
                let len = rest
                    .find(|c: char| matches!(c, ',' | ']' | '}' | ':') || c.is_whitespace())
                    .unwrap_or(rest.len());
                if len == 0 {
                    return None;
                }
                self.at += len;
                Some(Node::Token(&rest[..len]))
            }
        }
    }

    /// A string token with its quotes.
    fn string(&mut self) -> Option<&'a str> {
        let start = self.at;
        let bytes = self.text.as_bytes();
        if bytes.get(start) != Some(&b'"') {
            return None;
        }
        let mut i = start + 1;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' => i += 2,
                b'"' => {
                    self.at = i + 1;
                    return Some(&self.text[start..=i]);
                }
                _ => i += 1,
            }
        }
        None
    }
}

/// The text of a key token (with its quotes).
fn decoded(token: &str) -> Option<Cow<'_, str>> {
    let inner = &token[1..token.len() - 1];
    if inner.contains('\\') {
        serde_json::from_str::<String>(token).ok().map(Cow::Owned)
    } else {
        Some(Cow::Borrowed(inner))
    }
}

/// Apply `f` to every non-null text of the first column.
pub(crate) fn map_text(
    input: &RecordBatch,
    f: impl Fn(&str) -> Option<Cow<'_, str>>,
) -> Result<ArrayRef, Box<dyn Error>> {
    let column = input.column(0).as_string::<i32>();
    let mut out = StringBuilder::with_capacity(column.len(), column.value_data().len());
    for row in 0..column.len() {
        match (!column.is_null(row))
            .then(|| f(column.value(row)))
            .flatten()
        {
            Some(t) => out.append_value(t),
            None => out.append_null(),
        }
    }
    Ok(Arc::new(out.finish()))
}

fn text_signature() -> Vec<ArrowFunctionSignature> {
    vec![ArrowFunctionSignature::exact(
        vec![DataType::Utf8],
        DataType::Utf8,
    )]
}

struct Sorted;

impl VArrowScalar for Sorted {
    type State = ();

    fn invoke(_: &(), input: RecordBatch) -> Result<ArrayRef, Box<dyn Error>> {
        map_text(&input, |t| Some(sorted(t)))
    }

    fn signatures() -> Vec<ArrowFunctionSignature> {
        text_signature()
    }
}

struct Text;

impl VArrowScalar for Text {
    type State = ();

    fn invoke(_: &(), input: RecordBatch) -> Result<ArrayRef, Box<dyn Error>> {
        map_text(&input, text)
    }

    fn signatures() -> Vec<ArrowFunctionSignature> {
        text_signature()
    }
}

/// A TIMESTAMP_TZ column is stored as a struct of its instant and offset; in a row object it is
/// its instant, as `OBJECT_CONSTRUCT('k', tz)` writes it.
fn stored_timestamp_tz<'n>(value: &'n Node<'n>) -> Option<&'n Node<'n>> {
    match value {
        Node::Object(members) => match members.as_slice() {
            [(_, instant, value), (_, offset, _)]
                if instant == "instant" && offset == "offset_minutes" =>
            {
                Some(value)
            }
            _ => None,
        },
        _ => None,
    }
}

struct RowObject;

impl VArrowScalar for RowObject {
    type State = ();

    fn invoke(_: &(), input: RecordBatch) -> Result<ArrayRef, Box<dyn Error>> {
        map_text(&input, |t| Some(row_object(t, false)))
    }

    fn signatures() -> Vec<ArrowFunctionSignature> {
        text_signature()
    }
}

struct RowObjectKeepNull;

impl VArrowScalar for RowObjectKeepNull {
    type State = ();

    fn invoke(_: &(), input: RecordBatch) -> Result<ArrayRef, Box<dyn Error>> {
        map_text(&input, |t| Some(row_object(t, true)))
    }

    fn signatures() -> Vec<ArrowFunctionSignature> {
        text_signature()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_objects_drop_nulls_and_spell_names_as_snowflake_does() {
        let row = r#"{"B":null,"c\u001fl":{"z":1,"y":null},"A":1}"#;
        assert_eq!(row_object(row, false), r#"{"A":1,"c":{"y":null,"z":1}}"#);
        assert_eq!(
            row_object(row, true),
            r#"{"A":1,"B":null,"c":{"y":null,"z":1}}"#
        );
        assert_eq!(row_object("[1]", false), "[1]");
        assert_eq!(
            row_object(
                r#"{"TZ":{"instant":"2024-01-02 01:04:05+00","offset_minutes":120}}"#,
                false
            ),
            r#"{"TZ":"2024-01-02 01:04:05+00"}"#
        );
    }

    #[test]
    fn object_keys_are_sorted_at_every_level() {
        assert_eq!(
            sorted(r#"{"b": 1, "a": {"z": [ {"y": 2, "x": 3} ], "c": null}}"#),
            r#"{"a":{"c":null,"z":[{"x":3,"y":2}]},"b":1}"#
        );
        assert_eq!(sorted(r#"{"B":1,"a":2,"A":3}"#), r#"{"A":3,"B":1,"a":2}"#);
    }

    #[test]
    fn tokens_are_copied_as_written() {
        assert_eq!(
            sorted(r#"{"n":12345678901234567890123.45,"s":"a\"}b","e":"\u00e9"}"#),
            r#"{"e":"\u00e9","n":12345678901234567890123.45,"s":"a\"}b"}"#
        );
        assert_eq!(sorted(" [1, 2.50, true] "), "[1, 2.50, true]");
        assert_eq!(sorted("not { json"), "not { json");
        assert_eq!(sorted(r#"{"a":1} x"#), r#"{"a":1} x"#);
    }

    #[test]
    fn escaped_keys_sort_by_their_text() {
        assert_eq!(sorted(r#"{"\u0062":1,"a":2}"#), r#"{"a":2,"\u0062":1}"#);
    }

    #[test]
    fn text_unquotes_strings_and_drops_null() {
        assert_eq!(text(r#""plain""#).as_deref(), Some("plain"));
        assert_eq!(text(r#""tab\there""#).as_deref(), Some("tab\there"));
        assert_eq!(text("null"), None);
        assert_eq!(text("12.50").as_deref(), Some("12.50"));
        assert_eq!(
            text(r#"{"b":"x","a":1}"#).as_deref(),
            Some(r#"{"a":1,"b":"x"}"#)
        );
    }

    #[test]
    fn deep_nesting_is_left_as_written() {
        let deep = format!(
            "{}1{}",
            "[".repeat(MAX_DEPTH + 1),
            "]".repeat(MAX_DEPTH + 1)
        );
        let with_object = format!("{{\"a\":{deep}}}");
        assert_eq!(sorted(&with_object), with_object);
    }
}
