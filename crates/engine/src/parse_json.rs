//! PARSE_JSON's reading of text, which is more lenient than JSON in some ways and stricter in
//! one:
//!
//! - `TRUE`, `False`, `NULL`... are read whatever their case;
//! - an empty array element (`[1,,2]`, `[1,]`) is an element without a value (Snowflake shows
//!   it as `undefined`; it is kept here as JSON null);
//! - an object with the same key twice is an error, unless duplicates are allowed (the `'d'`
//!   parameter), when the last value is kept.
//!
//! The result is compact JSON text that DuckDB's `json()` accepts: strings and numbers keep
//! their text as written (a NUMBER keeps every digit).
//!
//! - `sg_parse_json(text, mode)` → VARCHAR: the text read as above (`mode` is `'s'`, or `'d'`
//!   to allow duplicate keys); text that is not JSON is returned unchanged for `json()` to
//!   reject with its own message; a duplicate key fails with Snowflake's message;
//! - `sg_try_parse_json(text, mode)` → VARCHAR: the same, NULL for anything that cannot be read.

use std::collections::HashMap;
use std::error::Error;
use std::sync::Arc;

use duckdb::arrow::array::{Array, ArrayRef, AsArray, RecordBatch, StringBuilder};
use duckdb::arrow::datatypes::DataType;
use duckdb::vscalar::{ArrowFunctionSignature, VArrowScalar};
use duckdb::Connection;

/// Containers nested deeper than this are not read.
const MAX_DEPTH: usize = 512;

/// Register the functions on the database `conn` belongs to.
pub fn register(conn: &Connection) -> duckdb::Result<()> {
    conn.register_scalar_function::<ParseJson<false>>("sg_parse_json")?;
    conn.register_scalar_function::<ParseJson<true>>("sg_try_parse_json")
}

/// Why a text could not be read.
#[derive(Debug, PartialEq)]
pub enum ParseError {
    Malformed,
    /// An object has this key twice.
    Duplicate(String),
}

/// Read `text` as PARSE_JSON does; `keep_last` allows duplicate keys (the last value wins).
pub fn parse(text: &str, keep_last: bool) -> Result<String, ParseError> {
    let mut reader = Reader {
        text,
        at: 0,
        depth: 0,
        keep_last,
    };
    let mut out = String::with_capacity(text.len());
    reader.value(&mut out)?;
    reader.skip_space();
    if reader.at != text.len() {
        return Err(ParseError::Malformed);
    }
    Ok(out)
}

struct Reader<'a> {
    text: &'a str,
    at: usize,
    depth: usize,
    keep_last: bool,
}

