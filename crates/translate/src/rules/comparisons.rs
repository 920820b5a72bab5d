//! Comparisons of text with numbers. Snowflake compares a VARCHAR with a number as numbers: it
//! converts the text (`code = 5` is true for `'05'`, `code > 10` orders numerically, and a
//! value that is not a number fails with 100038). DuckDB compares them as text, or refuses.
//! Where a VARCHAR column of a table read (`ctx.text_columns`) meets a number literal in a
//! comparison, BETWEEN or IN list, the column is cast to NUMBER(38, 10).

use std::ops::ControlFlow;

use sqlparser::ast::{
    BinaryOperator, CastKind, DataType, ExactNumberInfo, Expr, Ident, InTarget, Statement,
    UnaryOperator, Value, VisitMut, VisitorMut,
};

use super::calls::{any_expr, nested};
use crate::names::Context;

/// Cast VARCHAR columns compared with number literals to NUMBER (see the module docs).
pub fn text_compared_with_numbers(statement: &mut Statement, ctx: &Context) {
    if ctx.text_columns.is_empty() {
        return;
    }
    let _ = statement.visit(&mut Coerce {
        text: &ctx.text_columns,
    });
}

/// Whether `statement` compares a plain column with a number literal (then the session looks
/// up the VARCHAR columns of the tables it reads, for [`text_compared_with_numbers`]).
pub fn wants_text_columns(statement: &Statement) -> bool {
    any_expr(statement, |e| compared_columns(e, &is_column).is_some())
}

struct Coerce<'a> {
    text: &'a [String],
}

impl VisitorMut for Coerce<'_> {
    type Break = ();
    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        let text = |e: &Expr| is_text_column(e, self.text);
        if compared_columns(expr, &text).is_some() {
            match expr {
                Expr::BinaryOp { left, right, .. } => {
                    for side in [left, right] {
                        if text(side) {
                            **side = as_number((**side).clone());
                        }
                    }
                }
                Expr::Between { expr: e, .. } | Expr::In { expr: e, .. } => {
                    **e = as_number((**e).clone());
                }
                _ => {}
            }
        }
        ControlFlow::Continue(())
    }
}

/// Exact for any number of 28 integer and 10 decimal digits (a long id stored as text stays
/// exact, as Snowflake's NUMBER comparison is).
fn as_number(e: Expr) -> Expr {
    nested(Expr::Cast {
        kind: CastKind::Cast,
        expr: Box::new(e),
        data_type: DataType::Decimal(ExactNumberInfo::PrecisionAndScale(38, 10)),
        format: None,
    })
}

/// The column side of a comparison of a column (as `column` tells) with number literals.
fn compared_columns<'e>(expr: &'e Expr, column: &dyn Fn(&Expr) -> bool) -> Option<&'e Expr> {
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
            if column(left) && is_number_literal(right) {
                Some(left)
            } else if column(right) && is_number_literal(left) {
                Some(right)
            } else {
                None
            }
        }
        Expr::Between {
            expr: e, low, high, ..
        } if column(e) && is_number_literal(low) && is_number_literal(high) => Some(e),
        Expr::In {
            expr: e,
            target: InTarget::List(list),
            ..
        } if column(e) && !list.is_empty() && list.iter().all(is_number_literal) => Some(e),
        _ => None,
    }
}

fn is_column(e: &Expr) -> bool {
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

fn is_number_literal(e: &Expr) -> bool {
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
        assert!(!super::wants_text_columns(
            &crate::parse::parse("SELECT 1 FROM t WHERE x = 'a'").unwrap()[0]
        ));
    }
}
