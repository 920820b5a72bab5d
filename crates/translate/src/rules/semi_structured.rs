//! Semi-structured data: VARIANT, OBJECT and ARRAY values are stored as DuckDB JSON.
//!
//! Two passes. [`rewrite_semi_structured`] runs first of all rules, while every function name is
//! still Snowflake's and casts and comparisons carry their Snowflake meaning: paths (`v:a.b[0]`,
//! `v['k']`) become `json_extract`, casts out of a semi-structured value read its scalar, a
//! VARIANT compared with or concatenated to text is read as text, and the GET/ARRAY_*/OBJECT_*/
//! IS_*/AS_* functions become DuckDB JSON and list functions. [`flatten_table_functions`] runs
//! after the other function rules (its SQL names DuckDB functions such as `regexp_replace`) and
//! turns FLATTEN into a subquery over `json_each` / `json_tree`.
//!
//! Limits: FLATTEN's SEQ numbers the rows of a single input table or subquery (see `number_input_rows`)
//! and is 1 otherwise; a VARIANT table column cast to text (`v::string`, no path) keeps JSON quotes,
//! because translation does not know column types.

use std::ops::ControlFlow;

use snowglobe_catalog::SfType;
use snowglobe_error::{ErrorCode, Result, SnowflakeError};
use sqlparser::ast::{
    BinaryOperator, CastKind, DataType, Expr, Function, FunctionArg, FunctionArgExpr,
    FunctionArguments, GroupByExpr, Ident, InTarget, JsonPathElem, LambdaFunction,
    LambdaFunctionParameter, LambdaSyntax, ObjectName, OneOrManyWithParens, OrderBy, OrderByExpr,
    OrderByKind, OrderByOptions, Query, SelectItem, SetExpr, Statement, TableAlias, TableFactor,
    Value, Visit, VisitMut, Visitor, VisitorMut,
};

use super::calls::{
    binary, case, check_arity, func, integer_literal, is_null, name_of, null, number, plain_args,
    string, string_literal,
};
use super::FirstError;

// ---------------------------------------------------------------------------------------------
// Building blocks

/// One step of a path into a semi-structured value.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    Index(i64),
    /// `v[expr]`: an object key when `expr` is text, an array index otherwise.
    Dynamic(Box<Expr>),
}

/// A JSON path for DuckDB (`$."a"[0]`), keys always quoted so any key text is safe.
fn json_path(steps: &[Step]) -> String {
    let mut path = String::from("$");
    for step in steps {
        match step {
            Step::Key(k) => {
                path.push_str(".\"");
                path.push_str(&k.replace('\\', "\\\\").replace('"', "\\\""));
                path.push('"');
            }
            Step::Index(i) => path.push_str(&format!("[{i}]")),
            Step::Dynamic(_) => unreachable!("dynamic steps are not part of a static path"),
        }
    }
    path
}

fn data_type(name: &str) -> DataType {
    DataType::Custom(ObjectName::from(vec![Ident::new(name)]), vec![])
}

fn cast_to(e: Expr, data_type: DataType) -> Expr {
    Expr::Cast {
        kind: CastKind::Cast,
        expr: Box::new(e),
        data_type,
        format: None,
    }
}

/// A NULL of type JSON (a missing path is a NULL VARIANT, not an untyped NULL).
fn json_null() -> Expr {
    cast_to(null(), DataType::JSON)
}

fn varchar(e: Expr) -> Expr {
    cast_to(e, DataType::Varchar(None))
}

fn number_38(e: Expr) -> Expr {
    cast_to(
        e,
        DataType::Decimal(sqlparser::ast::ExactNumberInfo::PrecisionAndScale(38, 0)),
    )
}

/// `sg_json_text(e)`: a semi-structured value as Snowflake converts it to text (strings without
/// their quotes, other values as JSON text with object keys sorted, JSON null as NULL; see
/// `snowglobe_engine::json_text`).
fn text_of(e: Expr) -> Expr {
    func("sg_json_text", vec![e])
}

/// A VARIANT as a number (FLOAT): its text converted, so a numeric string counts too.
fn number_of(e: Expr) -> Expr {
    cast_to(
        text_of(e),
        DataType::Double(sqlparser::ast::ExactNumberInfo::None),
    )
}

/// `sg_json_sorted(e)`: JSON text with object keys in Snowflake's (sorted) order.
fn sorted_json(e: Expr) -> Expr {
    func("sg_json_sorted", vec![e])
}

pub(crate) fn json_type(e: Expr) -> Expr {
    func("json_type", vec![e])
}

fn eq(a: Expr, b: Expr) -> Expr {
    binary(a, BinaryOperator::Eq, b)
}

fn in_list(e: Expr, items: &[&str]) -> Expr {
    Expr::In {
        expr: Box::new(e),
        target: InTarget::List(items.iter().map(|s| string(s)).collect()),
        negated: false,
        global: false,
    }
}

/// A semi-structured value's number, NULL when it holds no number:
/// `CASE WHEN json_type(v) IN ('UBIGINT', 'BIGINT', 'DOUBLE') THEN CAST(v AS DOUBLE) END`.
fn numeric_value(v: Expr) -> Expr {
    case(
        vec![(
            in_list(json_type(v.clone()), &["UBIGINT", "BIGINT", "DOUBLE"]),
            cast_to(v, DataType::Double(sqlparser::ast::ExactNumberInfo::None)),
        )],
        None,
    )
}

/// The elements of a JSON array as a DuckDB `JSON[]` (empty for a non-array).
pub(crate) fn elements(array: Expr) -> Expr {
    func("json_extract", vec![array, string("$[*]")])
}

/// Any value as JSON (`json_quote` is DuckDB's `to_json`; the other name keeps it apart from
/// Snowflake's TO_JSON, which returns text). A value whose type is not evident (a column, an
/// expression) is marked `sg_json_value(x)` instead: it may be a DECIMAL, which DuckDB writes
/// as a DOUBLE, and `conversion::print_values` expands the mark to write it as Snowflake does.
pub(crate) fn to_json(e: Expr) -> Expr {
    // Already marked: marking twice would have DuckDB rewrite the JSON (and its numbers).
    if matches!(&e, Expr::Function(f) if name_of(f).eq_ignore_ascii_case(super::conversion::JSON_VALUE))
    {
        return e;
    }
    let evidently_not_decimal = match &e {
        Expr::Value(_) => true,
        Expr::Function(f) => {
            let name = name_of(f);
            ["LIST", "JSON", "MAP", "ARRAY", "STRUCT", "TO_JSON"]
                .iter()
                .any(|p| name.starts_with(p))
        }
        _ => false,
    };
    if evidently_not_decimal {
        func("json_quote", vec![e])
    } else {
        func(super::conversion::JSON_VALUE, vec![e])
    }
}

/// `lambda <param> : body` (DuckDB's lambda syntax).
pub(crate) fn lambda(params: &[&str], body: Expr) -> Expr {
    let p = |n: &str| LambdaFunctionParameter {
        name: Ident::new(n),
        data_type: None,
    };
    Expr::Lambda(LambdaFunction {
        params: if params.len() == 1 {
            OneOrManyWithParens::One(p(params[0]))
        } else {
            OneOrManyWithParens::Many(params.iter().map(|n| p(n)).collect())
        },
        body: Box::new(body),
        syntax: LambdaSyntax::LambdaKeyword,
    })
}

pub(crate) fn ident(name: &str) -> Expr {
    Expr::Identifier(Ident::new(name))
}

/// Read `v:a.b[0]`-style path text (GET_PATH, FLATTEN's PATH): keys separated by dots, optionally
/// double-quoted, and `[n]` / `['key']` / `["key"]` brackets.
fn parse_path(text: &str) -> Result<Vec<Step>> {
    let bad = || {
        SnowflakeError::compilation(
            ErrorCode::InvalidArgumentTypes,
            format!("Invalid extraction path '{text}'"),
        )
    };
    let chars: Vec<char> = text.chars().collect();
    let mut steps = Vec::new();
    let mut i = 0;
    let mut first = true;
    while i < chars.len() {
        match chars[i] {
            '[' => {
                let close = chars[i..].iter().position(|&c| c == ']').ok_or_else(bad)? + i;
                let inner: String = chars[i + 1..close].iter().collect();
                let inner = inner.trim();
                if let Some(q) = inner.chars().next().filter(|c| *c == '\'' || *c == '"') {
                    if inner.len() < 2 || !inner.ends_with(q) {
                        return Err(bad());
                    }
                    steps.push(Step::Key(inner[1..inner.len() - 1].to_string()));
                } else {
                    steps.push(Step::Index(inner.parse().map_err(|_| bad())?));
                }
                i = close + 1;
            }
            // GET_PATH also takes the `:` of the path operator between keys (`'a:b'`).
            '.' | ':' if !first => {
                i += 1;
                if i >= chars.len() {
                    return Err(bad());
                }
                let (key, next) = read_key(&chars, i).ok_or_else(bad)?;
                steps.push(Step::Key(key));
                i = next;
            }
            _ if first => {
                let (key, next) = read_key(&chars, i).ok_or_else(bad)?;
                steps.push(Step::Key(key));
                i = next;
            }
            _ => return Err(bad()),
        }
        first = false;
    }
    Ok(steps)
}

/// A key at `chars[i..]`: `"quoted"` or a bare run up to the next `.`, `:` or `[`.
fn read_key(chars: &[char], i: usize) -> Option<(String, usize)> {
    if chars[i] == '"' {
        let close = chars[i + 1..].iter().position(|&c| c == '"')? + i + 1;
        return Some((chars[i + 1..close].iter().collect(), close + 1));
    }
    let end = chars[i..]
        .iter()
        .position(|&c| c == '.' || c == ':' || c == '[')
        .map_or(chars.len(), |p| p + i);
    if end == i {
        return None;
    }
    Some((chars[i..end].iter().collect(), end))
}

/// `base` followed along `steps`: static runs become one `json_extract(base, '$...')`; a
/// negative index is NULL (Snowflake does not count from the end); a dynamic step reads a key
/// when its value is text and an index otherwise.
fn extract(base: Expr, steps: Vec<Step>) -> Expr {
    let mut current = base;
    let mut run: Vec<Step> = Vec::new();
    let flush = |current: Expr, run: &mut Vec<Step>| -> Expr {
        if run.is_empty() {
            return current;
        }
        let path = json_path(run);
        run.clear();
        func("json_extract", vec![current, string(&path)])
    };
    for step in steps {
        match step {
            Step::Index(i) if i < 0 => return json_null(),
            Step::Dynamic(k) => {
                current = flush(current, &mut run);
                current = dynamic_step(current, *k);
            }
            s => run.push(s),
        }
    }
    flush(current, &mut run)
}

