//! Aggregate and window functions. COUNT_IF, ANY_VALUE, MODE, APPROX_COUNT_DISTINCT,
//! STDDEV/VARIANCE (sample), PERCENTILE_CONT/DISC ... WITHIN GROUP, MIN_BY/MAX_BY, the ranking
//! functions, window frames and QUALIFY mean the same in DuckDB and need no rule.

use snowglobe_error::{Result, SnowflakeError};
use sqlparser::ast::{
    BinaryOperator, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArgumentClause,
    FunctionArguments, Ident, ObjectName, Statement,
};

use super::calls::{
    binary, case, cast, check_arity, func, name_of, nested, null, number, plain_args,
    rewrite_calls, string,
};

/// Rewrite Snowflake aggregates and window functions DuckDB lacks or spells differently.
pub fn rewrite_aggregates(statement: &mut Statement) -> Result<()> {
    rewrite_calls(statement, |f: &Function| {
        let name = name_of(f);
        match (name.as_str(), super::functions::wildcard_arg(f)) {
            ("APPROX_COUNT_DISTINCT" | "HLL", Some(columns)) => {
                return Ok(Some(Expr::Function(ordered_call(
                    f,
                    "approx_count_distinct",
                    vec![row_without_nulls(columns?)],
                ))));
            }
            ("HASH_AGG", Some(columns)) => {
                let columns = super::functions::unpacked_columns(columns?);
                return Ok(Some(hash_agg_to_sum(&name, f, vec![columns])?));
            }
            _ => {}
        }
        let Some(args) = plain_args(f) else {
            return Ok(None);
        };
        let n = &name;
        Ok(match name.as_str() {
            // COUNT(a, b) and COUNT(DISTINCT a, b) count the rows where no argument is NULL.
            "COUNT" if args.len() > 1 => {
                let all_present = args
                    .iter()
                    .map(|a| Expr::IsNotNull(Box::new(a.clone())))
                    .reduce(|x, y| binary(x, sqlparser::ast::BinaryOperator::And, y))
                    .unwrap_or_else(null);
                let row = case(vec![(all_present, func("row", args))], None);
                Some(Expr::Function(ordered_call(f, "COUNT", vec![row])))
            }
            "LISTAGG" => Some(listagg_to_string_agg(n, f, args)?),
            // The distinct values as an ARRAY.
            "ARRAY_UNIQUE_AGG" => {
                check_arity(n, &args, 1, 1)?;
                let mut g = renamed(f, "ARRAY_AGG");
                if let FunctionArguments::List(list) = &mut g.args {
                    list.duplicate_treatment = Some(sqlparser::ast::DuplicateTreatment::Distinct);
                }
                Some(array_agg_to_json("ARRAY_AGG", &g, args)?)
            }
            "ARRAY_UNION_AGG" => Some(array_union_agg(n, f, args)?),
            // The independent (dependent) value when both are non-NULL.
            "REGR_VALX" | "REGR_VALY" => {
                check_arity(n, &args, 2, 2)?;
                let (y, x) = (args[0].clone(), args[1].clone());
                let (other, value) = if name == "REGR_VALX" { (y, x) } else { (x, y) };
                // FLOAT, whatever the type of the value.
                Some(case(
                    vec![(Expr::IsNull(Box::new(other)), null())],
                    Some(cast(value, "DOUBLE")),
                ))
            }
            "ARRAY_AGG" | "ARRAYAGG" => Some(array_agg_to_json(n, f, args)?),
            "OBJECT_AGG" | "OBJECTAGG" => Some(object_agg_to_json(n, f, args)?),
            "APPROX_TOP_K" => Some(top_k_to_json(n, f, args)?),
            "MEDIAN" => Some(median_with_three_more_digits(n, f, args)?),
            "PERCENTILE_CONT" | "PERCENTILE_DISC" if f.over.is_some() => {
                percentile_window(n, f, args)?
            }
            "PERCENTILE_CONT" => percentile_cont_with_three_more_digits(f),
            "APPROX_PERCENTILE" if f.over.is_some() => {
                check_arity(n, &args, 2, 2)?;
                Some(cast(Expr::Function(renamed(f, "quantile_cont")), "DOUBLE"))
            }
            // Zero, not NULL, without rows or without a true value.
            "COUNT_IF" => Some(func(
                "coalesce",
                vec![Expr::Function(renamed(f, "count_if")), number(0)],
            )),
            // Rows whose returned value is NULL take part (only the compared value's NULLs are
            // skipped).
            "MIN_BY" if args.len() == 2 => Some(Expr::Function(renamed(f, "arg_min_null"))),
            "MAX_BY" if args.len() == 2 => Some(Expr::Function(renamed(f, "arg_max_null"))),
            "BOOLAND_AGG" => Some(cast_agg(n, f, args, "bool_and", "BOOLEAN")?),
            "BOOLOR_AGG" => Some(cast_agg(n, f, args, "bool_or", "BOOLEAN")?),
            "BITAND_AGG" | "BITANDAGG" | "BIT_AND_AGG" | "BIT_ANDAGG" => {
                Some(cast_agg(n, f, args, "bit_and", "HUGEINT")?)
            }
            "BITOR_AGG" | "BITORAGG" | "BIT_OR_AGG" | "BIT_ORAGG" => {
                Some(cast_agg(n, f, args, "bit_or", "HUGEINT")?)
            }
            "BITXOR_AGG" | "BITXORAGG" | "BIT_XOR_AGG" | "BIT_XORAGG" => {
                Some(cast_agg(n, f, args, "bit_xor", "HUGEINT")?)
            }
            "BOOLXOR_AGG" => Some(boolxor_agg_to_count(n, f, args)?),
            "HASH_AGG" => Some(hash_agg_to_sum(n, f, args)?),
            "VARIANCE_SAMP" => Some(Expr::Function(renamed(f, "var_samp"))),
            "VARIANCE_POP" => Some(Expr::Function(renamed(f, "var_pop"))),
            // Several arguments: the rows where none is NULL, as COUNT(DISTINCT a, b) counts.
            "APPROX_COUNT_DISTINCT" | "HLL" if args.len() > 1 => {
                let all_present = args
                    .iter()
                    .map(|a| Expr::IsNotNull(Box::new(a.clone())))
                    .reduce(|x, y| binary(x, BinaryOperator::And, y))
                    .unwrap_or_else(null);
                let row = case(vec![(all_present, func("row", args))], None);
                Some(Expr::Function(ordered_call(
                    f,
                    "approx_count_distinct",
                    vec![row],
                )))
            }
            "HLL" => Some(Expr::Function(renamed(f, "approx_count_distinct"))),
            "SKEW" => Some(Expr::Function(renamed(f, "skewness"))),
            "CONDITIONAL_TRUE_EVENT" => conditional_true_event(n, f, args)?,
            "CONDITIONAL_CHANGE_EVENT" => conditional_change_event(n, f, args)?,
            "MIN_BY" | "MAX_BY" if args.len() == 3 => {
                Some(func("to_json", vec![Expr::Function(f.clone())]))
            }
            "RATIO_TO_REPORT" => ratio_to_report_to_sum(n, f, args)?,
            "LAG" | "LEAD" => ignore_nulls_inside(f).map(Expr::Function),
            // `NTH_VALUE(...) FROM LAST`, as `parse` marks it: NTH_VALUE of the reversed window.
            "SG_NTHLST" => {
                let mut g = renamed(f, "NTH_VALUE");
                g = ignore_nulls_inside(&g).unwrap_or(g);
                whole_partition_by_default(&mut g);
                reverse_window(&mut g);
                Some(Expr::Function(g))
            }
            "FIRST_VALUE" | "LAST_VALUE" | "NTH_VALUE" => {
                let mut g = ignore_nulls_inside(f).unwrap_or_else(|| f.clone());
                let framed = whole_partition_by_default(&mut g);
                (framed || g != *f).then_some(Expr::Function(g))
            }
            _ => None,
        })
    })
}

