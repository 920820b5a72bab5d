//! Numeric functions and division typing. ROUND (half away from zero, negative scales), TRUNC
//! with a scale, MOD (sign of the dividend), SIGN, ABS, SQRT, POWER and friends mean the same in
//! DuckDB and need no rule.

use std::ops::ControlFlow;

use snowglobe_error::{Result, SnowflakeError};
use sqlparser::ast::{
    BinaryOperator, CeilFloorKind, DataType, ExactNumberInfo, Expr, Function, FunctionArg,
    FunctionArgExpr, FunctionArguments, Ident, Query, SelectItem, SetExpr, Statement, TableFactor,
    TypeModifier, UnaryOperator, Value, VisitMut, VisitorMut,
};

use super::calls::{
    binary, case, check_arity, func, integer_literal, is_null, name_of, nested, number, plain_args,
    rewrite_calls, string_literal,
};
use super::FirstError;
use crate::names::Context;

/// Rewrite Snowflake numeric functions DuckDB lacks or spells differently.
pub fn rewrite_numeric_functions(statement: &mut Statement) -> Result<()> {
    rewrite_calls(statement, |f: &Function| {
        if f.over.is_some() {
            return Ok(None);
        }
        let name = name_of(f);
        let (args, named) = match plain_args(f) {
            Some(args) => (args, false),
            None if name == "ROUND" => match named_round_args(f) {
                Some(args) => (args, true),
                None => return Ok(None),
            },
            None => return Ok(None),
        };
        Ok(match name.as_str() {
            "DIV0" => Some(div0_to_case(&name, args, false)?),
            // An array function, here because its count needs a DuckDB integer cast.
            "ARRAY_REPEAT" => Some(super::arrays::array_repeat(&args)?),
            "DIV0NULL" => Some(div0_to_case(&name, args, true)?),
            "BITAND" | "BITOR" | "BITXOR" | "BITSHIFTLEFT" | "BITSHIFTRIGHT" | "BITNOT" => {
                Some(bitwise(&name, args)?)
            }
            // (TRUNC(date, 'part') has a text constant as its scale: the date rule's)
            "TRUNCATE" | "TRUNC"
                if args.len() == 2
                    && integer_literal(&args[1]).is_none()
                    && !matches!(args[1], Expr::Value(_)) =>
            {
                Some(at_computed_scale("trunc", &args[0], &args[1]))
            }
            "TRUNCATE" => Some(truncate_to_trunc(&name, args)?),
            "SQUARE" => {
                check_arity(&name, &args, 1, 1)?;
                Some(func(
                    "power",
                    vec![super::calls::cast(args[0].clone(), "DOUBLE"), number(2)],
                ))
            }
            "WIDTH_BUCKET" => Some(width_bucket(&name, args)?),
            "HAVERSINE" => Some(haversine(&name, args)?),
            // GETBIT(x, n): bit n (0 the least significant) of an integer.
            "GETBIT" => {
                check_arity(&name, &args, 2, 2)?;
                let [x, n]: [Expr; 2] = args.try_into().expect("checked arity");
                let shifted = binary(
                    super::calls::cast(x, "BIGINT"),
                    BinaryOperator::PGBitwiseShiftRight,
                    super::calls::cast(n, "INTEGER"),
                );
                Some(super::calls::nested(binary(
                    super::calls::nested(shifted),
                    BinaryOperator::BitwiseAnd,
                    number(1),
                )))
            }
            "APPROX_PERCENTILE" => {
                check_arity(&name, &args, 2, 2)?;
                Some(super::calls::cast(func("quantile_cont", args), "DOUBLE"))
            }
            "ROUND" => match round_half_to_even(&name, args.clone())? {
                None if named => Some(func("round", args)),
                rounded => rounded,
            },
            "CEIL" | "CEILING" | "FLOOR" if args.len() == 2 => {
                let up = name != "FLOOR";
                match integer_literal(&args[1]) {
                    Some(scale) if scale.abs() <= 37 => {
                        Some(ceil_floor_at_scale(args[0].clone(), scale, up))
                    }
                    Some(scale) => {
                        return Err(SnowflakeError::unsupported(format!(
                            "{name} with scale {scale}"
                        )))
                    }
                    None => Some(at_computed_scale(
                        if up { "ceil" } else { "floor" },
                        &args[0],
                        &args[1],
                    )),
                }
            }
            _ => None,
        })
    })?;
    let mut v = CeilFloorScale(FirstError::default());
    let _ = statement.visit(&mut v);
    v.0.into_result()
}

/// Snowflake `DIV0(a, b)` is 0 when `b` is 0 (`DIV0NULL` also when `b` is NULL) →
/// `CASE WHEN b = 0 [OR b IS NULL] THEN 0 ELSE a / b END`.
fn div0_to_case(name: &str, args: Vec<Expr>, or_null: bool) -> Result<Expr> {
    check_arity(name, &args, 2, 2)?;
    let [a, b]: [Expr; 2] = args.try_into().expect("checked arity");
    let mut zero = binary(b.clone(), BinaryOperator::Eq, number(0));
    if or_null {
        zero = binary(zero, BinaryOperator::Or, is_null(b.clone()));
    }
    Ok(case(
        vec![(zero, number(0))],
        Some(binary(a, BinaryOperator::Divide, b)),
    ))
}

