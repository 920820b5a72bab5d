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
use snowglobe_engine::arrow::datatypes::{Field, Fields, Schema};
use snowglobe_engine::arrow::record_batch::RecordBatch;
use snowglobe_engine::ResultColumn;
use snowglobe_error::{Result, SnowflakeError};

use super::cells;
use super::json::{offset_minutes, rescale};

fn metadata(c: &ResultColumn) -> HashMap<String, String> {
    let mut m = HashMap::new();
    m.insert("logicalType".into(), c.sf_type.wire_name().to_uppercase());
    m.insert("finalType".into(), "T".into());
    match c.sf_type {
        SfType::Number { precision, scale } => {
            m.insert("precision".into(), precision.to_string());
            m.insert("scale".into(), scale.to_string());
            m.insert("physicalType".into(), "SB16".into());
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

fn struct_of(fields: Vec<(&str, ArrayRef)>) -> Result<ArrayRef> {
    let (f, arrays): (Vec<Field>, Vec<ArrayRef>) = fields
        .into_iter()
        .map(|(n, a)| (Field::new(n, a.data_type().clone(), true), a))
        .unzip();
    let s =
        StructArray::try_new(Fields::from(f), arrays, None).map_err(SnowflakeError::internal)?;
    Ok(Arc::new(s))
}

/// One result column in Snowflake's physical layout.
fn column(c: &ResultColumn, a: &ArrayRef, tz: &Tz) -> Result<ArrayRef> {
    let n = a.len();
    let out: ArrayRef = match c.sf_type {
        SfType::Number { precision, scale } if precision <= 18 => {
            let mut b = Int64Builder::with_capacity(n);
            for i in 0..n {
                if a.is_null(i) {
                    b.append_null();
                } else {
                    let (v, s) = cells::number(a, i)?;
                    b.append_value(rescale(v, s, scale) as i64);
                }
            }
            Arc::new(b.finish())
        }
        SfType::Number { precision, scale } => {
            let mut b = Decimal128Builder::with_capacity(n);
            for i in 0..n {
                if a.is_null(i) {
                    b.append_null();
                } else {
                    let (v, s) = cells::number(a, i)?;
                    b.append_value(rescale(v, s, scale));
                }
            }
            Arc::new(
                b.finish()
                    .with_precision_and_scale(precision, scale as i8)
                    .map_err(SnowflakeError::internal)?,
            )
        }
        SfType::Float => {
            let mut b = Float64Builder::with_capacity(n);
            for i in 0..n {
                if a.is_null(i) {
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
                if a.is_null(i) {
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
                if a.is_null(i) {
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
                if a.is_null(i) {
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
                if a.is_null(i) {
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
                if a.is_null(i) {
                    b.append_null()
                } else {
                    b.append_value(cells::time_nanos(a, i)? / div)
                }
            }
            Arc::new(b.finish())
        }
        SfType::TimestampNtz { .. } | SfType::TimestampLtz { .. } | SfType::TimestampTz { .. } => {
            let tz_column = matches!(c.sf_type, SfType::TimestampTz { .. });
            let mut epoch = Int64Builder::with_capacity(n);
            let mut fraction = Int32Builder::with_capacity(n);
            let mut zone = Int32Builder::with_capacity(n);
            for i in 0..n {
                if a.is_null(i) {
                    epoch.append_null();
                    fraction.append_null();
                    zone.append_null();
                } else {
                    let nanos = cells::epoch_nanos(a, i)?;
                    epoch.append_value(nanos.div_euclid(1_000_000_000) as i64);
                    fraction.append_value(nanos.rem_euclid(1_000_000_000) as i32);
                    zone.append_value(offset_minutes(tz, nanos) + 1440);
                }
            }
            let mut fields: Vec<(&str, ArrayRef)> = vec![
                ("epoch", Arc::new(epoch.finish())),
                ("fraction", Arc::new(fraction.finish())),
            ];
            if tz_column {
                fields.push(("timezone", Arc::new(zone.finish())));
            }
            struct_of(fields)?
        }
    };
    Ok(out)
}

/// The whole result as a base64 Arrow IPC stream; empty results send "".
pub fn rowset_base64(columns: &[ResultColumn], batches: &[RecordBatch], tz: &Tz) -> Result<String> {
    let mut converted = Vec::with_capacity(batches.len());
    let mut schema: Option<Arc<Schema>> = None;
    for batch in batches.iter().filter(|b| b.num_rows() > 0) {
        let arrays = columns
            .iter()
            .zip(batch.columns())
            .map(|(c, a)| column(c, a, tz))
            .collect::<Result<Vec<_>>>()?;
        let s = schema.get_or_insert_with(|| {
            Arc::new(Schema::new(
                columns
                    .iter()
                    .zip(&arrays)
                    .map(|(c, a)| {
                        Field::new(&c.name, a.data_type().clone(), true).with_metadata(metadata(c))
                    })
                    .collect::<Vec<_>>(),
            ))
        });
        converted
            .push(RecordBatch::try_new(Arc::clone(s), arrays).map_err(SnowflakeError::internal)?);
    }
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