/// `v[k]` for a `k` known only at run time.
fn dynamic_step(current: Expr, k: Expr) -> Expr {
    let k_text = varchar(k.clone());
    let escaped = func(
        "replace",
        vec![
            func(
                "replace",
                vec![k_text.clone(), string("\\"), string("\\\\")],
            ),
            string("\""),
            string("\\\""),
        ],
    );
    let concat = |parts: Vec<Expr>| {
        parts
            .into_iter()
            .reduce(|a, b| binary(a, BinaryOperator::StringConcat, b))
            .expect("non-empty")
    };
    case(
        vec![
            (
                eq(func("typeof", vec![k]), string("VARCHAR")),
                func(
                    "json_extract",
                    vec![
                        current.clone(),
                        concat(vec![string("$.\""), escaped, string("\"")]),
                    ],
                ),
            ),
            (
                func("starts_with", vec![k_text.clone(), string("-")]),
                json_null(),
            ),
        ],
        Some(func(
            "json_extract",
            vec![current, concat(vec![string("$["), k_text, string("]")])],
        )),
    )
}

/// Snowflake functions whose result is semi-structured, and the DuckDB functions this module
/// and the other rules produce for them.
const SEMI_FUNCTIONS: &[&str] = &[
    "PARSE_JSON",
    "TRY_PARSE_JSON",
    "TO_VARIANT",
    "TO_OBJECT",
    "TO_ARRAY",
    "OBJECT_CONSTRUCT",
    "OBJECT_CONSTRUCT_KEEP_NULL",
    "ARRAY_CONSTRUCT",
    "ARRAY_CONSTRUCT_COMPACT",
    "GET",
    "GET_IGNORE_CASE",
    "GET_PATH",
    "OBJECT_INSERT",
    "OBJECT_DELETE",
    "OBJECT_PICK",
    "OBJECT_KEYS",
    "ARRAY_APPEND",
    "ARRAY_PREPEND",
    "ARRAY_CAT",
    "ARRAY_SLICE",
    "ARRAY_COMPACT",
    "ARRAY_DISTINCT",
    "ARRAY_EXCEPT",
    "ARRAY_INTERSECTION",
    "ARRAY_INSERT",
    "ARRAY_REMOVE",
    "ARRAY_REMOVE_AT",
    "ARRAY_REVERSE",
    "ARRAY_SORT",
    "ARRAY_MIN",
    "ARRAY_MAX",
    "ARRAY_FLATTEN",
    "ARRAYS_ZIP",
    "ARRAYS_TO_OBJECT",
    "ARRAY_GENERATE_RANGE",
    "ARRAY_REPEAT",
    "STRIP_NULL_VALUE",
    "AS_OBJECT",
    "AS_ARRAY",
    "JSON",
    "JSON_EXTRACT",
    "JSON_QUOTE",
    "JSON_OBJECT",
    "JSON_ARRAY",
    "JSON_MERGE_PATCH",
];

/// What names semi-structured columns: `flatten` when the statement has a FLATTEN (so `value`
/// / `f.value` / `this` name its VARIANT columns), and the VARIANT/OBJECT/ARRAY columns of the
/// tables read.
/// Also the parameters of the lambdas being visited that stand for array elements (VARIANT
/// values, see [`higher_order`]).
#[derive(Clone, Copy)]
struct SemiNames<'a> {
    flatten: bool,
    columns: &'a [String],
    lambda_params: &'a [Vec<String>],
}

impl SemiNames<'_> {
    fn names(&self, i: &Ident) -> bool {
        (self.flatten && is_flatten_column(i))
            || (!self.columns.is_empty() && self.columns.contains(&exact_name(i)))
            || self
                .lambda_params
                .iter()
                .any(|params| params.contains(&exact_name(i)))
    }
}

fn exact_name(i: &Ident) -> String {
    if i.quote_style.is_some() {
        i.value.clone()
    } else {
        i.value.to_ascii_uppercase()
    }
}

/// Whether `e` is syntactically a semi-structured value.
fn is_semi(e: &Expr, names: SemiNames<'_>) -> bool {
    match e {
        Expr::JsonAccess { .. } => true,
        Expr::Nested(inner) => is_semi(inner, names),
        Expr::Function(f) => {
            let n = name_of(f);
            SEMI_FUNCTIONS.contains(&n.as_str())
        }
        Expr::Cast { data_type, .. } => matches!(
            crate::types::sf_type(data_type),
            Ok(SfType::Variant | SfType::Object | SfType::Array)
        ),
        Expr::Case {
            conditions,
            else_result,
            ..
        } => {
            let results: Vec<&Expr> = conditions
                .iter()
                .map(|c| &c.result)
                .chain(else_result.as_deref())
                .filter(|r| !matches!(r, Expr::Value(v) if v.value == Value::Null))
                .collect();
            !results.is_empty() && results.iter().all(|r| is_semi(r, names))
        }
        Expr::Identifier(i) => names.names(i),
        Expr::CompoundIdentifier(parts) => parts.last().is_some_and(|i| names.names(i)),
        _ => false,
    }
}

fn is_flatten_column(i: &Ident) -> bool {
    let upper = exact_name(i);
    upper == "VALUE" || upper == "THIS"
}

/// Whether translating `statement` depends on which bare column references are
/// semi-structured (a cast to text or a date/time type, a comparison with a text literal,
/// LIKE, IN, `||`, or a text function over a plain column): the caller then looks up the
/// column types of the tables read and passes them in [`crate::Context::semi_columns`].
pub fn wants_column_types(statement: &Statement) -> bool {
    struct Find(bool);
    impl Visitor for Find {
        type Break = ();
        fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
            let column = |e: &Expr| matches!(e, Expr::Identifier(_) | Expr::CompoundIdentifier(_));
            let found = match expr {
                Expr::Cast {
                    expr: inner,
                    data_type,
                    ..
                } => {
                    column(inner)
                        && matches!(
                            crate::types::sf_type(data_type),
                            Ok(SfType::Text { .. }
                                | SfType::Date
                                | SfType::Time { .. }
                                | SfType::TimestampNtz { .. }
                                | SfType::TimestampLtz { .. }
                                | SfType::TimestampTz { .. })
                        )
                }
                Expr::BinaryOp {
                    left,
                    op: BinaryOperator::StringConcat,
                    right,
                } => column(left) || column(right),
                Expr::BinaryOp { left, right, .. } => {
                    (column(left) && is_text_literal(right))
                        || (column(right) && is_text_literal(left))
                }
                Expr::Like { expr: e, .. } | Expr::ILike { expr: e, .. } => column(e),
                Expr::In { expr: e, .. } => column(e),
                Expr::Function(f) => {
                    TEXT_ARGUMENT_FUNCTIONS.contains(&name_of(f).as_str())
                        && matches!(&f.args, FunctionArguments::List(list) if list.args.iter().any(
                            |a| matches!(a, FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) if column(e))
                        ))
                }
                _ => false,
            };
            if found {
                self.0 = true;
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        }
    }
    let mut find = Find(false);
    let _ = Visit::visit(statement, &mut find);
    find.0
}

fn is_text_literal(e: &Expr) -> bool {
    string_literal(e).is_some()
}

// ---------------------------------------------------------------------------------------------
// Pass 1: paths, casts, comparisons

/// Paths into semi-structured values, casts out of them, VARIANT values used as text, and the
/// semi-structured functions (each documented at its arm in `rewrite_function`).
///
/// - `v:a.b[0]`, `v['a']`, `v:"Quoted Key"`, `v[0]` → `json_extract(v, '$."a"."b"[0]')` (a
///   VARIANT; missing paths are NULL, keys case-sensitive); `v[-1]` is NULL.
/// - `<variant>::varchar` (and DATE/TIME/TIMESTAMP) → the cast of
///   `json_extract_string(<variant>, '$')`, the value without JSON quotes (BOOLEAN too, so that
///   `'"true"'` reads as text does); numeric casts are DuckDB's own JSON casts.
/// - `x::variant` (OBJECT, ARRAY) → `to_json(x)`: text becomes a JSON string, not parsed JSON.
/// - `<variant> = 'text'`, `LIKE`, `IN ('..')`, `||`: the variant is read as text, as Snowflake
///   casts it.
pub fn rewrite_semi_structured(statement: &mut Statement, columns: &[String]) -> Result<()> {
    let mut detect = DetectFlatten(false);
    let _ = Visit::visit(&*statement, &mut detect);
    let mut v = Paths {
        flatten: detect.0,
        columns,
        lambda_params: vec![],
        error: FirstError::default(),
    };
    let _ = statement.visit(&mut v);
    v.error.into_result()
}

struct DetectFlatten(bool);

impl Visitor for DetectFlatten {
    type Break = ();
    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<()> {
        if flatten_call(factor).is_some() {
            self.0 = true;
        }
        ControlFlow::Continue(())
    }
}

struct Paths<'a> {
    flatten: bool,
    columns: &'a [String],
    /// Per higher-order call being visited (innermost last): its lambda's parameters that
    /// stand for VARIANT values.
    lambda_params: Vec<Vec<String>>,
    error: FirstError,
}

impl Paths<'_> {
    fn names(&self) -> SemiNames<'_> {
        SemiNames {
            flatten: self.flatten,
            columns: self.columns,
            lambda_params: &self.lambda_params,
        }
    }

    fn rewrite(&self, expr: &mut Expr) -> Result<()> {
        let semi = |e: &Expr| is_semi(e, self.names());
        match expr {
            Expr::JsonAccess { value, path } => {
                let mut steps = Vec::new();
                for elem in &path.path {
                    steps.push(match elem {
                        JsonPathElem::Dot { key, .. } => Step::Key(key.clone()),
                        JsonPathElem::Bracket { key } | JsonPathElem::ColonBracket { key } => {
                            bracket_step(key)
                        }
                    });
                }
                // `v[0]:x` parses as nested accesses: the inner one is already rewritten.
                *expr = extract((**value).clone(), steps);
            }
            Expr::Cast {
                expr: inner,
                data_type,
                ..
            } => {
                let Ok(target) = crate::types::sf_type(data_type) else {
                    return Ok(());
                };
                match target {
                    SfType::Variant | SfType::Object | SfType::Array => {
                        *expr = to_json((**inner).clone());
                    }
                    SfType::Text { .. }
                    | SfType::Boolean
                    | SfType::Date
                    | SfType::Time { .. }
                    | SfType::TimestampNtz { .. }
                    | SfType::TimestampLtz { .. }
                    | SfType::TimestampTz { .. }
                        if semi(inner) =>
                    {
                        **inner = text_of((**inner).clone());
                    }
                    _ => {}
                }
            }
            Expr::BinaryOp { left, op, right } => match op {
                BinaryOperator::Eq
                | BinaryOperator::NotEq
                | BinaryOperator::Lt
                | BinaryOperator::LtEq
                | BinaryOperator::Gt
                | BinaryOperator::GtEq => {
                    if semi(left) && is_text_literal(right) {
                        **left = text_of((**left).clone());
                    } else if semi(right) && is_text_literal(left) {
                        **right = text_of((**right).clone());
                    }
                }
                BinaryOperator::StringConcat => {
                    for side in [left, right] {
                        if semi(side) {
                            **side = text_of((**side).clone());
                        }
                    }
                }
                // Arithmetic reads a VARIANT as a number (`v:qty * 2`; a numeric string too).
                BinaryOperator::Plus
                | BinaryOperator::Minus
                | BinaryOperator::Multiply
                | BinaryOperator::Divide
                | BinaryOperator::Modulo => {
                    for side in [left, right] {
                        if semi(side) {
                            **side = number_of((**side).clone());
                        }
                    }
                }
                _ => {}
            },
            Expr::Like { expr: e, .. } | Expr::ILike { expr: e, .. } if semi(e) => {
                **e = text_of((**e).clone());
            }
            Expr::In {
                expr: e,
                target: InTarget::List(items),
                ..
            } if semi(e) && !items.is_empty() && items.iter().all(is_text_literal) => {
                **e = text_of((**e).clone());
            }
            _ => {}
        }
        Ok(())
    }
}