/// HAVERSINE(lat1, lon1, lat2, lon2): the great-circle distance in kilometres between two
/// points given in degrees, on a sphere of radius 6371 km (Snowflake's documented example,
/// New York to Los Angeles, is 3936.385096389).
fn haversine(name: &str, args: Vec<Expr>) -> Result<Expr> {
    check_arity(name, &args, 4, 4)?;
    let radians = |e: &Expr| func("radians", vec![super::calls::cast(e.clone(), "DOUBLE")]);
    let [lat1, lon1, lat2, lon2]: [Expr; 4] = args.try_into().expect("checked arity");
    let half_sin_squared = |a: &Expr, b: &Expr| {
        let half = binary(
            super::calls::nested(binary(radians(b), BinaryOperator::Minus, radians(a))),
            BinaryOperator::Divide,
            number(2),
        );
        func("power", vec![func("sin", vec![half]), number(2)])
    };
    let inner = binary(
        half_sin_squared(&lat1, &lat2),
        BinaryOperator::Plus,
        binary(
            binary(
                func("cos", vec![radians(&lat1)]),
                BinaryOperator::Multiply,
                func("cos", vec![radians(&lat2)]),
            ),
            BinaryOperator::Multiply,
            half_sin_squared(&lon1, &lon2),
        ),
    );
    Ok(binary(
        number(2 * 6371),
        BinaryOperator::Multiply,
        func("asin", vec![func("sqrt", vec![inner])]),
    ))
}

/// Snowflake `WIDTH_BUCKET(x, min, max, n)`: which of `n` equal buckets between `min` and `max`
/// holds `x`, 0 below `min` and `n + 1` from `max` on → `CASE WHEN x < min THEN 0 WHEN x >= max
/// THEN n + 1 ELSE floor((x - min) * n / (max - min)) + 1 END`.
fn width_bucket(name: &str, args: Vec<Expr>) -> Result<Expr> {
    check_arity(name, &args, 4, 4)?;
    let [x, min, max, n]: [Expr; 4] = args.try_into().expect("checked arity");
    let double = |e: Expr| super::calls::cast(e, "DOUBLE");
    let scaled = binary(
        binary(
            nested(binary(
                double(x.clone()),
                BinaryOperator::Minus,
                min.clone(),
            )),
            BinaryOperator::Multiply,
            n.clone(),
        ),
        BinaryOperator::Divide,
        nested(binary(
            double(max.clone()),
            BinaryOperator::Minus,
            min.clone(),
        )),
    );
    Ok(super::calls::cast(
        case(
            vec![
                (binary(x.clone(), BinaryOperator::Lt, min), number(0)),
                (
                    binary(x, BinaryOperator::GtEq, max),
                    binary(n, BinaryOperator::Plus, number(1)),
                ),
            ],
            Some(binary(
                func("floor", vec![scaled]),
                BinaryOperator::Plus,
                number(1),
            )),
        ),
        "BIGINT",
    ))
}

/// Snowflake's bitwise functions on integers (two's complement, up to 128 bits) → DuckDB's
/// operators on HUGEINT: `BITAND(a, b)` → `a & b`, `BITOR` → `|`, `BITXOR` → `xor(a, b)`,
/// `BITNOT(a)` → `~a`, `BITSHIFTLEFT(a, n)` → `a << n`, `BITSHIFTRIGHT(a, n)` → `a >> n`.
/// The BINARY forms (with a padding argument) are not supported.
fn bitwise(name: &str, args: Vec<Expr>) -> Result<Expr> {
    let unary = name == "BITNOT";
    let arity = if unary { 1 } else { 2 };
    if args.len() > arity && !unary && matches!(name, "BITAND" | "BITOR" | "BITXOR") {
        return Err(SnowflakeError::unsupported(format!(
            "{name} on BINARY values (with a padding argument)"
        )));
    }
    check_arity(name, &args, arity, arity)?;
    let wide = |e: Expr| super::calls::cast(e, "HUGEINT");
    let mut args = args.into_iter();
    let (Some(a), b) = (args.next(), args.next()) else {
        return Err(SnowflakeError::internal("arity checked"));
    };
    let a = nested(wide(a));
    Ok(nested(match (name, b) {
        ("BITNOT", _) => Expr::UnaryOp {
            op: UnaryOperator::BitwiseNot,
            expr: Box::new(a),
        },
        ("BITAND", Some(b)) => binary(a, BinaryOperator::BitwiseAnd, nested(wide(b))),
        ("BITOR", Some(b)) => binary(a, BinaryOperator::BitwiseOr, nested(wide(b))),
        ("BITXOR", Some(b)) => func("xor", vec![a, wide(b)]),
        ("BITSHIFTLEFT", Some(n)) => binary(a, BinaryOperator::PGBitwiseShiftLeft, nested(n)),
        (_, Some(n)) => binary(a, BinaryOperator::PGBitwiseShiftRight, nested(n)),
        (_, None) => return Err(SnowflakeError::internal("arity checked")),
    }))
}

