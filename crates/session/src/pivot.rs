//! Dynamic pivots (`PIVOT (... FOR c IN (ANY))`, `IN (<subquery>)`): their values are read
//! first, then the pivot runs as if they had been written out.

use snowglobe_catalog::SfType;
use snowglobe_engine::arrow::array::Array;
use snowglobe_error::{ErrorCode, Result, SnowflakeError};
use snowglobe_translate::pivot::{fill_pivot_values, next_dynamic_pivot, PivotValue};

use crate::sqlparser_compat::Statement;
use crate::Session;

/// How deeply value queries may nest (pivots over pivots).
const MOST_NESTED: u32 = 16;

thread_local! {
    /// The value queries running on this thread, one inside the other.
    static DEPTH: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

impl Session {
    /// Make each dynamic pivot of `statement` a value list: the distinct values (or the
    /// subquery's first column) in the order read, NULL left out.
    pub(crate) fn resolve_dynamic_pivots(&mut self, statement: &mut Statement) -> Result<()> {
        while let Some(query) = next_dynamic_pivot(statement) {
            // A value query holds fewer pivots than its statement; the guard is for safety.
            let depth = DEPTH.with(|d| d.get());
            if depth >= MOST_NESTED {
                return Err(SnowflakeError::unsupported(
                    "PIVOT IN (ANY) nested this deep",
                ));
            }
            DEPTH.with(|d| d.set(depth + 1));
            let result = self.query(&query);
            DEPTH.with(|d| d.set(depth));
            let result = result?;
            let bare = matches!(
                result.columns.first().map(|c| &c.sf_type),
                Some(SfType::Number { .. } | SfType::Float | SfType::Boolean)
            );
            let mut values = Vec::new();
            for batch in &result.batches {
                let Some(column) = batch.columns().first() else {
                    continue;
                };
                for row in 0..batch.num_rows() {
                    if column.is_null(row) {
                        continue;
                    }
                    let text = crate::result_scan::cell_text(column.as_ref(), row)?;
                    // A subquery may give a value twice: each is pivoted on once.
                    if !values.iter().any(|v: &PivotValue| v.text == text) {
                        values.push(PivotValue { text, bare });
                    }
                }
            }
            if values.is_empty() {
                return Err(SnowflakeError::compilation(
                    ErrorCode::Unsupported,
                    "PIVOT found no values to pivot on (the ANY or subquery list is empty).",
                ));
            }
            fill_pivot_values(statement, values);
        }
        Ok(())
    }
}
