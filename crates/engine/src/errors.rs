//! DuckDB errors → Snowflake errors, in Snowflake's codes and wording.
//!
//! Connections run with DuckDB's `errors_as_json`, so each error arrives as a JSON object with
//! its exception type and, for catalog errors, the kind and name of the missing object; the
//! mapping reads those fields instead of parsing prose.

use serde_json::Value;
use snowglobe_catalog::demangle;
use snowglobe_error::{ErrorCode, SnowflakeError};

/// A DuckDB error as Snowflake would report it.
pub fn from_duckdb(error: duckdb::Error) -> SnowflakeError {
    match error {
        duckdb::Error::DuckDBFailure(_, Some(message)) => from_message(&message),
        other => from_message(&other.to_string()),
    }
}

/// Map one DuckDB error message (JSON or plain text).
pub fn from_message(message: &str) -> SnowflakeError {
    // DuckDB sometimes prefixes the JSON with its exception type ("Catalog Error: {...}").
    let parsed: Option<Value> = message
        .find('{')
        .and_then(|at| serde_json::from_str(&message[at..]).ok());
    let (kind, text, fields) = match &parsed {
        Some(v) => (
            v.get("exception_type")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            v.get("exception_message")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            v.clone(),
        ),
        None => {
            let (kind, text) = message.split_once(" Error: ").unwrap_or(("", message));
            (kind.to_string(), text.to_string(), Value::Null)
        }
    };
    let field = |k: &str| {
        fields
            .get(k)
            .and_then(Value::as_str)
            .map(|s| display_name(demangle(s)))
    };
    let first_line = text.lines().next().unwrap_or("").to_string();
    if let Some(e) = own_message(&first_line) {
        return e;
    }
    match kind.as_str() {
        // CREATE TABLE t (a, b, c) AS SELECT with another number of columns (Snowglobe names
        // the columns through an alias of the query: SG_CTAS_COLUMNS, or sg_ctas when the
        // columns are typed).
        _ if first_line.to_ascii_uppercase().contains("\"SG_CTAS")
            && first_line.contains("columns available but") =>
        {
            let numbers: Vec<&str> = first_line
                .split_whitespace()
                .filter(|w| w.chars().all(|c| c.is_ascii_digit()))
                .collect();
            let detail = match numbers.as_slice() {
                [available, named, ..] => format!(
                    "Invalid column definition list: {named} column names for the {available} columns of the query."
                ),
                _ => "Invalid column definition list: it does not match the columns of the query."
                    .to_string(),
            };
            SnowflakeError::compilation(ErrorCode::InsertValueCount, detail)
        }
        "Catalog" => catalog(&first_line, field("name"), field("type")),
        "Binder" => binder(&first_line, field("name")),
        "Parser" | "Syntax" => SnowflakeError::compilation(
            ErrorCode::SyntaxError,
            format!("syntax error: {}", strip_markers(&first_line)),
        ),
        "Conversion" if text.contains("Could not convert string ") => conversion(&text),
        "Conversion" => conversion(&first_line),
        // Snowglobe's own functions (time_zones) word their failures as Snowflake does.
        _ if first_line.ends_with("is not recognized") => conversion(&first_line),
        "Invalid Input" | "Invalid" if first_line.contains("Division by zero") => {
            SnowflakeError::division_by_zero()
        }
        "Invalid Input" if is_regex_error(&first_line) => SnowflakeError::new(
            ErrorCode::InvalidRegex,
            format!("Invalid regular expression: {}", strip_markers(&first_line)),
        ),
        "Invalid Input" if first_line.contains("JSON") => SnowflakeError::new(
            ErrorCode::JsonParse,
            format!("Error parsing JSON: {}", strip_markers(&first_line)),
        ),
        "Constraint" if first_line.contains("NOT NULL") => SnowflakeError::new(
            ErrorCode::NullInNonNullable,
            "NULL result in a non-nullable column",
        ),
        "Out of Range" => SnowflakeError::new(
            ErrorCode::NumericOutOfRange,
            "Number out of representable range",
        ),
        // An interrupted statement (abort request, client timeout) may arrive as plain text.
        "Interrupt" => SnowflakeError::new(ErrorCode::Cancelled, "SQL execution canceled"),
        _ if first_line.starts_with("Interrupted") => {
            SnowflakeError::new(ErrorCode::Cancelled, "SQL execution canceled")
        }
        // OBJECT_AGG / OBJECT_CONSTRUCT / OBJECT_INSERT given a key twice (DuckDB's MAP and
        // STRUCT words for it), in Snowflake's wording.
        _ if first_line.starts_with("Duplicate field key") => {
            SnowflakeError::new(ErrorCode::DuplicateFieldKey, strip_markers(&first_line))
        }
        // A placeholder sent with no bind values at all.
        _ if first_line.starts_with("Wrong number of parameters passed to query") => {
            SnowflakeError::compilation(ErrorCode::BindNotSet, "Bind variable ? not set.")
        }
        _ if first_line.starts_with("Map keys must be unique") => {
            SnowflakeError::new(ErrorCode::DuplicateFieldKey, "Duplicate field key")
        }
        _ if first_line.starts_with("More than one row returned by a subquery") => {
            SnowflakeError::new(
                ErrorCode::SingleRowSubquery,
                "Single-row subquery returns more than one row.",
            )
        }
        _ if first_line.contains("cannot affect the same target row more than once") => {
            SnowflakeError::new(
                ErrorCode::DuplicateRow,
                "Duplicate row detected during DML action",
            )
        }
        // REGEXP_SUBSTR(.., group_num) past the pattern's groups ("Pattern has 1 groups.
        // Cannot access group 2"): the caller's argument, not a server fault.
        _ if first_line.starts_with("Pattern has ")
            && first_line.contains("Cannot access group") =>
        {
            SnowflakeError::new(
                ErrorCode::BadArgumentValue,
                format!("Invalid group number: {}", strip_markers(&first_line)),
            )
        }
        // Arguments Snowglobe's own functions refuse (a date part a function does not take, a
        // day name or zone that does not exist, an epoch past the calendar): the caller's
        // input, not a server fault.
        _ if UDF_ARGUMENT_ERRORS
            .iter()
            .any(|p| first_line.starts_with(p)) =>
        {
            SnowflakeError::new(ErrorCode::BadArgumentValue, strip_markers(&first_line))
        }
        "Not implemented" => SnowflakeError::unsupported(strip_markers(&first_line)),
        _ => {
            if first_line.contains("Division by zero") {
                return SnowflakeError::division_by_zero();
            }
            SnowflakeError::internal(strip_markers(&first_line))
        }
    }
}