/// Snowflake's ARRAY and OBJECT constants, `[1, 'a']` and `{'k': v}`, are the ARRAY_CONSTRUCT
/// and OBJECT_CONSTRUCT calls they mean (the rules below then build the JSON values).
pub fn constants_as_constructors(statement: &mut Statement) {
    struct Constants;
    impl VisitorMut for Constants {
        type Break = ();
        fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
            match expr {
                Expr::Array(array) => {
                    *expr = func("ARRAY_CONSTRUCT", std::mem::take(&mut array.elem));
                }
                Expr::Dictionary(fields) => {
                    let args = std::mem::take(fields)
                        .into_iter()
                        .flat_map(|f| [string(&f.key.value), *f.value])
                        .collect();
                    *expr = func("OBJECT_CONSTRUCT", args);
                }
                _ => {}
            }
            ControlFlow::Continue(())
        }
    }
    let _ = statement.visit(&mut Constants);
}

/// Whether `e` calls a function whose every call gives a new value.
fn is_volatile(e: &Expr) -> bool {
    super::calls::any_expr(e, |x| {
        matches!(x, Expr::Function(f) if matches!(
            name_of(f).as_str(),
            "RANDOM" | "UUID_STRING" | "RANDSTR" | "NORMAL" | "UNIFORM" | "ZIPF"
        ))
    })
}

/// Snowflake functions that read their arguments as text: a VARIANT argument is converted to
/// text implicitly, a string without its JSON quotes.
const TEXT_ARGUMENT_FUNCTIONS: &[&str] = &[
    "TO_VARCHAR",
    "TO_CHAR",
    // Conversions read a VARIANT as its value's text: a string without its quotes, JSON null
    // as NULL.
    "TO_NUMBER",
    "TO_DECIMAL",
    "TO_NUMERIC",
    "TRY_TO_NUMBER",
    "TRY_TO_DECIMAL",
    "TRY_TO_NUMERIC",
    "TO_BOOLEAN",
    "TRY_TO_BOOLEAN",
    "TO_DOUBLE",
    "TRY_TO_DOUBLE",
    "UPPER",
    "LOWER",
    "LENGTH",
    "LEN",
    // LENGTH / LEN as the user wrote them (see `strings::mark_length_calls`).
    "SG_LENGTH",
    "TRIM",
    "LTRIM",
    "RTRIM",
    "CONCAT",
    "CONCAT_WS",
    "SPLIT",
    "SPLIT_PART",
    "SUBSTR",
    "SUBSTRING",
    "REPLACE",
    "STARTSWITH",
    "ENDSWITH",
    "CONTAINS",
    "LEFT",
    "RIGHT",
    "LPAD",
    "RPAD",
    "INITCAP",
    "REVERSE",
    "REGEXP_LIKE",
    "REGEXP_SUBSTR",
    "REGEXP_REPLACE",
    "RLIKE",
    "TO_DATE",
    "TRY_TO_DATE",
    "TO_TIME",
    "TO_TIMESTAMP",
    "TO_TIMESTAMP_NTZ",
    "TO_TIMESTAMP_LTZ",
    "TO_TIMESTAMP_TZ",
    "TRY_TO_TIMESTAMP",
];

/// `upper(v:name)`: VARIANT arguments of [`TEXT_ARGUMENT_FUNCTIONS`] read as text.
fn text_arguments(f: &mut Function, names: SemiNames<'_>) {
    if f.over.is_some() || !TEXT_ARGUMENT_FUNCTIONS.contains(&name_of(f).as_str()) {
        return;
    }
    if let FunctionArguments::List(list) = &mut f.args {
        for arg in &mut list.args {
            if let FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) = arg {
                if is_semi(e, names) {
                    *e = text_of(e.clone());
                }
            }
        }
    }
}

/// SUM and AVG (as aggregates or windows) of VARIANT values add them as numbers; ZEROIFNULL
/// of a VARIANT is a number.
fn number_arguments(f: &mut Function, names: SemiNames<'_>) {
    if !matches!(name_of(f).as_str(), "SUM" | "AVG" | "ZEROIFNULL") {
        return;
    }
    if let FunctionArguments::List(list) = &mut f.args {
        if let [FunctionArg::Unnamed(FunctionArgExpr::Expr(arg))] = list.args.as_mut_slice() {
            if is_semi(arg, names) {
                *arg = number_of(arg.clone());
            }
        }
    }
}

/// Snowflake's higher-order functions, which take a lambda: `FILTER(array, x -> condition)`,
/// `TRANSFORM(array, x -> value)`, `REDUCE(array, init, (acc, x) -> value)`.
const HIGHER_ORDER: &[&str] = &["FILTER", "TRANSFORM", "REDUCE"];

/// The lambda of a higher-order call, with the position of its array-element parameter.
fn lambda_of(f: &Function) -> Option<(&LambdaFunction, usize)> {
    let name = name_of(f);
    let (at, element) = match name.as_str() {
        "FILTER" | "TRANSFORM" => (1, 0),
        "REDUCE" => (2, 1),
        _ => return None,
    };
    if f.over.is_some() {
        return None;
    }
    let FunctionArguments::List(list) = &f.args else {
        return None;
    };
    match list.args.get(at) {
        Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::Lambda(l)))) => Some((l, element)),
        _ => None,
    }
}

fn lambda_params(l: &LambdaFunction) -> Vec<&LambdaFunctionParameter> {
    match &l.params {
        OneOrManyWithParens::One(p) => vec![p],
        OneOrManyWithParens::Many(ps) => ps.iter().collect(),
    }
}

/// The parameters of a higher-order call's lambda that are VARIANT values: an untyped element
/// parameter, and REDUCE's accumulator when its initial value is semi-structured.
fn variant_lambda_params(f: &Function, names: SemiNames<'_>) -> Option<Vec<String>> {
    let (l, element) = lambda_of(f)?;
    let params = lambda_params(l);
    let init_is_semi = || {
        plain_args(f)
            .and_then(|args| args.get(1).map(|init| is_semi(init, names)))
            .unwrap_or(false)
    };
    Some(
        params
            .iter()
            .enumerate()
            .filter(|(i, p)| {
                p.data_type.is_none() && (*i == element || (element == 1 && init_is_semi()))
            })
            .map(|(_, p)| exact_name(&p.name))
            .collect(),
    )
}

/// FILTER, TRANSFORM and REDUCE over DuckDB's `list_filter`, `list_transform` and `list_reduce`
/// of the array's elements, a JSON null element read as NULL (Snowflake's SQL NULL element,
/// which a JSON array cannot tell from a JSON null); an element parameter declared with a type
/// (`x INT -> ...`) gets the element converted to it. FILTER and TRANSFORM give arrays back.
fn higher_order(f: &Function) -> Result<Option<Expr>> {
    let name = name_of(f);
    let Some(args) = plain_args(f) else {
        return Ok(None);
    };
    let Some((l, element)) = lambda_of(f) else {
        return Err(SnowflakeError::compilation(
            ErrorCode::InvalidArgumentTypes,
            format!(
                "Invalid argument types for function '{name}': the {} argument must be a lambda expression",
                if name == "REDUCE" { "third" } else { "second" }
            ),
        ));
    };
    let arity = if name == "REDUCE" { 3 } else { 2 };
    check_arity(&name, &args, arity, arity)?;
    if super::calls::is_null_literal(&args[0]) {
        return Ok(Some(json_null()));
    }
    let params = lambda_params(l);
    let (Some(element_param), true) = (params.get(element), params.len() == element + 1) else {
        return Err(SnowflakeError::compilation(
            ErrorCode::InvalidArgumentTypes,
            format!(
                "Invalid argument types for function '{name}': its lambda expression takes {} parameter{}",
                element + 1,
                if element == 0 { "" } else { "s" }
            ),
        ));
    };
    // Lambdas may not hold window functions (the lambda expressions page); DuckDB fails on
    // them with an internal error.
    if super::calls::any_expr(
        &*l.body,
        |e| matches!(e, Expr::Function(f) if f.over.is_some()),
    ) {
        return Err(SnowflakeError::unsupported(format!(
            "window function in the lambda expression of {name}"
        )));
    }
    let item = ident("sg_item");
    let value = case(
        vec![(eq(json_type(item.clone()), string("NULL")), null())],
        Some(item),
    );
    let value = match &element_param.data_type {
        None => value,
        Some(t)
            if matches!(
                crate::types::sf_type(t),
                Ok(SfType::Variant | SfType::Object | SfType::Array)
            ) =>
        {
            value
        }
        Some(t) => cast_to(text_of(value), t.clone()),
    };
    let items = func(
        "list_transform",
        vec![elements(args[0].clone()), lambda(&["sg_item"], value)],
    );
    // DuckDB's lambdas take no parameter types.
    let mut duck = l.clone();
    match &mut duck.params {
        OneOrManyWithParens::One(p) => p.data_type = None,
        OneOrManyWithParens::Many(ps) => ps.iter_mut().for_each(|p| p.data_type = None),
    }
    duck.syntax = LambdaSyntax::LambdaKeyword;
    let result = match name.as_str() {
        "FILTER" => func(
            "json_quote",
            vec![func("list_filter", vec![items, Expr::Lambda(duck)])],
        ),
        "TRANSFORM" => {
            duck.body = Box::new(to_json(*duck.body));
            func(
                "json_quote",
                vec![func("list_transform", vec![items, Expr::Lambda(duck)])],
            )
        }
        _ => func(
            "list_reduce",
            vec![items, Expr::Lambda(duck), args[1].clone()],
        ),
    };
    Ok(Some(super::calls::null_if_null(&args[..1], result)))
}

