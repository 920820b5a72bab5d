//! `RESULT_SCAN`: the session keeps its recent results; a query reading one gets its rows as a
//! VALUES subquery in place of the placeholder the translation left.

use snowglobe_catalog::names::{mangle, quote, quote_literal};
use snowglobe_catalog::SfType;
use snowglobe_engine::arrow::array::Array;
use snowglobe_engine::arrow::util::display::array_value_to_string;
use snowglobe_error::{ErrorCode, Result, SnowflakeError};
use snowglobe_translate::variables::result_scan_placeholder;

use crate::information_schema::values_subquery;
use crate::ResultSet;

/// How many results a session keeps, and the largest it keeps.
pub(crate) const KEPT_RESULTS: usize = 10;
pub(crate) const MAX_KEPT_ROWS: usize = 100_000;

/// Replace each RESULT_SCAN placeholder of `sql` with the rows of that result.
pub(crate) fn fill(sql: &str, ids: &[String], kept: &[ResultSet]) -> Result<String> {
    let mut out = sql.to_string();
    for id in ids {
        let result = kept
            .iter()
            .find(|r| r.query_id.eq_ignore_ascii_case(id))
            .ok_or_else(|| {
                SnowflakeError::new(
                    ErrorCode::QueryNotFound,
                    format!("Statement {id} not found"),
                )
            })?;
        out = out.replace(
            &result_scan_placeholder(id),
            &format!("({})", rows_of(result)?),
        );
    }
    Ok(out)
}

/// A cell as text; time-zone-aware timestamps as UTC wall time with `+00:00` (Arrow's display
/// knows only offset zones).
pub(crate) fn cell_text(array: &dyn Array, row: usize) -> Result<String> {
    use snowglobe_engine::arrow::datatypes::DataType;
    if let DataType::Struct(_) = array.data_type() {
        if let Some(text) = timestamp_tz_text(array, row) {
            return Ok(text);
        }
    }
    if let DataType::Timestamp(unit, Some(_)) = array.data_type() {
        let plain = snowglobe_engine::arrow::compute::cast(
            &snowglobe_engine::arrow::array::make_array(array.to_data()),
            &DataType::Timestamp(*unit, None),
        )
        .map_err(SnowflakeError::internal)?;
        let text = array_value_to_string(&plain, row).map_err(SnowflakeError::internal)?;
        return Ok(format!("{}+00:00", text.replace('T', " ")));
    }
    array_value_to_string(array, row).map_err(SnowflakeError::internal)
}

/// A stored TIMESTAMP_TZ as text: its wall clock and its own offset (`None` for other structs).
fn timestamp_tz_text(array: &dyn Array, row: usize) -> Option<String> {
    use snowglobe_engine::arrow::array::AsArray;
    use snowglobe_engine::arrow::datatypes::{Int16Type, TimestampMicrosecondType};
    let s = array.as_struct_opt()?;
    let micros = s
        .column_by_name(snowglobe_catalog::types::TZ_INSTANT_FIELD)?
        .as_primitive_opt::<TimestampMicrosecondType>()?
        .value(row);
    let minutes = s
        .column_by_name(snowglobe_catalog::types::TZ_OFFSET_FIELD)?
        .as_primitive_opt::<Int16Type>()?
        .value(row);
    let offset = chrono::FixedOffset::east_opt(i32::from(minutes) * 60)?;
    let local = chrono::DateTime::from_timestamp_micros(micros)?.with_timezone(&offset);
    Some(local.format("%Y-%m-%d %H:%M:%S%.f %:z").to_string())
}

fn literal(sf_type: &SfType, array: &dyn Array, row: usize) -> Result<String> {
    // `logical_nulls`: a NULL-typed column (`SELECT NULL`) has no null buffer.
    if array.logical_nulls().is_some_and(|n| n.is_null(row)) {
        return Ok("NULL".into());
    }
    let text = cell_text(array, row)?;
    Ok(match sf_type {
        SfType::Number { .. } | SfType::Boolean => text,
        SfType::Binary { .. } => format!("unhex({})", quote_literal(&text)),
        SfType::TimestampTz { .. } => format!("sg_tz({}, 'UTC')", quote_literal(&text)),
        _ => quote_literal(&text),
    })
}

fn rows_of(result: &ResultSet) -> Result<String> {
    let columns: Vec<(String, String)> = result
        .columns
        .iter()
        .map(|c| (quote(&mangle(&c.name)), c.sf_type.duckdb_type()))
        .collect();
    let mut rows = Vec::new();
    for batch in &result.batches {
        for row in 0..batch.num_rows() {
            let mut cells = Vec::with_capacity(columns.len());
            for (i, c) in result.columns.iter().enumerate() {
                cells.push(literal(&c.sf_type, batch.column(i).as_ref(), row)?);
            }
            rows.push(cells);
        }
    }
    Ok(values_subquery(&columns, &rows))
}
