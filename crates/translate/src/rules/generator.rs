//! Generated rows: `TABLE(GENERATOR(ROWCOUNT => n))` with `SEQ1/2/4/8()`, `UNIFORM` and
//! `RANDOM`.
//!
//! GENERATOR becomes DuckDB's `range(n)`; the SEQ functions number the rows from 0
//! (`row_number() OVER () - 1`); `UNIFORM(lo, hi, gen)` draws an integer when both bounds are
//! integers and a FLOAT otherwise (the generator argument only seeds Snowflake's draw and is
//! not reproduced); `RANDOM()` is a 64-bit integer, as in Snowflake. `TIMELIMIT` is not
//! supported (its row count depends on the machine).

use std::ops::ControlFlow;

use snowglobe_error::{Result, SnowflakeError};
use sqlparser::ast::{
    BinaryOperator, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArgOperator,
    FunctionArguments, Statement, TableAlias, TableFactor, Value, VisitMut, VisitorMut,
};

use super::calls::{binary, plain_args, rewrite_calls};
use super::functions::call;
use super::FirstError;

/// Rewrite GENERATOR table functions, then the functions used with them.
pub fn rewrite_generators(statement: &mut Statement) -> Result<()> {
    let mut v = Generators {
        error: FirstError::default(),
    };
    let _ = statement.visit(&mut v);
    v.error.into_result()?;
    rewrite_calls(statement, rewrite_function)
}

struct Generators {
    error: FirstError,
}

/// `FROM range(n) [alias]`, built by the parser so every field has its default.
fn range_factor(rowcount: Expr, alias: Option<TableAlias>) -> Result<TableFactor> {
    let mut factor = super::calls::parsed_from_item(
        &sqlparser::dialect::GenericDialect {},
        "SELECT 1 FROM range(1)",
        "range template",
    )?;
    if let TableFactor::Table {
        args: Some(args),
        alias: a,
        ..
    } = &mut factor
    {
        args.args = vec![FunctionArg::Unnamed(FunctionArgExpr::Expr(rowcount))];
        *a = alias;
    }
    Ok(factor)
}

/// The ROWCOUNT of GENERATOR's arguments.
fn rowcount(args: &[FunctionArg]) -> Result<Expr> {
    let mut found = None;
    for arg in args {
        match arg {
            FunctionArg::Named {
                name,
                arg: FunctionArgExpr::Expr(e),
                operator: FunctionArgOperator::RightArrow | FunctionArgOperator::Assignment,
            } if name.value.eq_ignore_ascii_case("ROWCOUNT") => found = Some(e.clone()),
            FunctionArg::Named { name, .. } if name.value.eq_ignore_ascii_case("TIMELIMIT") => {
                return Err(SnowflakeError::unsupported("GENERATOR with TIMELIMIT"))
            }
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) if found.is_none() => {
                found = Some(e.clone())
            }
            _ => {
                return Err(SnowflakeError::unsupported(format!(
                    "GENERATOR argument {arg}"
                )))
            }
        }
    }
    found.ok_or_else(|| SnowflakeError::unsupported("GENERATOR without ROWCOUNT"))
}

fn generator_args(factor: &TableFactor) -> Option<(Vec<FunctionArg>, Option<TableAlias>)> {
    let is_generator = |name: &sqlparser::ast::ObjectName| {
        name.0
            .last()
            .and_then(|p| p.as_ident())
            .is_some_and(|i| i.value.eq_ignore_ascii_case("GENERATOR"))
    };
    match factor {
        TableFactor::TableFunction {
            expr: Expr::Function(f),
            alias,
        } if is_generator(&f.name) => match &f.args {
            FunctionArguments::List(list) => Some((list.args.clone(), alias.clone())),
            _ => Some((vec![], alias.clone())),
        },
        TableFactor::Function {
            name, args, alias, ..
        } if is_generator(name) => Some((args.clone(), alias.clone())),
        TableFactor::Table {
            name,
            args: Some(args),
            alias,
            ..
        } if is_generator(name) => Some((args.args.clone(), alias.clone())),
        _ => None,
    }
}

fn number(n: &str) -> Expr {
    Expr::value(Value::Number(n.to_string(), false))
}

fn is_integer(expr: &Expr) -> bool {
    match expr {
        Expr::Value(v) => {
            matches!(&v.value, Value::Number(n, _) if n.chars().all(|c| c.is_ascii_digit()))
        }
        Expr::UnaryOp { expr, .. } | Expr::Nested(expr) => is_integer(expr),
        _ => false,
    }
}

fn random() -> Expr {
    Expr::Function(call("random", vec![]))
}

/// UNIFORM's draw in [0, 1) from its generator: a new one per row from RANDOM(), else a value
/// of the generator's own (the UNIFORM page: a constant generator gives a constant result).
fn draw(gen: &Expr) -> Expr {
    draw_by(gen, "md5_number_lower")
}