/// A failure Snowglobe's generated SQL raises itself (DuckDB `error(...)` calls written by the
/// conversion rules), already in Snowflake's wording: only its code is picked here.
/// What the default of a column fails with once its sequence is dropped, before the sequence's
/// quoted DuckDB path (see the session's sequence commands).
pub const SEQUENCE_GONE: &str = "SG_SEQUENCE_GONE";

fn own_message(text: &str) -> Option<SnowflakeError> {
    if let Some(path) = text.strip_prefix(SEQUENCE_GONE) {
        let last = path.trim().rsplit("\".\"").next().unwrap_or(path);
        let last = last.strip_prefix('"').unwrap_or(last);
        let last = last.strip_suffix('"').unwrap_or(last).replace("\"\"", "\"");
        let name = demangle(&last);
        return Some(SnowflakeError::does_not_exist("Sequence", name));
    }
    if text.starts_with("Error parsing JSON: ") {
        return Some(SnowflakeError::new(ErrorCode::JsonParse, text));
    }
    if text.starts_with("Error parsing URL: ") {
        return Some(SnowflakeError::new(ErrorCode::UrlParse, text));
    }
    if text.starts_with(crate::ips::PARSE_IP_FAILURE) || text.starts_with("Invalid UUID string: ") {
        return Some(SnowflakeError::new(ErrorCode::BadArgumentValue, text));
    }
    if text.starts_with("Invalid character code ") && text.ends_with(" in the CHR input") {
        return Some(SnowflakeError::new(ErrorCode::BadArgumentValue, text));
    }
    if text.starts_with("The following string is not a legal ") {
        return Some(SnowflakeError::new(ErrorCode::IllegalEncoding, text));
    }
    if text.starts_with("Not an array: ") {
        return Some(SnowflakeError::new(ErrorCode::NotAnArray, text));
    }
    let code = match text.split_once(" '") {
        Some(("Numeric value", _)) if text.ends_with("' is not recognized") => {
            ErrorCode::NumericNotRecognized
        }
        Some(("Numeric value", _)) if text.ends_with("' is out of range") => {
            ErrorCode::NumericValueOutOfRange
        }
        Some(("Boolean value", _)) if text.ends_with("' is not recognized") => {
            ErrorCode::BooleanNotRecognized
        }
        Some(("Date", _)) if text.ends_with("' is not recognized") => ErrorCode::DateNotRecognized,
        Some(("Timestamp", _)) if text.ends_with("' is not recognized") => {
            ErrorCode::TimestampNotRecognized
        }
        Some(("String", _)) if text.ends_with("' is too long and would be truncated") => {
            ErrorCode::StringTooLong
        }
        Some(("Can't parse", _)) if text.contains(" with format '") => ErrorCode::CannotParse,
        _ => return None,
    };
    Some(SnowflakeError::new(code, text))
}

