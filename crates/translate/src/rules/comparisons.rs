//! Comparisons of text with numbers, dates and times. Snowflake coerces a VARCHAR compared
//! with a number to a number (`code = 5` is true for `'05'`, `code > 10` orders numerically,
//! and a value that is not a number fails with 100038), and one compared with a DATE, TIME or
//! TIMESTAMP value to that type (`day_text >= '2024-01-01'::DATE`, a value that is not a date
//! failing with 100040). DuckDB compares them as text, or refuses. Where a VARCHAR column of a
//! table read (`ctx.text_columns`) meets a number literal, or a typed date or time value (a
//! cast, a typed literal, CURRENT_DATE, TO_DATE, ...), in a comparison, BETWEEN or IN list, the
//! column is cast: to NUMBER(38, 10), or to the other side's type (a Snowflake cast, which the
//! conversion rules then translate with Snowflake's formats).

use std::ops::ControlFlow;

use snowglobe_catalog::SfType;
use sqlparser::ast::{
    BinaryOperator, CastKind, DataType, ExactNumberInfo, Expr, FunctionArg, FunctionArgExpr,
    FunctionArguments, Ident, InTarget, Statement, TimezoneInfo, UnaryOperator, Value, VisitMut,
    VisitorMut,
};

use super::calls::{any_expr, name_of, nested, string_literal};
use crate::names::Context;

/// Cast VARCHAR columns compared with numbers, dates and times (see the module docs).
pub fn text_compared_with_numbers(statement: &mut Statement, ctx: &Context) {
    let _ = statement.visit(&mut Coerce {
        text: &ctx.text_columns,
    });
}

/// Whether `statement` compares a plain column with a number literal or a date or time value
/// (then the session looks up the VARCHAR columns of the tables it reads, for
/// [`text_compared_with_numbers`]).
pub fn wants_text_columns(statement: &Statement) -> bool {
    any_expr(statement, |e| compared_columns(e, &is_column).is_some())
}

struct Coerce<'a> {
    text: &'a [String],
}

impl VisitorMut for Coerce<'_> {
    type Break = ();
    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        // A string constant compared with a date or time converts as Snowflake reads it too
        // (`'01/07/2024' = '2024-01-07'::DATE`); with a number DuckDB reads it alike.
        let text = |e: &Expr| is_text_column(e, self.text) || string_literal(e).is_some();
        let Some((side, to)) = compared_columns(expr, &text) else {
            return ControlFlow::Continue(());
        };
        if string_literal(side).is_some() && matches!(to, DataType::Decimal(_)) {
            return ControlFlow::Continue(());
        }
        let coerce = |e: &mut Box<Expr>| **e = converted((**e).clone(), to.clone());
        match expr {
            Expr::BinaryOp { left, right, .. } => {
                if text(left) {
                    coerce(left);
                } else {
                    coerce(right);
                }
            }
            Expr::Between { expr: e, .. } | Expr::In { expr: e, .. } => coerce(e),
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

/// The column side of a comparison of a column (as `column` tells) with number literals or
/// date and time values, and the type the column converts to.
fn compared_columns<'e>(
    expr: &'e Expr,
    column: &dyn Fn(&Expr) -> bool,
) -> Option<(&'e Expr, DataType)> {
    match expr {
        Expr::BinaryOp {
            left,
            op:
                BinaryOperator::Eq
                | BinaryOperator::NotEq
                | BinaryOperator::Lt
                | BinaryOperator::LtEq
                | BinaryOperator::Gt
                | BinaryOperator::GtEq,
            right,
        } => {
            if column(left) {
                Some((left, coerced_type(right)?))
            } else if column(right) {
                Some((right, coerced_type(left)?))
            } else {
                None
            }
        }
        Expr::Between {
            expr: e, low, high, ..
        } if column(e) => {
            let to = coerced_type(low)?;
            (coerced_type(high)? == to).then_some((e, to))
        }
        Expr::In {
            expr: e,
            target: InTarget::List(list),
            ..
        } if column(e) => {
            let to = coerced_type(list.first()?)?;
            list.iter()
                .all(|item| coerced_type(item).as_ref() == Some(&to))
                .then_some((e, to))
        }
        _ => None,
    }
}