impl<'a> Reader<'a> {
    fn skip_space(&mut self) {
        let rest = &self.text[self.at..];
        self.at += rest.len() - rest.trim_start().len();
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    /// Skip space, then take `b` if it comes next.
    fn eat(&mut self, b: u8) -> bool {
        self.skip_space();
        let found = self.peek() == Some(b);
        if found {
            self.at += 1;
        }
        found
    }

    fn value(&mut self, out: &mut String) -> Result<(), ParseError> {
        self.skip_space();
        match self.peek().ok_or(ParseError::Malformed)? {
            b'{' | b'[' if self.depth >= MAX_DEPTH => Err(ParseError::Malformed),
            b'{' => self.object(out),
            b'[' => self.array(out),
            b'"' => {
                out.push_str(self.string()?);
                Ok(())
            }
            _ => self.scalar(out),
        }
    }

    /// After an element: `true` past a comma (another follows), `false` past `close`.
    fn more(&mut self, close: u8) -> Result<bool, ParseError> {
        if self.eat(b',') {
            Ok(true)
        } else if self.eat(close) {
            Ok(false)
        } else {
            Err(ParseError::Malformed)
        }
    }

    fn array(&mut self, out: &mut String) -> Result<(), ParseError> {
        self.at += 1;
        self.depth += 1;
        out.push('[');
        if !self.eat(b']') {
            let mut first = true;
            loop {
                if !first {
                    out.push(',');
                }
                first = false;
                self.skip_space();
                if matches!(self.peek(), Some(b',' | b']')) {
                    // An element without a value.
                    out.push_str("null");
                } else {
                    self.value(out)?;
                }
                if !self.more(b']')? {
                    break;
                }
            }
        }
        out.push(']');
        self.depth -= 1;
        Ok(())
    }

    fn object(&mut self, out: &mut String) -> Result<(), ParseError> {
        self.at += 1;
        self.depth += 1;
        // (decoded key, key as a JSON string, value text)
        let mut members: Vec<(String, std::borrow::Cow<'a, str>, String)> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        if !self.eat(b'}') {
            loop {
                self.skip_space();
                let (key, token) = if self.peek() == Some(b'"') {
                    let token = self.string()?;
                    let key: String =
                        serde_json::from_str(token).map_err(|_| ParseError::Malformed)?;
                    (key, std::borrow::Cow::Borrowed(token))
                } else {
                    // An unquoted key, as in `{ name: "John" }` (FLATTEN's documented example).
                    let key = self.bare_key()?;
                    let quoted = serde_json::to_string(key).map_err(|_| ParseError::Malformed)?;
                    (key.to_string(), std::borrow::Cow::Owned(quoted))
                };
                if !self.eat(b':') {
                    return Err(ParseError::Malformed);
                }
                let mut value = String::new();
                self.value(&mut value)?;
                match index.get(&key) {
                    Some(&i) if self.keep_last => members[i].2 = value,
                    Some(_) => return Err(ParseError::Duplicate(key)),
                    None => {
                        index.insert(key.clone(), members.len());
                        members.push((key, token, value));
                    }
                }
                if !self.more(b'}')? {
                    break;
                }
            }
        }
        out.push('{');
        for (i, (_, token, value)) in members.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(token.as_ref());
            out.push(':');
            out.push_str(value);
        }
        out.push('}');
        self.depth -= 1;
        Ok(())
    }

    /// An object key written without quotes: letters, digits, `_` and `$`.
    fn bare_key(&mut self) -> Result<&'a str, ParseError> {
        let rest = &self.text[self.at..];
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '$')))
            .unwrap_or(rest.len());
        if len == 0 {
            return Err(ParseError::Malformed);
        }
        self.at += len;
        Ok(&rest[..len])
    }

    /// A string token with its quotes, its escapes checked.
    fn string(&mut self) -> Result<&'a str, ParseError> {
        let start = self.at;
        let bytes = self.text.as_bytes();
        if bytes.get(start) != Some(&b'"') {
            return Err(ParseError::Malformed);
        }
        let mut i = start + 1;
        let mut escaped = false;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' => {
                    escaped = true;
                    i += 2;
                }
                b'"' => {
                    let token = &self.text[start..=i];
                    if (escaped || token.bytes().any(|b| b < 0x20))
                        && serde_json::from_str::<String>(token).is_err()
                    {
                        return Err(ParseError::Malformed);
                    }
                    self.at = i + 1;
                    return Ok(token);
                }
                _ => i += 1,
            }
        }
        Err(ParseError::Malformed)
    }

    /// A number as written, or `true`/`false`/`null` in any case.
    fn scalar(&mut self, out: &mut String) -> Result<(), ParseError> {
        let rest = &self.text[self.at..];
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
            .unwrap_or(rest.len());
        let token = &rest[..len];
        let literal = ["true", "false", "null"]
            .into_iter()
            .find(|l| token.eq_ignore_ascii_case(l));
        match literal {
            Some(l) => out.push_str(l),
            None if is_number(token) => out.push_str(token),
            None => return Err(ParseError::Malformed),
        }
        self.at += len;
        Ok(())
    }
}