/// How Snowglobe's functions (`sg_*`) word a refused argument.
const UDF_ARGUMENT_ERRORS: &[&str] = &[
    "Invalid date/time part ",
    "Invalid day of week ",
    "Unknown timezone: ",
    "epoch out of range",
];

/// RE2's complaints about a pattern (`missing ]: [`, `invalid perl operator: (?=`).
fn is_regex_error(text: &str) -> bool {
    const RE2: &[&str] = &[
        "missing ]",
        "missing )",
        "unexpected )",
        "invalid perl operator",
        "invalid escape sequence",
        "invalid character class",
        "bad repetition operator",
        "missing argument to repetition operator",
        "invalid repetition size",
        "invalid nested repetition operator",
        "invalid named capture group",
        "trailing \\",
    ];
    RE2.iter().any(|m| text.starts_with(m))
}

/// Remove DuckDB's quoting of storage names so messages show Snowflake names.
fn strip_markers(text: &str) -> String {
    text.split('\u{1f}')
        .enumerate()
        .map(|(i, part)| {
            if i == 0 {
                part.to_string()
            } else {
                // Drop the case pattern (letters u/l) that follows the separator.
                part.trim_start_matches(['u', 'l']).to_string()
            }
        })
        .collect()
}

pub use snowglobe_catalog::names::display_name;

/// The text between the first pair of double quotes.
fn quoted_name(text: &str) -> Option<String> {
    let mut parts = text.split('"');
    parts.next()?;
    parts.next().map(|s| display_name(demangle(s)))
}

/// The text between the first pair of quotes of either kind.
fn quoted_value(text: &str) -> String {
    let Some(start) = text.find(['\'', '"']) else {
        return String::new();
    };
    let q = text[start..].chars().next().unwrap_or('\'');
    let rest = &text[start + 1..];
    rest.find(q)
        .map(|end| rest[..end].to_string())
        .unwrap_or_default()
}

