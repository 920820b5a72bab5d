//! `sg_text_limit(text, n) → VARCHAR`: `text` unchanged when it has at most `n` characters,
//! else Snowflake's error 100074 (`String '...' is too long and would be truncated`).
//!
//! DuckDB keeps no length for VARCHAR(n) columns; the translator wraps every value written to
//! one (INSERT, UPDATE, MERGE, COPY) in this function. A function, not a `CASE` with `error()`,
//! so the value's expression is evaluated once (`UUID_STRING()` stays one value).

use std::error::Error;
use std::sync::Arc;

use duckdb::arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use duckdb::arrow::datatypes::{DataType, Int64Type};
use duckdb::vscalar::{ArrowFunctionSignature, VArrowScalar};
use duckdb::Connection;

/// Register the function on the database `conn` belongs to.
pub fn register(conn: &Connection) -> duckdb::Result<()> {
    conn.register_scalar_function::<TextLimit>("sg_text_limit")
}

struct TextLimit;

impl VArrowScalar for TextLimit {
    type State = ();

    fn invoke(_: &(), input: RecordBatch) -> Result<ArrayRef, Box<dyn Error>> {
        let text = input.column(0).as_string::<i32>();
        let limits = input.column(1).as_primitive::<Int64Type>();
        for row in 0..text.len() {
            if text.is_null(row) || limits.is_null(row) {
                continue;
            }
            let value = text.value(row);
            let limit = usize::try_from(limits.value(row)).unwrap_or(0);
            // Bytes bound characters from above: most values need no count.
            if value.len() > limit && value.chars().count() > limit {
                return Err(format!("String '{value}' is too long and would be truncated").into());
            }
        }
        Ok(Arc::clone(input.column(0)))
    }

    fn signatures() -> Vec<ArrowFunctionSignature> {
        vec![ArrowFunctionSignature::exact(
            vec![DataType::Utf8, DataType::Int64],
            DataType::Utf8,
        )]
    }
}

#[cfg(test)]
mod tests {
    use duckdb::Connection;

    fn run(sql: &str) -> Result<Vec<Option<String>>, String> {
        let conn = Connection::open_in_memory().map_err(|e| e.to_string())?;
        super::register(&conn).map_err(|e| e.to_string())?;
        let mut stmt = conn.prepare(sql).map_err(|e| e.to_string())?;
        let rows = stmt
            .query_map([], |r| r.get::<_, Option<String>>(0))
            .map_err(|e| e.to_string())?;
        rows.collect::<Result<_, _>>().map_err(|e| e.to_string())
    }

    #[test]
    fn text_within_the_limit_passes_and_longer_text_fails() {
        let ok = run("SELECT sg_text_limit(s, 3) FROM (VALUES ('abc'), ('äöü'), (NULL)) t(s)");
        assert_eq!(ok, Ok(vec![Some("abc".into()), Some("äöü".into()), None]));
        let err = run("SELECT sg_text_limit(s, 3) FROM (VALUES ('abc'), ('abcd')) t(s)")
            .expect_err("too long");
        assert!(
            err.contains("String 'abcd' is too long and would be truncated"),
            "{err}"
        );
    }
}