/// Snowflake `ARRAY_UNION_AGG(a)`: the union of the arrays as multisets, each value as many
/// times as the array holding it most often has it (`[1, 1, 2]` and `[1, 2, 3]` give
/// `[1, 1, 2, 3]`). Each array's elements are numbered by occurrence (the second `1` is
/// `(1, 2)`), and the distinct (value, occurrence) pairs of all rows give the values.
fn array_union_agg(name: &str, f: &Function, args: Vec<Expr>) -> Result<Expr> {
    use super::semi_structured::{elements, ident, lambda};
    check_arity(name, &args, 1, 1)?;
    let x = args[0].clone();
    let e = elements(x.clone());
    let at = || func("list_extract", vec![e.clone(), ident("sg_i")]);
    let earlier_equal = func(
        "list_filter",
        vec![
            func("list_slice", vec![e.clone(), number(1), ident("sg_i")]),
            lambda(&["sg_y"], binary(ident("sg_y"), BinaryOperator::Eq, at())),
        ],
    );
    let numbered = func(
        "list_transform",
        vec![
            super::calls::positions(func("len", vec![e.clone()])),
            lambda(
                &["sg_i"],
                func("row", vec![at(), func("len", vec![earlier_equal])]),
            ),
        ],
    );
    let mut rows = ordered_call(f, "list", vec![numbered]);
    add_filter(&mut rows, Expr::IsNotNull(Box::new(x)));
    let pairs = func(
        "list_distinct",
        vec![func("flatten", vec![Expr::Function(rows)])],
    );
    Ok(func(
        "to_json",
        vec![func(
            "list_transform",
            vec![
                pairs,
                lambda(
                    &["sg_p"],
                    func("struct_extract", vec![ident("sg_p"), number(1)]),
                ),
            ],
        )],
    ))
}

