//! Values as text for SQL test files: one canonical rendering that the in-process runner
//! produces here and the client runner (tests/python) reproduces from the connector's Python
//! values, so the same expected results check both paths.
//!
//! NULL → `NULL`; numbers with exactly their scale's digits; floats as shortest round-trip
//! text (`inf`, `-inf`, `NaN`); booleans `true`/`false`; dates ISO; times and timestamps ISO with
//! a space, microseconds only when non-zero, and `+HH:MM` for LTZ/TZ (in the session time
//! zone); binary as upper-case hex; semi-structured values as compact JSON; empty text as
//! `(empty)`.

use chrono::{DateTime, NaiveTime, Offset, TimeZone, Timelike};
use chrono_tz::Tz;
use snowglobe_catalog::SfType;
use snowglobe_engine::arrow::array::ArrayRef;
use snowglobe_engine::arrow::record_batch::RecordBatch;
use snowglobe_engine::ResultColumn;
use snowglobe_error::Result;

use super::cells;
use super::json::rescale;

fn fraction(nanos: u32) -> String {
    let micros = nanos / 1000;
    if micros == 0 {
        String::new()
    } else {
        format!(".{micros:06}")
    }
}

fn cell(t: &SfType, a: &ArrayRef, i: usize, tz: &Tz) -> Result<String> {
    if cells::is_null(a, i) {
        return Ok("NULL".into());
    }
    Ok(match t {
        SfType::Number { scale, .. } => {
            let (v, s) = cells::number(a, i)?;
            cells::decimal_text(rescale(v, s, *scale), *scale)
        }
        SfType::Float => {
            let f = cells::float(a, i)?;
            if f.is_nan() {
                "NaN".into()
            } else if f.is_infinite() {
                if f > 0.0 {
                    "inf".into()
                } else {
                    "-inf".into()
                }
            } else {
                format!("{f:?}")
            }
        }
        SfType::Text { .. } => {
            let s = cells::text(a, i)?;
            if s.is_empty() {
                "(empty)".into()
            } else {
                s
            }
        }
        SfType::Binary { .. } => cells::binary(a, i)?
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect(),
        SfType::Boolean => cells::boolean(a, i)?.to_string(),
        SfType::Date => {
            let d = DateTime::from_timestamp(i64::from(cells::days(a, i)?) * 86_400, 0)
                .map(|d| d.date_naive());
            d.map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default()
        }
        SfType::Time { .. } => {
            let n = cells::time_nanos(a, i)?;
            let t = NaiveTime::from_num_seconds_from_midnight_opt(
                (n / 1_000_000_000) as u32,
                (n % 1_000_000_000) as u32,
            );
            t.map(|t| format!("{}{}", t.format("%H:%M:%S"), fraction(t.nanosecond())))
                .unwrap_or_default()
        }
        SfType::TimestampTz { .. } => {
            let (n, minutes) = cells::tz_nanos(a, i, tz)?;
            let utc = DateTime::from_timestamp(
                n.div_euclid(1_000_000_000) as i64,
                n.rem_euclid(1_000_000_000) as u32,
            )
            .unwrap_or_default();
            let offset =
                chrono::FixedOffset::east_opt(minutes * 60).unwrap_or_else(|| chrono::Utc.fix());
            let local = utc.with_timezone(&offset);
            format!(
                "{}{}{}",
                local.format("%Y-%m-%d %H:%M:%S"),
                fraction(local.nanosecond()),
                local.format("%:z")
            )
        }
        SfType::TimestampNtz { .. } | SfType::TimestampLtz { .. } => {
            let n = cells::epoch_nanos(a, i)?;
            let utc = DateTime::from_timestamp(
                n.div_euclid(1_000_000_000) as i64,
                n.rem_euclid(1_000_000_000) as u32,
            )
            .unwrap_or_default();
            if matches!(t, SfType::TimestampNtz { .. }) {
                format!(
                    "{}{}",
                    utc.format("%Y-%m-%d %H:%M:%S"),
                    fraction(utc.nanosecond())
                )
            } else {
                let local = tz.from_utc_datetime(&utc.naive_utc());
                format!(
                    "{}{}{}",
                    local.format("%Y-%m-%d %H:%M:%S"),
                    fraction(local.nanosecond()),
                    local.format("%:z")
                )
            }
        }
        SfType::Variant | SfType::Object | SfType::Array => {
            let raw = cells::text(a, i)?;
            serde_json::from_str::<serde_json::Value>(&snowglobe_engine::json_text::sorted(&raw))
                .map(|v| v.to_string())
                .unwrap_or(raw)
        }
    })
}

/// All rows as text.
pub fn rows(
    columns: &[ResultColumn],
    batches: &[RecordBatch],
    tz: &Tz,
) -> Result<Vec<Vec<String>>> {
    let mut out = Vec::new();
    for batch in batches {
        for i in 0..batch.num_rows() {
            out.push(
                columns
                    .iter()
                    .zip(batch.columns())
                    .map(|(c, a)| cell(&c.sf_type, a, i, tz))
                    .collect::<Result<Vec<_>>>()?,
            );
        }
    }
    Ok(out)
}
