//! Client bind values substituted into the statement as typed literals.
//!
//! Clients send binds as strings tagged with a Snowflake type (PROTOCOL.md §4.1): `FIXED "1"`,
//! `DATE` as epoch milliseconds, `TIMESTAMP_NTZ` as epoch nanoseconds, `BINARY` as hex, ... Each
//! becomes a literal of that type in the AST, so one code path serves single and array binds and
//! DuckDB never sees a parameter whose type it must guess.

use std::collections::HashMap;
use std::ops::ControlFlow;

use chrono::{DateTime, NaiveTime, Utc};
use snowglobe_error::{ErrorCode, Result, SnowflakeError};
use sqlparser::ast::{
    CastKind, DataType, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArgumentList,
    FunctionArguments, Ident, ObjectName, Statement, Value, VisitMut, VisitorMut,
};
use sqlparser::tokenizer::Location;

/// One bind value: its Snowflake type name and its text (`None` for NULL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindValue {
    pub sf_type: String,
    pub value: Option<String>,
}

/// All binds of a request, by 1-based position; array binds hold one value per row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bindings {
    /// `columns[i]` is bind `i + 1`: one value per row.
    pub columns: Vec<Vec<BindValue>>,
    /// True when the client sent arrays (executemany).
    pub is_array: bool,
}

impl Bindings {
    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }

    /// How many rows of values the binds carry.
    pub fn rows(&self) -> usize {
        self.columns.iter().map(Vec::len).max().unwrap_or(0)
    }

    /// The values of one row, in bind order.
    pub fn row(&self, i: usize) -> Vec<&BindValue> {
        self.columns.iter().filter_map(|c| c.get(i)).collect()
    }
}

/// Replace every placeholder (`?` in order of appearance, `:N` by number) with `row`'s values.
pub fn substitute(statement: &mut Statement, row: &[&BindValue]) -> Result<()> {
    let mut positions = Vec::new();
    let _ = statement.visit(&mut CollectQmarks(&mut positions));
    positions.sort();
    let mut visitor = Substitute {
        row,
        qmarks: positions,
        error: None,
    };
    let _ = statement.visit(&mut visitor);
    match visitor.error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// For array binds on `INSERT ... VALUES (?, ...)` (one row of placeholders): the same INSERT
/// with one VALUES row per bound row, so `executemany` of N rows is one statement, not N.
/// `None` if the statement is not of that shape.
pub fn expand_insert_values(
    statement: &Statement,
    bindings: &Bindings,
) -> Result<Option<Statement>> {
    let Statement::Insert(insert) = statement else {
        return Ok(None);
    };
    let Some(source) = &insert.source else {
        return Ok(None);
    };
    let sqlparser::ast::SetExpr::Values(values) = source.body.as_ref() else {
        return Ok(None);
    };
    let [template] = values.rows.as_slice() else {
        return Ok(None);
    };
    let mut rows = Vec::with_capacity(bindings.rows());
    for i in 0..bindings.rows() {
        let mut row = Statement::Query(Box::new(sqlparser::ast::Query {
            body: Box::new(sqlparser::ast::SetExpr::Values(sqlparser::ast::Values {
                explicit_row: values.explicit_row,
                value_keyword: values.value_keyword,
                rows: vec![template.clone()],
            })),
            ..(**source).clone()
        }));
        substitute(&mut row, &bindings.row(i))?;
        if let Statement::Query(q) = row {
            if let sqlparser::ast::SetExpr::Values(mut v) = *q.body {
                rows.append(&mut v.rows);
            }
        }
    }
    let mut expanded = insert.clone();
    let mut new_source = (**source).clone();
    new_source.body = Box::new(sqlparser::ast::SetExpr::Values(sqlparser::ast::Values {
        explicit_row: values.explicit_row,
        value_keyword: values.value_keyword,
        rows,
    }));
    expanded.source = Some(Box::new(new_source));
    Ok(Some(Statement::Insert(expanded)))
}

/// Whether the statement has any placeholder.
pub fn has_placeholders(statement: &mut Statement) -> bool {
    let mut positions = Vec::new();
    let _ = statement.visit(&mut CollectQmarks(&mut positions));
    let mut numbered = false;
    let _ = statement.visit(&mut FindNumbered(&mut numbered));
    !positions.is_empty() || numbered
}

struct CollectQmarks<'a>(&'a mut Vec<(u64, u64)>);

impl VisitorMut for CollectQmarks<'_> {
    type Break = ();
    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if let Expr::Value(v) = expr {
            if matches!(&v.value, Value::Placeholder(p) if p == "?") {
                self.0.push(key(v.span.start));
            }
        }
        ControlFlow::Continue(())
    }
}

struct FindNumbered<'a>(&'a mut bool);