fn catalog(text: &str, name: Option<String>, kind: Option<String>) -> SnowflakeError {
    let name = name
        .or_else(|| quoted_name(text))
        .or_else(|| {
            text.split("with name ")
                .nth(1)
                .and_then(|r| r.split_whitespace().next())
                .map(|s| display_name(demangle(s.trim_end_matches(['!', '.']))))
        })
        .unwrap_or_default();
    let kind = kind.unwrap_or_default().to_ascii_lowercase();
    if text.contains("already exists") {
        return SnowflakeError::already_exists("Object", &name);
    }
    if kind.contains("function") || text.contains("Function with name") {
        return SnowflakeError::compilation(
            ErrorCode::UnknownFunction,
            format!("Unknown function {}.", unknown_function_name(&name)),
        );
    }
    if kind == "schema" || text.starts_with("Schema with name") {
        return SnowflakeError::does_not_exist("Schema", &name);
    }
    if kind == "catalog" || text.starts_with("Catalog") {
        return SnowflakeError::does_not_exist("Database", &name);
    }
    SnowflakeError::does_not_exist("Object", &name)
}

/// A function name as the unknown-function message prints it: unquoted names upper-case.
fn unknown_function_name(name: &str) -> String {
    let bare = name
        .strip_prefix('"')
        .and_then(|n| n.strip_suffix('"'))
        .unwrap_or(name);
    let upper = bare.to_uppercase();
    if display_name(&upper) == upper {
        upper
    } else {
        name.to_string()
    }
}

fn binder(text: &str, name: Option<String>) -> SnowflakeError {
    // `Table "t" does not have a column named "x"`: Snowflake names the qualified column.
    if text.starts_with("Table \"") && text.contains("does not have a column named") {
        let parts: Vec<&str> = text.split('"').collect();
        if let (Some(table), Some(column)) = (parts.get(1), parts.get(3)) {
            let name = format!(
                "{}.{}",
                display_name(demangle(table)),
                display_name(demangle(column))
            );
            return SnowflakeError::invalid_identifier(&name, 1, 0);
        }
    }
    // `Referenced table "x" not found!` (`select x.a from t`): the qualifier alone; the
    // session completes it with the column written after it.
    if text.starts_with("Referenced table \"") {
        if let Some(table) = quoted_name(text) {
            return SnowflakeError::invalid_identifier(&table, 1, 0);
        }
    }
    if text.contains("not found in FROM clause")
        || text.contains("does not have a column named")
        || text.starts_with("Referenced column")
        || text.contains("could not be found")
    {
        let name = name.or_else(|| quoted_name(text)).unwrap_or_default();
        return SnowflakeError::invalid_identifier(&name, 1, 0);
    }
    if text.contains("No function matches") {
        let name = text
            .split('\'')
            .nth(1)
            .map(|s| s.split('(').next().unwrap_or(s).to_uppercase())
            .unwrap_or_default();
        return SnowflakeError::compilation(
            ErrorCode::InvalidArgumentTypes,
            format!("Invalid argument types for function '{name}'"),
        );
    }
    // Grouping mistakes, in Snowflake's words; the session names the column's table and the
    // clause it is in from the statement (snowglobe_translate::compile_errors).
    if text.contains("must appear in the GROUP BY clause") {
        return SnowflakeError::compilation(
            ErrorCode::NotGroupByExpression,
            format!(
                "{} is not a valid group by expression",
                quoted_name(text)
                    .map(|n| format!("[{n}]"))
                    .unwrap_or_default()
            ),
        );
    }
    if text.starts_with("WHERE clause cannot contain aggregates") {
        return SnowflakeError::compilation(
            ErrorCode::SyntaxError,
            "Invalid aggregate function in where clause",
        );
    }
    if text.starts_with("Set operations can only apply to expressions with the same number") {
        return SnowflakeError::compilation(
            ErrorCode::SetOperatorColumns,
            "invalid number of result columns for set operator input branches",
        );
    }
    if text.starts_with("ORDER term out of range") || text.starts_with("GROUP BY term out of range")
    {
        return SnowflakeError::compilation(ErrorCode::NotGroupByExpression, text);
    }
    if text.contains("Division by zero") {
        return SnowflakeError::division_by_zero();
    }
    if let Some((columns, values)) = insert_counts(text) {
        return SnowflakeError::compilation(
            ErrorCode::InsertValueCount,
            format!(
                "Insert value list does not match column list expecting {columns} but got {values}"
            ),
        );
    }
    SnowflakeError::compilation(ErrorCode::SyntaxError, strip_markers(text))
}