/// A draw as [`draw`], by `hash` (`md5_number_lower` or `_upper`: two independent draws from
/// one constant generator).
fn draw_by(gen: &Expr, hash: &str) -> Expr {
    if gen.to_string().to_ascii_lowercase().contains("random(") {
        return random();
    }
    // (DuckDB's md5_number_lower: `hash` is Snowflake's HASH here, a signed number.)
    let text = super::calls::cast(gen.clone(), "VARCHAR");
    let hashed = super::calls::cast(Expr::Function(call(hash, vec![text])), "DOUBLE");
    super::calls::nested(binary(
        hashed,
        BinaryOperator::Divide,
        number("18446744073709551616.0"),
    ))
}

fn rewrite_function(f: &Function) -> Result<Option<Expr>> {
    if f.over.is_some() {
        return Ok(None);
    }
    let name = f.name.to_string().to_ascii_uppercase();
    let Some(args) = plain_args(f) else {
        return Ok(None);
    };
    Ok(Some(match (name.as_str(), args.as_slice()) {
        ("SEQ1" | "SEQ2" | "SEQ4" | "SEQ8", [] | [_]) => {
            let mut row_number = call("row_number", vec![]);
            row_number.over = Some(sqlparser::ast::WindowType::WindowSpec(
                sqlparser::ast::WindowSpec {
                    window_name: None,
                    partition_by: vec![],
                    order_by: vec![],
                    window_frame: None,
                },
            ));
            wrapped(
                &name,
                &args,
                Expr::Nested(Box::new(binary(
                    Expr::Function(row_number),
                    BinaryOperator::Minus,
                    number("1"),
                ))),
            )
        }
        ("UNIFORM", [lo, hi, gen]) => {
            let random = || draw(gen);
            if is_integer(lo) && is_integer(hi) {
                // lo + floor(random() * (hi - lo + 1)), as BIGINT
                let span = binary(
                    binary(hi.clone(), BinaryOperator::Minus, lo.clone()),
                    BinaryOperator::Plus,
                    number("1"),
                );
                let draw = Expr::Function(call(
                    "floor",
                    vec![binary(
                        random(),
                        BinaryOperator::Multiply,
                        Expr::Nested(Box::new(span)),
                    )],
                ));
                Expr::Cast {
                    kind: sqlparser::ast::CastKind::Cast,
                    expr: Box::new(binary(lo.clone(), BinaryOperator::Plus, draw)),
                    data_type: sqlparser::ast::DataType::BigInt(None),
                    format: None,
                }
            } else {
                let span = binary(hi.clone(), BinaryOperator::Minus, lo.clone());
                binary(
                    Expr::Cast {
                        kind: sqlparser::ast::CastKind::Cast,
                        expr: Box::new(lo.clone()),
                        data_type: sqlparser::ast::DataType::Double(
                            sqlparser::ast::ExactNumberInfo::None,
                        ),
                        format: None,
                    },
                    BinaryOperator::Plus,
                    binary(
                        random(),
                        BinaryOperator::Multiply,
                        Expr::Nested(Box::new(span)),
                    ),
                )
            }
        }
        // NORMAL(mean, stddev, gen): a FLOAT drawn from the normal distribution by the
        // Box-Muller transform, mean + stddev * sqrt(-2 ln(1 - u1)) * cos(2 pi u2).
        ("NORMAL", [mean, stddev, gen]) => {
            let nested = super::calls::nested;
            let func = super::calls::func;
            let u1 = draw_by(gen, "md5_number_lower");
            let u2 = draw_by(gen, "md5_number_upper");
            let radius = func(
                "sqrt",
                vec![binary(
                    number("-2"),
                    BinaryOperator::Multiply,
                    func("ln", vec![binary(number("1.0"), BinaryOperator::Minus, u1)]),
                )],
            );
            let angle = func(
                "cos",
                vec![binary(
                    binary(number("2"), BinaryOperator::Multiply, func("pi", vec![])),
                    BinaryOperator::Multiply,
                    u2,
                )],
            );
            let deviation = binary(
                super::calls::cast(nested(stddev.clone()), "DOUBLE"),
                BinaryOperator::Multiply,
                binary(radius, BinaryOperator::Multiply, angle),
            );
            nested(binary(
                super::calls::cast(nested(mean.clone()), "DOUBLE"),
                BinaryOperator::Plus,
                deviation,
            ))
        }
        ("RANDOM", [] | [_]) => Expr::Cast {
            kind: sqlparser::ast::CastKind::Cast,
            // `floor((random() * 2 - 1) * 9.2e18)`: the parentheses are explicit, as the
            // printed AST has none of its own.
            expr: Box::new(Expr::Function(call(
                "floor",
                vec![binary(
                    super::calls::nested(binary(
                        binary(random(), BinaryOperator::Multiply, number("2")),
                        BinaryOperator::Minus,
                        number("1"),
                    )),
                    BinaryOperator::Multiply,
                    number("9.2e18"),
                )],
            ))),
            data_type: sqlparser::ast::DataType::BigInt(None),
            format: None,
        },
        _ => return Ok(None),
    }))
}

