//! Values of DuckDB's Arrow arrays in Snowflake's encodings, shared by the JSON and Arrow
//! encoders: unscaled decimals, nanosecond instants, pretty-printed semi-structured text.

use snowglobe_engine::arrow::array::{Array, ArrayRef, AsArray};
use snowglobe_engine::arrow::datatypes::{
    DataType, Date32Type, Decimal128Type, Float32Type, Float64Type, Int16Type, Int32Type,
    Int64Type, Int8Type, Time64MicrosecondType, Time64NanosecondType, TimeUnit,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use snowglobe_error::{Result, SnowflakeError};

/// Whether row `i` is NULL; a column of DuckDB's NULL type (`select null`) is NULL everywhere,
/// though Arrow's NullArray carries no validity buffer.
pub fn is_null(a: &ArrayRef, i: usize) -> bool {
    matches!(a.data_type(), DataType::Null) || a.is_null(i)
}

fn unsupported(data_type: &DataType) -> SnowflakeError {
    SnowflakeError::unsupported(format!("result values of DuckDB type {data_type}"))
}

/// An exact number: unscaled value and scale.
pub fn number(a: &ArrayRef, i: usize) -> Result<(i128, u8)> {
    Ok(match a.data_type() {
        DataType::Decimal128(_, s) => (
            a.as_primitive::<Decimal128Type>().value(i),
            (*s).max(0) as u8,
        ),
        DataType::Int8 => (a.as_primitive::<Int8Type>().value(i).into(), 0),
        DataType::Int16 => (a.as_primitive::<Int16Type>().value(i).into(), 0),
        DataType::Int32 => (a.as_primitive::<Int32Type>().value(i).into(), 0),
        DataType::Int64 => (a.as_primitive::<Int64Type>().value(i).into(), 0),
        DataType::UInt8 => (a.as_primitive::<UInt8Type>().value(i).into(), 0),
        DataType::UInt16 => (a.as_primitive::<UInt16Type>().value(i).into(), 0),
        DataType::UInt32 => (a.as_primitive::<UInt32Type>().value(i).into(), 0),
        DataType::UInt64 => (a.as_primitive::<UInt64Type>().value(i).into(), 0),
        other => return Err(unsupported(other)),
    })
}

/// Decimal text of an unscaled number with exactly `scale` fraction digits.
pub fn decimal_text(unscaled: i128, scale: u8) -> String {
    let sign = if unscaled < 0 { "-" } else { "" };
    let digits = unscaled.unsigned_abs().to_string();
    if scale == 0 {
        return format!("{sign}{digits}");
    }
    let scale = scale as usize;
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (int, frac) = padded.split_at(padded.len() - scale);
    format!("{sign}{int}.{frac}")
}

pub fn float(a: &ArrayRef, i: usize) -> Result<f64> {
    Ok(match a.data_type() {
        DataType::Float64 => a.as_primitive::<Float64Type>().value(i),
        DataType::Float32 => a.as_primitive::<Float32Type>().value(i).into(),
        _ => number(a, i).map(|(v, s)| v as f64 / 10f64.powi(s.into()))?,
    })
}

pub fn text(a: &ArrayRef, i: usize) -> Result<String> {
    Ok(match a.data_type() {
        DataType::Utf8 => a.as_string::<i32>().value(i).to_string(),
        DataType::LargeUtf8 => a.as_string::<i64>().value(i).to_string(),
        DataType::Utf8View => a.as_string_view().value(i).to_string(),
        DataType::Null => String::new(),
        other => return Err(unsupported(other)),
    })
}

pub fn binary(a: &ArrayRef, i: usize) -> Result<Vec<u8>> {
    Ok(match a.data_type() {
        DataType::Binary => a.as_binary::<i32>().value(i).to_vec(),
        DataType::LargeBinary => a.as_binary::<i64>().value(i).to_vec(),
        DataType::BinaryView => a.as_binary_view().value(i).to_vec(),
        DataType::FixedSizeBinary(_) => a.as_fixed_size_binary().value(i).to_vec(),
        other => return Err(unsupported(other)),
    })
}

pub fn boolean(a: &ArrayRef, i: usize) -> Result<bool> {
    match a.data_type() {
        DataType::Boolean => Ok(a.as_boolean().value(i)),
        other => Err(unsupported(other)),
    }
}

pub fn days(a: &ArrayRef, i: usize) -> Result<i32> {
    match a.data_type() {
        DataType::Date32 => Ok(a.as_primitive::<Date32Type>().value(i)),
        other => Err(unsupported(other)),
    }
}

/// Nanoseconds since midnight.
pub fn time_nanos(a: &ArrayRef, i: usize) -> Result<i64> {
    match a.data_type() {
        DataType::Time64(TimeUnit::Microsecond) => {
            Ok(a.as_primitive::<Time64MicrosecondType>().value(i) * 1_000)
        }
        DataType::Time64(TimeUnit::Nanosecond) => {
            Ok(a.as_primitive::<Time64NanosecondType>().value(i))
        }
        other => Err(unsupported(other)),
    }
}

/// Nanoseconds since the epoch (as UTC wall clock for TIMESTAMP_NTZ).
pub fn epoch_nanos(a: &ArrayRef, i: usize) -> Result<i128> {
    Ok(match a.data_type() {
        DataType::Timestamp(TimeUnit::Second, _) => {
            i128::from(a.as_primitive::<TimestampSecondType>().value(i)) * 1_000_000_000
        }
        DataType::Timestamp(TimeUnit::Millisecond, _) => {
            i128::from(a.as_primitive::<TimestampMillisecondType>().value(i)) * 1_000_000
        }
        DataType::Timestamp(TimeUnit::Microsecond, _) => {
            i128::from(a.as_primitive::<TimestampMicrosecondType>().value(i)) * 1_000
        }
        DataType::Timestamp(TimeUnit::Nanosecond, _) => {
            i128::from(a.as_primitive::<TimestampNanosecondType>().value(i))
        }
        other => return Err(unsupported(other)),
    })
}

/// A TIMESTAMP_TZ cell: nanoseconds since the epoch and minutes east of UTC. A stored
/// TIMESTAMP_TZ carries its own offset; a bare instant takes `tz`'s offset at that instant.
pub fn tz_nanos(a: &ArrayRef, i: usize, tz: &chrono_tz::Tz) -> Result<(i128, i32)> {
    if let DataType::Struct(_) = a.data_type() {
        let s = a.as_struct();
        let instant = epoch_nanos(s.column(0), i)?;
        let offset = s.column(1);
        let minutes = if offset.is_null(i) {
            0
        } else {
            i32::from(offset.as_primitive::<Int16Type>().value(i))
        };
        return Ok((instant, minutes));
    }
    let n = epoch_nanos(a, i)?;
    Ok((n, super::json::offset_minutes(tz, n)))
}

/// `seconds.fraction` with nine fraction digits, exact for negative instants too.
/// A time in nanoseconds with the fraction digits beyond `scale` dropped (toward the past, as
/// Snowflake keeps a TIMESTAMP(p) value: `12:00:00.987` is `12:00:00` at scale 0, and
/// `-1.5` seconds is `-2`).
pub fn truncate_nanos(nanos: i128, scale: u8) -> i128 {
    let unit = 10i128.pow(9 - u32::from(scale.min(9)));
    nanos - nanos.rem_euclid(unit)
}

pub fn seconds_text(nanos: i128, scale: u8) -> String {
    let nanos = truncate_nanos(nanos, scale);
    let sign = if nanos < 0 { "-" } else { "" };
    let a = nanos.unsigned_abs();
    let secs = a / 1_000_000_000;
    let frac = a % 1_000_000_000;
    if scale == 0 {
        return format!("{sign}{secs}");
    }
    let frac = format!("{frac:09}");
    format!("{sign}{secs}.{}", &frac[..(scale as usize).min(9)])
}

/// Semi-structured values as Snowflake renders them: JSON pretty-printed with two-space indent,
/// object keys sorted.
pub fn variant_text(raw: &str) -> String {
    if serde_json::from_str::<serde::de::IgnoredAny>(raw).is_err() {
        return raw.to_string();
    }
    pretty(&snowglobe_engine::json_text::sorted(raw))
}

/// Valid JSON text indented by two spaces per level, `": "` after keys, empty containers as
/// `{}` / `[]`. Tokens are copied as they are: a number keeps all its digits (parsing it into
/// an f64 would round a NUMBER(38,0) or a NUMBER(20,2)).
fn pretty(json: &str) -> String {
    let mut out = String::with_capacity(json.len() * 2);
    let mut depth = 0usize;
    let mut chars = json.chars().peekable();
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.extend(std::iter::repeat_n("  ", depth));
    };
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                out.push('"');
                while let Some(c) = chars.next() {
                    out.push(c);
                    match c {
                        '\\' => out.extend(chars.next()),
                        '"' => break,
                        _ => {}
                    }
                }
            }
            '{' | '[' => {
                out.push(c);
                while chars.peek().is_some_and(|c| c.is_ascii_whitespace()) {
                    chars.next();
                }
                if matches!(chars.peek(), Some('}' | ']')) {
                    out.extend(chars.next());
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(',');
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c if c.is_ascii_whitespace() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_have_exactly_scale_digits() {
        assert_eq!(decimal_text(12345, 2), "123.45");
        assert_eq!(decimal_text(-5, 3), "-0.005");
        assert_eq!(decimal_text(7, 0), "7");
    }

    #[test]
    fn seconds_are_exact_for_negative_instants() {
        assert_eq!(seconds_text(-500_000_000, 9), "-0.500000000");
        assert_eq!(
            seconds_text(1_700_000_000_123_456_789, 9),
            "1700000000.123456789"
        );
    }

    #[test]
    fn seconds_keep_only_the_digits_of_their_scale() {
        assert_eq!(seconds_text(1_987_654_321, 3), "1.987");
        assert_eq!(seconds_text(1_987_654_321, 0), "1");
        // toward the past: 0.5 s before the epoch is second -1 at scale 0
        assert_eq!(seconds_text(-500_000_000, 0), "-1");
        assert_eq!(truncate_nanos(-1_500_000_000, 0), -2_000_000_000);
        assert_eq!(truncate_nanos(1_234_567_891, 6), 1_234_567_000);
    }

    #[test]
    fn variants_keep_every_digit_and_string_as_written() {
        assert_eq!(
            variant_text("{\"n\": 123456789012345678.12, \"i\": 12345678901234567890123}"),
            "{\n  \"i\": 12345678901234567890123,\n  \"n\": 123456789012345678.12\n}"
        );
        assert_eq!(
            variant_text("{\"b\": [{\"d\": 1, \"c\": 2}], \"a\": true}"),
            "{\n  \"a\": true,\n  \"b\": [\n    {\n      \"c\": 2,\n      \"d\": 1\n    }\n  ]\n}"
        );
        assert_eq!(
            variant_text("[\"a, b\", \"q\\\"{\", {}, [ ], {\"k\": [1, {\"x\": null}]}]"),
            "[\n  \"a, b\",\n  \"q\\\"{\",\n  {},\n  [],\n  {\n    \"k\": [\n      1,\n      {\n        \"x\": null\n      }\n    ]\n  }\n]"
        );
        assert_eq!(variant_text("not json ["), "not json [");
        assert_eq!(variant_text("\"text\""), "\"text\"");
    }

    #[test]
    fn variants_are_pretty_printed() {
        assert_eq!(variant_text("{\"a\":1}"), "{\n  \"a\": 1\n}");
        assert_eq!(variant_text("[1,2]"), "[\n  1,\n  2\n]");
    }
}