/// Snowflake `HASH_AGG([DISTINCT] a, ... | *)` → the sum, wrapping at 64 bits, of each row's hash
/// (rows with NULLs included), as a signed BIGINT; 0 without rows. Order does not matter,
/// repeated rows do (unless DISTINCT).
fn hash_agg_to_sum(name: &str, f: &Function, args: Vec<Expr>) -> Result<Expr> {
    if args.is_empty() {
        return Err(super::calls::arity(name, 0, "at least 1"));
    }
    let big = |digits: &str| Expr::value(sqlparser::ast::Value::Number(digits.into(), false));
    let sum = ordered_call(f, "sum", vec![cast(func("hash", args), "HUGEINT")]);
    let wrapped = binary(
        nested(binary(
            Expr::Function(sum),
            BinaryOperator::Modulo,
            big("18446744073709551616"),
        )),
        BinaryOperator::Minus,
        big("9223372036854775808"),
    );
    Ok(func(
        "coalesce",
        vec![cast(nested(wrapped), "BIGINT"), number(0)],
    ))
}

/// The columns a wildcard argument (`*`, `t.*`, `* EXCLUDE ...`) names, as the JSON text of
/// the row; NULL when any of them is NULL.
fn row_without_nulls(columns: FunctionArgExpr) -> Expr {
    let row = func(
        "to_json",
        vec![func(
            "struct_pack",
            vec![super::functions::unpacked_columns(columns)],
        )],
    );
    let values = func("json_extract_string", vec![row.clone(), string("$.*")]);
    let present = binary(
        func("list_count", vec![values.clone()]),
        BinaryOperator::Eq,
        func("len", vec![values]),
    );
    case(vec![(present, cast(row, "VARCHAR"))], None)
}

/// The call `f` under another name, keeping DISTINCT, FILTER, ORDER BY and OVER.
fn renamed(f: &Function, to: &str) -> Function {
    let mut g = f.clone();
    g.name = ObjectName::from(vec![Ident::new(to)]);
    g
}

/// `f` renamed to `to` with `args` as its arguments; Snowflake's `WITHIN GROUP (ORDER BY ...)`
/// moves inside the argument list, where DuckDB takes an aggregate's ordering.
fn ordered_call(f: &Function, to: &str, args: Vec<Expr>) -> Function {
    let mut g = renamed(f, to);
    let order = std::mem::take(&mut g.within_group);
    if let FunctionArguments::List(list) = &mut g.args {
        list.args = args
            .into_iter()
            .map(|e| FunctionArg::Unnamed(FunctionArgExpr::Expr(e)))
            .collect();
        if !order.is_empty() {
            list.clauses.push(FunctionArgumentClause::OrderBy(order));
        }
    }
    g
}

/// Keep only rows where `cond` holds, besides any FILTER the call already has.
fn add_filter(g: &mut Function, cond: Expr) {
    g.filter = Some(Box::new(match g.filter.take() {
        Some(existing) => binary(nested(*existing), BinaryOperator::And, cond),
        None => cond,
    }));
}

