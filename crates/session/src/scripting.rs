//! Snowflake Scripting blocks, run statement by statement.
//!
//! `snowglobe_translate::scripting` parses the block; here each expression is evaluated as a
//! `SELECT` with the variables' values put in as literals, and each SQL statement runs as any
//! statement of the session does (`:name` binds filled the same way). Variables hold Snowflake
//! literals of their values' types, so a value keeps its type from one statement to the next.
//!
//! The block answers one row in a column `anonymous block`: the value of its RETURN (NULL
//! without one), or with `RETURN TABLE(rs)` the rows of a RESULTSET.

use std::collections::HashMap;

use snowglobe_engine::arrow::array::Array;
use snowglobe_error::{ErrorCode, Result, SnowflakeError};
use snowglobe_translate::scripting::{
    self, unparenthesized, Binding, Block, Declaration, Handler, Stmt,
};

use crate::commands::variables::{literal, quoted};
use crate::{Request, ResultSet, Session, StatementType};

/// The answer's column name for an anonymous block.
pub const ANONYMOUS_BLOCK: &str = "anonymous block";

/// Names that are not variables but the state of the last statement or the caught error.
const SQLROWCOUNT: &str = "SQLROWCOUNT";

enum Var {
    Value {
        literal: String,
        data_type: Option<String>,
    },
    Row(Vec<(String, String)>),
    Cursor {
        query: String,
        open: Option<(ResultSet, usize)>,
    },
    ResultSet(Option<ResultSet>),
    Exception {
        code: i32,
        message: String,
    },
}

enum Flow {
    Next,
    Break(Option<String>),
    Continue(Option<String>),
    Return(ResultSet),
}

struct Interpreter<'s> {
    session: &'s mut Session,
    scopes: Vec<HashMap<String, Var>>,
    /// The user exception being raised (its name), while the error travels up.
    raised: Option<String>,
    /// Whether the error travelling up came from evaluating an expression (EXPRESSION_ERROR)
    /// rather than from running a statement (STATEMENT_ERROR).
    expression_error: bool,
    /// The answer's column name and, for a procedure, its RETURNS type.
    column: String,
    returns: Option<String>,
}

/// Run an anonymous block given as SQL text.
pub fn run(session: &mut Session, sql: &str) -> Result<ResultSet> {
    run_with(session, sql, ANONYMOUS_BLOCK, None, Vec::new())
}

/// Run a block with `args` (name, literal) declared, answering in `column`, its RETURN value
/// cast to `returns` if given (a procedure's body).
pub fn run_with(
    session: &mut Session,
    sql: &str,
    column: &str,
    returns: Option<&str>,
    args: Vec<(String, String)>,
) -> Result<ResultSet> {
    let block = scripting::parse_block(sql)?;
    let mut top = HashMap::new();
    for (name, literal) in args {
        top.insert(
            name,
            Var::Value {
                literal,
                data_type: None,
            },
        );
    }
    for name in [SQLROWCOUNT, "SQLFOUND", "SQLNOTFOUND", "ACTIVITY_COUNT"] {
        top.insert(
            name.to_string(),
            Var::Value {
                literal: "NULL".into(),
                data_type: None,
            },
        );
    }
    let mut it = Interpreter {
        session,
        scopes: vec![top],
        raised: None,
        expression_error: false,
        column: column.to_string(),
        returns: returns.map(str::to_string),
    };
    match it.block(&block) {
        Ok(Flow::Return(result)) => Ok(result),
        Ok(_) => it.answer("NULL"),
        Err(e) => match it.raised.take() {
            Some(name) => Err(SnowflakeError::new(
                e.code,
                format!("Uncaught exception of type '{name}' : {}", e.message),
            )),
            None => Err(e),
        },
    }
}

fn is_true(literal: &str) -> bool {
    literal.eq_ignore_ascii_case("TRUE")
}