/// CEIL, FLOOR, TRUNC or ROUND of `x` at a scale computed per row (a column, an expression):
/// DuckDB takes no such scale for a DECIMAL, so `x` is shifted by `10^scale` as a DOUBLE,
/// rounded there and shifted back. The shifted value is first rounded to 15 significant digits,
/// what a DOUBLE holds exactly, so that the binary error of the shift is gone (`1.1 * 10` is
/// `11.000000000000002`, `-2.345 * 100` is `-234.49999999999997`). The result is a FLOAT.
fn at_computed_scale(kind: &str, x: &Expr, scale: &Expr) -> Expr {
    let shift = func(
        "power",
        vec![number(10), super::calls::cast(scale.clone(), "INTEGER")],
    );
    let shifted = nested(binary(
        super::calls::cast(x.clone(), "DOUBLE"),
        BinaryOperator::Multiply,
        shift.clone(),
    ));
    let magnitude = func(
        "floor",
        vec![func(
            "log10",
            vec![func(
                "greatest",
                vec![
                    func("abs", vec![shifted.clone()]),
                    Expr::value(Value::Number("1e-300".into(), false)),
                ],
            )],
        )],
    );
    // At least one fractional digit: a shifted value of 15 integer digits or more has no
    // binary error below the unit to remove, and rounding its integer digits would change it.
    let digits = func(
        "greatest",
        vec![
            binary(
                number(14),
                BinaryOperator::Minus,
                super::calls::cast(magnitude, "INTEGER"),
            ),
            number(1),
        ],
    );
    let exact = func("round", vec![shifted, nested(digits)]);
    binary(func(kind, vec![exact]), BinaryOperator::Divide, shift)
}

/// Snowflake `TRUNCATE(x [, scale])` is TRUNC → DuckDB `trunc(x [, scale])`.
fn truncate_to_trunc(name: &str, args: Vec<Expr>) -> Result<Expr> {
    check_arity(name, &args, 1, 2)?;
    Ok(func("trunc", args))
}

/// Snowflake `ROUND(x, scale, 'HALF_TO_EVEN')` → DuckDB `round_even(x, scale)`; the default
/// mode (`'HALF_AWAY_FROM_ZERO'`) is DuckDB's `round`.
fn round_half_to_even(name: &str, mut args: Vec<Expr>) -> Result<Option<Expr>> {
    // A scale read from a column (a NUMBER) is an INTEGER to DuckDB, which rounds only a
    // DOUBLE to a scale that is not constant (and the default mode, half away from zero, is
    // rounded as CEIL and FLOOR are).
    let computed_scale = args.len() > 1 && integer_literal(&args[1]).is_none();
    if args.len() == 2 && computed_scale {
        return Ok(Some(at_computed_scale("round", &args[0], &args[1])));
    }
    if computed_scale {
        args[0] = super::calls::cast(args[0].clone(), "DOUBLE");
        args[1] = super::calls::cast(args[1].clone(), "INTEGER");
    }
    if args.len() != 3 {
        return Ok(None);
    }
    let mode = string_literal(&args[2]).map(str::to_ascii_uppercase);
    match mode.as_deref() {
        Some("HALF_TO_EVEN") => Ok(Some(func("round_even", args[..2].to_vec()))),
        Some("HALF_AWAY_FROM_ZERO") => Ok(Some(func("round", args[..2].to_vec()))),
        _ => Err(SnowflakeError::unsupported(format!(
            "{name} with rounding mode {}",
            args[2]
        ))),
    }
}

/// `ROUND(EXPR => x [, SCALE => s] [, ROUNDING_MODE => m])` as positional arguments (a mode
/// without a scale rounds to scale 0).
fn named_round_args(f: &Function) -> Option<Vec<Expr>> {
    let FunctionArguments::List(list) = &f.args else {
        return None;
    };
    let mut found: [Option<Expr>; 3] = [None, None, None];
    for arg in &list.args {
        let FunctionArg::Named {
            name,
            arg: FunctionArgExpr::Expr(e),
            ..
        } = arg
        else {
            return None;
        };
        let slot = ["EXPR", "SCALE", "ROUNDING_MODE"]
            .iter()
            .position(|n| name.value.eq_ignore_ascii_case(n))?;
        found[slot] = Some(e.clone());
    }
    let [expr, scale, mode] = found;
    let mut args = vec![expr?];
    match (scale, mode) {
        (None, None) => {}
        (scale, None) => args.extend(scale),
        (scale, Some(mode)) => {
            args.push(scale.unwrap_or_else(|| number(0)));
            args.push(mode);
        }
    }
    Some(args)
}

/// `10^-scale` as an exact literal: `0.01` for 2, `100` for -2.
fn unit(scale: i64) -> Expr {
    let text = if scale > 0 {
        format!("0.{}1", "0".repeat(scale as usize - 1))
    } else {
        format!("1{}", "0".repeat((-scale) as usize))
    };
    Expr::value(Value::Number(text, false))
}

/// Snowflake `CEIL(x, scale)` / `FLOOR(x, scale)` round up / down at `scale` digits; DuckDB's
/// take no scale. With `t = trunc(x, scale)`: CEIL is `CASE WHEN x > t THEN t + 10^-scale ELSE
/// t END`, FLOOR `CASE WHEN x < t THEN t - 10^-scale ELSE t END`, exact for NUMBER.
struct CeilFloorScale(FirstError);