/// Snowflake `LISTAGG([DISTINCT] x [, delim = '']) [WITHIN GROUP (ORDER BY o)]` → DuckDB
/// `string_agg([DISTINCT] x, delim ORDER BY o)` (DuckDB casts `x` to text itself; an explicit
/// cast would break `DISTINCT x ... ORDER BY x`).
fn listagg_to_string_agg(name: &str, f: &Function, args: Vec<Expr>) -> Result<Expr> {
    check_arity(name, &args, 1, 2)?;
    let mut args = args.into_iter();
    let x = args.next().expect("checked arity");
    let delim = args.next().unwrap_or_else(|| string(""));
    // No input, or only NULLs, is the empty string (DuckDB's string_agg gives NULL).
    Ok(func(
        "coalesce",
        vec![
            Expr::Function(ordered_call(f, "string_agg", vec![x, delim])),
            string(""),
        ],
    ))
}

/// Snowflake `ARRAY_AGG([DISTINCT] x) [WITHIN GROUP (ORDER BY o)]` skips NULLs and gives `[]`
/// for no rows, as an ARRAY (JSON text) → DuckDB
/// `to_json(coalesce(list(x ORDER BY o) FILTER (WHERE x IS NOT NULL), []))`.
fn array_agg_to_json(name: &str, f: &Function, args: Vec<Expr>) -> Result<Expr> {
    check_arity(name, &args, 1, 1)?;
    let x = args[0].clone();
    let mut g = ordered_call(f, "list", args);
    // An object constructor is never NULL, and one of all columns (`OBJECT_CONSTRUCT(*)`, DuckDB
    // `*COLUMNS(*)`) may sit in no IS NOT NULL test.
    let constructed = x.to_string().to_ascii_uppercase();
    if !(constructed.starts_with("OBJECT_CONSTRUCT") || constructed.contains("*COLUMNS(")) {
        add_filter(&mut g, Expr::IsNotNull(Box::new(x)));
    }
    let empty = Expr::Array(sqlparser::ast::Array {
        elem: vec![],
        named: false,
    });
    // Each element as JSON after aggregating (DISTINCT and ORDER BY see the values).
    let element = super::semi_structured::to_json(Expr::Identifier(Ident::new("sg_v")));
    Ok(func(
        "to_json",
        vec![func(
            "list_transform",
            vec![
                func("coalesce", vec![Expr::Function(g), empty]),
                super::semi_structured::lambda(&["sg_v"], element),
            ],
        )],
    ))
}

/// Snowflake `APPROX_TOP_K(x [, k [, counters]])`: the `k` (default 1) most frequent non-NULL
/// values with their counts, most frequent first, as an ARRAY of `[value, count]` pairs. Counted
/// exactly (Snowflake estimates; exact counts are its best answer): DuckDB's `histogram` gives
/// the counts, its entries become `(count, value)` rows sorted descending, and the first `k`
/// become pairs. No rows give `[]`.
fn top_k_to_json(name: &str, f: &Function, args: Vec<Expr>) -> Result<Expr> {
    check_arity(name, &args, 1, 3)?;
    let k = args.get(1).cloned().unwrap_or_else(|| number(1));
    let mut counts = ordered_call(f, "histogram", vec![args[0].clone()]);
    add_filter(&mut counts, Expr::IsNotNull(Box::new(args[0].clone())));
    let e = || super::semi_structured::ident("sg_e");
    let field = |of: Expr, at: Expr| func("struct_extract", vec![of, at]);
    let rows = func(
        "list_transform",
        vec![
            func("map_entries", vec![Expr::Function(counts)]),
            super::semi_structured::lambda(
                &["sg_e"],
                func(
                    "row",
                    vec![field(e(), string("value")), field(e(), string("key"))],
                ),
            ),
        ],
    );
    let sorted = func("list_sort", vec![rows, string("DESC")]);
    let first = func("list_slice", vec![sorted, number(1), k]);
    let pair = Expr::Array(sqlparser::ast::Array {
        elem: vec![
            super::semi_structured::to_json(field(e(), number(2))),
            super::semi_structured::to_json(field(e(), number(1))),
        ],
        named: false,
    });
    let pairs = func(
        "list_transform",
        vec![first, super::semi_structured::lambda(&["sg_e"], pair)],
    );
    Ok(func(
        "coalesce",
        vec![func("to_json", vec![pairs]), cast(string("[]"), "JSON")],
    ))
}

