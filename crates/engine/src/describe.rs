//! Snowflake types of result columns.
//!
//! DuckDB's Arrow schema says how a value is stored, not which Snowflake type it has: JSON text
//! may be a VARIANT, an OBJECT or an ARRAY; a VARCHAR may be VARCHAR(10); a TIMESTAMPTZ may be
//! TIMESTAMP_LTZ or TIMESTAMP_TZ. A column that comes straight from a table column takes that
//! column's declared type; anything else takes the type its storage implies.

use duckdb::arrow::datatypes::{DataType, Field, TimeUnit};
use snowglobe_catalog::types::MAX_BINARY_LENGTH;
use snowglobe_catalog::{demangle, SfType};
use snowglobe_error::{Result, SnowflakeError};

/// A result column as clients see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultColumn {
    pub name: String,
    pub sf_type: SfType,
    pub nullable: bool,
}

/// Whether DuckDB marked an Arrow field as JSON.
fn is_json(field: &Field) -> bool {
    field
        .metadata()
        .get("ARROW:extension:name")
        .is_some_and(|n| n.contains("json"))
        || field
            .metadata()
            .get("ARROW:extension:metadata")
            .is_some_and(|m| m.contains("JSON"))
}

/// The Snowflake type a DuckDB result field implies on its own.
pub fn implied_type(field: &Field) -> Result<SfType> {
    Ok(match field.data_type() {
        DataType::Decimal128(p, s) | DataType::Decimal256(p, s) => SfType::Number {
            precision: (*p).min(38),
            scale: (*s).max(0) as u8,
        },
        DataType::Int8 | DataType::UInt8 => SfType::Number {
            precision: 3,
            scale: 0,
        },
        DataType::Int16 | DataType::UInt16 => SfType::Number {
            precision: 5,
            scale: 0,
        },
        DataType::Int32 | DataType::UInt32 => SfType::Number {
            precision: 10,
            scale: 0,
        },
        DataType::Int64 | DataType::UInt64 => SfType::Number {
            precision: 19,
            scale: 0,
        },
        DataType::Float16 | DataType::Float32 | DataType::Float64 => SfType::Float,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
            if is_json(field) {
                SfType::Variant
            } else {
                SfType::TEXT
            }
        }
        DataType::Binary
        | DataType::LargeBinary
        | DataType::BinaryView
        | DataType::FixedSizeBinary(_) => SfType::Binary {
            length: MAX_BINARY_LENGTH,
        },
        DataType::Boolean => SfType::Boolean,
        DataType::Date32 | DataType::Date64 => SfType::Date,
        DataType::Time32(_) | DataType::Time64(_) => SfType::Time { scale: 9 },
        DataType::Timestamp(unit, tz) => {
            let scale = match unit {
                TimeUnit::Second => 0,
                TimeUnit::Millisecond => 3,
                TimeUnit::Microsecond | TimeUnit::Nanosecond => 9,
            };
            if tz.is_some() {
                SfType::TimestampLtz { scale }
            } else {
                SfType::TimestampNtz { scale }
            }
        }
        DataType::Null => SfType::TEXT,
        DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(_, _) => SfType::Array,
        DataType::Struct(fields)
            if fields.len() == 2
                && fields[0].name() == snowglobe_catalog::types::TZ_INSTANT_FIELD
                && fields[1].name() == snowglobe_catalog::types::TZ_OFFSET_FIELD =>
        {
            SfType::TimestampTz { scale: 9 }
        }
        DataType::Struct(_) | DataType::Map(_, _) => SfType::Object,
        other => {
            return Err(SnowflakeError::unsupported(format!(
                "result column of DuckDB type {other}"
            )))
        }
    })
}

/// Whether a declared type can describe a value stored as `implied`.
fn compatible(declared: &SfType, implied: &SfType) -> bool {
    use SfType as T;
    matches!(
        (declared, implied),
        (T::Number { .. }, T::Number { .. })
            | (T::Float, T::Float)
            | (T::Text { .. }, T::Text { .. })
            | (T::Binary { .. }, T::Binary { .. })
            | (T::Boolean, T::Boolean)
            | (T::Date, T::Date)
            | (T::Time { .. }, T::Time { .. })
            | (T::TimestampNtz { .. }, T::TimestampNtz { .. })
            | (
                T::TimestampLtz { .. } | T::TimestampTz { .. },
                T::TimestampLtz { .. }
            )
            | (T::TimestampTz { .. }, T::TimestampTz { .. })
            | (
                T::Variant | T::Object | T::Array,
                T::Variant | T::Text { .. }
            )
    ) && match (declared, implied) {
        // A DECIMAL of another precision is an expression, not the column.
        (
            T::Number {
                precision: a,
                scale: b,
            },
            T::Number {
                precision: c,
                scale: d,
            },
        ) => a == c && b == d,
        _ => true,
    }
}

/// A column of a table a statement reads: its name, declared type and nullability.
#[derive(Debug, Clone, PartialEq)]
pub struct Declared {
    pub name: String,
    pub sf_type: SfType,
    pub nullable: bool,
}

/// What the statement's text says about its result columns (see `snowglobe_translate`'s
/// `column_names` rule): non-NULL literals, and semi-structured constructor results.
#[derive(Debug, Clone, Default)]
pub struct ProjectionHints<'a> {
    pub literal_columns: &'a [String],
    pub semi_structured: &'a [(String, SfType)],
}

/// Describe each result field. `declared` lists the columns of the tables the statement reads
/// (a name declared twice is ambiguous and not used); `hints` name the non-NULL literal
/// columns (not nullable) and the VARIANT/OBJECT/ARRAY expression columns.
pub fn describe(
    fields: &[std::sync::Arc<Field>],
    declared: &[Declared],
    hints: &ProjectionHints<'_>,
) -> Result<Vec<ResultColumn>> {
    let literal_columns = hints.literal_columns;
    fields
        .iter()
        .map(|field| {
            let name = demangle(field.name()).to_string();
            let implied = implied_type(field)?;
            let mut matches = declared.iter().filter(|d| d.name == name);
            let (sf_type, nullable) = match (matches.next(), matches.next()) {
                (Some(d), None) if compatible(&d.sf_type, &implied) => (d.sf_type, d.nullable),
                _ => {
                    let semi = hints
                        .semi_structured
                        .iter()
                        .find(|(n, _)| *n == name)
                        .map(|(_, t)| *t)
                        .filter(|t| compatible(t, &implied));
                    (semi.unwrap_or(implied), !literal_columns.contains(&name))
                }
            };
            Ok(ResultColumn {
                name,
                sf_type,
                nullable,
            })
        })
        .collect()
}