impl VisitorMut for CeilFloorScale {
    type Break = ();
    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        let (x, field, up) = match expr {
            Expr::Ceil { expr: x, field } => (x, field, true),
            Expr::Floor { expr: x, field } => (x, field, false),
            _ => return ControlFlow::Continue(()),
        };
        let CeilFloorKind::Scale(v) = field else {
            return ControlFlow::Continue(());
        };
        let Some(scale) = integer_literal(&Expr::Value(v.clone())).filter(|s| s.abs() <= 37) else {
            self.0.set(SnowflakeError::unsupported(format!(
                "{} with scale {}",
                if up { "CEIL" } else { "FLOOR" },
                v
            )));
            return ControlFlow::Break(());
        };
        *expr = ceil_floor_at_scale((**x).clone(), scale, up);
        ControlFlow::Continue(())
    }
}

fn ceil_floor_at_scale(x: Expr, scale: i64, up: bool) -> Expr {
    let t = func("trunc", vec![x.clone(), number(scale)]);
    let (cmp, step) = if up {
        (BinaryOperator::Gt, BinaryOperator::Plus)
    } else {
        (BinaryOperator::Lt, BinaryOperator::Minus)
    };
    case(
        vec![(
            binary(x, cmp, t.clone()),
            binary(t.clone(), step, unit(scale)),
        )],
        Some(t),
    )
}

/// Snowflake divides NUMBERs exactly, giving a NUMBER with `L1 + S2` leading digits and scale
/// `max(S1, min(S1 + 6, 12))` (`7/2` is `3.500000`), and averages a NUMBER(p, s) to scale
/// `max(s, min(s + 6, 12))`; DuckDB divides and averages DECIMALs as DOUBLE. Where both
/// operands' precision and scale are known (number literals, casts to DECIMAL, NUMBER columns
/// of the tables read as `ctx.number_columns` lists them, columns of CTEs, subqueries and VALUES
/// lists typed from those, and arithmetic, SUM, AVG and COUNT of any of them), the result is cast
/// to Snowflake's DECIMAL. Products get Snowflake's scale cap the same way. Operands of unknown
/// type keep DuckDB's typing.
pub fn number_division_scale(statement: &mut Statement, ctx: &Context) {
    if !wants_number_types(statement) {
        return;
    }
    let mut collect = DerivedColumns(Types {
        base: &ctx.number_columns,
        derived: vec![],
    });
    let _ = sqlparser::ast::Visit::visit(&*statement, &mut collect);
    let _ = statement.visit(&mut Division { types: collect.0 });
}

/// Whether `statement` divides or averages anything (then the session looks up the NUMBER
/// columns of the tables it reads, for [`number_division_scale`]).
pub fn wants_number_types(statement: &Statement) -> bool {
    struct Find(bool);
    impl sqlparser::ast::Visitor for Find {
        type Break = ();
        fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
            self.0 = match expr {
                Expr::BinaryOp {
                    op: BinaryOperator::Divide | BinaryOperator::Multiply,
                    ..
                } => true,
                Expr::Function(f) => ["AVG", "RATIO_TO_REPORT", "DIV0", "DIV0NULL"]
                    .iter()
                    .chain(VARIANCES)
                    .chain(CHOICES)
                    .any(|n| f.name.to_string().eq_ignore_ascii_case(n)),
                Expr::Case { .. } => true,
                _ => false,
            };
            if self.0 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        }
    }
    let mut find = Find(false);
    let _ = sqlparser::ast::Visit::visit(statement, &mut find);
    find.0
}

/// The NUMBER columns whose (precision, scale) are known: those of the tables read, and the
/// output columns of the statement's CTEs, subqueries and VALUES lists.
struct Types<'a> {
    base: &'a [(String, u64, u64)],
    derived: Vec<(String, u64, u64)>,
}

/// Collects the typed output columns of every query, inner queries first, so that an outer
/// query's columns can be typed from the inner ones (`with c as (select 1 as a) select a / 3`).
struct DerivedColumns<'a>(Types<'a>);

impl DerivedColumns<'_> {
    fn add(&mut self, names: Option<&[Ident]>, body: &SetExpr) {
        let outputs = outputs(body, &self.0);
        for (i, (name, ty)) in outputs.into_iter().enumerate() {
            let name = match names {
                Some(names) => names.get(i).map(crate::names::ident_name),
                None => name,
            };
            if let (Some(name), Some((p, s))) = (name, ty) {
                self.0.derived.push((name, p, s));
            }
        }
    }
}

impl sqlparser::ast::Visitor for DerivedColumns<'_> {
    type Break = ();
    fn post_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        self.add(None, &query.body);
        // A CTE's column list renames its query's columns.
        for cte in query.with.iter().flat_map(|w| &w.cte_tables) {
            if !cte.alias.columns.is_empty() {
                let names: Vec<Ident> = cte.alias.columns.iter().map(|c| c.name.clone()).collect();
                self.add(Some(&names), &cte.query.body);
            }
        }
        ControlFlow::Continue(())
    }
    fn post_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<()> {
        if let TableFactor::Derived {
            subquery,
            alias: Some(alias),
            ..
        } = factor
        {
            if !alias.columns.is_empty() {
                let names: Vec<Ident> = alias.columns.iter().map(|c| c.name.clone()).collect();
                self.add(Some(&names), &subquery.body);
            }
        }
        ControlFlow::Continue(())
    }
}

/// The output columns of a query body: each one's name and, when known, NUMBER type. A
/// wildcard ends the list (its columns are not known here).
/// An output column: its name, if it has one, and its (precision, scale), if known.
type Output = (Option<String>, Option<(u64, u64)>);