impl VisitorMut for FindNumbered<'_> {
    type Break = ();
    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if let Expr::Value(v) = expr {
            if matches!(&v.value, Value::Placeholder(p) if p.starts_with(':')) {
                *self.0 = true;
            }
        }
        ControlFlow::Continue(())
    }
}

fn key(l: Location) -> (u64, u64) {
    (l.line, l.column)
}

struct Substitute<'a> {
    row: &'a [&'a BindValue],
    qmarks: Vec<(u64, u64)>,
    error: Option<SnowflakeError>,
}

impl VisitorMut for Substitute<'_> {
    type Break = ();
    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        let Expr::Value(v) = expr else {
            return ControlFlow::Continue(());
        };
        let Value::Placeholder(p) = &v.value else {
            return ControlFlow::Continue(());
        };
        let index = if p == "?" {
            let at = key(v.span.start);
            self.qmarks.iter().position(|q| *q == at)
        } else {
            p.trim_start_matches(':')
                .parse::<usize>()
                .ok()
                .and_then(|n| n.checked_sub(1))
        };
        let bound = index
            .and_then(|i| self.row.get(i))
            .ok_or_else(|| {
                SnowflakeError::new(ErrorCode::BadRequest, format!("Bind variable {p} not set."))
            })
            .and_then(|b| literal(b));
        match bound {
            Ok(e) => *expr = e,
            Err(e) => {
                self.error = Some(e);
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    }
}

fn cast(text: String, type_name: &str) -> Expr {
    Expr::Cast {
        kind: CastKind::Cast,
        expr: Box::new(Expr::value(Value::SingleQuotedString(text))),
        data_type: DataType::Custom(ObjectName::from(vec![Ident::new(type_name)]), vec![]),
        format: None,
    }
}

fn bad_bind(b: &BindValue) -> SnowflakeError {
    SnowflakeError::new(
        ErrorCode::BadRequest,
        format!(
            "Bind value '{}' is not valid for type {}.",
            b.value.as_deref().unwrap_or("NULL"),
            b.sf_type
        ),
    )
}

fn int(b: &BindValue, text: &str) -> Result<i128> {
    text.trim().parse::<i128>().map_err(|_| bad_bind(b))
}

fn instant(b: &BindValue, nanos: i128) -> Result<DateTime<Utc>> {
    let secs = nanos.div_euclid(1_000_000_000);
    let sub = nanos.rem_euclid(1_000_000_000) as u32;
    DateTime::from_timestamp(i64::try_from(secs).map_err(|_| bad_bind(b))?, sub)
        .ok_or_else(|| bad_bind(b))
}

/// The literal expression for one bind value.
fn literal(b: &BindValue) -> Result<Expr> {
    let Some(text) = b.value.clone() else {
        return Ok(Expr::value(Value::Null));
    };
    let e = match b.sf_type.to_ascii_uppercase().as_str() {
        "FIXED" => {
            if text.trim().parse::<f64>().is_err() {
                return Err(bad_bind(b));
            }
            Expr::value(Value::Number(text.trim().to_string(), false))
        }
        "REAL" => cast(text, "FLOAT"),
        "BOOLEAN" => {
            let t = text.trim().to_ascii_lowercase();
            Expr::value(Value::Boolean(matches!(
                t.as_str(),
                "true" | "1" | "t" | "yes" | "y" | "on"
            )))
        }
        "DATE" => {
            let day = instant(b, int(b, &text)? * 1_000_000)?.date_naive();
            cast(day.format("%Y-%m-%d").to_string(), "DATE")
        }
        "TIME" => {
            let nanos = int(b, &text)?;
            let secs = u32::try_from(nanos.div_euclid(1_000_000_000)).map_err(|_| bad_bind(b))?;
            let t = NaiveTime::from_num_seconds_from_midnight_opt(
                secs,
                nanos.rem_euclid(1_000_000_000) as u32,
            )
            .ok_or_else(|| bad_bind(b))?;
            cast(t.format("%H:%M:%S%.9f").to_string(), "TIME")
        }
        "TIMESTAMP_NTZ" | "TIMESTAMP" => {
            let t = instant(b, int(b, &text)?)?;
            cast(
                t.format("%Y-%m-%d %H:%M:%S%.9f").to_string(),
                "TIMESTAMP_NTZ",
            )
        }
        "TIMESTAMP_LTZ" => {
            let t = instant(b, int(b, &text)?)?;
            cast(
                t.format("%Y-%m-%d %H:%M:%S%.9f+00:00").to_string(),
                "TIMESTAMP_LTZ",
            )
        }
        "TIMESTAMP_TZ" => {
            let (nanos, offset) = text.split_once(' ').unwrap_or((text.as_str(), "1440"));
            let t = instant(b, int(b, nanos)?)?;
            let minutes = int(b, offset)? - 1440;
            let sign = if minutes < 0 { '-' } else { '+' };
            let m = minutes.abs();
            let local = t + chrono::Duration::minutes(minutes as i64);
            cast(
                format!(
                    "{}{sign}{:02}:{:02}",
                    local.format("%Y-%m-%d %H:%M:%S%.9f"),
                    m / 60,
                    m % 60
                ),
                "TIMESTAMP_TZ",
            )
        }
        "BINARY" => Expr::Function(Function {
            name: ObjectName::from(vec![Ident::new("unhex")]),
            uses_odbc_syntax: false,
            parameters: FunctionArguments::None,
            args: FunctionArguments::List(FunctionArgumentList {
                duplicate_treatment: None,
                args: vec![FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::value(
                    Value::SingleQuotedString(text),
                )))],
                clauses: vec![],
            }),
            within_group: vec![],
            filter: None,
            null_treatment: None,
            over: None,
        }),
        _ => Expr::value(Value::SingleQuotedString(text)),
    };
    Ok(e)
}