/// Snowflake `OBJECT_AGG(k, v)` skips rows whose key or value is NULL and gives `{}` for no
/// rows, as an OBJECT (JSON text). DuckDB's `json_group_object` is a macro that takes no FILTER,
/// so the pairs are collected as a MAP: `coalesce(to_json(map_from_entries(list(row(k, v))
/// FILTER (WHERE k IS NOT NULL AND v IS NOT NULL))), '{}'::JSON)`.
fn object_agg_to_json(name: &str, f: &Function, args: Vec<Expr>) -> Result<Expr> {
    check_arity(name, &args, 2, 2)?;
    let present = binary(
        Expr::IsNotNull(Box::new(args[0].clone())),
        BinaryOperator::And,
        Expr::IsNotNull(Box::new(args[1].clone())),
    );
    // Each value as JSON first, so that NUMBERs keep their digits (DuckDB writes a DECIMAL's
    // JSON as a double: 1 becomes 1.0).
    let [k, v]: [Expr; 2] = args
        .try_into()
        .map_err(|_| SnowflakeError::internal("arity checked"))?;
    let mut g = ordered_call(
        f,
        "list",
        vec![func("row", vec![k, super::semi_structured::to_json(v)])],
    );
    add_filter(&mut g, present);
    Ok(func(
        "coalesce",
        vec![
            func(
                "to_json",
                vec![func("map_from_entries", vec![Expr::Function(g)])],
            ),
            cast(string("{}"), "JSON"),
        ],
    ))
}

/// Snowflake `MEDIAN(x)` of NUMBER(p, s) is NUMBER(p+3, s+3) and interpolates (the median of 1
/// and 2 is 1.500); DuckDB's median of a DECIMAL keeps its scale and truncates. Multiplying by
/// `1.000` first gives DuckDB the three extra digits: `median(x * 1.000)`.
fn median_with_three_more_digits(name: &str, f: &Function, args: Vec<Expr>) -> Result<Expr> {
    check_arity(name, &args, 1, 1)?;
    let x = args.into_iter().next().expect("checked arity");
    let scaled = binary(
        x,
        BinaryOperator::Multiply,
        Expr::value(sqlparser::ast::Value::Number("1.000".into(), false)),
    );
    Ok(Expr::Function(ordered_call(f, "median", vec![scaled])))
}

/// `PERCENTILE_CONT(p) WITHIN GROUP (ORDER BY x)` interpolates like MEDIAN and, like it, gives
/// a NUMBER(p, s) three more digits of scale (the 25th percentile of 1.50 and 2.25 is 1.68750);
/// DuckDB keeps the DECIMAL's scale and truncates. The ordering becomes `x * 1.000`.
/// Snowflake `PERCENTILE_CONT(p) WITHIN GROUP (ORDER BY x [DESC]) OVER (...)` (and `_DISC`) →
/// `quantile_cont(x, p) OVER (...)` (`-p` for a descending order; CONT gains three digits of
/// scale as the aggregate does).
fn percentile_window(name: &str, f: &Function, args: Vec<Expr>) -> Result<Option<Expr>> {
    check_arity(name, &args, 1, 1)?;
    let [order] = f.within_group.as_slice() else {
        return Ok(None);
    };
    let cont = name == "PERCENTILE_CONT";
    let value = if cont {
        binary(
            nested(order.expr.clone()),
            BinaryOperator::Multiply,
            Expr::value(sqlparser::ast::Value::Number("1.000".into(), false)),
        )
    } else {
        order.expr.clone()
    };
    let fraction = if matches!(order.options.sort, Some(sqlparser::ast::OrderBySort::Desc)) {
        // DuckDB reads a negative fraction as a descending order.
        Expr::UnaryOp {
            op: sqlparser::ast::UnaryOperator::Minus,
            expr: Box::new(nested(args[0].clone())),
        }
    } else {
        args[0].clone()
    };
    let mut g = renamed(
        f,
        if cont {
            "quantile_cont"
        } else {
            "quantile_disc"
        },
    );
    g.within_group.clear();
    if let FunctionArguments::List(list) = &mut g.args {
        list.args = [value, fraction]
            .into_iter()
            .map(|e| FunctionArg::Unnamed(FunctionArgExpr::Expr(e)))
            .collect();
    }
    Ok(Some(Expr::Function(g)))
}

fn percentile_cont_with_three_more_digits(f: &Function) -> Option<Expr> {
    let [order] = f.within_group.as_slice() else {
        return None;
    };
    let mut g = f.clone();
    g.within_group = vec![sqlparser::ast::OrderByExpr {
        expr: binary(
            nested(order.expr.clone()),
            BinaryOperator::Multiply,
            Expr::value(sqlparser::ast::Value::Number("1.000".into(), false)),
        ),
        ..order.clone()
    }];
    Some(Expr::Function(g))
}

