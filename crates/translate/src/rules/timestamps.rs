//! Timestamps in the session time zone.
//!
//! DuckDB (built without ICU) knows only UTC; Snowflake reads zone-less text in the session
//! `TIMEZONE`, shows TIMESTAMP_LTZ values in it and takes their date parts in local time. The
//! engine registers `sg_instant`, `sg_ntz`, their `sg_try_` forms and `sg_local` (see
//! `snowglobe_engine::time_zones`); these rules route Snowflake's conversions through them with
//! the session's zone name as the last argument.

use std::ops::ControlFlow;

use snowglobe_error::{Result, SnowflakeError};
use sqlparser::ast::{
    CastKind, DataType, DateTimeField, Expr, Function, FunctionArg, FunctionArgExpr,
    FunctionArguments, Statement, Value, VisitMut, VisitorMut,
};

use super::calls::plain_args;
use super::functions::call;
use super::FirstError;
use crate::names::Context;
use crate::types::sf_type;
use snowglobe_catalog::SfType;

/// The zone rules use when the session has none (Snowflake's default `TIMEZONE`).
pub const DEFAULT_TIMEZONE: &str = "America/Los_Angeles";

/// Route timestamp conversions, current-time functions and date parts through the session zone.
pub fn timestamps_in_session_zone(statement: &mut Statement, ctx: &Context) -> Result<()> {
    let mut v = Timestamps {
        zone: session_zone(ctx),
        error: FirstError::default(),
    };
    let _ = statement.visit(&mut v);
    v.error.into_result()
}

struct Timestamps {
    zone: String,
    error: FirstError,
}

pub(crate) fn session_zone(ctx: &Context) -> String {
    if ctx.timezone.is_empty() {
        DEFAULT_TIMEZONE.to_string()
    } else {
        ctx.timezone.clone()
    }
}