fn outputs(body: &SetExpr, types: &Types) -> Vec<Output> {
    match body {
        SetExpr::Select(select) => select
            .projection
            .iter()
            .map_while(|item| match item {
                SelectItem::UnnamedExpr(e) => {
                    let name = match e {
                        Expr::Identifier(i) => Some(crate::names::ident_name(i)),
                        Expr::CompoundIdentifier(parts) => {
                            parts.last().map(crate::names::ident_name)
                        }
                        _ => None,
                    };
                    Some((name, exact_type(e, types)))
                }
                SelectItem::ExprWithAlias { expr, alias } => Some((
                    Some(crate::names::ident_name(alias)),
                    exact_type(expr, types),
                )),
                _ => None,
            })
            .collect(),
        SetExpr::Query(q) => outputs(&q.body, types),
        SetExpr::SetOperation { left, right, .. } => {
            let right = outputs(right, types);
            outputs(left, types)
                .into_iter()
                .zip(right)
                .map(|((name, a), (_, b))| (name, a.zip(b).map(|(a, b)| union_type(a, b))))
                .collect()
        }
        SetExpr::Values(values) => {
            let width = values.rows.first().map_or(0, |r| r.content.len());
            (0..width)
                .map(|i| {
                    let ty = values
                        .rows
                        .iter()
                        .filter_map(|r| r.content.get(i))
                        .filter(|e| !matches!(e, Expr::Value(v) if v.value == Value::Null))
                        .map(|e| exact_type(e, types))
                        .reduce(|a, b| a.zip(b).map(|(a, b)| union_type(a, b)))
                        .flatten();
                    (Some(format!("COLUMN{}", i + 1)), ty)
                })
                .collect()
        }
        _ => vec![],
    }
}

/// The NUMBER type holding both: the most leading digits and the largest scale.
fn union_type((p1, s1): (u64, u64), (p2, s2): (u64, u64)) -> (u64, u64) {
    let scale = s1.max(s2);
    (((p1 - s1).max(p2 - s2) + scale).min(38), scale)
}

struct Division<'a> {
    types: Types<'a>,
}

fn decimal_cast(expr: Expr, precision: u64, scale: u64) -> Expr {
    Expr::Cast {
        kind: sqlparser::ast::CastKind::Cast,
        expr: Box::new(expr),
        data_type: DataType::Decimal(ExactNumberInfo::PrecisionAndScale(precision, scale as i64)),
        format: None,
    }
}

/// Snowflake's quotient of NUMBER(p1, s1) by NUMBER(_, s2): scale `max(s1, min(s1 + 6, 12))`,
/// `p1 - s1 + s2` leading digits.
fn quotient_type((p1, s1): (u64, u64), (_, s2): (u64, u64)) -> (u64, u64) {
    let scale = s1.max((s1 + 6).min(12));
    let leading = (p1 - s1) + s2;
    let precision = (leading + scale).clamp(1, 38);
    (precision, scale.min(precision))
}

/// Snowflake's average of a NUMBER(_, s): NUMBER(38, max(s, min(s + 6, 12))).
/// The variances of a NUMBER are NUMBERs typed as its average is (a variance of integers has
/// scale 6, as Snowpark's VAR_SAMP example shows: `Decimal('1.200000')`); DuckDB computes a
/// DOUBLE. The names before and after the aggregates rule renames them.
const VARIANCES: &[&str] = &[
    "VARIANCE",
    "VARIANCE_SAMP",
    "VARIANCE_POP",
    "VAR_SAMP",
    "VAR_POP",
];

/// Calls whose value is one of their arguments: their arguments meet in one type.
const CHOICES: &[&str] = &[
    "COALESCE", "NVL", "IFNULL", "GREATEST", "LEAST", "IFF", "NVL2",
];

fn null_literal(e: &Expr) -> bool {
    matches!(e, Expr::Value(v) if v.value == Value::Null)
}

/// The type exact numbers of `types` meet in where DuckDB would lose scale doing it: DuckDB
/// fits leading digits and scale into 38 digits by giving up scale (a NUMBER(38,0) column
/// meeting 0.5 is 1), Snowflake keeps the scale (NUMBER(38,1), 0.5).
fn scale_keeping_type(types: &[(u64, u64)]) -> Option<(u64, u64)> {
    let leading = types.iter().map(|(p, s)| p - s.min(p)).max()?;
    let scale = types.iter().map(|(_, s)| *s).max()?;
    (leading + scale > 38 && types.iter().any(|(_, s)| *s != scale)).then_some((38, scale))
}

/// Cast the values a choice (CASE, COALESCE, GREATEST, IFF, ...) picks from to one DECIMAL
/// when they are exact numbers DuckDB would meet at a lower scale than Snowflake.
fn keep_choice_scale(values: &mut [&mut Expr], types: &Types) {
    let mut known = vec![];
    for value in values.iter() {
        if null_literal(value) {
            continue;
        }
        match exact_type(value, types) {
            Some(t) => known.push(t),
            None => return,
        }
    }
    if let Some((p, s)) = scale_keeping_type(&known) {
        for value in values.iter_mut() {
            if !null_literal(value) {
                **value = decimal_cast(value.clone(), p, s);
            }
        }
    }
}

fn average_type((_, s): (u64, u64)) -> (u64, u64) {
    (38, s.max((s + 6).min(12)))
}