fn bracket_step(key: &Expr) -> Step {
    if let Some(k) = string_literal(key) {
        return Step::Key(k.to_string());
    }
    if let Some(i) = integer_literal(key) {
        return Step::Index(i);
    }
    Step::Dynamic(Box::new(key.clone()))
}

impl VisitorMut for Paths<'_> {
    type Break = ();
    /// Snowflake orders VARIANT numbers by value (2 before 10); DuckDB orders JSON as text. An
    /// ORDER BY key that is semi-structured is preceded by its numeric value (NULL for other
    /// values, which then follow in text order). Not under DISTINCT or set operations, whose
    /// ORDER BY may name only output columns.
    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        let plain = matches!(query.body.as_ref(), SetExpr::Select(s) if s.distinct.is_none());
        if let (
            true,
            Some(OrderBy {
                kind: OrderByKind::Expressions(items),
                ..
            }),
        ) = (plain, &mut query.order_by)
        {
            let mut keys = Vec::with_capacity(items.len());
            for item in items.drain(..) {
                if is_semi(&item.expr, self.names()) {
                    keys.push(OrderByExpr {
                        expr: numeric_value(item.expr.clone()),
                        ..item.clone()
                    });
                }
                keys.push(item);
            }
            *items = keys;
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if let Expr::Function(f) = expr {
            if let Some(params) = variant_lambda_params(f, self.names()) {
                self.lambda_params.push(params);
            }
        }
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        let result = match expr {
            Expr::Function(f) if HIGHER_ORDER.contains(&name_of(f).as_str()) => {
                if variant_lambda_params(f, self.names()).is_some() {
                    self.lambda_params.pop();
                }
                higher_order(f).map(|new| {
                    if let Some(new) = new {
                        *expr = new;
                    }
                })
            }
            Expr::Function(f) => {
                text_arguments(f, self.names());
                number_arguments(f, self.names());
                rewrite_function(f).map(|new| {
                    if let Some(new) = new {
                        *expr = new;
                    }
                })
            }
            _ => self.rewrite(expr),
        };
        if let Err(e) = result {
            self.error.set(e);
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    }
}

// ---------------------------------------------------------------------------------------------
// Pass 2: FLATTEN

/// FLATTEN table functions as subqueries over DuckDB's `json_each` / `json_tree`.
pub fn flatten_table_functions(statement: &mut Statement) -> Result<()> {
    let mut v = Flatten {
        error: FirstError::default(),
        seqs: Vec::new(),
    };
    let _ = statement.visit(&mut v);
    v.error.into_result()
}

struct Flatten {
    error: FirstError,
    /// Per SELECT being visited (innermost last): what its FLATTENs give as SEQ.
    seqs: Vec<Option<Expr>>,
}

/// The column a numbered input table carries its row numbers in (see [`number_input_rows`]).
const SEQ_COLUMN: &str = "SG_SEQ";

/// Snowflake's SEQ numbers FLATTEN's input records. When a SELECT flattens the rows of one
/// plain table (`FROM t, LATERAL FLATTEN(t.v)`), the table becomes `(SELECT *, row_number()
/// OVER () AS "SG_SEQ" FROM t) AS t`, its wildcards leave that column out, and SEQ is
/// `t."SG_SEQ"`; a subquery's rows are numbered the same way. Anything else (a constant input,
/// several input tables) has SEQ 1.
fn number_input_rows(select: &mut sqlparser::ast::Select) -> Option<Expr> {
    let (first, rest) = select.from.split_first_mut()?;
    let others: Vec<&TableFactor> =
        first
            .joins
            .iter()
            .map(|j| &j.relation)
            .chain(rest.iter().flat_map(|t| {
                std::iter::once(&t.relation).chain(t.joins.iter().map(|j| &j.relation))
            }))
            .collect();
    if others.is_empty()
        || !others
            .iter()
            .all(|f| flatten_call(f).is_some() || split_call(f).is_some())
    {
        return None;
    }
    let numbering = |source: &str| {
        parse_query(&format!(
            "SELECT *, row_number() OVER () AS \"{SEQ_COLUMN}\" FROM {source}"
        ))
    };
    let (numbered, alias_name) = match &mut first.relation {
        TableFactor::Table {
            name,
            alias,
            args: None,
            version: None,
            sample: None,
            with_hints,
            ..
        } => {
            if !with_hints.is_empty() || alias.as_ref().is_some_and(|a| !a.columns.is_empty()) {
                return None;
            }
            let alias_name = match alias {
                Some(a) => a.name.clone(),
                None => name.0.last()?.as_ident()?.clone(),
            };
            (numbering(&name.to_string()), Some(alias_name))
        }
        // `FROM (SELECT ...) [AS s], LATERAL FLATTEN(...)`: the subquery's rows are numbered
        TableFactor::Derived {
            lateral: false,
            subquery,
            alias,
            sample: None,
        } => {
            if alias.as_ref().is_some_and(|a| !a.columns.is_empty()) {
                return None;
            }
            let mut numbered = numbering("sg_flatten_input");
            if let SetExpr::Select(outer) = numbered.body.as_mut() {
                if let Some(from) = outer.from.first_mut() {
                    from.relation = TableFactor::Derived {
                        lateral: false,
                        subquery: subquery.clone(),
                        alias: Some(TableAlias {
                            explicit: true,
                            name: Ident::new("sg_flatten_input"),
                            columns: vec![],
                            at: None,
                        }),
                        sample: None,
                    };
                }
            }
            (numbered, alias.as_ref().map(|a| a.name.clone()))
        }
        _ => return None,
    };
    first.relation = TableFactor::Derived {
        lateral: false,
        subquery: Box::new(numbered),
        alias: Some(TableAlias {
            explicit: true,
            name: alias_name
                .clone()
                .unwrap_or_else(|| Ident::new("sg_flatten_rows")),
            columns: vec![],
            at: None,
        }),
        sample: None,
    };
    let seq = Ident::with_quote('"', SEQ_COLUMN);
    for item in &mut select.projection {
        let options = match item {
            SelectItem::Wildcard(options) => options,
            SelectItem::QualifiedWildcard(
                sqlparser::ast::SelectItemQualifiedWildcardKind::ObjectName(qualifier),
                options,
            ) if qualifier
                .0
                .last()
                .and_then(|p| p.as_ident())
                .zip(alias_name.as_ref())
                .is_some_and(|(q, a)| {
                    crate::names::ident_name(q) == crate::names::ident_name(a)
                }) =>
            {
                options
            }
            _ => continue,
        };
        let column = ObjectName::from(vec![seq.clone()]);
        options.opt_exclude = Some(match options.opt_exclude.take() {
            None => sqlparser::ast::ExcludeSelectItem::Multiple(vec![column]),
            Some(sqlparser::ast::ExcludeSelectItem::Single(other)) => {
                sqlparser::ast::ExcludeSelectItem::Multiple(vec![other, column])
            }
            Some(sqlparser::ast::ExcludeSelectItem::Multiple(mut all)) => {
                all.push(column);
                sqlparser::ast::ExcludeSelectItem::Multiple(all)
            }
        });
    }
    Some(match alias_name {
        Some(alias) => Expr::CompoundIdentifier(vec![alias, seq]),
        None => Expr::Identifier(seq),
    })
}

impl VisitorMut for Flatten {
    type Break = ();

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        order_flattened_rows(query);
        ControlFlow::Continue(())
    }

    fn pre_visit_select(&mut self, select: &mut sqlparser::ast::Select) -> ControlFlow<()> {
        self.seqs.push(number_input_rows(select));
        ControlFlow::Continue(())
    }

    fn post_visit_select(&mut self, _: &mut sqlparser::ast::Select) -> ControlFlow<()> {
        self.seqs.pop();
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<()> {
        let seq = || {
            self.seqs
                .last()
                .cloned()
                .flatten()
                .unwrap_or_else(|| super::calls::number(1))
        };
        if let Some((name, args, alias)) = split_call(factor) {
            match split_to_table(&name, args, alias, seq()) {
                Ok(derived) => *factor = derived,
                Err(e) => {
                    self.error.set(e);
                    return ControlFlow::Break(());
                }
            }
            return ControlFlow::Continue(());
        }
        if let Some((args, alias)) = flatten_call(factor) {
            match flatten(args, alias, seq()) {
                Ok(derived) => *factor = derived,
                Err(e) => {
                    self.error.set(e);
                    return ControlFlow::Break(());
                }
            }
        }
        ControlFlow::Continue(())
    }
}

/// Aggregate functions (Snowflake's and DuckDB's names): a SELECT calling one without OVER
/// groups its rows, so it takes no added ORDER BY.
pub(crate) const AGGREGATES: &[&str] = &[
    "ANY_VALUE",
    "APPROX_COUNT_DISTINCT",
    "APPROX_QUANTILE",
    "ARBITRARY",
    "ARG_MAX",
    "ARG_MIN",
    "AVG",
    "BIT_AND",
    "BIT_OR",
    "BIT_XOR",
    "BOOL_AND",
    "BOOL_OR",
    "CORR",
    "COUNT",
    "COUNT_IF",
    "COUNT_STAR",
    "COVAR_POP",
    "COVAR_SAMP",
    "ENTROPY",
    "FAVG",
    "FIRST",
    "FSUM",
    "GROUP_CONCAT",
    "HISTOGRAM",
    "HLL",
    "KURTOSIS",
    "KURTOSIS_POP",
    "LAST",
    "LIST",
    "LISTAGG",
    "MAD",
    "MAX",
    "MAX_BY",
    "MEDIAN",
    "MIN",
    "MIN_BY",
    "MODE",
    "PERCENTILE_CONT",
    "PERCENTILE_DISC",
    "PRODUCT",
    "QUANTILE",
    "QUANTILE_CONT",
    "QUANTILE_DISC",
    "RESERVOIR_QUANTILE",
    "SKEWNESS",
    "STDDEV",
    "STDDEV_POP",
    "STDDEV_SAMP",
    "STRING_AGG",
    "SUM",
    "SUMKAHAN",
    "VARIANCE",
    "VARIANCE_POP",
    "VARIANCE_SAMP",
    "VAR_POP",
    "VAR_SAMP",
];

/// Whether a call is an aggregate one (no OVER window).
pub(crate) fn is_aggregate_call(f: &Function) -> bool {
    let name = name_of(f);
    f.over.is_none()
        && (!f.within_group.is_empty()
            || name.ends_with("AGG")
            || name.starts_with("REGR_")
            || name.starts_with("APPROX_")
            || name.starts_with("JSON_GROUP_")
            || AGGREGATES.contains(&name.as_str()))
}

