//! Arrow results: an IPC stream, base64 in `rowsetBase64`, whose fields carry Snowflake's
//! metadata (`logicalType`, `scale`, `precision`, ...) and physical layouts the connectors
//! decode (PROTOCOL.md §4.6).

use std::collections::HashMap;
use std::sync::Arc;

use arrow_ipc::writer::StreamWriter;
use base64::Engine as _;
use chrono_tz::Tz;
use snowglobe_catalog::SfType;
use snowglobe_engine::arrow::array::{
    Array, ArrayRef, BinaryBuilder, BooleanBuilder, Date32Builder, Decimal128Builder,
    Float64Builder, Int32Builder, Int64Builder, StringBuilder, StructArray,
};
use snowglobe_engine::arrow::buffer::NullBuffer;
use snowglobe_engine::arrow::datatypes::{DataType, Field, Fields, Schema};
use snowglobe_engine::arrow::record_batch::RecordBatch;
use snowglobe_engine::ResultColumn;
use snowglobe_error::{Result, SnowflakeError};

use super::cells;
use super::json::rescale;

fn metadata(c: &ResultColumn) -> HashMap<String, String> {
    let mut m = HashMap::new();
    m.insert("logicalType".into(), c.sf_type.wire_name().to_uppercase());
    m.insert("finalType".into(), "T".into());
    match c.sf_type {
        SfType::Number { precision, scale } => {
            m.insert("precision".into(), precision.to_string());
            m.insert("scale".into(), scale.to_string());
        }
        SfType::Time { scale }
        | SfType::TimestampNtz { scale }
        | SfType::TimestampLtz { scale } => {
            m.insert("scale".into(), scale.to_string());
            m.insert("precision".into(), "0".into());
        }
        SfType::TimestampTz { scale } => {
            m.insert("scale".into(), scale.to_string());
            m.insert("byteLength".into(), "16".into());
        }
        SfType::Text { length } => {
            m.insert("charLength".into(), length.to_string());
            m.insert(
                "byteLength".into(),
                (length * 4).min(16_777_216).to_string(),
            );
        }
        SfType::Binary { length } => {
            m.insert("byteLength".into(), length.to_string());
        }
        _ => {}
    }
    m
}

/// A struct column whose rows are NULL where `source`'s are (the connectors read the struct's
/// own validity, not its children's).
fn struct_of(fields: Vec<(&str, ArrayRef)>, source: &ArrayRef) -> Result<ArrayRef> {
    let valid: Vec<bool> = (0..source.len())
        .map(|i| !cells::is_null(source, i))
        .collect();
    let nulls = valid.iter().any(|v| !v).then(|| NullBuffer::from(valid));
    let (f, arrays): (Vec<Field>, Vec<ArrayRef>) = fields
        .into_iter()
        .map(|(n, a)| (Field::new(n, a.data_type().clone(), true), a))
        .unzip();
    let s =
        StructArray::try_new(Fields::from(f), arrays, nulls).map_err(SnowflakeError::internal)?;
    Ok(Arc::new(s))
}