impl Interpreter<'_> {
    fn lookup(&self, name: &str) -> Option<&Var> {
        self.scopes.iter().rev().find_map(|s| s.get(name))
    }

    fn lookup_mut(&mut self, name: &str) -> Option<&mut Var> {
        self.scopes.iter_mut().rev().find_map(|s| s.get_mut(name))
    }

    fn declare(&mut self, name: &str, var: Var) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.insert(name.to_string(), var);
        }
    }

    fn binding(&self, name: &str) -> Option<Binding> {
        match self.lookup(name)? {
            Var::Value { literal, .. } => Some(Binding::Value(parenthesized(literal))),
            Var::Row(columns) => Some(Binding::Row(columns.clone())),
            _ => None,
        }
    }

    fn substitute(&self, text: &str, bare: bool) -> Result<String> {
        scripting::substitute(text, bare, &|name| self.binding(name))
    }

    /// A query's first row as literals (`None` without rows).
    fn first_row(result: &ResultSet) -> Result<Option<Vec<String>>> {
        row_literals(result, 0)
    }

    /// The value of an expression, as a literal of its type (cast to `data_type` if given).
    fn evaluate(&mut self, expr: &str, data_type: Option<&str>) -> Result<String> {
        let expr = self.substitute(expr, true)?;
        let select = match data_type {
            Some(t) => format!("SELECT CAST(({expr}) AS {t})"),
            None => format!("SELECT {expr}"),
        };
        let result = match self.session.query(&select) {
            Ok(result) => result,
            Err(e) => {
                self.expression_error = true;
                return Err(e);
            }
        };
        Ok(Self::first_row(&result)?
            .and_then(|row| row.into_iter().next())
            .unwrap_or_else(|| "NULL".into()))
    }

    fn condition(&mut self, expr: &str) -> Result<bool> {
        Ok(is_true(&self.evaluate(expr, Some("BOOLEAN"))?))
    }

    /// A one-row answer in the block's column.
    fn answer(&mut self, literal: &str) -> Result<ResultSet> {
        let quoted = self.column.replace('"', "\"\"");
        let value = match &self.returns {
            Some(t) => format!("CAST({literal} AS {t})"),
            None => literal.to_string(),
        };
        self.session
            .query(&format!("SELECT {value} AS \"{quoted}\""))
    }

    fn assign(&mut self, name: &str, expr: &str) -> Result<()> {
        let data_type = match self.lookup(name) {
            Some(Var::Value { data_type, .. }) => data_type.clone(),
            Some(_) => {
                return Err(SnowflakeError::unsupported(format!(
                    "assigning a value to '{name}', which is not a variable"
                )))
            }
            None => {
                return Err(SnowflakeError::compilation(
                    ErrorCode::InvalidIdentifier,
                    format!("invalid identifier '{name}'"),
                ))
            }
        };
        let value = self.evaluate(expr, data_type.as_deref())?;
        if let Some(Var::Value { literal, .. }) = self.lookup_mut(name) {
            *literal = value;
        }
        Ok(())
    }

    /// Set a variable that may not be declared yet (SELECT INTO, FETCH).
    fn set(&mut self, name: &str, value: String) -> Result<()> {
        match self.lookup_mut(name) {
            Some(Var::Value { literal, .. }) => *literal = value,
            _ => {
                return Err(SnowflakeError::compilation(
                    ErrorCode::InvalidIdentifier,
                    format!("invalid identifier '{name}'"),
                ))
            }
        }
        Ok(())
    }

    fn declaration(&mut self, d: &Declaration) -> Result<()> {
        match d {
            Declaration::Variable {
                name,
                data_type,
                default,
            } => {
                let literal = match default {
                    Some(e) => self.evaluate(e, data_type.as_deref())?,
                    None => "NULL".into(),
                };
                self.declare(
                    name,
                    Var::Value {
                        literal,
                        data_type: data_type.clone(),
                    },
                );
            }
            Declaration::Cursor { name, query } => self.declare(
                name,
                Var::Cursor {
                    query: query.clone(),
                    open: None,
                },
            ),
            Declaration::ResultSet { name, query } => {
                let result = match query {
                    Some(q) => Some(self.sql(q)?),
                    None => None,
                };
                self.declare(name, Var::ResultSet(result));
            }
            Declaration::Exception {
                name,
                code,
                message,
            } => {
                let code = code.unwrap_or(-20000);
                if !(-20999..=-20000).contains(&code) {
                    return Err(SnowflakeError::compilation(
                        ErrorCode::SyntaxError,
                        format!(
                            "Exception number '{code}' is out of range. Valid range is -20000 to -20999."
                        ),
                    ));
                }
                self.declare(
                    name,
                    Var::Exception {
                        code: code as i32,
                        message: message.clone().unwrap_or_default(),
                    },
                );
            }
        }
        Ok(())
    }

    fn block(&mut self, block: &Block) -> Result<Flow> {
        self.scoped(HashMap::new(), |it| {
            let result = block
                .declarations
                .iter()
                .try_for_each(|d| it.declaration(d))
                .and_then(|()| it.statements(&block.body));
            match (&result, it.handler_for(&block.handlers)) {
                (Err(e), Some(handler)) => it.handle(e.clone(), handler),
                _ => result,
            }
        })
    }

    /// The handler that catches the error on its way up, if any.
    fn handler_for<'h>(&self, handlers: &'h [Handler]) -> Option<&'h Handler> {
        handlers.iter().find(|h| {
            h.exceptions
                .iter()
                .any(|name| match (name.as_str(), &self.raised) {
                    ("OTHER", _) => true,
                    ("STATEMENT_ERROR", None) => !self.expression_error,
                    ("EXPRESSION_ERROR", None) => self.expression_error,
                    (name, Some(raised)) => name == raised,
                    _ => false,
                })
        })
    }

    fn handle(&mut self, e: SnowflakeError, handler: &Handler) -> Result<Flow> {
        let raised = self.raised.take();
        self.expression_error = false;
        let code = e.code().trim_start_matches('0').to_string();
        let mut scope = HashMap::new();
        let value = |literal: String| Var::Value {
            literal,
            data_type: None,
        };
        scope.insert(
            "SQLCODE".into(),
            value(if code.is_empty() { "0".into() } else { code }),
        );
        scope.insert("SQLERRM".into(), value(quoted(&e.message)));
        scope.insert("SQLSTATE".into(), value(quoted(e.sqlstate())));
        let result = self.scoped(scope, |it| it.statements(&handler.body));
        match result {
            // `RAISE;` in a handler raises the caught exception again.
            Err(_) if self.raised.as_deref() == Some("") => {
                self.raised = raised;
                Err(e)
            }
            other => other,
        }
    }

    fn statements(&mut self, statements: &[Stmt]) -> Result<Flow> {
        for s in statements {
            match self.statement(s)? {
                Flow::Next => {}
                other => return Ok(other),
            }
        }
        Ok(Flow::Next)
    }

    /// Run a loop body once; `Some(flow)` ends the loop with that flow.
    fn iteration(&mut self, body: &[Stmt], label: &Option<String>) -> Result<Option<Flow>> {
        let mine = |l: &Option<String>| l.is_none() || l == label;
        Ok(match self.statements(body)? {
            Flow::Next => None,
            Flow::Break(l) if mine(&l) => Some(Flow::Next),
            Flow::Continue(l) if mine(&l) => None,
            other => Some(other),
        })
    }

    /// A FOR loop: the body once per value of its variable, in a scope of its own.
    fn for_each(
        &mut self,
        var: &str,
        values: impl Iterator<Item = Result<Var>>,
        body: &[Stmt],
        label: &Option<String>,
    ) -> Result<Flow> {
        self.scoped(HashMap::new(), |it| {
            for value in values {
                it.declare(var, value?);
                if let Some(flow) = it.iteration(body, label)? {
                    return Ok(flow);
                }
            }
            Ok(Flow::Next)
        })
    }

    /// Run `f` with `scope` as the innermost scope.
    fn scoped<T>(&mut self, scope: HashMap<String, Var>, f: impl FnOnce(&mut Self) -> T) -> T {
        self.scopes.push(scope);
        let result = f(self);
        self.scopes.pop();
        result
    }

    fn statement(&mut self, s: &Stmt) -> Result<Flow> {
        match s {
            Stmt::Block(b) => return self.block(b),
            Stmt::Let(d) => {
                // LET of a declared variable assigns it; otherwise it declares one here.
                if let Declaration::Variable {
                    name,
                    data_type: None,
                    default: Some(e),
                } = d
                {
                    if matches!(self.lookup(name), Some(Var::Value { .. })) {
                        self.assign(name, e)?;
                        return Ok(Flow::Next);
                    }
                }
                self.declaration(d)?;
            }
            Stmt::Assign { name, expr } => {
                if let Some(Var::ResultSet(_)) = self.lookup(name) {
                    let result = self.sql(&unparenthesized(expr))?;
                    if let Some(Var::ResultSet(r)) = self.lookup_mut(name) {
                        *r = Some(result);
                    }
                } else {
                    self.assign(name, expr)?;
                }
            }
            Stmt::If {
                branches,
                otherwise,
            } => {
                for (condition, body) in branches {
                    if self.condition(condition)? {
                        return self.statements(body);
                    }
                }
                return self.statements(otherwise);
            }
            Stmt::ForRange {
                var,
                reverse,
                from,
                to,
                body,
                label,
            } => {
                let bound = |it: &mut Self, e: &str| -> Result<i64> {
                    let v = it.evaluate(e, Some("NUMBER(38,0)"))?;
                    v.parse().map_err(|_| {
                        SnowflakeError::compilation(
                            ErrorCode::InvalidArgumentTypes,
                            format!("invalid FOR loop bound '{e}'"),
                        )
                    })
                };
                let (low, high) = (bound(self, from)?, bound(self, to)?);
                let counters: Box<dyn Iterator<Item = i64>> = if *reverse {
                    Box::new((low..=high).rev())
                } else {
                    Box::new(low..=high)
                };
                let values = counters.map(|i| {
                    Ok(Var::Value {
                        literal: i.to_string(),
                        data_type: None,
                    })
                });
                return self.for_each(var, values, body, label);
            }
            Stmt::ForCursor {
                var,
                source,
                body,
                label,
            } => {
                let result = match self.lookup(source) {
                    Some(Var::Cursor { query, .. }) => {
                        let query = query.clone();
                        self.sql(&query)?
                    }
                    Some(Var::ResultSet(Some(r))) => r.clone(),
                    Some(Var::ResultSet(None)) => {
                        return Err(SnowflakeError::compilation(
                            ErrorCode::CannotPerform,
                            format!("RESULTSET '{source}' has not been assigned a query"),
                        ))
                    }
                    _ => {
                        return Err(SnowflakeError::compilation(
                            ErrorCode::InvalidIdentifier,
                            format!("invalid identifier '{source}'"),
                        ))
                    }
                };
                let names: Vec<String> = result.columns.iter().map(|c| c.name.clone()).collect();
                let rows = (0..result.rows()).map(|row| {
                    let values = row_literals(&result, row)?.unwrap_or_default();
                    Ok(Var::Row(names.iter().cloned().zip(values).collect()))
                });
                return self.for_each(var, rows, body, label);
            }
            Stmt::While {
                condition,
                body,
                label,
            } => {
                while self.condition(condition)? {
                    if let Some(f) = self.iteration(body, label)? {
                        return Ok(f);
                    }
                }
            }
            Stmt::Repeat { body, until, label } => loop {
                if let Some(f) = self.iteration(body, label)? {
                    return Ok(f);
                }
                if self.condition(until)? {
                    break;
                }
            },
            Stmt::Loop { body, label } => loop {
                if let Some(f) = self.iteration(body, label)? {
                    return Ok(f);
                }
            },
            Stmt::Break(label) => return Ok(Flow::Break(label.clone())),
            Stmt::Continue(label) => return Ok(Flow::Continue(label.clone())),
            Stmt::Return(None) => return self.answer("NULL").map(Flow::Return),
            Stmt::Return(Some(e)) => {
                if let Some(name) = table_argument(e) {
                    let result = match self.lookup(&name) {
                        Some(Var::ResultSet(Some(r))) => r.clone(),
                        _ => {
                            return Err(SnowflakeError::compilation(
                                ErrorCode::InvalidIdentifier,
                                format!("invalid identifier '{name}'"),
                            ))
                        }
                    };
                    return Ok(Flow::Return(ResultSet {
                        query_id: crate::new_query_id(),
                        ..result
                    }));
                }
                let value = self.evaluate(e, None)?;
                return self.answer(&value).map(Flow::Return);
            }
            Stmt::Raise(name) => {
                let Some(name) = name else {
                    // Re-raise: only meaningful inside a handler, where the error is known.
                    self.raised = Some(String::new());
                    return Err(SnowflakeError::new(
                        ErrorCode::Raised(-20000),
                        "RAISE outside an exception handler",
                    ));
                };
                let Some(Var::Exception { code, message }) = self.lookup(name) else {
                    return Err(SnowflakeError::compilation(
                        ErrorCode::InvalidIdentifier,
                        format!("invalid identifier '{name}'"),
                    ));
                };
                let e = SnowflakeError::new(ErrorCode::Raised(*code), message.clone());
                self.raised = Some(name.clone());
                return Err(e);
            }
            Stmt::Open(cursor) => {
                let query = match self.lookup(cursor) {
                    Some(Var::Cursor { query, .. }) => query.clone(),
                    _ => return Err(not_a_cursor(cursor)),
                };
                let result = self.sql(&query)?;
                if let Some(Var::Cursor { open, .. }) = self.lookup_mut(cursor) {
                    *open = Some((result, 0));
                }
            }
            Stmt::Fetch { cursor, into } => {
                let row = match self.lookup_mut(cursor) {
                    Some(Var::Cursor {
                        open: Some((result, at)),
                        ..
                    }) => {
                        let row = row_literals(result, *at)?;
                        *at += 1;
                        row
                    }
                    Some(Var::Cursor { open: None, .. }) => {
                        return Err(SnowflakeError::compilation(
                            ErrorCode::CannotPerform,
                            format!("Cursor '{cursor}' is not open."),
                        ))
                    }
                    _ => return Err(not_a_cursor(cursor)),
                };
                // Past the last row the variables become NULL.
                let values = row.unwrap_or_else(|| vec!["NULL".into(); into.len()]);
                for (name, value) in into.iter().zip(values) {
                    self.set(name, value)?;
                }
            }
            Stmt::Close(cursor) => match self.lookup_mut(cursor) {
                Some(Var::Cursor { open, .. }) => *open = None,
                _ => return Err(not_a_cursor(cursor)),
            },
            Stmt::Null => {}
            Stmt::Sql(sql) => {
                self.sql(sql)?;
            }
        }
        Ok(Flow::Next)
    }

    /// Run one SQL statement with its binds filled; a `SELECT ... INTO :a, :b` sets the
    /// variables from its first row. SQLROWCOUNT, SQLFOUND and SQLNOTFOUND follow DML.
    fn sql(&mut self, sql: &str) -> Result<ResultSet> {
        let into = scripting::select_into(sql)?;
        let text = match &into {
            Some((rest, _)) => rest.as_str(),
            None => sql,
        };
        // `EXECUTE IMMEDIATE <expression> USING (a, b)`: the statement is the expression's
        // value, its `?` placeholders filled with the variables' values in order.
        let mut filled = String::new();
        let text = match immediate_using(text) {
            Some((expr, names)) => {
                let statement = self.evaluate(expr, Some("VARCHAR"))?;
                let Some(statement) = unquoted(&statement) else {
                    return Err(SnowflakeError::compilation(
                        ErrorCode::SyntaxError,
                        "EXECUTE IMMEDIATE needs a statement: its argument is NULL.",
                    ));
                };
                let mut values = Vec::with_capacity(names.len());
                for name in &names {
                    values.push(self.evaluate(name, None)?);
                }
                filled = format!(
                    "EXECUTE IMMEDIATE {}",
                    quoted(&fill_placeholders(&statement, &values))
                );
                filled.as_str()
            }
            None => text,
        };
        // `EXECUTE IMMEDIATE v` / `EXECUTE IMMEDIATE 'a' || v`: the statement is the
        // expression's value.
        let evaluated;
        let text = match immediate_expression(text).filter(|_| filled.is_empty()) {
            Some(expr) => {
                evaluated = format!(
                    "EXECUTE IMMEDIATE {}",
                    self.evaluate(expr, Some("VARCHAR"))?
                );
                evaluated.as_str()
            }
            None => text,
        };
        let text = self.substitute(text, false)?;
        let request = Request {
            sql: text,
            ..Default::default()
        };
        let result = match self.session.run(&request) {
            Ok(mut results) => results
                .pop()
                .ok_or_else(|| SnowflakeError::internal("no result"))?,
            Err(e) => {
                self.expression_error = false;
                return Err(e);
            }
        };
        if let Some((_, names)) = into {
            let row = Self::first_row(&result)?;
            let values = row.unwrap_or_else(|| vec!["NULL".into(); names.len()]);
            for (name, value) in names.iter().zip(values) {
                self.set(name, value)?;
            }
        }
        // SQLROWCOUNT, SQLFOUND and SQLNOTFOUND describe the last statement if it was DML, and
        // are NULL after any other (the 2025_01 behavior, on by default); ACTIVITY_COUNT also
        // counts a query's rows.
        let dml = matches!(
            result.statement_type,
            StatementType::Insert
                | StatementType::Update
                | StatementType::Delete
                | StatementType::Merge
        );
        let count = if dml {
            dml_count(&result)
        } else if result.statement_type == StatementType::Select {
            result.rows() as u64
        } else {
            0
        };
        let (rows, found, not_found) = if dml {
            (
                count.to_string(),
                (count > 0).to_string().to_uppercase(),
                (count == 0).to_string().to_uppercase(),
            )
        } else {
            ("NULL".into(), "NULL".into(), "NULL".into())
        };
        self.set(SQLROWCOUNT, rows)?;
        self.set("SQLFOUND", found)?;
        self.set("SQLNOTFOUND", not_found)?;
        self.set("ACTIVITY_COUNT", count.to_string())?;
        Ok(result)
    }
}

