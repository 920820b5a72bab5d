//! JSON rowsets: every cell a string in Snowflake's encoding, or null (PROTOCOL.md §4.5).

use chrono::{Offset, TimeZone};
use chrono_tz::Tz;
use serde_json::Value;
use snowglobe_catalog::SfType;
use snowglobe_engine::arrow::array::ArrayRef;
use snowglobe_engine::arrow::record_batch::RecordBatch;
use snowglobe_engine::ResultColumn;
use snowglobe_error::Result;

use super::cells;

/// Minutes east of UTC of `tz` at an instant.
pub fn offset_minutes(tz: &Tz, nanos: i128) -> i32 {
    let secs = nanos.div_euclid(1_000_000_000) as i64;
    match chrono::DateTime::from_timestamp(secs, 0) {
        Some(utc) => {
            tz.offset_from_utc_datetime(&utc.naive_utc())
                .fix()
                .local_minus_utc()
                / 60
        }
        None => 0,
    }
}

fn cell(t: &SfType, a: &ArrayRef, i: usize, tz: &Tz) -> Result<Value> {
    if cells::is_null(a, i) {
        return Ok(Value::Null);
    }
    let s = match t {
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
        SfType::Text { .. } => cells::text(a, i)?,
        SfType::Binary { .. } => cells::binary(a, i)?
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect(),
        SfType::Boolean => if cells::boolean(a, i)? { "1" } else { "0" }.into(),
        SfType::Date => cells::days(a, i)?.to_string(),
        SfType::Time { scale } => cells::seconds_text(cells::time_nanos(a, i)?.into(), *scale),
        SfType::TimestampNtz { scale } | SfType::TimestampLtz { scale } => {
            cells::seconds_text(cells::epoch_nanos(a, i)?, *scale)
        }
        SfType::TimestampTz { scale } => {
            let (n, minutes) = cells::tz_nanos(a, i, tz)?;
            format!("{} {}", cells::seconds_text(n, *scale), minutes + 1440)
        }
        SfType::Variant | SfType::Object | SfType::Array => {
            cells::variant_text(&cells::text(a, i)?)
        }
    };
    Ok(Value::String(s))
}

/// An unscaled value of scale `from` expressed at scale `to`.
pub fn rescale(v: i128, from: u8, to: u8) -> i128 {
    match to.cmp(&from) {
        std::cmp::Ordering::Equal => v,
        std::cmp::Ordering::Greater => v * 10i128.pow((to - from) as u32),
        std::cmp::Ordering::Less => v / 10i128.pow((from - to) as u32),
    }
}

/// All rows of a result as a JSON rowset.
pub fn rowset(columns: &[ResultColumn], batches: &[RecordBatch], tz: &Tz) -> Result<Vec<Value>> {
    let mut rows = Vec::new();
    for batch in batches {
        for i in 0..batch.num_rows() {
            let row = columns
                .iter()
                .zip(batch.columns())
                .map(|(c, a)| cell(&c.sf_type, a, i, tz))
                .collect::<Result<Vec<_>>>()?;
            rows.push(Value::Array(row));
        }
    }
    Ok(rows)
}
