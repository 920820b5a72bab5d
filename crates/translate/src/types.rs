//! Snowflake type names as written in DDL and casts → [`SfType`].

use snowglobe_catalog::types::{MAX_BINARY_LENGTH, MAX_TEXT_LENGTH};
use snowglobe_catalog::SfType;
use snowglobe_error::{Result, SnowflakeError};
use sqlparser::ast::{CharacterLength, DataType, ExactNumberInfo, ObjectName, TimezoneInfo};

/// Snowflake's default fractional-second precision for TIME and TIMESTAMP.
const DEFAULT_SCALE: u8 = 9;

/// The Snowflake type a data type written in Snowflake SQL denotes.
pub fn sf_type(data_type: &DataType) -> Result<SfType> {
    use DataType as D;
    let t = match data_type {
        D::Numeric(info) | D::Decimal(info) | D::Dec(info) => number(info)?,
        D::TinyInt(_) | D::SmallInt(_) | D::Int(_) | D::Integer(_) | D::BigInt(_) => {
            SfType::INTEGER
        }
        D::Float(_) | D::Float4 | D::Float8 | D::Real | D::Double(_) | D::DoublePrecision => {
            SfType::Float
        }
        D::Varchar(len) | D::Nvarchar(len) | D::CharacterVarying(len) | D::CharVarying(len) => {
            SfType::Text {
                length: char_length(len.as_ref(), MAX_TEXT_LENGTH),
            }
        }
        D::Char(len) | D::Character(len) => SfType::Text {
            length: char_length(len.as_ref(), 1),
        },
        D::String(len) => SfType::Text {
            length: len.unwrap_or(MAX_TEXT_LENGTH),
        },
        D::Text => SfType::TEXT,
        D::Binary(len) => SfType::Binary {
            length: len.unwrap_or(MAX_BINARY_LENGTH),
        },
        D::Varbinary(_) => SfType::Binary {
            length: MAX_BINARY_LENGTH,
        },
        D::Bool | D::Boolean => SfType::Boolean,
        D::Date => SfType::Date,
        D::Time(p, _) => SfType::Time { scale: scale(*p)? },
        D::Datetime(p) | D::TimestampNtz(p) => SfType::TimestampNtz { scale: scale(*p)? },
        D::Timestamp(p, tz) => match tz {
            TimezoneInfo::WithTimeZone | TimezoneInfo::Tz => {
                SfType::TimestampTz { scale: scale(*p)? }
            }
            TimezoneInfo::None | TimezoneInfo::WithoutTimeZone => {
                SfType::TimestampNtz { scale: scale(*p)? }
            }
        },
        D::JSON => SfType::Variant,
        D::Custom(name, modifiers) => custom(
            name,
            &modifiers.iter().map(|m| m.to_string()).collect::<Vec<_>>(),
        )?,
        D::Array(_) => SfType::Array,
        other => return Err(SnowflakeError::unsupported(format!("data type {other}"))),
    };
    Ok(t)
}

fn number(info: &ExactNumberInfo) -> Result<SfType> {
    let (precision, scale) = match info {
        ExactNumberInfo::None => (38, 0),
        ExactNumberInfo::Precision(p) => (*p, 0),
        ExactNumberInfo::PrecisionAndScale(p, s) => (*p, (*s).max(0) as u64),
    };
    number_of(precision, scale)
}

fn number_of(precision: u64, scale: u64) -> Result<SfType> {
    if !(1..=38).contains(&precision) {
        return Err(SnowflakeError::compilation(
            snowglobe_error::ErrorCode::SyntaxError,
            format!("Unsupported data type 'NUMBER({precision}, {scale})'."),
        ));
    }
    if scale > precision {
        return Err(SnowflakeError::compilation(
            snowglobe_error::ErrorCode::SyntaxError,
            format!("Unsupported data type 'NUMBER({precision}, {scale})'."),
        ));
    }
    Ok(SfType::Number {
        precision: precision as u8,
        scale: scale as u8,
    })
}

fn char_length(len: Option<&CharacterLength>, default: u64) -> u64 {
    match len {
        Some(CharacterLength::IntegerLength { length, .. }) => *length,
        Some(CharacterLength::Max) | None => default,
    }
}

fn scale(p: Option<u64>) -> Result<u8> {
    match p {
        None => Ok(DEFAULT_SCALE),
        Some(p) if p <= 9 => Ok(p as u8),
        Some(p) => Err(SnowflakeError::compilation(
            snowglobe_error::ErrorCode::SyntaxError,
            format!(
                "Invalid precision {p} for a time or timestamp type; it must be between 0 and 9."
            ),
        )),
    }
}