/// The expression of an `EXECUTE IMMEDIATE <expression>` whose statement text is computed (a
/// variable, a concatenation): not a string constant, and without USING.
fn immediate_expression(sql: &str) -> Option<&str> {
    let mut words = sql.trim_start().splitn(3, char::is_whitespace);
    let (execute, immediate) = (words.next()?, words.next()?);
    if !execute.eq_ignore_ascii_case("EXECUTE") || !immediate.eq_ignore_ascii_case("IMMEDIATE") {
        return None;
    }
    let rest = words.next()?.trim().trim_end_matches(';').trim_end();
    let using = outside_literals(rest)
        .to_ascii_uppercase()
        .contains("USING");
    (!rest.is_empty() && !is_one_literal(rest) && !using).then_some(rest)
}

/// `EXECUTE IMMEDIATE <expression> USING (a, b, ...)`: the expression and the bind variables'
/// names.
fn immediate_using(sql: &str) -> Option<(&str, Vec<String>)> {
    let mut words = sql.trim_start().splitn(3, char::is_whitespace);
    let (execute, immediate) = (words.next()?, words.next()?);
    if !execute.eq_ignore_ascii_case("EXECUTE") || !immediate.eq_ignore_ascii_case("IMMEDIATE") {
        return None;
    }
    let rest = words.next()?.trim().trim_end_matches(';').trim_end();
    // The last USING outside string constants, followed by a parenthesized list.
    let mut quoted = false;
    let mut at = None;
    for (i, c) in rest.char_indices() {
        if c == '\'' {
            quoted = !quoted;
        } else if !quoted
            && rest[i..].len() >= 5
            && rest.is_char_boundary(i + 5)
            && rest[i..i + 5].eq_ignore_ascii_case("USING")
            && rest[..i].ends_with(char::is_whitespace)
        {
            at = Some(i);
        }
    }
    let at = at?;
    let list = rest[at + 5..].trim();
    let inner = list.strip_prefix('(')?.strip_suffix(')')?;
    let names = inner
        .split(',')
        .map(|n| n.trim().trim_start_matches(':').to_string())
        .collect::<Vec<_>>();
    if names.iter().any(|n| n.is_empty()) {
        return None;
    }
    Some((rest[..at].trim_end(), names))
}