/// An aggregate over its argument cast first: Snowflake `BOOLAND_AGG(x)` / `BOOLOR_AGG(x)` accept
/// numbers (non-zero is TRUE) → `bool_and(x::BOOLEAN)` / `bool_or(x::BOOLEAN)`;
/// `BITAND_AGG(x)` / `BITOR_AGG` / `BITXOR_AGG` → `bit_and(x::HUGEINT)` / `bit_or` / `bit_xor`.
fn cast_agg(name: &str, f: &Function, args: Vec<Expr>, to: &str, type_name: &str) -> Result<Expr> {
    check_arity(name, &args, 1, 1)?;
    let x = cast(args[0].clone(), type_name);
    Ok(Expr::Function(ordered_call(f, to, vec![x])))
}

/// Snowflake `BOOLXOR_AGG(x)` is TRUE when exactly one non-NULL value is TRUE, NULL when all are
/// NULL → `CASE WHEN count(x) = 0 THEN NULL ELSE count_if(x::BOOLEAN) = 1 END`.
fn boolxor_agg_to_count(name: &str, f: &Function, args: Vec<Expr>) -> Result<Expr> {
    check_arity(name, &args, 1, 1)?;
    let x = args[0].clone();
    let count = Expr::Function(ordered_call(f, "count", vec![x.clone()]));
    let trues = Expr::Function(ordered_call(f, "count_if", vec![cast(x, "BOOLEAN")]));
    Ok(super::calls::case(
        vec![(
            binary(count, BinaryOperator::Eq, number(0)),
            super::calls::null(),
        )],
        Some(binary(trues, BinaryOperator::Eq, number(1))),
    ))
}

/// Snowflake `RATIO_TO_REPORT(x) OVER (PARTITION BY p)` is `x` over the window's sum, NULL when
/// that sum is 0 → `x / nullif(sum(x) OVER (PARTITION BY p), 0)`.
fn ratio_to_report_to_sum(name: &str, f: &Function, args: Vec<Expr>) -> Result<Option<Expr>> {
    check_arity(name, &args, 1, 1)?;
    if f.over.is_none() {
        return Ok(None);
    }
    let x = args[0].clone();
    // The window's ORDER BY does not change the share (the whole partition is summed).
    let mut whole = f.clone();
    if let Some(sqlparser::ast::WindowType::WindowSpec(spec)) = &mut whole.over {
        spec.order_by.clear();
        spec.window_frame = None;
    }
    let sum = Expr::Function(ordered_call(&whole, "sum", args));
    Ok(Some(nested(binary(
        x,
        BinaryOperator::Divide,
        func("nullif", vec![sum, number(0)]),
    ))))
}

/// Snowflake writes `LAG(x) IGNORE NULLS OVER (...)`; DuckDB takes the null treatment inside
/// the arguments: `lag(x IGNORE NULLS) OVER (...)`.
fn ignore_nulls_inside(f: &Function) -> Option<Function> {
    let treatment = f.null_treatment?;
    let mut g = f.clone();
    g.null_treatment = None;
    if let FunctionArguments::List(list) = &mut g.args {
        list.clauses
            .push(FunctionArgumentClause::IgnoreOrRespectNulls(treatment));
    }
    Some(g)
}

/// Snowflake `CONDITIONAL_TRUE_EVENT(b) OVER (...)` numbers the rows of a window from 0, one
/// more at each row where `b` is TRUE → `sum(CASE WHEN b THEN 1 ELSE 0 END) OVER (... ROWS
/// BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)`.
fn conditional_true_event(name: &str, f: &Function, args: Vec<Expr>) -> Result<Option<Expr>> {
    check_arity(name, &args, 1, 1)?;
    let one_if_true = super::calls::case(
        vec![(cast(args[0].clone(), "BOOLEAN"), number(1))],
        Some(number(0)),
    );
    let mut g = ordered_call(f, "sum", vec![one_if_true]);
    g.over = Some(cumulative_window(name, f)?);
    Ok(Some(Expr::Function(g)))
}

/// `f`'s window, cumulative: from the partition's first row to the current one.
fn cumulative_window(name: &str, f: &Function) -> Result<sqlparser::ast::WindowType> {
    use sqlparser::ast::{WindowFrame, WindowFrameBound, WindowFrameUnits, WindowType};
    let Some(WindowType::WindowSpec(spec)) = &f.over else {
        return Err(SnowflakeError::unsupported(format!(
            "{name} without a window (OVER clause)"
        )));
    };
    let mut spec = spec.clone();
    spec.window_frame = Some(WindowFrame {
        units: WindowFrameUnits::Rows,
        start_bound: WindowFrameBound::Preceding(None),
        end_bound: Some(WindowFrameBound::CurrentRow),
    });
    Ok(WindowType::WindowSpec(spec))
}