/// Whether `items` call an aggregate function (outside subqueries and OVER windows).
pub(crate) fn calls_aggregate(items: &[SelectItem]) -> bool {
    struct Finder(bool);
    impl Visitor for Finder {
        type Break = ();
        fn pre_visit_query(&mut self, _: &Query) -> ControlFlow<()> {
            ControlFlow::Break(())
        }
        fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
            if let Expr::Function(f) = expr {
                if is_aggregate_call(f) {
                    self.0 = true;
                    return ControlFlow::Break(());
                }
            }
            ControlFlow::Continue(())
        }
    }
    let mut finder = Finder(false);
    for item in items {
        let _ = Visit::visit(item, &mut finder);
        if finder.0 {
            return true;
        }
    }
    false
}

/// Snowflake returns FLATTEN's rows input by input, each input's rows in order (array index,
/// then sorted key; a RECURSIVE walk by path); DuckDB's lateral joins interleave and reverse
/// them. A plain SELECT without ORDER BY over a FLATTEN gets one: by each relation before it
/// (its whole row, so views, CTEs and subqueries qualify too), then the FLATTEN's own order.
/// A FLATTEN without an alias gets one (`sg_flatten_<n>`) so the ordering can name it.
fn order_flattened_rows(query: &mut Query) {
    if query.order_by.is_some() {
        return;
    }
    let SetExpr::Select(select) = query.body.as_mut() else {
        return;
    };
    let grouped = !matches!(&select.group_by, GroupByExpr::Expressions(e, _) if e.is_empty());
    if select.distinct.is_some()
        || select.having.is_some()
        || grouped
        || calls_aggregate(&select.projection)
    {
        return;
    }
    let mut keys = Vec::new();
    let mut flattens = 0;
    for table in &mut select.from {
        let factors = std::iter::once(&mut table.relation)
            .chain(table.joins.iter_mut().map(|j| &mut j.relation));
        for factor in factors {
            if let Some((args, alias)) = flatten_call(factor) {
                flattens += 1;
                let name = match alias {
                    Some(a) if !a.columns.is_empty() => continue,
                    Some(a) => a.name,
                    None => {
                        let name = Ident::new(format!("sg_flatten_{flattens}"));
                        set_flatten_alias(factor, name.clone());
                        name
                    }
                };
                let column = |c: &str| {
                    Expr::CompoundIdentifier(vec![name.clone(), Ident::with_quote('"', c)])
                };
                if flatten_args(args).is_ok_and(|a| a.recursive) {
                    keys.push(column("PATH"));
                } else {
                    keys.push(column("INDEX"));
                    keys.push(column("KEY"));
                }
            } else {
                let alias = match factor {
                    TableFactor::Table { name, alias, .. } => alias
                        .as_ref()
                        .map(|a| a.name.clone())
                        .or_else(|| name.0.last().and_then(|p| p.as_ident()).cloned()),
                    TableFactor::Derived { alias, .. }
                    | TableFactor::Function { alias, .. }
                    | TableFactor::TableFunction { alias, .. } => {
                        alias.as_ref().map(|a| a.name.clone())
                    }
                    _ => None,
                };
                keys.extend(alias.map(Expr::Identifier));
            }
        }
    }
    if flattens == 0 {
        return;
    }
    query.order_by = Some(OrderBy {
        kind: OrderByKind::Expressions(
            keys.into_iter()
                .map(|expr| OrderByExpr {
                    expr,
                    options: OrderByOptions {
                        sort: None,
                        nulls_first: None,
                    },
                    with_fill: None,
                })
                .collect(),
        ),
        interpolate: None,
    });
}

fn set_flatten_alias(factor: &mut TableFactor, name: Ident) {
    let alias = Some(TableAlias {
        explicit: true,
        name,
        columns: vec![],
        at: None,
    });
    match factor {
        TableFactor::Function { alias: a, .. } | TableFactor::TableFunction { alias: a, .. } => {
            *a = alias
        }
        _ => {}
    }
}

fn rewrite_function(f: &Function) -> Result<Option<Expr>> {
    if f.over.is_some() {
        return Ok(None);
    }
    let name = name_of(f);
    let Some(args) = plain_args(f) else {
        return Ok(None);
    };
    let n = name.as_str();
    if super::arrays::null_array_argument(n, &args) {
        return Ok(Some(cast_to(null(), DataType::JSON)));
    }
    if let Some(e) = super::arrays::rewrite(n, &args)? {
        return Ok(Some(e));
    }
    let arity = |min: usize, max: usize| check_arity(n, &args, min, max);
    let a = |i: usize| args[i].clone();
    let expr = match n {
        "GET" => {
            arity(2, 2)?;
            extract(a(0), vec![bracket_step(&args[1])])
        }
        // The key as given, else the first key equal to it ignoring case. Keys are looked up
        // as JSON pointers (`/key`, `~` and `/` escaped); DuckDB-only names (`lcase`) keep the
        // later rules from wrapping the lambda's operands.
        "GET_IGNORE_CASE" => {
            arity(2, 2)?;
            let key = cast_to(a(1), DataType::Varchar(None));
            let pointer = |k: Expr| {
                let escaped = func(
                    "replace",
                    vec![
                        func("replace", vec![k, string("~"), string("~0")]),
                        string("/"),
                        string("~1"),
                    ],
                );
                let path = binary(string("/"), BinaryOperator::StringConcat, escaped);
                func("json_extract", vec![a(0), path])
            };
            let same = lambda(
                &["sg_k"],
                binary(
                    func("lcase", vec![ident("sg_k")]),
                    BinaryOperator::Eq,
                    func("lcase", vec![key.clone()]),
                ),
            );
            let found = func(
                "list_extract",
                vec![
                    func("list_filter", vec![func("json_keys", vec![a(0)]), same]),
                    number(1),
                ],
            );
            func("coalesce", vec![pointer(key), pointer(found)])
        }
        "GET_PATH" => {
            arity(2, 2)?;
            let Some(path) = string_literal(&args[1]) else {
                return Err(SnowflakeError::unsupported(
                    "GET_PATH with a path that is not a constant string",
                ));
            };
            extract(a(0), parse_path(path)?)
        }
        "JSON_EXTRACT_PATH_TEXT" => {
            arity(2, 2)?;
            let Some(path) = string_literal(&args[1]) else {
                return Err(SnowflakeError::unsupported(
                    "JSON_EXTRACT_PATH_TEXT with a path that is not a constant string",
                ));
            };
            text_of(extract(a(0), parse_path(path)?))
        }
        "ARRAY_SIZE" => {
            arity(1, 1)?;
            case(
                vec![(
                    eq(json_type(a(0)), string("ARRAY")),
                    number_38(func("json_array_length", vec![a(0)])),
                )],
                None,
            )
        }
        "ARRAY_CONTAINS" => {
            arity(2, 2)?;
            func("list_contains", vec![elements(a(1)), to_json(a(0))])
        }
        "ARRAY_POSITION" => {
            arity(2, 2)?;
            number_38(binary(
                func("list_position", vec![elements(a(1)), to_json(a(0))]),
                BinaryOperator::Minus,
                super::calls::number(1),
            ))
        }
        "ARRAY_APPEND" => {
            arity(2, 2)?;
            to_json(func("list_append", vec![elements(a(0)), to_json(a(1))]))
        }
        "ARRAY_PREPEND" => {
            arity(2, 2)?;
            to_json(func("list_prepend", vec![to_json(a(1)), elements(a(0))]))
        }
        "ARRAY_CAT" => {
            arity(2, 2)?;
            super::calls::null_if_null(
                &[a(0), a(1)],
                to_json(func("list_concat", vec![elements(a(0)), elements(a(1))])),
            )
        }
        "ARRAYS_OVERLAP" => {
            arity(2, 2)?;
            func("list_has_any", vec![elements(a(0)), elements(a(1))])
        }
        "ARRAY_SLICE" => {
            arity(3, 3)?;
            array_slice(a(0), a(1), a(2))
        }
        "ARRAY_COMPACT" => {
            arity(1, 1)?;
            to_json(func(
                "list_filter",
                vec![
                    elements(a(0)),
                    lambda(
                        &["sg_x"],
                        binary(
                            json_type(ident("sg_x")),
                            BinaryOperator::NotEq,
                            string("NULL"),
                        ),
                    ),
                ],
            ))
        }
        "ARRAY_CONSTRUCT_COMPACT" => to_json(func(
            "list_filter",
            vec![
                Expr::Array(sqlparser::ast::Array {
                    elem: args.iter().cloned().map(to_json).collect(),
                    named: false,
                }),
                lambda(
                    &["sg_x"],
                    binary(
                        json_type(ident("sg_x")),
                        BinaryOperator::NotEq,
                        string("NULL"),
                    ),
                ),
            ],
        )),
        "ARRAY_DISTINCT" => {
            arity(1, 1)?;
            // First occurrences, in order: an element is kept where it is first found.
            to_json(func(
                "list_filter",
                vec![
                    elements(a(0)),
                    lambda(
                        &["sg_x", "sg_i"],
                        eq(
                            func("list_position", vec![elements(a(0)), ident("sg_x")]),
                            ident("sg_i"),
                        ),
                    ),
                ],
            ))
        }
        "ARRAY_TO_STRING" => {
            arity(2, 2)?;
            func(
                "array_to_string",
                vec![
                    func(
                        "list_transform",
                        vec![
                            elements(a(0)),
                            lambda(
                                &["sg_x"],
                                func("coalesce", vec![text_of(ident("sg_x")), string("")]),
                            ),
                        ],
                    ),
                    a(1),
                ],
            )
        }
        "OBJECT_KEYS" => {
            arity(1, 1)?;
            case(
                vec![(
                    eq(json_type(a(0)), string("OBJECT")),
                    to_json(func("list_sort", vec![func("json_keys", vec![a(0)])])),
                )],
                None,
            )
        }
        "OBJECT_INSERT" => {
            arity(3, 4)?;
            object_insert(a(0), a(1), a(2), args.get(3).cloned())?
        }
        "OBJECT_DELETE" => {
            if args.is_empty() {
                return Err(super::calls::arity(n, 0, "at least 1"));
            }
            if args.len() == 1 {
                a(0)
            } else {
                let mut patch = Vec::new();
                for k in &args[1..] {
                    patch.push(k.clone());
                    patch.push(null());
                }
                func("json_merge_patch", vec![a(0), func("json_object", patch)])
            }
        }
        "OBJECT_PICK" => {
            if args.len() < 2 {
                return Err(super::calls::arity(n, args.len(), "at least 2"));
            }
            let keys = if args.len() == 2 && !is_text_literal(&args[1]) {
                // OBJECT_PICK(obj, array_of_keys)
                func("json_extract_string", vec![a(1), string("$[*]")])
            } else {
                Expr::Array(sqlparser::ast::Array {
                    elem: args[1..].to_vec(),
                    named: false,
                })
            };
            object_pick(a(0), keys)
        }
        "TYPEOF" => {
            arity(1, 1)?;
            // The type test reads its argument many times: a volatile one (RANDOM()) is
            // evaluated once, through a one-element list.
            if is_volatile(&a(0)) {
                func(
                    "list_extract",
                    vec![
                        func(
                            "list_transform",
                            vec![
                                Expr::Array(sqlparser::ast::Array {
                                    elem: vec![a(0)],
                                    named: false,
                                }),
                                lambda(&["sg_once"], type_name(to_json(ident("sg_once")))),
                            ],
                        ),
                        number(1),
                    ],
                )
            } else {
                type_name(to_json(a(0)))
            }
        }
        "IS_OBJECT" | "IS_ARRAY" | "IS_BOOLEAN" | "IS_VARCHAR" | "IS_CHAR" | "IS_NULL_VALUE"
        | "IS_INTEGER" | "IS_DECIMAL" | "IS_DOUBLE" | "IS_REAL" => {
            arity(1, 1)?;
            let t = json_type(to_json(a(0)));
            let test = match n {
                "IS_OBJECT" => eq(t, string("OBJECT")),
                "IS_ARRAY" => eq(t, string("ARRAY")),
                "IS_BOOLEAN" => eq(t, string("BOOLEAN")),
                "IS_VARCHAR" | "IS_CHAR" => eq(t, string("VARCHAR")),
                "IS_NULL_VALUE" => eq(t, string("NULL")),
                "IS_INTEGER" => in_list(t, &["UBIGINT", "BIGINT"]),
                "IS_DECIMAL" => in_list(type_name(to_json(a(0))), &["INTEGER", "DECIMAL"]),
                _ => in_list(t, &["UBIGINT", "BIGINT", "DOUBLE"]),
            };
            // FALSE, not NULL, for SQL NULL.
            func("coalesce", vec![test, Expr::value(Value::Boolean(false))])
        }
        // A fixed-point value (not a floating-point one) as NUMBER(p, s), 38 and 0 by default.
        "AS_DECIMAL" | "AS_NUMBER" => {
            arity(1, 3)?;
            let digits = |i: usize, default: i64| match args.get(i) {
                None => Ok(default),
                Some(e) => integer_literal(e).ok_or_else(|| {
                    SnowflakeError::compilation(
                        ErrorCode::BadArgumentValue,
                        format!(
                            "argument {} to function {n} needs to be constant, found '{e}'",
                            i + 1
                        ),
                    )
                }),
            };
            let (precision, scale) = (digits(1, 38)?, digits(2, 0)?);
            if !(1..=38).contains(&precision) || !(0..=precision).contains(&scale) {
                return Err(SnowflakeError::compilation(
                    ErrorCode::BadArgumentValue,
                    format!("invalid precision {precision} or scale {scale} for function {n}"),
                ));
            }
            let exact = DataType::Decimal(sqlparser::ast::ExactNumberInfo::PrecisionAndScale(
                precision as u64,
                scale,
            ));
            case(
                vec![(
                    in_list(type_name(to_json(a(0))), &["INTEGER", "DECIMAL"]),
                    cast_to(a(0), exact),
                )],
                None,
            )
        }
        "AS_VARCHAR" | "AS_CHAR" => {
            arity(1, 1)?;
            as_type(a(0), &["VARCHAR"], text_of(a(0)))
        }
        "AS_INTEGER" => {
            arity(1, 1)?;
            as_type(a(0), &["UBIGINT", "BIGINT"], number_38(a(0)))
        }
        "AS_DOUBLE" | "AS_REAL" => {
            arity(1, 1)?;
            as_type(
                a(0),
                &["UBIGINT", "BIGINT", "DOUBLE"],
                cast_to(a(0), data_type("DOUBLE")),
            )
        }
        "AS_BOOLEAN" => {
            arity(1, 1)?;
            as_type(a(0), &["BOOLEAN"], cast_to(a(0), DataType::Boolean))
        }
        "AS_OBJECT" => {
            arity(1, 1)?;
            as_type(a(0), &["OBJECT"], a(0))
        }
        "AS_ARRAY" => {
            arity(1, 1)?;
            as_type(a(0), &["ARRAY"], a(0))
        }
        "TO_VARIANT" => {
            arity(1, 1)?;
            to_json(a(0))
        }
        "TO_JSON" => {
            arity(1, 1)?;
            sorted_json(to_json(a(0)))
        }
        "STRIP_NULL_VALUE" => {
            arity(1, 1)?;
            case(
                vec![(eq(json_type(a(0)), string("NULL")), json_null())],
                Some(a(0)),
            )
        }
        // Whatever cannot be read (a duplicate key included) is NULL.
        "TRY_PARSE_JSON" => {
            let mode = crate::rules::functions::json_parse_mode(n, &args)?;
            let read = func("sg_try_parse_json", vec![varchar(a(0)), mode]);
            case(
                vec![(
                    func("json_valid", vec![read.clone()]),
                    func("json", vec![read]),
                )],
                Some(json_null()),
            )
        }
        "CHECK_JSON" => {
            arity(1, 1)?;
            case(
                vec![
                    (is_null(a(0)), null()),
                    (func("json_valid", vec![a(0)]), null()),
                ],
                Some(string("invalid JSON")),
            )
        }
        _ => return Ok(None),
    };
    Ok(Some(expr))
}