/// `statement` with its `?` placeholders (outside string constants, quoted identifiers and
/// comments) replaced by `values` in order (a placeholder left over stays, an unset bind).
fn fill_placeholders(statement: &str, values: &[String]) -> String {
    let mut out = String::with_capacity(statement.len());
    let mut values = values.iter();
    let mut chars = statement.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                out.push(c);
                while let Some(d) = chars.next() {
                    out.push(d);
                    if d == '\\' && c == '\'' {
                        out.extend(chars.next());
                    } else if d == c {
                        break;
                    }
                }
            }
            '$' if chars.peek() == Some(&'$') => {
                out.push_str("$$");
                chars.next();
                let mut previous = ' ';
                for d in chars.by_ref() {
                    out.push(d);
                    if previous == '$' && d == '$' {
                        break;
                    }
                    previous = d;
                }
            }
            '-' if chars.peek() == Some(&'-') => {
                out.push(c);
                for d in chars.by_ref() {
                    out.push(d);
                    if d == '\n' {
                        break;
                    }
                }
            }
            '?' => match values.next() {
                Some(v) => out.push_str(&parenthesized(v)),
                None => out.push('?'),
            },
            _ => out.push(c),
        }
    }
    out
}

/// The text of a string literal as [`quoted`] writes it (`'...'`, backslashes escaping);
/// `None` for anything else.
fn unquoted(literal: &str) -> Option<String> {
    let inner = literal.strip_prefix('\'')?.strip_suffix('\'')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            '\'' => {
                out.push('\'');
                chars.next();
            }
            c => out.push(c),
        }
    }
    Some(out)
}