/// DuckDB's `table T has 2 columns but 3 values were supplied` and `Column name/value
/// mismatch for insert on T: expected 2 columns but 3 values were supplied`: (columns, values).
fn insert_counts(text: &str) -> Option<(u64, u64)> {
    let (before, _) = text.split_once(" values were supplied")?;
    let (before, values) = before.rsplit_once(" columns but ")?;
    let columns = before.rsplit(' ').next()?;
    Some((columns.parse().ok()?, values.trim().parse().ok()?))
}

fn conversion(text: &str) -> SnowflakeError {
    // A cast pushed into DuckDB's CSV reader says which column first: the value follows
    // "Could not convert string".
    let text = text
        .find("Could not convert string ")
        .map_or(text, |at| &text[at..]);
    let text = text.lines().next().unwrap_or(text);
    // A number too wide for the NUMBER it is cast to: `Could not cast value 123456 to
    // DECIMAL(5,0)`, `Casting value "123456.5" to type DECIMAL(5,0) failed: value is out of
    // range!`.
    let too_wide = text
        .strip_prefix("Could not cast value ")
        .and_then(|rest| rest.split_once(" to "))
        .filter(|(_, target)| target.starts_with("DECIMAL"))
        .map(|(value, _)| value.to_string())
        .or_else(|| {
            (text.starts_with("Casting value \"") && text.contains("is out of range"))
                .then(|| quoted_value(text))
        });
    if let Some(value) = too_wide {
        return SnowflakeError::new(
            ErrorCode::NumericValueOutOfRange,
            format!("Numeric value '{value}' is out of range"),
        );
    }
    let value = quoted_value(text);
    let upper = text.to_ascii_uppercase();
    let target = upper.rsplit(" TO ").next().unwrap_or("");
    let target = if upper.contains(" TO ") {
        target
    } else if upper.contains("TIMESTAMP") {
        "TIMESTAMP"
    } else if upper.contains("DATE") {
        "DATE"
    } else if upper.contains("TIME") {
        "TIME"
    } else {
        ""
    };
    if target.starts_with("DATE") {
        SnowflakeError::new(
            ErrorCode::DateNotRecognized,
            format!("Date '{value}' is not recognized"),
        )
    } else if target.starts_with("TIMESTAMP") || target.starts_with("TIME") {
        SnowflakeError::new(
            ErrorCode::TimestampNotRecognized,
            format!("Timestamp '{value}' is not recognized"),
        )
    } else if target.starts_with("BOOL") {
        SnowflakeError::new(
            ErrorCode::BooleanNotRecognized,
            format!("Boolean value '{value}' is not recognized"),
        )
    } else if upper.contains("JSON") {
        SnowflakeError::new(ErrorCode::JsonParse, format!("Error parsing JSON: {value}"))
    } else {
        SnowflakeError::new(
            ErrorCode::NumericNotRecognized,
            format!("Numeric value '{value}' is not recognized"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_too_wide_for_their_type_are_out_of_range() {
        let e = from_message("Conversion Error: Could not cast value 123456 to DECIMAL(5,0)");
        assert_eq!(e.code, ErrorCode::NumericValueOutOfRange);
        assert_eq!(e.message, "Numeric value '123456' is out of range");
        let e = from_message(
            "Conversion Error: Casting value \"123456.5\" to type DECIMAL(5,0) failed: value is out of range!",
        );
        assert_eq!(e.code, ErrorCode::NumericValueOutOfRange);
    }

    #[test]
    fn interrupted_statements_are_cancelled() {
        let e = from_message("Interrupted!");
        assert_eq!(e.code, ErrorCode::Cancelled);
        assert_eq!(e.message, "SQL execution canceled");
    }

    #[test]
    fn format_mismatches_are_100096() {
        let e = from_message(
            "Invalid Input Error: Can't parse '13/13/2024' as date with format 'MM/DD/YYYY'",
        );
        assert_eq!(e.code, ErrorCode::CannotParse);
    }

    #[test]
    fn defaults_of_dropped_sequences_fail_as_snowflake_does() {
        let e = from_message(r#"Invalid Input Error: SG_SEQUENCE_GONE "D"."PUBLIC"."My ""Seq""""#);
        assert_eq!(e.code, ErrorCode::DoesNotExist);
        assert!(e
            .message
            .ends_with(r#"Sequence 'My "Seq"' does not exist or not authorized."#));
    }

    #[test]
    fn bad_patterns_are_100048() {
        let e = from_message("Invalid Input Error: missing ]: [");
        assert_eq!(e.code, ErrorCode::InvalidRegex);
        assert_eq!(e.message, "Invalid regular expression: missing ]: [");
    }

    #[test]
    fn duplicate_merge_rows_are_100090() {
        let e = from_message(
            "Invalid Input Error: MERGE INTO command cannot affect the same target row more than once",
        );
        assert_eq!(e.code, ErrorCode::DuplicateRow);
        let e = from_message("Binder Error: table T has 2 columns but 3 values were supplied");
        assert_eq!(e.code, ErrorCode::InsertValueCount);
        assert!(
            e.message.ends_with("expecting 2 but got 3"),
            "{}",
            e.message
        );
        let e = from_message(
            "Binder Error: Column name/value mismatch for insert on T: expected 1 columns but 2 \
             values were supplied",
        );
        assert!(
            e.message.ends_with("expecting 1 but got 2"),
            "{}",
            e.message
        );
    }

    #[test]
    fn names_print_as_identifiers() {
        assert_eq!(display_name("PLAIN_1"), "PLAIN_1");
        assert_eq!(display_name("mixed"), "\"mixed\"");
        assert_eq!(display_name("a\"b"), "\"a\"\"b\"");
    }

    #[test]
    fn duplicate_object_keys_are_data_errors() {
        let e = from_message(
            r#"{"exception_type":"Invalid Input","exception_message":"Map keys must be unique."}"#,
        );
        assert_eq!(
            (e.code, e.message.as_str()),
            (ErrorCode::DuplicateFieldKey, "Duplicate field key")
        );
        let e = from_message(
            r#"{"exception_type":"Invalid Input","exception_message":"Duplicate field key 'a'"}"#,
        );
        assert_eq!(e.message, "Duplicate field key 'a'");
    }

    #[test]
    fn plain_text_errors_map_too() {
        let e = from_message("Catalog Error: Table with name NOSUCH does not exist!");
        assert_eq!(e.code(), "002003");
        assert!(e.message.contains("'NOSUCH'"));
        let e = from_message("Conversion Error: Could not convert string 'abc' to INT32");
        assert_eq!(
            (e.code(), e.message.as_str()),
            ("100038", "Numeric value 'abc' is not recognized")
        );
        let e = from_message("Conversion Error: CSV Error on Line: 1\nOriginal Line: one,a\nError when converting column \"column0\". Could not convert string \"one\" to 'DECIMAL'\n\nColumn column0 is being converted");
        assert_eq!(e.message, "Numeric value 'one' is not recognized");
        let e = from_message("Invalid Input Error: Boolean value 'a to date' is not recognized");
        assert_eq!(
            (e.code(), e.message.as_str()),
            ("100037", "Boolean value 'a to date' is not recognized")
        );
        let e = from_message("Invalid Input Error: Numeric value '345.123' is out of range");
        assert_eq!((e.code(), e.sqlstate()), ("100039", "22003"));
        let e =
            from_message("Invalid Input Error: String 'it''s' is too long and would be truncated");
        assert_eq!((e.code(), e.sqlstate()), ("100074", "22001"));
        let e = from_message("Binder Error: Referenced column \"FOO\" not found in FROM clause!");
        assert_eq!(e.code(), "000904");
        assert!(e.message.contains("invalid identifier 'FOO'"));
    }
}