/// Snowflake's TYPEOF names for a JSON value.
fn type_name(j: Expr) -> Expr {
    let t = json_type(j.clone());
    case(
        vec![
            (
                in_list(t.clone(), &["UBIGINT", "BIGINT"]),
                string("INTEGER"),
            ),
            (
                eq(t.clone(), string("DOUBLE")),
                case(
                    vec![(
                        func(
                            "contains",
                            vec![func("lower", vec![varchar(j)]), string("e")],
                        ),
                        string("DOUBLE"),
                    )],
                    Some(string("DECIMAL")),
                ),
            ),
            (eq(t.clone(), string("NULL")), string("NULL_VALUE")),
            (
                in_list(t.clone(), &["OBJECT", "ARRAY", "VARCHAR", "BOOLEAN"]),
                t,
            ),
        ],
        None,
    )
}

/// `AS_<type>(v)`: the value when its JSON type is one of `types`, else NULL.
fn as_type(v: Expr, types: &[&str], value: Expr) -> Expr {
    case(vec![(in_list(json_type(v), types), value)], None)
}

/// `ARRAY_SLICE(a, from, to)`: 0-based, `to` excluded, negative positions count from the end →
/// DuckDB's 1-based inclusive `list_slice`.
fn array_slice(array: Expr, from: Expr, to: Expr) -> Expr {
    let begin = match integer_literal(&from) {
        Some(i) if i >= 0 => super::calls::number(i + 1),
        Some(i) => super::calls::number(i),
        None => case(
            vec![(
                binary(from.clone(), BinaryOperator::GtEq, super::calls::number(0)),
                binary(from.clone(), BinaryOperator::Plus, super::calls::number(1)),
            )],
            Some(from.clone()),
        ),
    };
    let end = match integer_literal(&to) {
        Some(i) if i >= 0 => super::calls::number(i),
        Some(i) => super::calls::number(i - 1),
        None => case(
            vec![(
                binary(to.clone(), BinaryOperator::GtEq, super::calls::number(0)),
                to.clone(),
            )],
            Some(binary(
                to.clone(),
                BinaryOperator::Minus,
                super::calls::number(1),
            )),
        ),
    };
    let sliced = to_json(func("list_slice", vec![elements(array), begin, end]));
    if integer_literal(&from).is_some() && integer_literal(&to).is_some() {
        return sliced;
    }
    case(
        vec![(
            binary(is_null(from), BinaryOperator::Or, is_null(to)),
            json_null(),
        )],
        Some(sliced),
    )
}

/// An object as a DuckDB `MAP(VARCHAR, JSON)`, keys in order.
fn object_map(o: Expr) -> Expr {
    func(
        "map",
        vec![
            func("json_keys", vec![o.clone()]),
            func("json_extract", vec![o, string("$.*")]),
        ],
    )
}

/// `OBJECT_INSERT(o, k, v [, update])`: a new key (an existing one is an error unless `update`
/// is true, then its value is replaced); a SQL NULL value leaves the object as it is.
fn object_insert(o: Expr, k: Expr, v: Expr, update: Option<Expr>) -> Result<Expr> {
    let update = match &update {
        None => false,
        Some(Expr::Value(val)) => match val.value {
            Value::Boolean(b) => b,
            _ => {
                return Err(SnowflakeError::unsupported(
                    "OBJECT_INSERT with an update flag that is not TRUE or FALSE",
                ))
            }
        },
        Some(_) => {
            return Err(SnowflakeError::unsupported(
                "OBJECT_INSERT with an update flag that is not TRUE or FALSE",
            ))
        }
    };
    let inserted = to_json(func(
        "map_concat",
        vec![
            object_map(o.clone()),
            func(
                "map",
                vec![
                    Expr::Array(sqlparser::ast::Array {
                        elem: vec![k.clone()],
                        named: false,
                    }),
                    Expr::Array(sqlparser::ast::Array {
                        elem: vec![to_json(v.clone())],
                        named: false,
                    }),
                ],
            ),
        ],
    ));
    let mut whens = vec![(is_null(v), o.clone())];
    if !update {
        whens.push((
            func("list_contains", vec![func("json_keys", vec![o]), k.clone()]),
            func(
                "error",
                vec![binary(
                    binary(
                        string("Duplicate field key '"),
                        BinaryOperator::StringConcat,
                        varchar(k),
                    ),
                    BinaryOperator::StringConcat,
                    string("'"),
                )],
            ),
        ));
    }
    Ok(case(whens, Some(inserted)))
}

/// `OBJECT_PICK(o, keys...)`: the object with only the listed keys that it has.
fn object_pick(o: Expr, keys: Expr) -> Expr {
    to_json(func(
        "map_from_entries",
        vec![func(
            "list_filter",
            vec![
                func("map_entries", vec![object_map(o)]),
                lambda(
                    &["sg_e"],
                    func(
                        "list_contains",
                        vec![
                            keys,
                            Expr::CompoundIdentifier(vec![Ident::new("sg_e"), Ident::new("key")]),
                        ],
                    ),
                ),
            ],
        )],
    ))
}

// ---------------------------------------------------------------------------------------------
// FLATTEN

/// The arguments and alias of a `FLATTEN(...)` / `TABLE(FLATTEN(...))` table factor.
fn flatten_call(factor: &TableFactor) -> Option<(Vec<FunctionArg>, Option<TableAlias>)> {
    match factor {
        TableFactor::Function {
            name, args, alias, ..
        } if is_flatten(name) => Some((args.clone(), alias.clone())),
        TableFactor::TableFunction {
            expr: Expr::Function(f),
            alias,
        } if is_flatten(&f.name) => match &f.args {
            FunctionArguments::List(list) => Some((list.args.clone(), alias.clone())),
            _ => Some((vec![], alias.clone())),
        },
        _ => None,
    }
}