/// One result column in Snowflake's physical layout.
///
/// `wide` forces Decimal128 for a NUMBER column (when another batch of the same result needs it:
/// every batch of a stream has one schema).
fn column(c: &ResultColumn, a: &ArrayRef, tz: &Tz, wide: bool) -> Result<ArrayRef> {
    let n = a.len();
    let out: ArrayRef = match c.sf_type {
        // Snowflake sends a NUMBER column as 64-bit integers (unscaled, `scale` in the field
        // metadata) whenever its values fit, whatever the declared precision; pandas then gets
        // an integer column for NUMBER(38,0). Decimal128 only when a value needs it.
        SfType::Number { precision, scale } => {
            let mut unscaled = Vec::with_capacity(n);
            for i in 0..n {
                unscaled.push(if cells::is_null(a, i) {
                    None
                } else {
                    let (v, s) = cells::number(a, i)?;
                    Some(rescale(v, s, scale))
                });
            }
            if !wide && unscaled.iter().flatten().all(|v| i64::try_from(*v).is_ok()) {
                let mut b = Int64Builder::with_capacity(n);
                for v in unscaled {
                    b.append_option(v.map(|v| v as i64));
                }
                Arc::new(b.finish())
            } else {
                let mut b = Decimal128Builder::with_capacity(n);
                for v in unscaled {
                    b.append_option(v);
                }
                Arc::new(
                    b.finish()
                        .with_precision_and_scale(precision, scale as i8)
                        .map_err(SnowflakeError::internal)?,
                )
            }
        }
        SfType::Float => {
            let mut b = Float64Builder::with_capacity(n);
            for i in 0..n {
                if cells::is_null(a, i) {
                    b.append_null()
                } else {
                    b.append_value(cells::float(a, i)?)
                }
            }
            Arc::new(b.finish())
        }
        SfType::Text { .. } | SfType::Variant | SfType::Object | SfType::Array => {
            let semi = matches!(c.sf_type, SfType::Variant | SfType::Object | SfType::Array);
            let mut b = StringBuilder::with_capacity(n, n * 8);
            for i in 0..n {
                if cells::is_null(a, i) {
                    b.append_null();
                } else {
                    let t = cells::text(a, i)?;
                    if semi {
                        b.append_value(cells::variant_text(&t))
                    } else {
                        b.append_value(t)
                    }
                }
            }
            Arc::new(b.finish())
        }
        SfType::Binary { .. } => {
            let mut b = BinaryBuilder::with_capacity(n, n * 8);
            for i in 0..n {
                if cells::is_null(a, i) {
                    b.append_null()
                } else {
                    b.append_value(cells::binary(a, i)?)
                }
            }
            Arc::new(b.finish())
        }
        SfType::Boolean => {
            let mut b = BooleanBuilder::with_capacity(n);
            for i in 0..n {
                if cells::is_null(a, i) {
                    b.append_null()
                } else {
                    b.append_value(cells::boolean(a, i)?)
                }
            }
            Arc::new(b.finish())
        }
        SfType::Date => {
            let mut b = Date32Builder::with_capacity(n);
            for i in 0..n {
                if cells::is_null(a, i) {
                    b.append_null()
                } else {
                    b.append_value(cells::days(a, i)?)
                }
            }
            Arc::new(b.finish())
        }
        SfType::Time { scale } => {
            let div = 10i64.pow(9 - u32::from(scale.min(9)));
            let mut b = Int64Builder::with_capacity(n);
            for i in 0..n {
                if cells::is_null(a, i) {
                    b.append_null()
                } else {
                    b.append_value(cells::time_nanos(a, i)? / div)
                }
            }
            Arc::new(b.finish())
        }
        SfType::TimestampNtz { scale }
        | SfType::TimestampLtz { scale }
        | SfType::TimestampTz { scale } => {
            let tz_column = matches!(c.sf_type, SfType::TimestampTz { .. });
            let mut epoch = Int64Builder::with_capacity(n);
            let mut fraction = Int32Builder::with_capacity(n);
            let mut zone = Int32Builder::with_capacity(n);
            for i in 0..n {
                if cells::is_null(a, i) {
                    epoch.append_null();
                    fraction.append_null();
                    zone.append_null();
                } else {
                    let (nanos, minutes) = if tz_column {
                        cells::tz_nanos(a, i, tz)?
                    } else {
                        (cells::epoch_nanos(a, i)?, 0)
                    };
                    let nanos = cells::truncate_nanos(nanos, scale);
                    epoch.append_value(nanos.div_euclid(1_000_000_000) as i64);
                    fraction.append_value(nanos.rem_euclid(1_000_000_000) as i32);
                    zone.append_value(minutes + 1440);
                }
            }
            let mut fields: Vec<(&str, ArrayRef)> = vec![
                ("epoch", Arc::new(epoch.finish())),
                ("fraction", Arc::new(fraction.finish())),
            ];
            if tz_column {
                fields.push(("timezone", Arc::new(zone.finish())));
            }
            struct_of(fields, a)?
        }
    };
    Ok(out)
}

/// Snowflake's name of a NUMBER column's Arrow layout.
fn physical_type(t: &DataType) -> Option<&'static str> {
    Some(match t {
        DataType::Int8 => "SB1",
        DataType::Int16 => "SB2",
        DataType::Int32 => "SB4",
        DataType::Int64 => "SB8",
        DataType::Decimal128(_, _) => "SB16",
        _ => return None,
    })
}