/// The type a VARCHAR compared with `e` converts to: NUMBER for a number literal (exact for
/// any number of 28 integer and 10 decimal digits, so a long id stored as text stays exact, as
/// Snowflake's NUMBER comparison is), the type of a date or time value.
fn coerced_type(e: &Expr) -> Option<DataType> {
    if is_number_literal(e) {
        return Some(DataType::Decimal(ExactNumberInfo::PrecisionAndScale(
            38, 10,
        )));
    }
    let custom = |name: &str| {
        DataType::Custom(
            sqlparser::ast::ObjectName::from(vec![Ident::new(name)]),
            vec![],
        )
    };
    let to = match e {
        Expr::Cast { data_type, .. } => data_type.clone(),
        Expr::TypedString(t) => t.data_type.clone(),
        Expr::Nested(inner) => return coerced_type(inner),
        Expr::Function(f) => match name_of(f).as_str() {
            "CURRENT_DATE" | "TO_DATE" | "DATE" | "DATE_FROM_PARTS" | "DATEFROMPARTS" => {
                DataType::Date
            }
            "CURRENT_TIME" | "LOCALTIME" | "TO_TIME" | "TIME" => {
                DataType::Time(None, TimezoneInfo::None)
            }
            "TO_TIMESTAMP" => DataType::Timestamp(None, TimezoneInfo::None),
            "SYSDATE" | "TO_TIMESTAMP_NTZ" => custom("TIMESTAMP_NTZ"),
            "CURRENT_TIMESTAMP" | "GETDATE" | "LOCALTIMESTAMP" | "SYSTIMESTAMP"
            | "TO_TIMESTAMP_LTZ" => custom("TIMESTAMP_LTZ"),
            "TO_TIMESTAMP_TZ" => custom("TIMESTAMP_TZ"),
            "LAST_DAY" | "NEXT_DAY" | "PREVIOUS_DAY" => DataType::Date,
            // The type of their date or time argument.
            name @ ("DATEADD" | "TIMEADD" | "TIMESTAMPADD" | "DATE_TRUNC" | "TRUNC"
            | "ADD_MONTHS") => {
                let at = match name {
                    "DATE_TRUNC" => 1,
                    "TRUNC" | "ADD_MONTHS" => 0,
                    _ => 2,
                };
                let FunctionArguments::List(list) = &f.args else {
                    return None;
                };
                return match list.args.get(at) {
                    Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(x))) => {
                        coerced_type(x).filter(|t| !matches!(t, DataType::Decimal(_)))
                    }
                    _ => None,
                };
            }
            _ => return None,
        },
        _ => return None,
    };
    let temporal = matches!(
        crate::types::sf_type(&to),
        Ok(SfType::Date
            | SfType::Time { .. }
            | SfType::TimestampNtz { .. }
            | SfType::TimestampLtz { .. }
            | SfType::TimestampTz { .. })
    );
    temporal.then_some(to)
}

/// A Snowflake cast of `e` to `to` (the conversion rules translate it with Snowflake's formats
/// and errors).
pub(super) fn converted(e: Expr, to: DataType) -> Expr {
    nested(Expr::Cast {
        kind: CastKind::Cast,
        expr: Box::new(e),
        data_type: to,
        format: None,
    })
}

pub(super) fn is_column(e: &Expr) -> bool {
    matches!(e, Expr::Identifier(_) | Expr::CompoundIdentifier(_))
}

fn is_text_column(e: &Expr, text: &[String]) -> bool {
    let named = |i: &Ident| text.contains(&exact_name(i));
    match e {
        Expr::Identifier(i) => named(i),
        Expr::CompoundIdentifier(parts) => parts.last().is_some_and(named),
        _ => false,
    }
}