/// A `SPLIT_TO_TABLE(s, delimiter)` or `STRTOK_SPLIT_TO_TABLE(s [, delimiters])` table
/// function: its name (upper-case), arguments and alias.
fn split_call(factor: &TableFactor) -> Option<(String, Vec<Expr>, Option<TableAlias>)> {
    let (name, args, alias) = match factor {
        TableFactor::Function {
            name, args, alias, ..
        } => (name.to_string(), args.clone(), alias.clone()),
        TableFactor::TableFunction {
            expr: Expr::Function(f),
            alias,
        } => match &f.args {
            FunctionArguments::List(list) => (f.name.to_string(), list.args.clone(), alias.clone()),
            _ => (f.name.to_string(), vec![], alias.clone()),
        },
        _ => return None,
    };
    let name = name.to_ascii_uppercase();
    if name != "SPLIT_TO_TABLE" && name != "STRTOK_SPLIT_TO_TABLE" {
        return None;
    }
    let args = args
        .into_iter()
        .map(|a| match a {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
            _ => None,
        })
        .collect::<Option<Vec<Expr>>>()?;
    Some((name, args, alias))
}

/// `SPLIT_TO_TABLE(s, d)` / `STRTOK_SPLIT_TO_TABLE(s [, delimiters])` → a lateral subquery
/// with Snowflake's columns SEQ (as FLATTEN's), INDEX (from 1) and VALUE (text), one row per
/// part: SPLIT_TO_TABLE splits at each `d`, STRTOK_SPLIT_TO_TABLE keeps the non-empty tokens
/// between any of the delimiter characters (a space by default).
fn split_to_table(
    name: &str,
    args: Vec<Expr>,
    alias: Option<TableAlias>,
    seq: Expr,
) -> Result<TableFactor> {
    let parts = if name == "SPLIT_TO_TABLE" {
        super::calls::check_arity(name, &args, 2, 2)?;
        func("string_split", args)
    } else {
        super::calls::check_arity(name, &args, 1, 2)?;
        let mut args = args.into_iter();
        let s = args.next().expect("checked arity");
        let delims = args.next().unwrap_or_else(|| string(" "));
        super::strings::tokens(s, delims)
    };
    let mut query = parse_query(
        "SELECT SG_SEQ AS \"SEQ\", CAST(sg_s.i AS DECIMAL(38, 0)) AS \"INDEX\", \
         sg_s.v AS \"VALUE\" FROM (SELECT unnest(SG_PARTS) AS v, \
         generate_subscripts(SG_PARTS, 1) AS i) AS sg_s",
    );
    let _ = VisitMut::visit(
        &mut query,
        &mut Fill(&[("SG_SEQ", seq), ("SG_PARTS", parts)]),
    );
    Ok(TableFactor::Derived {
        lateral: false,
        subquery: Box::new(query),
        alias,
        sample: None,
    })
}

fn is_flatten(name: &ObjectName) -> bool {
    name.to_string().eq_ignore_ascii_case("FLATTEN")
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    Object,
    Array,
    Both,
}

struct FlattenArgs {
    input: Expr,
    path: String,
    outer: bool,
    recursive: bool,
    mode: Mode,
}

fn flatten_args(args: Vec<FunctionArg>) -> Result<FlattenArgs> {
    const NAMES: [&str; 5] = ["INPUT", "PATH", "OUTER", "RECURSIVE", "MODE"];
    let mut values: [Option<Expr>; 5] = Default::default();
    let mut position = 0;
    for arg in args {
        let (slot, e) = match arg {
            FunctionArg::Named {
                name,
                arg: FunctionArgExpr::Expr(e),
                ..
            } => {
                let upper = name.value.to_ascii_uppercase();
                let Some(slot) = NAMES.iter().position(|n| *n == upper) else {
                    return Err(SnowflakeError::compilation(
                        ErrorCode::InvalidArgumentTypes,
                        format!(
                            "invalid argument name '{}' for function FLATTEN",
                            name.value
                        ),
                    ));
                };
                (slot, e)
            }
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => {
                position += 1;
                (position - 1, e)
            }
            other => {
                return Err(SnowflakeError::unsupported(format!(
                    "FLATTEN argument {other}"
                )))
            }
        };
        if slot >= NAMES.len() {
            return Err(SnowflakeError::compilation(
                ErrorCode::InvalidArgumentTypes,
                "too many arguments for function FLATTEN".to_string(),
            ));
        }
        values[slot] = Some(e);
    }
    let [input, path, outer, recursive, mode] = values;
    let Some(input) = input else {
        return Err(SnowflakeError::compilation(
            ErrorCode::InvalidArgumentTypes,
            "argument INPUT is required for function FLATTEN".to_string(),
        ));
    };
    let flag = |e: Option<Expr>, what: &str| -> Result<bool> {
        match e {
            None => Ok(false),
            Some(Expr::Value(v)) => match v.value {
                Value::Boolean(b) => Ok(b),
                _ => Err(SnowflakeError::unsupported(format!(
                    "FLATTEN {what} that is not TRUE or FALSE"
                ))),
            },
            Some(_) => Err(SnowflakeError::unsupported(format!(
                "FLATTEN {what} that is not TRUE or FALSE"
            ))),
        }
    };
    let path = match path {
        None => String::new(),
        Some(p) => match string_literal(&p) {
            Some(s) => s.to_string(),
            None => {
                return Err(SnowflakeError::unsupported(
                    "FLATTEN PATH that is not a constant string",
                ))
            }
        },
    };
    let mode = match mode
        .as_ref()
        .map(|m| string_literal(m).map(str::to_ascii_uppercase))
    {
        None => Mode::Both,
        Some(Some(m)) if m == "BOTH" => Mode::Both,
        Some(Some(m)) if m == "OBJECT" => Mode::Object,
        Some(Some(m)) if m == "ARRAY" => Mode::Array,
        Some(_) => {
            return Err(SnowflakeError::compilation(
                ErrorCode::InvalidArgumentTypes,
                "FLATTEN MODE must be 'OBJECT', 'ARRAY' or 'BOTH'".to_string(),
            ))
        }
    };
    Ok(FlattenArgs {
        input,
        path,
        outer: flag(outer, "OUTER")?,
        recursive: flag(recursive, "RECURSIVE")?,
        mode,
    })
}

/// The FLATTEN row source as DuckDB SQL; placeholders (`SG_*` identifiers) are replaced by
/// expressions built here.
const FLATTEN_TEMPLATE: &str = "SELECT SG_SEQ AS \"SEQ\", \
     CASE WHEN sg_e.ptype = 'OBJECT' THEN sg_e.key END AS \"KEY\", \
     regexp_replace(regexp_replace(SG_PREFIX || substr(sg_e.fullkey, 2), SG_QUOTED_RE, SG_QUOTED_REPL, 'g'), SG_LEAD_RE, '') AS \"PATH\", \
     CASE WHEN sg_e.ptype = 'ARRAY' THEN CAST(sg_e.key AS DECIMAL(38, 0)) END AS \"INDEX\", \
     CAST(sg_e.value AS JSON) AS \"VALUE\", \
     CAST(coalesce(sg_e.pvalue, sg_i.sg_this) AS JSON) AS \"THIS\" \
     FROM (SELECT SG_THIS AS sg_this) AS sg_i SG_JOIN";

const EACH_TEMPLATE: &str = "SELECT sg_j.key, sg_j.value, sg_j.fullkey, sg_j.id, \
     json_type(sg_i.sg_this) AS ptype, sg_i.sg_this AS pvalue \
     FROM json_each(sg_i.sg_this) AS sg_j WHERE SG_MODES";

const TREE_TEMPLATE: &str = "SELECT sg_j.key, sg_j.value, sg_j.fullkey, sg_j.id, \
     sg_p.type AS ptype, sg_p.value AS pvalue \
     FROM json_tree(sg_i.sg_this) AS sg_j, json_tree(sg_i.sg_this) AS sg_p \
     WHERE sg_p.id = sg_j.parent AND SG_MODES AND SG_MODE_FILTER";

fn parse_query(sql: &str) -> Query {
    match crate::parse::parse(sql)
        .expect("FLATTEN template parses")
        .remove(0)
    {
        Statement::Query(q) => *q,
        other => unreachable!("template is a query: {other}"),
    }
}

/// Replace `SG_*` placeholder identifiers in a template.
struct Fill<'a>(&'a [(&'a str, Expr)]);

impl VisitorMut for Fill<'_> {
    type Break = ();
    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if let Expr::Identifier(i) = expr {
            if let Some((_, e)) = self.0.iter().find(|(n, _)| *n == i.value) {
                *expr = e.clone();
            }
        }
        ControlFlow::Continue(())
    }
}