/// Snowflake sends a NUMBER column in the narrowest integer its values fit (one byte for
/// `select 1`), which the connectors keep: pandas gets `int8` for small numbers. The width is
/// chosen over the whole result, as every batch of the stream has one schema.
fn narrow_integers(columns: &[ResultColumn], batches: &mut [Vec<ArrayRef>]) -> Result<()> {
    use snowglobe_engine::arrow::array::AsArray;
    use snowglobe_engine::arrow::datatypes::Int64Type;
    for (i, c) in columns.iter().enumerate() {
        let number = matches!(c.sf_type, SfType::Number { .. });
        if !number || !batches.iter().all(|b| b[i].data_type() == &DataType::Int64) {
            continue;
        }
        let (mut low, mut high) = (0i64, 0i64);
        for b in batches.iter() {
            for v in b[i].as_primitive::<Int64Type>().iter().flatten() {
                low = low.min(v);
                high = high.max(v);
            }
        }
        let fits = |min: i64, max: i64| low >= min && high <= max;
        let target = if fits(i8::MIN.into(), i8::MAX.into()) {
            DataType::Int8
        } else if fits(i16::MIN.into(), i16::MAX.into()) {
            DataType::Int16
        } else if fits(i32::MIN.into(), i32::MAX.into()) {
            DataType::Int32
        } else {
            continue;
        };
        for b in batches.iter_mut() {
            b[i] = snowglobe_engine::arrow::compute::cast(&b[i], &target)
                .map_err(SnowflakeError::internal)?;
        }
    }
    Ok(())
}

/// The whole result as a base64 Arrow IPC stream; empty results send "".
pub fn rowset_base64(columns: &[ResultColumn], batches: &[RecordBatch], tz: &Tz) -> Result<String> {
    let batches: Vec<&RecordBatch> = batches.iter().filter(|b| b.num_rows() > 0).collect();
    let convert = |batch: &RecordBatch, wide: &[bool]| -> Result<Vec<ArrayRef>> {
        columns
            .iter()
            .zip(batch.columns())
            .zip(wide)
            .map(|((c, a), w)| column(c, a, tz, *w))
            .collect()
    };
    let mut wide = vec![false; columns.len()];
    let mut converted = batches
        .iter()
        .map(|b| convert(b, &wide))
        .collect::<Result<Vec<_>>>()?;
    // A NUMBER column that is Decimal128 in one batch must be Decimal128 in all.
    for (i, w) in wide.iter_mut().enumerate() {
        *w = converted
            .iter()
            .any(|arrays| matches!(arrays[i].data_type(), DataType::Decimal128(_, _)));
    }
    if wide.iter().any(|w| *w) {
        converted = batches
            .iter()
            .map(|b| convert(b, &wide))
            .collect::<Result<Vec<_>>>()?;
    }
    narrow_integers(columns, &mut converted)?;
    let schema = converted.first().map(|arrays| {
        Arc::new(Schema::new(
            columns
                .iter()
                .zip(arrays)
                .map(|(c, a)| {
                    let mut m = metadata(c);
                    let number = matches!(c.sf_type, SfType::Number { .. });
                    if let Some(physical) = physical_type(a.data_type()).filter(|_| number) {
                        m.insert("physicalType".into(), physical.into());
                    }
                    Field::new(&c.name, a.data_type().clone(), true).with_metadata(m)
                })
                .collect::<Vec<_>>(),
        ))
    });
    let converted = match &schema {
        Some(s) => converted
            .into_iter()
            .map(|arrays| {
                RecordBatch::try_new(Arc::clone(s), arrays).map_err(SnowflakeError::internal)
            })
            .collect::<Result<Vec<_>>>()?,
        None => vec![],
    };
    let Some(schema) = schema else {
        return Ok(String::new());
    };
    let mut buf = Vec::new();
    {
        let mut w = StreamWriter::try_new(&mut buf, &schema).map_err(SnowflakeError::internal)?;
        for b in &converted {
            w.write(b).map_err(SnowflakeError::internal)?;
        }
        w.finish().map_err(SnowflakeError::internal)?;
    }
    Ok(base64::engine::general_purpose::STANDARD.encode(buf))
}