fn exact_name(i: &Ident) -> String {
    if i.quote_style.is_some() {
        i.value.clone()
    } else {
        i.value.to_ascii_uppercase()
    }
}

pub(super) fn is_number_literal(e: &Expr) -> bool {
    match e {
        Expr::Value(v) => matches!(v.value, Value::Number(..)),
        Expr::UnaryOp {
            op: UnaryOperator::Minus | UnaryOperator::Plus,
            expr,
        } => is_number_literal(expr),
        Expr::Nested(inner) => is_number_literal(inner),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{ctx, translate_in};

    #[test]
    fn text_columns_compare_with_numbers_as_numbers() {
        let mut c = ctx();
        c.text_columns = vec!["CODE".into()];
        assert_eq!(
            translate_in("SELECT * FROM t WHERE code = 5 AND t.code > -1.5", &c),
            "SELECT * FROM \"T\" WHERE (CAST(\"CODE\" AS DECIMAL(38, 10))) = 5 AND (CAST(\"T\".\"CODE\" AS DECIMAL(38, 10))) > -1.5"
        );
        assert_eq!(
            translate_in(
                "SELECT code BETWEEN 1 AND 10, code IN (1, 2), code = '5', n = 5 FROM t",
                &c
            ),
            "SELECT (CAST(\"CODE\" AS DECIMAL(38, 10))) BETWEEN 1 AND 10 AS \"CODE BETWEEN 1 AND 10\", \
             (CAST(\"CODE\" AS DECIMAL(38, 10))) IN (1, 2) AS \"CODE IN (1, 2)\", \"CODE\" = '5' AS \"CODE = '5'\", \
             \"N\" = 5 AS \"N = 5\" FROM \"T\""
        );
        assert!(super::wants_text_columns(
            &crate::parse::parse("SELECT 1 FROM t WHERE x <= 3").unwrap()[0]
        ));
        assert!(super::wants_text_columns(
            &crate::parse::parse("SELECT 1 FROM t WHERE x <= CURRENT_DATE").unwrap()[0]
        ));
        assert!(!super::wants_text_columns(
            &crate::parse::parse("SELECT 1 FROM t WHERE x = 'a'").unwrap()[0]
        ));
    }

    #[test]
    fn text_columns_compare_with_dates_and_times_as_those_types() {
        let mut c = ctx();
        c.text_columns = vec!["DAY".into()];
        let sql = translate_in(
            "SELECT * FROM t WHERE day >= '2024-01-01'::DATE AND DATE '2024-02-01' > day \
             AND day IN (TO_DATE('2024-01-05'), CURRENT_DATE) \
             AND day BETWEEN '2024-01-01'::TIMESTAMP_NTZ AND '2024-03-01'::TIMESTAMP_NTZ \
             AND day = 'x' AND other < '2024-01-01'::DATE \
             AND day > DATEADD(day, -30, CURRENT_DATE)",
            &c,
        );
        // Each comparison of DAY converts it (the conversion rules translate the casts).
        assert!(!sql.contains("\"DAY\" >"), "{sql}");
        assert!(!sql.contains("> \"DAY\""), "{sql}");
        assert!(!sql.contains("\"DAY\" IN"), "{sql}");
        assert!(!sql.contains("\"DAY\" BETWEEN"), "{sql}");
        assert!(sql.contains("\"DAY\" = 'x'"), "{sql}");
        assert!(sql.contains("\"OTHER\" <"), "{sql}");
        let literal = translate_in("SELECT '01/07/2024' = '2024-01-07'::DATE, '05' = 5", &c);
        assert!(literal.starts_with("SELECT (CAST("), "{literal}");
        assert!(literal.contains("'05' = 5"), "{literal}");
        // Mixed kinds in one IN list are left as they are.
        let mixed = translate_in("SELECT day IN (1, CURRENT_DATE) FROM t", &c);
        assert!(mixed.contains("\"DAY\" IN"), "{mixed}");
    }
}