/// A JSON number: `-? digits (. digits)? ([eE] [+-]? digits)?`, no leading zero.
fn is_number(token: &str) -> bool {
    fn digits(s: &str) -> usize {
        s.bytes().take_while(u8::is_ascii_digit).count()
    }
    let s = token.strip_prefix('-').unwrap_or(token);
    let whole = digits(s);
    if whole == 0 || (whole > 1 && s.starts_with('0')) {
        return false;
    }
    let mut rest = &s[whole..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let n = digits(fraction);
        if n == 0 {
            return false;
        }
        rest = &fraction[n..];
    }
    if let Some(exponent) = rest.strip_prefix(['e', 'E']) {
        let exponent = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
        let n = digits(exponent);
        if n == 0 {
            return false;
        }
        rest = &exponent[n..];
    }
    rest.is_empty()
}

struct ParseJson<const TRY: bool>;

impl<const TRY: bool> VArrowScalar for ParseJson<TRY> {
    type State = ();

    fn invoke(_: &(), input: RecordBatch) -> Result<ArrayRef, Box<dyn Error>> {
        let texts = input.column(0).as_string::<i32>();
        let modes = input.column(1).as_string::<i32>();
        let mut out = StringBuilder::with_capacity(texts.len(), texts.value_data().len());
        for row in 0..texts.len() {
            if texts.is_null(row) {
                out.append_null();
                continue;
            }
            let text = texts.value(row);
            let keep_last = !modes.is_null(row) && modes.value(row).eq_ignore_ascii_case("d");
            match (parse(text, keep_last), TRY) {
                (Ok(json), _) => out.append_value(json),
                (Err(_), true) => out.append_null(),
                // DuckDB's json() rejects it with its own words.
                (Err(ParseError::Malformed), false) => out.append_value(text),
                (Err(ParseError::Duplicate(key)), false) => {
                    return Err(
                        format!("Error parsing JSON: duplicate object attribute \"{key}\"").into(),
                    )
                }
            }
        }
        Ok(Arc::new(out.finish()))
    }

    fn signatures() -> Vec<ArrowFunctionSignature> {
        vec![ArrowFunctionSignature::exact(
            vec![DataType::Utf8, DataType::Utf8],
            DataType::Utf8,
        )]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_json_leniently() {
        assert_eq!(
            parse(r#" { "x" : "abc", "y" : FALSE, "z": 10} "#, false).as_deref(),
            Ok(r#"{"x":"abc","y":false,"z":10}"#)
        );
        assert_eq!(
            parse("[-1, 12, 289, 2188, FALSE,]", false).as_deref(),
            Ok("[-1,12,289,2188,false,null]")
        );
        assert_eq!(parse("[1, ,77]", false).as_deref(), Ok("[1,null,77]"));
        assert_eq!(
            parse(r#"{ name: { first: "John" }, a_1$: [1] }"#, false).as_deref(),
            Ok(r#"{"name":{"first":"John"},"a_1$":[1]}"#)
        );
        assert_eq!(parse("[]", false).as_deref(), Ok("[]"));
        assert_eq!(parse("1.2345e+02", false).as_deref(), Ok("1.2345e+02"));
        assert_eq!(
            parse(r#""a\"b\u00e9""#, false).as_deref(),
            Ok(r#""a\"b\u00e9""#)
        );
    }

    #[test]
    fn rejects_what_is_not_json() {
        for bad in [
            r#"{ "bad" : "json", "missing" : TRUE, "close_brace": 10 "#,
            "",
            "abc",
            "[1 2]",
            "{: 1}",
            "{a b: 1}",
            "1.",
            "01x",
            "01",
            r#""\q""#,
            "[1]]",
        ] {
            assert_eq!(parse(bad, false), Err(ParseError::Malformed), "{bad}");
        }
    }

    #[test]
    fn duplicate_keys_fail_unless_allowed() {
        let text = r#"{"a": "123", "b": "456", "a": "789"}"#;
        assert_eq!(parse(text, false), Err(ParseError::Duplicate("a".into())));
        assert_eq!(parse(text, true).as_deref(), Ok(r#"{"a":"789","b":"456"}"#));
        assert_eq!(
            parse(r#"[{"k":1},{"k":2}]"#, false).as_deref(),
            Ok(r#"[{"k":1},{"k":2}]"#)
        );
    }
}