/// Snowflake type names sqlparser has no variant for.
fn custom(name: &ObjectName, modifiers: &[String]) -> Result<SfType> {
    let upper = name.to_string().to_uppercase();
    let arg = |i: usize| modifiers.get(i).and_then(|m| m.trim().parse::<u64>().ok());
    let scale_arg = || scale(arg(0));
    Ok(match upper.as_str() {
        "NUMBER" => match (arg(0), arg(1)) {
            (None, _) => SfType::INTEGER,
            (Some(p), s) => number_of(p, s.unwrap_or(0))?,
        },
        "BYTEINT" | "INT2" | "INT4" | "INT8" => SfType::INTEGER,
        "FLOAT" | "FLOAT4" | "FLOAT8" | "DOUBLE" | "REAL" | "DOUBLE PRECISION" => SfType::Float,
        "INT" | "INTEGER" | "BIGINT" | "SMALLINT" | "TINYINT" => SfType::INTEGER,
        "BOOLEAN" | "BOOL" => SfType::Boolean,
        "DATE" => SfType::Date,
        "TIME" => SfType::Time {
            scale: scale_arg()?,
        },
        "TIMESTAMP" => SfType::TimestampNtz {
            scale: scale_arg()?,
        },
        "VARCHAR" | "CHAR VARYING" | "CHARACTER VARYING" => SfType::Text {
            length: arg(0).unwrap_or(MAX_TEXT_LENGTH),
        },
        "BINARY" => SfType::Binary {
            length: arg(0).unwrap_or(MAX_BINARY_LENGTH),
        },
        "STRING" | "TEXT" | "NCHAR VARYING" => SfType::Text {
            length: arg(0).unwrap_or(MAX_TEXT_LENGTH),
        },
        "VARBINARY" => SfType::Binary {
            length: arg(0).unwrap_or(MAX_BINARY_LENGTH),
        },
        "TIMESTAMP_NTZ" | "TIMESTAMPNTZ" | "DATETIME" | "TIMESTAMP WITHOUT TIME ZONE" => {
            SfType::TimestampNtz {
                scale: scale_arg()?,
            }
        }
        "TIMESTAMP_LTZ" | "TIMESTAMPLTZ" | "TIMESTAMP WITH LOCAL TIME ZONE" => {
            SfType::TimestampLtz {
                scale: scale_arg()?,
            }
        }
        "TIMESTAMP_TZ" | "TIMESTAMPTZ" => SfType::TimestampTz {
            scale: scale_arg()?,
        },
        "VARIANT" => SfType::Variant,
        "OBJECT" => SfType::Object,
        "ARRAY" => SfType::Array,
        other => return Err(SnowflakeError::unsupported(format!("data type {other}"))),
    })
}

/// The DuckDB data type node for a Snowflake type, for re-emitting a column definition or cast.
pub fn duckdb_data_type(t: &SfType) -> DataType {
    let text = t.duckdb_type();
    if matches!(t, SfType::TimestampTz { .. }) {
        // A STRUCT type, printed as it is.
        return DataType::Custom(
            ObjectName::from(vec![sqlparser::ast::Ident::new(text)]),
            vec![],
        );
    }
    match text.split_once('(') {
        Some((name, args)) => DataType::Custom(
            ObjectName::from(vec![sqlparser::ast::Ident::new(name)]),
            args.trim_end_matches(')')
                .split(',')
                .map(|a| sqlparser::ast::TypeModifier::Number(a.trim().to_string(), false))
                .collect(),
        ),
        None => DataType::Custom(
            ObjectName::from(vec![sqlparser::ast::Ident::new(text)]),
            vec![],
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse;
    use sqlparser::ast::Statement;

    fn column_types(sql: &str) -> Vec<SfType> {
        match parse(sql).unwrap().remove(0) {
            Statement::CreateTable(c) => c
                .columns
                .iter()
                .map(|c| sf_type(&c.data_type).unwrap())
                .collect(),
            other => panic!("not a create table: {other}"),
        }
    }

    #[test]
    fn snowflake_types_from_ddl() {
        let types = column_types(
            "create table t (a number(10,2), b int, c varchar(5), d string, e timestamp_ntz, \
             f timestamp_ltz, g timestamp_tz(3), h variant, i object, j array, k binary, l float, m time, n number)",
        );
        assert_eq!(
            types,
            vec![
                SfType::Number {
                    precision: 10,
                    scale: 2
                },
                SfType::INTEGER,
                SfType::Text { length: 5 },
                SfType::TEXT,
                SfType::TimestampNtz { scale: 9 },
                SfType::TimestampLtz { scale: 9 },
                SfType::TimestampTz { scale: 3 },
                SfType::Variant,
                SfType::Object,
                SfType::Array,
                SfType::Binary {
                    length: MAX_BINARY_LENGTH
                },
                SfType::Float,
                SfType::Time { scale: 9 },
                SfType::INTEGER,
            ]
        );
    }

    #[test]
    fn duckdb_types_print_as_duckdb_sql() {
        assert_eq!(
            duckdb_data_type(&SfType::INTEGER).to_string(),
            "DECIMAL(38, 0)"
        );
        assert_eq!(duckdb_data_type(&SfType::Variant).to_string(), "JSON");
        assert_eq!(
            duckdb_data_type(&SfType::TimestampTz { scale: 9 }).to_string(),
            "STRUCT(instant TIMESTAMPTZ, offset_minutes SMALLINT)"
        );
    }
}