/// Snowflake `CONDITIONAL_CHANGE_EVENT(x) OVER (...)`: how many times x changed value from the
/// partition's first row to this one (NULLs skipped). DuckDB nests no window function in
/// another, so the values so far are collected (`list(x) OVER (... cumulative)`) and the
/// changes counted by comparing that list with itself shifted by one.
fn conditional_change_event(name: &str, f: &Function, args: Vec<Expr>) -> Result<Option<Expr>> {
    check_arity(name, &args, 1, 1)?;
    let mut g = ordered_call(f, "list", vec![args[0].clone()]);
    g.over = Some(cumulative_window(name, f)?);
    let values = func(
        "list_filter",
        vec![
            Expr::Function(g),
            super::semi_structured::lambda(
                &["sg_x"],
                Expr::IsNotNull(Box::new(super::semi_structured::ident("sg_x"))),
            ),
        ],
    );
    let slice =
        |from: i64, to: i64| func("list_slice", vec![values.clone(), number(from), number(to)]);
    let pairs = func("list_zip", vec![slice(2, -1), slice(1, -2)]);
    let field = |i: i64| Expr::CompoundFieldAccess {
        root: Box::new(super::semi_structured::ident("sg_p")),
        access_chain: vec![sqlparser::ast::AccessExpr::Subscript(
            sqlparser::ast::Subscript::Index { index: number(i) },
        )],
    };
    let changes = func(
        "list_filter",
        vec![
            pairs,
            super::semi_structured::lambda(
                &["sg_p"],
                binary(field(1), BinaryOperator::NotEq, field(2)),
            ),
        ],
    );
    Ok(Some(func("len", vec![changes])))
}

/// Snowflake's FIRST_VALUE, LAST_VALUE and NTH_VALUE read the whole partition when the window
/// has no frame (`ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING`), not the ANSI
/// cumulative frame DuckDB uses. Whether `f` was given that frame.
fn whole_partition_by_default(f: &mut Function) -> bool {
    use sqlparser::ast::{WindowFrame, WindowFrameBound, WindowFrameUnits, WindowType};
    let Some(WindowType::WindowSpec(spec)) = &mut f.over else {
        return false;
    };
    if spec.window_frame.is_some() || spec.order_by.is_empty() {
        return false;
    }
    spec.window_frame = Some(WindowFrame {
        units: WindowFrameUnits::Rows,
        start_bound: WindowFrameBound::Preceding(None),
        end_bound: Some(WindowFrameBound::Following(None)),
    });
    true
}