/// `FLATTEN(INPUT => v [, PATH => 'p'] [, OUTER => b] [, RECURSIVE => b] [, MODE => m])` → a
/// LATERAL subquery over DuckDB's `json_each` (or `json_tree` for RECURSIVE) with Snowflake's
/// columns SEQ (the `seq` expression, see [`number_input_rows`]), KEY, PATH, INDEX, VALUE, THIS.
fn flatten(args: Vec<FunctionArg>, alias: Option<TableAlias>, seq: Expr) -> Result<TableFactor> {
    let a = flatten_args(args)?;
    let steps = if a.path.is_empty() {
        vec![]
    } else {
        parse_path(&a.path)?
    };
    if steps.iter().any(|s| matches!(s, Step::Index(i) if *i < 0)) {
        return Err(SnowflakeError::unsupported(
            "FLATTEN PATH with a negative index",
        ));
    }
    let this = if steps.is_empty() {
        a.input.clone()
    } else {
        extract(a.input.clone(), steps)
    };
    let modes: &[&str] = match a.mode {
        Mode::Both => &["OBJECT", "ARRAY"],
        Mode::Object => &["OBJECT"],
        Mode::Array => &["ARRAY"],
    };
    let this_ref = Expr::CompoundIdentifier(vec![Ident::new("sg_i"), Ident::new("sg_this")]);
    let modes_filter = in_list(json_type(this_ref), modes);
    // Recursion descends only through containers of the mode's kind: with quoted keys removed,
    // an OBJECT-only path has no `[`, an ARRAY-only path no `.`.
    let unquoted_path = func(
        "regexp_replace",
        vec![
            Expr::CompoundIdentifier(vec![Ident::new("sg_j"), Ident::new("fullkey")]),
            string("\"([^\"\\\\]|\\\\.)*\""),
            string(""),
            string("g"),
        ],
    );
    let mode_filter = match a.mode {
        Mode::Both => Expr::value(Value::Boolean(true)),
        Mode::Object => Expr::UnaryOp {
            op: sqlparser::ast::UnaryOperator::Not,
            expr: Box::new(func("contains", vec![unquoted_path, string("[")])),
        },
        Mode::Array => Expr::UnaryOp {
            op: sqlparser::ast::UnaryOperator::Not,
            expr: Box::new(func("contains", vec![unquoted_path, string(".")])),
        },
    };
    let mut inner = parse_query(if a.recursive {
        TREE_TEMPLATE
    } else {
        EACH_TEMPLATE
    });
    let _ = VisitMut::visit(
        &mut inner,
        &mut Fill(&[("SG_MODES", modes_filter), ("SG_MODE_FILTER", mode_filter)]),
    );
    let join = if a.outer {
        "LEFT JOIN LATERAL (SELECT 1) AS sg_e ON TRUE"
    } else {
        ", LATERAL (SELECT 1) AS sg_e"
    };
    let mut query = parse_query(&FLATTEN_TEMPLATE.replace("SG_JOIN", join));
    let _ = VisitMut::visit(
        &mut query,
        &mut Fill(&[
            ("SG_SEQ", seq),
            // Sorted, so that FLATTEN meets an object's keys in Snowflake's order.
            ("SG_THIS", cast_to(sorted_json(this), DataType::JSON)),
            ("SG_PREFIX", string(&a.path)),
            ("SG_QUOTED_RE", string("\\.\"(([^\"\\\\]|\\\\.)*)\"")),
            ("SG_QUOTED_REPL", string("['\\1']")),
            (
                "SG_LEAD_RE",
                string(if a.path.is_empty() { "^\\." } else { "^$" }),
            ),
        ]),
    );
    // Put the json_each / json_tree query in place of the `(SELECT 1)` join placeholder.
    if let SetExpr::Select(select) = query.body.as_mut() {
        for table in &mut select.from {
            let factors = std::iter::once(&mut table.relation)
                .chain(table.joins.iter_mut().map(|j| &mut j.relation));
            for factor in factors {
                if let TableFactor::Derived {
                    subquery, alias, ..
                } = factor
                {
                    if alias.as_ref().is_some_and(|a| a.name.value == "sg_e") {
                        **subquery = inner.clone();
                    }
                }
            }
        }
    }
    // DuckDB joins a correlated subquery laterally without the keyword, and a first FROM item
    // cannot be LATERAL.
    Ok(TableFactor::Derived {
        lateral: false,
        subquery: Box::new(query),
        alias,
        sample: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::translate;

    #[test]
    fn known_variant_columns_read_as_text_where_snowflake_casts_them() {
        let sql = "select v::string as s, upper(v) as u, n::string as n2 from t where v = 'a'";
        let mut s = crate::parse::parse(sql).unwrap().remove(0);
        assert!(wants_column_types(&s));
        rewrite_semi_structured(&mut s, &["V".to_string()]).unwrap();
        assert_eq!(
            s.to_string(),
            "SELECT sg_json_text(v)::STRING AS s, \
             upper(sg_json_text(v)) AS u, n::STRING AS n2 FROM t \
             WHERE sg_json_text(v) = 'a'"
        );
        let plain = crate::parse::parse("select * from t where id = 5")
            .unwrap()
            .remove(0);
        assert!(!wants_column_types(&plain));
    }

    #[test]
    fn paths_are_json_extract() {
        assert_eq!(
            translate("select v:a.b[0] as x from t"),
            "SELECT json_extract(\"V\", '$.\"a\".\"b\"[0]') AS \"X\" FROM \"T\""
        );
    }

    #[test]
    fn bracket_and_quoted_keys_keep_case() {
        assert_eq!(
            translate("select v['Ab']:\"Quoted Key\" as x from t"),
            "SELECT json_extract(json_extract(\"V\", '$.\"Ab\"'), '$.\"Quoted Key\"') AS \"X\" FROM \"T\""
        );
    }

    #[test]
    fn negative_index_is_null() {
        assert_eq!(
            translate("select v[-1] as x from t"),
            "SELECT CAST(NULL AS JSON) AS \"X\" FROM \"T\""
        );
    }

    #[test]
    fn string_cast_reads_the_scalar() {
        assert_eq!(
            translate("select v:a::string as x from t"),
            "SELECT sg_json_text(json_extract(\"V\", '$.\"a\"'))::VARCHAR AS \"X\" FROM \"T\""
        );
    }

    #[test]
    fn number_cast_is_a_json_cast() {
        assert_eq!(
            translate("select v:a::int as x from t"),
            "SELECT json_extract(\"V\", '$.\"a\"')::DECIMAL(38, 0) AS \"X\" FROM \"T\""
        );
    }

    #[test]
    fn variant_cast_is_to_json() {
        assert_eq!(
            translate("select 'a'::variant as x"),
            "SELECT json_quote('a') AS \"X\""
        );
    }

    #[test]
    fn variant_compared_with_text_is_text() {
        assert_eq!(
            translate("select 1 as x from t where v:a = 'x'"),
            "SELECT CAST(1 AS DECIMAL(1, 0)) AS \"X\" FROM \"T\" WHERE sg_json_text(json_extract(\"V\", '$.\"a\"')) = 'x'"
        );
    }

    #[test]
    fn variant_arguments_of_text_functions_are_text() {
        assert_eq!(
            translate("select upper(v:a) as x from t"),
            "SELECT upper(sg_json_text(json_extract(\"V\", '$.\"a\"'))) AS \"X\" FROM \"T\""
        );
    }

    #[test]
    fn get_path_reads_the_path_text() {
        assert_eq!(
            translate("select get_path(v, 'a[1].\"b c\"') as x from t"),
            "SELECT json_extract(\"V\", '$.\"a\"[1].\"b c\"') AS \"X\" FROM \"T\""
        );
    }

    #[test]
    fn get_index() {
        assert_eq!(
            translate("select get(v, 2) as x from t"),
            "SELECT json_extract(\"V\", '$[2]') AS \"X\" FROM \"T\""
        );
    }

    #[test]
    fn array_size_only_for_arrays() {
        assert_eq!(
            translate("select array_size(v) as x from t"),
            "SELECT CASE WHEN json_type(\"V\") = 'ARRAY' THEN CAST(json_array_length(\"V\") AS DECIMAL(38, 0)) END AS \"X\" FROM \"T\""
        );
    }

    #[test]
    fn array_slice_is_list_slice() {
        assert_eq!(
            translate("select array_slice(v, 1, -1) as x from t"),
            "SELECT json_quote(list_slice(json_extract(\"V\", '$[*]'), 2, -2)) AS \"X\" FROM \"T\""
        );
    }

    #[test]
    fn array_append_is_list_append() {
        assert_eq!(
            translate("select array_append(v, 'x') as y from t"),
            "SELECT json_quote(list_append(json_extract(\"V\", '$[*]'), json_quote('x'))) AS \"Y\" FROM \"T\""
        );
    }

    #[test]
    fn object_delete_is_merge_patch() {
        assert_eq!(
            translate("select object_delete(o, 'a') as y from t"),
            "SELECT json_merge_patch(\"O\", json_object('a', NULL)) AS \"Y\" FROM \"T\""
        );
    }

    #[test]
    fn is_object_tests_json_type() {
        assert_eq!(
            translate("select is_object(array_construct(1)) as y"),
            "SELECT coalesce(json_type(json_quote(json_array(1))) = 'OBJECT', false) AS \"Y\""
        );
    }

    #[test]
    fn flatten_is_a_lateral_json_each() {
        let sql = translate("select f.value from t, lateral flatten(input => t.v) f");
        // SEQ numbers the input table's rows.
        assert!(
            sql.contains("FROM (SELECT *, row_number() OVER () AS \"SG_SEQ\" FROM \"T\") AS \"T\", (SELECT \"T\".\"SG_SEQ\" AS \"SEQ\""),
            "{sql}"
        );
        let star = translate("select * from t, lateral flatten(input => t.v) f");
        assert!(
            star.starts_with("SELECT * EXCLUDE (\"SG_SEQ\") FROM"),
            "{star}"
        );
        let star = translate("select f.* from t, lateral flatten(input => t.v) f");
        assert!(!star.contains("EXCLUDE"), "{star}");
        // A constant input has SEQ 1.
        let constant = translate("select * from table(flatten(input => parse_json('[1]')))");
        assert!(
            constant.contains("(SELECT CAST(1 AS DECIMAL(1, 0)) AS \"SEQ\""),
            "{constant}"
        );
        assert!(
            sql.contains("FROM json_each(\"SG_I\".\"SG_THIS\") AS \"SG_J\""),
            "{sql}"
        );
        assert!(
            sql.ends_with(") \"F\" ORDER BY \"T\", \"F\".\"INDEX\", \"F\".\"KEY\""),
            "{sql}"
        );
    }

    #[test]
    fn flattened_rows_are_ordered_unless_the_query_orders_or_groups_them() {
        let sql = translate(
            "select * from table(flatten(input => parse_json('[1]'), recursive => true))",
        );
        assert!(sql.ends_with("ORDER BY \"SG_FLATTEN_1\".\"PATH\""), "{sql}");
        let sql =
            translate("select v.id, f.value from t as v join u on true, lateral flatten(v.x) f");
        assert!(
            sql.ends_with("ORDER BY \"V\", \"U\", \"F\".\"INDEX\", \"F\".\"KEY\""),
            "{sql}"
        );
        for sql in [
            "select f.value from t, lateral flatten(t.v) f order by 1",
            "select count(*) from t, lateral flatten(t.v) f",
            "select array_agg(f.value) from t, lateral flatten(t.v) f",
            "select f.key, count(*) from t, lateral flatten(t.v) f group by 1",
            "select distinct f.key from t, lateral flatten(t.v) f",
            "select f.key from t, lateral flatten(t.v) f union all select 'x'",
        ] {
            let out = translate(sql);
            assert_eq!(
                out.matches("ORDER BY").count(),
                sql.matches("order by").count(),
                "{out}"
            );
        }
        let windowed = translate("select sum(f.index) over () from t, lateral flatten(t.v) f");
        assert!(windowed.ends_with("\"F\".\"KEY\""), "{windowed}");
    }

    #[test]
    fn flatten_recursive_uses_json_tree() {
        let sql = translate(
            "select * from table(flatten(input => parse_json('[1]'), recursive => true))",
        );
        assert!(sql.contains("json_tree("), "{sql}");
    }

    #[test]
    fn path_text_is_parsed() {
        assert_eq!(
            parse_path("a.b[0][\"c d\"]").unwrap(),
            vec![
                Step::Key("a".into()),
                Step::Key("b".into()),
                Step::Index(0),
                Step::Key("c d".into())
            ]
        );
        assert!(parse_path("a..b").is_err());
        assert_eq!(
            parse_path("a:b").unwrap(),
            vec![Step::Key("a".into()), Step::Key("b".into())]
        );
    }
}