/// The single plain argument of a call.
fn only_arg(f: &Function) -> Option<&Expr> {
    match &f.args {
        sqlparser::ast::FunctionArguments::List(list) => match list.args.as_slice() {
            [sqlparser::ast::FunctionArg::Unnamed(sqlparser::ast::FunctionArgExpr::Expr(arg))] => {
                Some(arg)
            }
            _ => None,
        },
        _ => None,
    }
}

impl VisitorMut for Division<'_> {
    type Break = ();
    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        match expr {
            Expr::BinaryOp {
                left,
                op: BinaryOperator::Divide,
                right,
            } => {
                if let (Some(a), Some(b)) = (
                    exact_type(left, &self.types),
                    exact_type(right, &self.types),
                ) {
                    let (precision, scale) = quotient_type(a, b);
                    *expr = decimal_cast(expr.clone(), precision, scale);
                }
            }
            // A product's scale is `min(s1 + s2, max(s1, s2, 12))` in Snowflake; DuckDB keeps
            // `s1 + s2`, so a product of finer scales is cast (and rounded) to Snowflake's.
            Expr::BinaryOp {
                left,
                op: BinaryOperator::Multiply,
                right,
            } => {
                if let (Some((_, s1)), Some((_, s2))) = (
                    exact_type(left, &self.types),
                    exact_type(right, &self.types),
                ) {
                    if s1 + s2 > s1.max(s2).max(12) {
                        if let Some((precision, scale)) = exact_type(expr, &self.types) {
                            *expr = decimal_cast(nested(expr.clone()), precision, scale);
                        }
                    }
                }
            }
            Expr::Function(f)
                if f.over.is_none()
                    && CHOICES
                        .iter()
                        .any(|n| f.name.to_string().eq_ignore_ascii_case(n)) =>
            {
                let name = f.name.to_string().to_ascii_uppercase();
                if let sqlparser::ast::FunctionArguments::List(list) = &mut f.args {
                    let mut args: Vec<&mut Expr> = vec![];
                    let skip = usize::from(matches!(name.as_str(), "IFF" | "NVL2"));
                    for arg in list.args.iter_mut().skip(skip) {
                        match arg {
                            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => args.push(e),
                            _ => return ControlFlow::Continue(()),
                        }
                    }
                    keep_choice_scale(&mut args, &self.types);
                }
            }
            Expr::Case {
                conditions,
                else_result,
                ..
            } => {
                let mut values: Vec<&mut Expr> =
                    conditions.iter_mut().map(|c| &mut c.result).collect();
                if let Some(e) = else_result {
                    values.push(e);
                }
                keep_choice_scale(&mut values, &self.types);
            }
            Expr::Function(f)
                if std::iter::once(&"AVG")
                    .chain(VARIANCES)
                    .any(|n| f.name.to_string().eq_ignore_ascii_case(n)) =>
            {
                if let Some((p, s)) = only_arg(f)
                    .and_then(|a| exact_type(a, &self.types))
                    .map(average_type)
                {
                    *expr = decimal_cast(expr.clone(), p, s);
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

/// The NUMBER type of a column reference, when the tables read have exactly one.
fn column_type(ident: &sqlparser::ast::Ident, types: &Types) -> Option<(u64, u64)> {
    let name = crate::names::ident_name(ident);
    let mut found = types
        .base
        .iter()
        .chain(&types.derived)
        .filter(|(n, _, _)| *n == name)
        .map(|(_, p, s)| (*p, *s));
    let first = found.next()?;
    found.all(|t| t == first).then_some(first)
}

/// The type values of known exact types (NULLs aside) meet in, as Snowflake types it.
fn choice_type<'a>(
    values: impl Iterator<Item = Option<&'a Expr>>,
    types: &Types,
) -> Option<(u64, u64)> {
    let mut out: Option<(u64, u64)> = None;
    for value in values {
        let value = value?;
        if null_literal(value) {
            continue;
        }
        let t = exact_type(value, types)?;
        out = Some(out.map_or(t, |o| union_type(o, t)));
    }
    out
}

/// (precision, scale) of an exact-number expression whose type is known.
fn exact_type(e: &Expr, types: &Types) -> Option<(u64, u64)> {
    match e {
        Expr::Identifier(ident) => column_type(ident, types),
        Expr::CompoundIdentifier(parts) => column_type(parts.last()?, types),
        // A SUM (over a window too, as RATIO_TO_REPORT's divisor) keeps its argument's scale;
        // NULLIF(x, 0) is x; MIN, MAX, ANY_VALUE and ABS keep their argument's type.
        Expr::Function(f) => {
            let name = f.name.to_string().to_ascii_uppercase();
            let first = match &f.args {
                sqlparser::ast::FunctionArguments::List(list) => match list.args.first() {
                    Some(sqlparser::ast::FunctionArg::Unnamed(
                        sqlparser::ast::FunctionArgExpr::Expr(arg),
                    )) => Some((arg, list.args.len())),
                    _ => None,
                },
                _ => None,
            };
            match (name.as_str(), first) {
                ("SUM", Some((arg, 1))) => exact_type(arg, types).map(|(_, s)| (38, s)),
                ("AVG", Some((arg, 1))) => exact_type(arg, types).map(average_type),
                (name, Some((arg, 1))) if VARIANCES.contains(&name) => {
                    exact_type(arg, types).map(average_type)
                }
                ("MIN" | "MAX" | "ANY_VALUE" | "ABS", Some((arg, 1))) => exact_type(arg, types),
                (name, Some(_)) if CHOICES.contains(&name) && f.over.is_none() => {
                    let sqlparser::ast::FunctionArguments::List(list) = &f.args else {
                        return None;
                    };
                    let skip = usize::from(matches!(name, "IFF" | "NVL2"));
                    choice_type(
                        list.args.iter().skip(skip).map(|a| match a {
                            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
                            _ => None,
                        }),
                        types,
                    )
                }
                ("NULLIF", Some((arg, 2))) if f.over.is_none() => exact_type(arg, types),
                _ => None,
            }
        }
        Expr::BinaryOp { left, op, right } => {
            let ((p1, s1), (p2, s2)) = (exact_type(left, types)?, exact_type(right, types)?);
            let (leading, scale) = match op {
                BinaryOperator::Plus | BinaryOperator::Minus => {
                    ((p1 - s1).max(p2 - s2) + 1, s1.max(s2))
                }
                BinaryOperator::Multiply => {
                    ((p1 - s1) + (p2 - s2), (s1 + s2).min(s1.max(s2).max(12)))
                }
                BinaryOperator::Divide => return Some(quotient_type((p1, s1), (p2, s2))),
                _ => return None,
            };
            let precision = (leading + scale).clamp(1, 38);
            Some((precision, scale.min(precision)))
        }
        Expr::Value(v) => match &v.value {
            Value::Number(n, _) => {
                let digits = n.trim_start_matches('-');
                if !digits.chars().all(|c| c.is_ascii_digit() || c == '.') {
                    return None;
                }
                let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
                let int = int.trim_start_matches('0');
                let p = (int.len() + frac.len()).max(1) as u64;
                Some((p.max(frac.len() as u64), frac.len() as u64))
            }
            _ => None,
        },
        Expr::Cast { data_type, .. } => match data_type {
            DataType::Decimal(ExactNumberInfo::PrecisionAndScale(p, s))
            | DataType::Numeric(ExactNumberInfo::PrecisionAndScale(p, s)) => {
                Some((*p, u64::try_from(*s).ok()?))
            }
            DataType::Custom(name, modifiers) if name.to_string() == "DECIMAL" => {
                match modifiers.as_slice() {
                    [TypeModifier::Number(p, _), TypeModifier::Number(s, _)] => {
                        Some((p.parse().ok()?, s.parse().ok()?))
                    }
                    _ => None,
                }
            }
            _ => None,
        },
        Expr::Case {
            conditions,
            else_result,
            ..
        } => choice_type(
            conditions
                .iter()
                .map(|c| &c.result)
                .chain(else_result.as_deref())
                .map(Some),
            types,
        ),
        Expr::Nested(inner) => exact_type(inner, types),
        Expr::UnaryOp {
            op: UnaryOperator::Minus | UnaryOperator::Plus,
            expr,
        } => exact_type(expr, types),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::translate;

    #[test]
    fn div0_is_zero_on_zero() {
        assert_eq!(
            translate("select div0(a, b) as q from t"),
            "SELECT CASE WHEN \"B\" = 0 THEN 0 ELSE CASE WHEN \"B\" = 0 THEN error('Division by zero') ELSE \"A\" / \"B\" END END AS \"Q\" FROM \"T\""
        );
    }

    #[test]
    fn div0null_is_zero_on_null() {
        assert!(translate("select div0null(a, b) as q from t")
            .starts_with("SELECT CASE WHEN \"B\" = 0 OR \"B\" IS NULL THEN 0 ELSE"));
    }

    #[test]
    fn truncate_is_trunc() {
        assert_eq!(
            translate("select truncate(a, 1) as x from t"),
            "SELECT trunc(\"A\", 1) AS \"X\" FROM \"T\""
        );
    }

    #[test]
    fn round_half_to_even_is_round_even() {
        assert_eq!(
            translate("select round(a, 0, 'HALF_TO_EVEN') as x from t"),
            "SELECT round_even(\"A\", 0) AS \"X\" FROM \"T\""
        );
    }

    #[test]
    fn ceil_with_scale_steps_up_from_trunc() {
        assert_eq!(
            translate("select ceil(a, 2) as x from t"),
            "SELECT CASE WHEN \"A\" > trunc(\"A\", 2) THEN trunc(\"A\", 2) + 0.01 ELSE trunc(\"A\", 2) END AS \"X\" FROM \"T\""
        );
    }

    #[test]
    fn floor_with_negative_scale() {
        assert_eq!(
            translate("select floor(a, -1) as x from t"),
            "SELECT CASE WHEN \"A\" < trunc(\"A\", -1) THEN trunc(\"A\", -1) - 10 ELSE trunc(\"A\", -1) END AS \"X\" FROM \"T\""
        );
    }

    #[test]
    fn integer_division_is_decimal() {
        assert_eq!(
            translate("select 7/2"),
            "SELECT CAST(CASE WHEN CAST(2 AS DECIMAL(1, 0)) = 0 THEN error('Division by zero') ELSE CAST(7 AS DECIMAL(1, 0)) / CAST(2 AS DECIMAL(1, 0)) END AS DECIMAL(7,6)) AS \"7/2\""
        );
    }

    #[test]
    fn number_columns_divide_and_average_to_snowflake_scales() {
        use crate::rules::{apply, RuleContext};
        let mut ctx = crate::rules::test_support::ctx();
        ctx.number_columns = vec![
            ("A".into(), 38, 0),
            ("P".into(), 10, 2),
            ("X".into(), 38, 0),
            ("X".into(), 10, 2),
        ];
        let run = |sql: &str| {
            let mut s = crate::parse::parse(sql).unwrap().remove(0);
            let cx = RuleContext {
                session: &ctx,
                sql,
                operation: "SELECT",
            };
            apply(&mut s, &cx).unwrap();
            s.to_string()
        };
        // NUMBER(38,0) / NUMBER(10,2): scale max(0, min(6, 12)) = 6.
        assert!(run("select a / p as q from t").ends_with("AS DECIMAL(38,6)) AS \"Q\" FROM \"T\""));
        // SUM keeps the scale, COUNT is NUMBER(18,0): 2 + 6 = 8.
        assert!(
            run("select sum(t.p) / count(*) as q from t").contains("AS DECIMAL(38,8)) AS \"Q\"")
        );
        assert_eq!(
            run("select avg(p) as m from t"),
            "SELECT CAST(avg(\"P\") AS DECIMAL(38,8)) AS \"M\" FROM \"T\""
        );
        // An ambiguous name (two tables, two types) and unknown columns keep DuckDB's typing.
        assert!(!run("select x / a as q from t").contains("DECIMAL(38"));
        assert!(!run("select avg(b) as m from t").contains("DECIMAL"));
        // RATIO_TO_REPORT of a NUMBER(10,2): its windowed SUM keeps scale 2, so 2 + 6 = 8.
        let r = run("select ratio_to_report(p) over () as r from t");
        assert!(r.contains("AS DECIMAL(18,8))) AS \"R\""), "{r}");
        assert!(super::wants_number_types(
            &crate::parse::parse("select ratio_to_report(p) over () from t").unwrap()[0]
        ));
    }

    #[test]
    fn choices_between_numbers_keep_the_finer_scale() {
        use crate::rules::{apply, RuleContext};
        let mut ctx = crate::rules::test_support::ctx();
        ctx.number_columns = vec![("A".into(), 38, 0), ("P".into(), 10, 2)];
        let run = |sql: &str| {
            let mut s = crate::parse::parse(sql).unwrap().remove(0);
            assert!(super::wants_number_types(&s), "{sql}");
            let cx = RuleContext {
                session: &ctx,
                sql,
                operation: "SELECT",
            };
            apply(&mut s, &cx).unwrap();
            s.to_string()
        };
        // DuckDB meets DECIMAL(38,0) and DECIMAL(1,1) as DECIMAL(38,0) (0.5 becomes 1).
        let r = run("select coalesce(a, 0.5) as c from t");
        assert!(r.contains("CAST(\"A\" AS DECIMAL(38,1))"), "{r}");
        assert!(r.contains("CAST(0.5 AS DECIMAL(38,1))"), "{r}");
        let r = run("select greatest(a, p) as g from t");
        assert!(r.contains("CAST(\"P\" AS DECIMAL(38,2))"), "{r}");
        let r = run("select iff(a > 1, a, 0.25) as c from t");
        assert!(r.contains("CAST(0.25 AS DECIMAL(38,2))"), "{r}");
        assert!(!r.contains("CAST(\"A\" > 1"), "{r}");
        let r = run("select case when a > 1 then a else 0.5 end as c from t");
        assert!(r.contains("ELSE CAST(0.5 AS DECIMAL(38,1))"), "{r}");
        // Within 38 digits, or a value of unknown type: DuckDB's typing.
        assert!(!run("select coalesce(p, 0.5) as c from t").contains("DECIMAL(38"));
        assert!(!run("select coalesce(a, b, 0.5) as c from t").contains("DECIMAL(38"));
        assert!(!run("select coalesce(a, null, 1) as c from t").contains("DECIMAL(38"));
    }

    #[test]
    fn derived_columns_divide_and_average_to_snowflake_scales() {
        // A CTE of literals: 1 is NUMBER(1,0), so AVG gives scale 6.
        let sql =
            translate("with c as (select 1 as a union all select 20) select avg(a) as m from c");
        assert!(
            sql.contains("CAST(avg(\"A\") AS DECIMAL(38,6)) AS \"M\""),
            "{sql}"
        );
        // VALUES columns: NUMBER(2,0) / NUMBER(1,0) is NUMBER(8,6).
        let sql = translate("select column1 / column2 as q from values (7, 2), (10, 4)");
        assert!(sql.contains("AS DECIMAL(8,6)) AS \"Q\""), "{sql}");
        // A derived table's column list renames; 1.5 * 2 is NUMBER(3,1), plus 1 NUMBER(4,1),
        // whose average has scale 1 + 6.
        let sql =
            translate("select avg(y) as m from (select x * 2 + 1 from (select 1.5 as x)) as d(y)");
        assert!(sql.contains("CAST(avg(\"Y\") AS DECIMAL(38,7))"), "{sql}");
        // Text columns stay unknown.
        let sql = translate("select avg(a) as m from (select 'x' as a)");
        assert!(!sql.contains("DECIMAL(38"), "{sql}");
    }
}