/// `INSERT ... VALUES` (and UPDATE's and MERGE's assignments) converts each value to its target
/// column the way Snowflake converts: text
/// for a DATE or TIMESTAMP column may be epoch digits (scaled by magnitude) and is read in the
/// session zone, text for a BINARY column is hex, digits for a TIME column are nanoseconds after
/// midnight (how the connectors bind TIME), and any value for a TIMESTAMP column goes through
/// the session zone (a wall clock into TIMESTAMP_LTZ is local time, not UTC). DuckDB's implicit
/// casts do none of this.
pub fn values_take_target_types(statement: &mut Statement, ctx: &Context) -> Result<()> {
    if ctx.target_columns.is_empty() {
        return Ok(());
    }
    let t = Timestamps {
        zone: session_zone(ctx),
        error: FirstError::default(),
    };
    let convert = |expr: &mut Expr, target: &Option<SfType>| -> Result<()> {
        if super::calls::is_default_keyword(expr) {
            return Ok(());
        }
        if let Some(target) = target {
            if let Some(new) = t.to_target(expr, target)? {
                *expr = new;
            }
        }
        Ok(())
    };
    let assign = |assignments: &mut [sqlparser::ast::Assignment]| -> Result<()> {
        for a in assignments {
            if let sqlparser::ast::AssignmentTarget::ColumnName(name) = &a.target {
                convert(&mut a.value, &target_type(name, ctx))?;
            }
        }
        Ok(())
    };
    let insert = match statement {
        Statement::Insert(insert) => insert,
        // UPDATE ... SET and MERGE's clauses write values the same way.
        Statement::Update(update) => return assign(&mut update.assignments),
        Statement::Merge(merge) => {
            use sqlparser::ast::{MergeAction, MergeInsertKind, MergeUpdateKind};
            for clause in &mut merge.clauses {
                match &mut clause.action {
                    MergeAction::Update(update) => {
                        if let MergeUpdateKind::Set(assignments) = &mut update.kind {
                            assign(assignments)?;
                        }
                    }
                    MergeAction::Insert(insert) => {
                        let targets: Vec<Option<SfType>> = if insert.columns.is_empty() {
                            ctx.target_columns.iter().map(|(_, t)| Some(*t)).collect()
                        } else {
                            insert.columns.iter().map(|c| target_type(c, ctx)).collect()
                        };
                        if let MergeInsertKind::Values(values) = &mut insert.kind {
                            for row in &mut values.rows {
                                for (expr, target) in row.iter_mut().zip(&targets) {
                                    convert(expr, target)?;
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
            return Ok(());
        }
        _ => return Ok(()),
    };
    let targets = insert_targets(insert, ctx);
    let Some(source) = insert.source.as_mut() else {
        return Ok(());
    };
    match source.body.as_mut() {
        sqlparser::ast::SetExpr::Values(values) => {
            for row in &mut values.rows {
                for (expr, target) in row.iter_mut().zip(&targets) {
                    convert(expr, target)?;
                }
            }
        }
        // INSERT ... SELECT: the projection converts the same way (not through `*`).
        sqlparser::ast::SetExpr::Select(select) => {
            use sqlparser::ast::SelectItem;
            if select.projection.len() == targets.len() {
                for (item, target) in select.projection.iter_mut().zip(&targets) {
                    match item {
                        SelectItem::UnnamedExpr(expr) | SelectItem::ExprWithAlias { expr, .. } => {
                            convert(expr, target)?
                        }
                        _ => {}
                    }
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// The type of the column each inserted value goes to (`None` where unknown), from the
/// target table's columns in `ctx.target_columns`.
pub fn insert_targets(insert: &sqlparser::ast::Insert, ctx: &Context) -> Vec<Option<SfType>> {
    if insert.columns.is_empty() {
        return ctx.target_columns.iter().map(|(_, t)| Some(*t)).collect();
    }
    insert.columns.iter().map(|c| target_type(c, ctx)).collect()
}

/// The declared type of the target table's column a statement names (`None` if unknown).
pub fn target_type(column: &sqlparser::ast::ObjectName, ctx: &Context) -> Option<SfType> {
    let ident = column.0.last().and_then(|p| p.as_ident());
    let name = match ident {
        Some(i) if i.quote_style.is_some() => i.value.clone(),
        Some(i) => i.value.to_uppercase(),
        None => column.to_string(),
    };
    ctx.target_columns
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
}

/// Which Snowflake timestamp a conversion produces.
#[derive(Clone, Copy)]
enum Kind {
    Instant,
    WallClock,
    /// TIMESTAMP_TZ: an instant with its own offset.
    WithOffset,
}

impl Kind {
    fn of(t: &SfType) -> Option<Kind> {
        match t {
            SfType::TimestampLtz { .. } => Some(Kind::Instant),
            SfType::TimestampTz { .. } => Some(Kind::WithOffset),
            SfType::TimestampNtz { .. } => Some(Kind::WallClock),
            _ => None,
        }
    }

    fn function(self, try_mode: bool) -> &'static str {
        match (self, try_mode) {
            (Kind::Instant, false) => "sg_instant",
            (Kind::Instant, true) => "sg_try_instant",
            (Kind::WallClock, false) => "sg_ntz",
            (Kind::WallClock, true) => "sg_try_ntz",
            (Kind::WithOffset, false) => "sg_tz",
            (Kind::WithOffset, true) => "sg_try_tz",
        }
    }
}

fn text(s: &str) -> Expr {
    Expr::value(Value::SingleQuotedString(s.to_string()))
}

/// Snowflake's date and time format elements → strptime's. Other characters stand for
/// themselves, letters too (`'HH24:MI "h"'` and `'HH24:MI h'` alike), as in Snowflake.
pub fn strptime_format(format: &str) -> Result<String> {
    const ELEMENTS: &[(&str, &str)] = &[
        ("YYYY", "%Y"),
        ("YY", "%y"),
        ("MMMM", "%B"),
        ("MON", "%b"),
        ("MM", "%m"),
        ("DD", "%d"),
        ("DY", "%a"),
        ("HH24", "%H"),
        ("HH12", "%I"),
        ("HH", "%H"),
        ("AM", "%p"),
        ("PM", "%p"),
        ("MI", "%M"),
        ("SS", "%S"),
        ("FF9", "%n"),
        ("FF6", "%f"),
        ("FF3", "%g"),
        ("FF", "%n"),
        ("TZH:TZM", "%z"),
        ("TZHTZM", "%z"),
    ];
    let mut out = String::new();
    let mut rest = format;
    'outer: while !rest.is_empty() {
        if let Some(quoted) = rest.strip_prefix('"') {
            let end = quoted.find('"').unwrap_or(quoted.len());
            out.push_str(&quoted[..end].replace('%', "%%"));
            rest = quoted.get(end + 1..).unwrap_or("");
            continue;
        }
        for (element, strptime) in ELEMENTS {
            if rest.len() >= element.len() && rest[..element.len()].eq_ignore_ascii_case(element) {
                out.push_str(strptime);
                rest = &rest[element.len()..];
                continue 'outer;
            }
        }
        // Elements Snowflake has and this mapping does not: an error, not literal text.
        const UNMAPPED: &[&str] = &[
            "TZH", "TZM", "TZR", "UUUU", "FF0", "FF1", "FF2", "FF4", "FF5", "FF7", "FF8",
        ];
        if let Some(element) = UNMAPPED
            .iter()
            .find(|e| rest.len() >= e.len() && rest[..e.len()].eq_ignore_ascii_case(e))
        {
            return Err(SnowflakeError::unsupported(format!(
                "date/time format element {element} in format '{format}'"
            )));
        }
        let c = rest.chars().next().unwrap_or(' ');
        if c == '%' {
            out.push('%');
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    Ok(out)
}

impl Timestamps {
    /// One VALUES expression converted to its target column's type, if it needs converting.
    fn to_target(&self, expr: &Expr, target: &SfType) -> Result<Option<Expr>> {
        let literal = match expr {
            Expr::Value(v) => match &v.value {
                Value::Null => return Ok(None),
                Value::SingleQuotedString(s) => Some(s.clone()),
                _ => None,
            },
            _ => None,
        };
        Ok(match (target, literal) {
            (SfType::TimestampLtz { .. }, _) => {
                Some(self.convert(Kind::Instant, false, expr.clone()))
            }
            // The stored form itself: offset and all.
            (SfType::TimestampTz { .. }, _) => Some(Expr::Function(call(
                Kind::WithOffset.function(false),
                vec![expr.clone(), self.zone()],
            ))),
            // A wall clock written as such already (see `iso_wall_clock`).
            (SfType::TimestampNtz { .. }, _) if is_wall_clock_literal(expr) => None,
            (SfType::TimestampNtz { .. }, _) => {
                Some(self.convert(Kind::WallClock, false, expr.clone()))
            }
            (SfType::Date, Some(_)) => Some(cast(
                self.convert(Kind::WallClock, false, expr.clone()),
                DataType::Date,
            )),
            (SfType::Time { .. }, Some(s))
                if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) =>
            {
                let nanos: u64 = s
                    .parse()
                    .map_err(|_| SnowflakeError::unsupported(format!("TIME value '{s}'")))?;
                let secs = nanos / 1_000_000_000 % 86_400;
                Some(cast(
                    text(&format!(
                        "{:02}:{:02}:{:02}.{:09}",
                        secs / 3600,
                        secs / 60 % 60,
                        secs % 60,
                        nanos % 1_000_000_000
                    )),
                    DataType::Time(None, sqlparser::ast::TimezoneInfo::None),
                ))
            }
            (SfType::Binary { .. }, Some(_)) => {
                Some(Expr::Function(call("unhex", vec![expr.clone()])))
            }
            // A value written into a text column prints as TO_VARCHAR prints it.
            (SfType::Text { .. }, None) => {
                let mut printed = expr.clone();
                super::conversion::print_operand(&mut printed);
                (printed != *expr).then_some(printed)
            }
            _ => None,
        })
    }

    fn zone(&self) -> Expr {
        text(&self.zone)
    }

    /// `x` converted to a timestamp of `kind`; a TIMESTAMP_TZ as its instant (kept whole where
    /// it passes through, see `rules::timestamp_tz`).
    fn convert(&self, kind: Kind, try_mode: bool, x: Expr) -> Expr {
        if let (Kind::WallClock, Some(literal)) = (kind, iso_wall_clock(&x)) {
            return literal;
        }
        let converted = Expr::Function(call(kind.function(try_mode), vec![x, self.zone()]));
        match kind {
            Kind::WithOffset => super::timestamp_tz::instant_of(converted),
            _ => converted,
        }
    }

    fn local(&self, x: Expr) -> Expr {
        Expr::Function(call("sg_local", vec![x, self.zone()]))
    }

    fn now_local(&self) -> Expr {
        self.local(Expr::Function(call("now", vec![])))
    }

    /// The value a TO_TIMESTAMP-style function converts: its second argument is a scale
    /// (epoch units) or a format.
    fn conversion_input(&self, name: &str, args: &[Expr]) -> Result<Expr> {
        match super::calls::without_auto_format(args) {
            [x] => Ok(x.clone()),
            [x, Expr::Value(v)] => match &v.value {
                Value::Number(scale, _) => {
                    let scale: u32 = scale.parse().map_err(|_| {
                        SnowflakeError::unsupported(format!("{name} scale {scale}"))
                    })?;
                    Ok(Expr::BinaryOp {
                        left: Box::new(Expr::Cast {
                            kind: CastKind::Cast,
                            expr: Box::new(x.clone()),
                            data_type: DataType::Double(sqlparser::ast::ExactNumberInfo::None),
                            format: None,
                        }),
                        op: sqlparser::ast::BinaryOperator::Divide,
                        right: Box::new(Expr::value(Value::Number(format!("1e{scale}"), false))),
                    })
                }
                Value::SingleQuotedString(format) => Ok(super::calls::parse_with_strptime(
                    x,
                    &strptime_format(format)?,
                    "timestamp",
                    format,
                    name.starts_with("TRY_"),
                )),
                _ => Err(SnowflakeError::unsupported(format!(
                    "{name} with argument {v}"
                ))),
            },
            _ => Err(SnowflakeError::unsupported(format!(
                "{name} with {} arguments",
                args.len()
            ))),
        }
    }

    fn rewrite_function(&self, f: &Function) -> Result<Option<Expr>> {
        if f.over.is_some() {
            return Ok(None);
        }
        let name = f.name.to_string().to_ascii_uppercase();
        let Some(args) = plain_args(f) else {
            return Ok(None);
        };
        let (base, try_mode) = match name.strip_prefix("TRY_") {
            Some(base) => (base, true),
            None => (name.as_str(), false),
        };
        let expr = match base {
            "TO_TIMESTAMP_LTZ" => self.convert(
                Kind::Instant,
                try_mode,
                self.conversion_input(&name, &args)?,
            ),
            "TO_TIMESTAMP_TZ" => self.convert(
                Kind::WithOffset,
                try_mode,
                self.conversion_input(&name, &args)?,
            ),
            "TO_TIMESTAMP" | "TO_TIMESTAMP_NTZ" => self.convert(
                Kind::WallClock,
                try_mode,
                self.conversion_input(&name, &args)?,
            ),
            "CURRENT_TIMESTAMP" | "LOCALTIMESTAMP" | "SYSTIMESTAMP" | "GETDATE" if !try_mode => {
                to_precision(&name, &args, Expr::Function(call("now", vec![])), true)?
            }
            "SYSDATE" if !try_mode => cast(
                Expr::Function(call("now", vec![])),
                DataType::Timestamp(None, sqlparser::ast::TimezoneInfo::None),
            ),
            "CURRENT_DATE" if !try_mode => cast(self.now_local(), DataType::Date),
            "CURRENT_TIME" | "LOCALTIME" if !try_mode => cast(
                to_precision(&name, &args, self.now_local(), false)?,
                DataType::Time(None, sqlparser::ast::TimezoneInfo::None),
            ),
            "HOUR" | "MINUTE" | "SECOND" | "YEAR" | "MONTH" | "DAY" | "DAYOFMONTH"
            | "DAYOFWEEK" | "DAYOFWEEKISO" | "DAYOFYEAR" | "WEEK" | "WEEKOFYEAR" | "WEEKISO"
            | "QUARTER" | "YEAROFWEEK" | "YEAROFWEEKISO"
                if args.len() == 1 && !try_mode =>
            {
                let mut g = f.clone();
                set_arg(&mut g, 0, self.local(args[0].clone()));
                Expr::Function(g)
            }
            "DATE_PART" if args.len() == 2 && !try_mode => {
                let mut g = f.clone();
                set_arg(&mut g, 1, self.local(args[1].clone()));
                Expr::Function(g)
            }
            _ => return Ok(None),
        };
        Ok(Some(expr))
    }
}

fn cast(expr: Expr, data_type: DataType) -> Expr {
    Expr::Cast {
        kind: CastKind::Cast,
        expr: Box::new(expr),
        data_type,
        format: None,
    }
}

fn set_arg(f: &mut Function, i: usize, value: Expr) {
    if let FunctionArguments::List(list) = &mut f.args {
        if let Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(e))) = list.args.get_mut(i) {
            *e = value;
        }
    }
}

/// Whether text is an ISO wall clock DuckDB reads as `sg_ntz` does: `YYYY-MM-DD`, or that and
/// ` HH:MI:SS` (or `T`) with at most six fractional digits, a valid date and time (chrono
/// checks the day of the month), no offset.
fn is_iso_wall_clock(text: &str) -> bool {
    let bytes = text.as_bytes();
    let shaped = bytes.len() >= 10
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && bytes[4] == b'-'
        && text.rsplit_once('.').is_none_or(|(_, f)| f.len() <= 6);
    shaped
        && (chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok()
            || chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f").is_ok()
            || chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").is_ok())
}

/// Text that is an ISO wall clock (see [`is_iso_wall_clock`]) as DuckDB's `TIMESTAMP '...'`
/// literal: the same TIMESTAMP_NTZ value `sg_ntz` gives, folded once instead of a function call
/// per value (a multi-row INSERT of timestamps spent most of its time in those calls).
fn iso_wall_clock(e: &Expr) -> Option<Expr> {
    let Expr::Value(v) = e else {
        return None;
    };
    let Value::SingleQuotedString(s) = &v.value else {
        return None;
    };
    is_iso_wall_clock(s).then(|| {
        Expr::TypedString(sqlparser::ast::TypedString {
            data_type: DataType::Timestamp(None, sqlparser::ast::TimezoneInfo::None),
            value: v.clone(),
            uses_odbc_syntax: false,
        })
    })
}

/// Whether an expression is a `TIMESTAMP '...'` literal of an ISO wall clock.
fn is_wall_clock_literal(e: &Expr) -> bool {
    matches!(e, Expr::TypedString(t)
        if matches!(t.data_type, DataType::Timestamp(None, sqlparser::ast::TimezoneInfo::None))
            && matches!(&t.value.value, Value::SingleQuotedString(s) if is_iso_wall_clock(s)))
}

/// A literal DuckDB casts as it stands: not text, or text of ISO characters only.
fn iso_or_no_text(e: &Expr) -> bool {
    match e {
        Expr::Value(v) => match &v.value {
            // Digits alone are no ISO form: Snowflake reads them as seconds since the epoch.
            Value::SingleQuotedString(s) => {
                s.contains(['-', ':'])
                    && s.chars()
                        .all(|c| c.is_ascii_digit() || matches!(c, '-' | ':' | '.' | ' ' | 'T'))
            }
            _ => true,
        },
        _ => false,
    }
}

impl VisitorMut for Timestamps {
    type Break = ();
    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        let result = match expr {
            Expr::Cast {
                kind,
                expr: inner,
                data_type,
                ..
            } => {
                let target = sf_type(data_type).ok();
                match target.as_ref().and_then(Kind::of) {
                    Some(k) => {
                        let try_mode = matches!(kind, CastKind::TryCast | CastKind::SafeCast);
                        Ok(Some(self.convert(k, try_mode, (**inner).clone())))
                    }
                    // The date (time) of a TIMESTAMP_LTZ or TIMESTAMP_TZ is its wall clock's
                    // (DuckDB has no cast from an instant to DATE); dates pass `sg_local`, and
                    // text in the AUTO forms DuckDB does not read (`12/17/1980`, `4:01 PM`)
                    // becomes ISO text there.
                    None if matches!(target, Some(SfType::Date | SfType::Time { .. }))
                        && !iso_or_no_text(inner) =>
                    {
                        **inner = self.local((**inner).clone());
                        Ok(None)
                    }
                    None => Ok(None),
                }
            }
            Expr::Extract {
                expr: inner, field, ..
            } if !matches!(field, DateTimeField::NoDateTime) => {
                **inner = self.local((**inner).clone());
                Ok(None)
            }
            Expr::Function(f) => self.rewrite_function(f),
            _ => Ok(None),
        };
        self.error.replace(expr, result)
    }
}

/// `now` at the fractional-second precision CURRENT_TIMESTAMP(n) / CURRENT_TIME(n) ask for (0 to
/// 9 digits; DuckDB keeps microseconds, so 6 and more are `now` itself): the digits past `n` are
/// taken off, `now - to_microseconds(epoch_us(now) % 10^(6 - n))`. A `zoned` TIMESTAMPTZ is
/// taken off from as its UTC TIMESTAMP, then made an instant again (`sg_instant(.., 'UTC')`:
/// DuckDB subtracts no interval from a TIMESTAMPTZ here).
fn to_precision(name: &str, args: &[Expr], now: Expr, zoned: bool) -> Result<Expr> {
    let digits = match args {
        [] => return Ok(now),
        [Expr::Value(v)] => match &v.value {
            Value::Number(n, _) => n.parse::<u32>().ok().filter(|n| *n <= 9),
            _ => None,
        },
        _ => None,
    };
    let Some(digits) = digits else {
        return Err(SnowflakeError::unsupported(format!(
            "{name} with a precision other than a constant from 0 to 9"
        )));
    };
    if digits >= 6 {
        return Ok(now);
    }
    let unit = 10i64.pow(6 - digits);
    let dropped = super::calls::func(
        "to_microseconds",
        vec![super::calls::binary(
            super::calls::func("epoch_us", vec![now.clone()]),
            sqlparser::ast::BinaryOperator::Modulo,
            super::calls::number(unit),
        )],
    );
    let wall = if zoned {
        super::calls::cast(now, "TIMESTAMP")
    } else {
        now
    };
    let truncated = super::calls::nested(super::calls::binary(
        wall,
        sqlparser::ast::BinaryOperator::Minus,
        dropped,
    ));
    Ok(if zoned {
        super::calls::func("sg_instant", vec![truncated, super::calls::string("UTC")])
    } else {
        truncated
    })
}

#[cfg(test)]
mod tests {
    use super::strptime_format;
    use crate::rules::test_support::translate;

    #[test]
    fn ltz_casts_read_text_in_the_session_zone() {
        assert_eq!(
            translate("select '2024-01-02 03:04:05'::timestamp_ltz as t"),
            "SELECT sg_instant('2024-01-02 03:04:05', 'America/Los_Angeles') AS \"T\""
        );
    }

    #[test]
    fn ntz_conversion_with_scale_divides_epoch() {
        assert_eq!(
            translate("select to_timestamp(x, 3) as t from s"),
            "SELECT sg_ntz(CASE WHEN 1e3 = 0 THEN error('Division by zero') ELSE CAST(\"X\" AS DOUBLE) / 1e3 END, 'America/Los_Angeles') AS \"T\" FROM \"S\""
        );
    }

    #[test]
    fn date_parts_take_local_time() {
        assert_eq!(
            translate("select hour(t) as h from s"),
            "SELECT date_part('hour', sg_local(\"T\", 'America/Los_Angeles')) AS \"H\" FROM \"S\""
        );
    }

    #[test]
    fn insert_values_convert_to_target_columns() {
        use snowglobe_catalog::SfType;
        let sql = "insert into t (d, b, n) values ('1706659200000', 'FF', 'x')";
        let mut s = crate::parse::parse(sql).unwrap().remove(0);
        let mut ctx = crate::rules::test_support::ctx();
        ctx.target_columns = vec![
            ("D".into(), SfType::Date),
            ("B".into(), SfType::Binary { length: 8 }),
            ("N".into(), SfType::TEXT),
        ];
        super::values_take_target_types(&mut s, &ctx).unwrap();
        assert_eq!(
            s.to_string(),
            "INSERT INTO t (d, b, n) VALUES (CAST(sg_ntz('1706659200000', 'America/Los_Angeles') AS DATE), unhex('FF'), 'x')"
        );
    }

    #[test]
    fn iso_wall_clocks_are_timestamp_literals() {
        use snowglobe_catalog::SfType;
        assert_eq!(
            translate("select '2024-01-02 03:04:05.123'::timestamp_ntz as t"),
            "SELECT TIMESTAMP '2024-01-02 03:04:05.123' AS \"T\""
        );
        // Not ISO, an invalid day, or more digits than DuckDB keeps: read by sg_ntz.
        for text in [
            "01/02/2024",
            "2024-02-30 00:00:00",
            "2024-01-02 03:04:05.1234567",
        ] {
            assert_eq!(
                translate(&format!("select '{text}'::timestamp_ntz as t")),
                format!("SELECT sg_ntz('{text}', 'America/Los_Angeles') AS \"T\"")
            );
        }
        let sql = "insert into t values ('2024-01-02T03:04:05'::timestamp, '2024-01-02')";
        let mut s = crate::parse::parse(sql).unwrap().remove(0);
        let mut ctx = crate::rules::test_support::ctx();
        ctx.target_columns = vec![
            ("A".into(), SfType::TimestampNtz { scale: 9 }),
            ("B".into(), SfType::TimestampNtz { scale: 9 }),
        ];
        super::timestamps_in_session_zone(&mut s, &ctx).unwrap();
        super::values_take_target_types(&mut s, &ctx).unwrap();
        assert_eq!(
            s.to_string(),
            "INSERT INTO t VALUES (TIMESTAMP '2024-01-02T03:04:05', TIMESTAMP '2024-01-02')"
        );
    }

    #[test]
    fn formats_map_to_strptime() {
        assert_eq!(
            strptime_format("YYYY-MM-DD HH24:MI:SS.FF").unwrap(),
            "%Y-%m-%d %H:%M:%S.%n"
        );
        assert_eq!(strptime_format("DD/MON/YYYY").unwrap(), "%d/%b/%Y");
        assert_eq!(
            strptime_format("yyyy-mm-dd HH24:MIUTC").unwrap(),
            "%Y-%m-%d %H:%MUTC"
        );
        assert!(strptime_format("HH24:MI TZH").is_err());
    }
}