/// One request bind as received: Snowflake type, values (one per row), whether it was an array.
pub type RawBind = (String, Vec<Option<String>>, bool);

/// Parse the `bindings` object of a query request into [`Bindings`].
pub fn from_json_like(entries: HashMap<String, RawBind>) -> Result<Bindings> {
    let mut keyed: Vec<(usize, RawBind)> = entries
        .into_iter()
        .map(|(k, v)| {
            k.trim()
                .parse::<usize>()
                .map(|n| (n, v))
                .map_err(|_| SnowflakeError::bad_request(format!("Invalid bind key '{k}'.")))
        })
        .collect::<Result<_>>()?;
    keyed.sort_by_key(|(n, _)| *n);
    let is_array = keyed.iter().any(|(_, (_, _, array))| *array);
    let columns = keyed
        .into_iter()
        .map(|(_, (t, values, _))| {
            values
                .into_iter()
                .map(|value| BindValue {
                    sf_type: t.clone(),
                    value,
                })
                .collect()
        })
        .collect();
    Ok(Bindings { columns, is_array })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse;

    fn bv(t: &str, v: &str) -> BindValue {
        BindValue {
            sf_type: t.into(),
            value: Some(v.into()),
        }
    }

    #[test]
    fn qmarks_bind_in_order_of_appearance() {
        let mut s = parse("select ?, ? from t where x = ?").unwrap().remove(0);
        let a = bv("FIXED", "1");
        let b = bv("TEXT", "it's");
        let c = bv("DATE", "1704067200000");
        substitute(&mut s, &[&a, &b, &c]).unwrap();
        assert_eq!(
            s.to_string(),
            "SELECT 1, 'it''s' FROM t WHERE x = CAST('2024-01-01' AS DATE)"
        );
    }

    #[test]
    fn numeric_binds_by_number() {
        let mut s = parse("select :2, :1").unwrap().remove(0);
        let a = bv("TIMESTAMP_NTZ", "1700000000123456789");
        let b = bv("BOOLEAN", "True");
        substitute(&mut s, &[&a, &b]).unwrap();
        assert_eq!(
            s.to_string(),
            "SELECT true, CAST('2023-11-14 22:13:20.123456789' AS TIMESTAMP_NTZ)"
        );
    }

    #[test]
    fn timestamp_tz_keeps_its_offset() {
        let mut s = parse("select ?").unwrap().remove(0);
        let a = bv("TIMESTAMP_TZ", "1700000000000000000 1500");
        substitute(&mut s, &[&a]).unwrap();
        assert!(
            s.to_string()
                .contains("'2023-11-14 23:13:20.000000000+01:00'"),
            "{s}"
        );
    }

    #[test]
    fn array_binds_expand_an_insert_into_one_statement() {
        let s = parse("insert into t (a, b) values (?, ?)")
            .unwrap()
            .remove(0);
        let bindings = Bindings {
            columns: vec![
                vec![bv("FIXED", "1"), bv("FIXED", "2")],
                vec![
                    bv("TEXT", "x"),
                    BindValue {
                        sf_type: "TEXT".into(),
                        value: None,
                    },
                ],
            ],
            is_array: true,
        };
        let e = expand_insert_values(&s, &bindings).unwrap().unwrap();
        assert_eq!(
            e.to_string(),
            "INSERT INTO t (a, b) VALUES (1, 'x'), (2, NULL)"
        );
    }

    #[test]
    fn missing_bind_is_an_error() {
        let mut s = parse("select ?, ?").unwrap().remove(0);
        let a = bv("FIXED", "1");
        assert!(substitute(&mut s, &[&a]).is_err());
    }
}