/// The window of `f` read backwards: each ORDER BY key in the other direction (NULLs too, as
/// Snowflake places them by default: last ascending, first descending) and the frame mirrored.
fn reverse_window(f: &mut Function) {
    use sqlparser::ast::{OrderBySort, WindowFrameBound as Bound, WindowType};
    let Some(WindowType::WindowSpec(spec)) = &mut f.over else {
        return;
    };
    for key in &mut spec.order_by {
        let ascending = !matches!(key.options.sort, Some(OrderBySort::Desc));
        let nulls_first = key.options.nulls_first.unwrap_or(!ascending);
        key.options.sort = Some(if ascending {
            OrderBySort::Desc
        } else {
            OrderBySort::Asc
        });
        key.options.nulls_first = Some(!nulls_first);
    }
    let mirror = |b: &Bound| match b {
        Bound::CurrentRow => Bound::CurrentRow,
        Bound::Preceding(n) => Bound::Following(n.clone()),
        Bound::Following(n) => Bound::Preceding(n.clone()),
    };
    if let Some(frame) = &mut spec.window_frame {
        let end = frame.end_bound.as_ref().unwrap_or(&Bound::CurrentRow);
        let (start, end) = (mirror(end), mirror(&frame.start_bound));
        frame.start_bound = start;
        frame.end_bound = Some(end);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::translate;

    #[test]
    fn listagg_is_ordered_string_agg() {
        assert_eq!(
            translate("select listagg(a, ',') within group (order by b) as l from t"),
            "SELECT coalesce(string_agg(\"A\", ',' ORDER BY \"B\"), '') AS \"L\" FROM \"T\""
        );
    }

    #[test]
    fn array_agg_is_json_without_nulls_and_numbers_exact() {
        let sql = translate("select array_agg(a) within group (order by b) as l from t");
        assert!(
            sql.starts_with("SELECT to_json(list_transform(coalesce(list(\"A\" ORDER BY \"B\") FILTER (WHERE \"A\" IS NOT NULL), []), lambda sg_v : CASE WHEN starts_with(\"typeof\"(\"SG_V\"), 'DECIMAL(')"),
            "{sql}"
        );
        assert!(
            sql.ends_with("ELSE json_quote(\"SG_V\") END)) AS \"L\" FROM \"T\""),
            "{sql}"
        );
    }

    #[test]
    fn approx_top_k_counts_values_most_frequent_first() {
        let sql = translate("select approx_top_k(a, 2) as k from t");
        assert!(
            sql.starts_with("SELECT coalesce(to_json(list_transform(list_slice(list_sort(list_transform(map_entries(histogram(\"A\") FILTER (WHERE \"A\" IS NOT NULL)), lambda sg_e : row(struct_extract(\"SG_E\", 'value'), struct_extract(\"SG_E\", 'key'))), 'DESC'), 1, 2), lambda sg_e : ["),
            "{sql}"
        );
    }

    #[test]
    fn object_agg_is_json_map() {
        let sql = translate("select object_agg(k, v) as o from t");
        assert!(
            sql.starts_with("SELECT coalesce(to_json(map_from_entries(list(row(\"K\", CASE WHEN starts_with(\"typeof\"(\"V\"), 'DECIMAL(')"),
            "{sql}"
        );
        assert!(
            sql.ends_with("ELSE json_quote(\"V\") END)) FILTER (WHERE \"K\" IS NOT NULL AND \"V\" IS NOT NULL))), CAST('{}' AS JSON)) AS \"O\" FROM \"T\""),
            "{sql}"
        );
    }

    #[test]
    fn percentile_cont_gains_three_digits() {
        assert_eq!(
            translate("select percentile_cont(0.25) within group (order by a) as p from t"),
            "SELECT percentile_cont(0.25) WITHIN GROUP (ORDER BY (\"A\") * 1.000) AS \"P\" FROM \"T\""
        );
    }

    #[test]
    fn value_windows_default_to_the_whole_partition() {
        assert_eq!(
            translate("select last_value(a) over (partition by b order by c) as l from t"),
            "SELECT last_value(\"A\") OVER (PARTITION BY \"B\" ORDER BY \"C\" ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS \"L\" FROM \"T\""
        );
        assert!(!translate(
            "select first_value(a) over (order by c rows between 1 preceding and current row) from t"
        )
        .contains("UNBOUNDED"));
    }

    #[test]
    fn median_gains_three_digits() {
        assert_eq!(
            translate("select median(a) as m from t"),
            "SELECT median(\"A\" * 1.000) AS \"M\" FROM \"T\""
        );
    }

    #[test]
    fn booland_agg_is_bool_and() {
        assert_eq!(
            translate("select booland_agg(a) as b from t"),
            "SELECT bool_and(CAST(\"A\" AS BOOLEAN)) AS \"B\" FROM \"T\""
        );
    }

    #[test]
    fn boolxor_agg_counts_trues() {
        assert_eq!(
            translate("select boolxor_agg(a) as b from t"),
            "SELECT CASE WHEN CAST(count(\"A\") AS DECIMAL(18, 0)) = 0 THEN NULL ELSE CAST(count_if(CAST(\"A\" AS BOOLEAN)) AS DECIMAL(18, 0)) = 1 END AS \"B\" FROM \"T\""
        );
    }

    #[test]
    fn ratio_to_report_divides_by_window_sum() {
        assert_eq!(
            translate("select ratio_to_report(a) over (partition by b) as r from t"),
            "SELECT (CASE WHEN nullif(sum(\"A\") OVER (PARTITION BY \"B\"), 0) = 0 THEN error('Division by zero') ELSE \"A\" / nullif(sum(\"A\") OVER (PARTITION BY \"B\"), 0) END) AS \"R\" FROM \"T\""
        );
    }

    #[test]
    fn lag_ignore_nulls_moves_inside() {
        assert_eq!(
            translate("select lag(a) ignore nulls over (order by b) as l from t"),
            "SELECT lag(\"A\" IGNORE NULLS) OVER (ORDER BY \"B\") AS \"L\" FROM \"T\""
        );
    }
}