/// Whether `text` is a single string constant (`'...'` or `$$...$$`).
fn is_one_literal(text: &str) -> bool {
    if let Some(inner) = text.strip_prefix("$$").and_then(|t| t.strip_suffix("$$")) {
        return !inner.contains("$$");
    }
    text.starts_with('\'') && outside_literals(text).trim().is_empty()
}

/// `text` without its `'...'` constants (a doubled `''` stays inside one).
fn outside_literals(text: &str) -> String {
    let mut out = String::new();
    let mut quoted = false;
    for c in text.chars() {
        if c == '\'' {
            quoted = !quoted;
        } else if !quoted {
            out.push(c);
        }
    }
    out
}

/// The rows a DML statement changed: the sum of its count columns.
fn dml_count(result: &ResultSet) -> u64 {
    let Ok(Some(row)) = row_literals(result, 0) else {
        return 0;
    };
    row.iter().filter_map(|v| v.parse::<u64>().ok()).sum()
}

/// Row `row` of a result as literals (`None` past the end).
pub(crate) fn row_literals(result: &ResultSet, mut row: usize) -> Result<Option<Vec<String>>> {
    for batch in &result.batches {
        if row >= batch.num_rows() {
            row -= batch.num_rows();
            continue;
        }
        let mut out = Vec::with_capacity(result.columns.len());
        for (i, column) in result.columns.iter().enumerate() {
            let array = batch.column(i);
            // `logical_nulls`: a NULL-typed column (`SELECT NULL`) has no null buffer.
            out.push(if array.logical_nulls().is_some_and(|n| n.is_null(row)) {
                "NULL".to_string()
            } else {
                let text = crate::result_scan::cell_text(array.as_ref(), row)?;
                literal(&column.sf_type, &text)
            });
        }
        return Ok(Some(out));
    }
    Ok(None)
}

/// A literal as it goes into an expression: parenthesized unless it is one token.
fn parenthesized(literal: &str) -> String {
    let simple = literal
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
        || (literal.starts_with('\'') && literal.ends_with('\'') && !literal[1..].contains("'::"));
    if simple {
        literal.to_string()
    } else {
        format!("({literal})")
    }
}

/// `TABLE(name)` → the name (upper-case unless quoted).
fn table_argument(expr: &str) -> Option<String> {
    let t = expr.trim();
    let inner = t
        .get(..6)
        .filter(|head| head.eq_ignore_ascii_case("TABLE("))
        .and_then(|_| t[6..].strip_suffix(')'))?
        .trim();
    Some(
        match inner.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
            Some(quoted) => quoted.to_string(),
            None => inner.to_ascii_uppercase(),
        },
    )
}

fn not_a_cursor(name: &str) -> SnowflakeError {
    SnowflakeError::compilation(
        ErrorCode::InvalidIdentifier,
        format!("invalid identifier '{name}': not a cursor"),
    )
}