/// SEQ1 and SEQ2 are one- and two-byte numbers: the row number `n` (from 0) wraps around,
/// unsigned (`SEQ1()`, `SEQ1(0)`: 0 to 255) or signed with `SEQ1(1)` (127 is followed by -128).
/// SEQ4 and SEQ8 would wrap only after 2^32 rows.
fn wrapped(name: &str, args: &[Expr], n: Expr) -> Expr {
    let bits = match name {
        "SEQ1" => 8,
        "SEQ2" => 16,
        _ => return n,
    };
    let modulus = 1i64 << bits;
    let signed = matches!(
        args.first().and_then(super::calls::integer_literal),
        Some(1)
    );
    let shift = if signed { modulus / 2 } else { 0 };
    let shifted = binary(n, BinaryOperator::Plus, number(&shift.to_string()));
    let wrapped = binary(
        super::calls::nested(shifted),
        BinaryOperator::Modulo,
        number(&modulus.to_string()),
    );
    super::calls::nested(binary(
        super::calls::nested(wrapped),
        BinaryOperator::Minus,
        number(&shift.to_string()),
    ))
}

/// In a SELECT from GENERATOR alone, SEQ1/2/4/8() number the generated rows: they are the
/// range's own column (not a window function, so they may sit in a window's ORDER BY or in an
/// aggregate, as in `row_number() OVER (ORDER BY seq4())`). Subqueries keep theirs.
fn sequence_as_range_column(select: &mut sqlparser::ast::Select) {
    let [only] = select.from.as_slice() else {
        return;
    };
    if !only.joins.is_empty() {
        return;
    }
    let Some((_, alias)) = generator_args(&only.relation) else {
        return;
    };
    let column = match alias {
        Some(a) => Expr::CompoundIdentifier(vec![a.name, sqlparser::ast::Ident::new("range")]),
        None => Expr::Identifier(sqlparser::ast::Ident::new("range")),
    };
    struct Sequences {
        column: Expr,
        depth: usize,
    }
    impl VisitorMut for Sequences {
        type Break = ();
        fn pre_visit_query(&mut self, _: &mut sqlparser::ast::Query) -> ControlFlow<()> {
            self.depth += 1;
            ControlFlow::Continue(())
        }
        fn post_visit_query(&mut self, _: &mut sqlparser::ast::Query) -> ControlFlow<()> {
            self.depth -= 1;
            ControlFlow::Continue(())
        }
        fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
            if let Expr::Function(f) = expr {
                let name = f.name.to_string().to_ascii_uppercase();
                if self.depth == 0
                    && f.over.is_none()
                    && matches!(name.as_str(), "SEQ1" | "SEQ2" | "SEQ4" | "SEQ8")
                {
                    let args = plain_args(f).unwrap_or_default();
                    *expr = wrapped(&name, &args, self.column.clone());
                }
            }
            ControlFlow::Continue(())
        }
    }
    let mut sequences = Sequences { column, depth: 0 };
    for item in &mut select.projection {
        let _ = item.visit(&mut sequences);
    }
    let _ = select.selection.visit(&mut sequences);
    let _ = select.qualify.visit(&mut sequences);
    let _ = select.having.visit(&mut sequences);
}

impl VisitorMut for Generators {
    type Break = ();

    fn pre_visit_select(&mut self, select: &mut sqlparser::ast::Select) -> ControlFlow<()> {
        sequence_as_range_column(select);
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<()> {
        if let Some((args, alias)) = generator_args(factor) {
            match rowcount(&args).and_then(|n| range_factor(n, alias)) {
                Ok(new) => *factor = new,
                Err(e) => {
                    self.error.set(e);
                    return ControlFlow::Break(());
                }
            }
        }
        ControlFlow::Continue(())
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::translate;

    #[test]
    fn generator_is_a_range() {
        assert_eq!(
            translate("select seq4() as s from table(generator(rowcount => 3)) g"),
            "SELECT \"G\".\"RANGE\" AS \"S\" FROM range(3) \"G\""
        );
        // In a subquery of another FROM, SEQ4 numbers the rows it sees.
        assert!(translate("select (select seq4()) as s from t").contains("row_number() OVER ()"));
    }

    #[test]
    fn uniform_of_integers_is_an_integer() {
        assert_eq!(
            translate("select uniform(1, 6, random()) as u"),
            "SELECT CAST(1 + floor(random() * (6 - 1 + 1)) AS BIGINT) AS \"U\""
        );
    }
}
