//! Client sessions: the current database, schema, warehouse and role, session parameters, and
//! the dispatch of each statement either to a command Snowglobe answers itself or, translated,
//! to the session's DuckDB connection.
//!
//! Layout:
//! - [`Session`]: one client session and [`Session::run`], the statement dispatch.
//! - [`Shared`]: what all sessions share (the engine, warehouses).
//! - [`commands`]: one file per statement Snowglobe answers itself.
//! - [`params`]: session parameters and their Snowflake defaults.
//! - [`results`]: [`ResultSet`], a statement's answer.
//! - `stages`: internal stages' files and definitions, and named file formats, on disk.

pub mod commands;
mod information_schema;
mod load_history;
pub mod params;
mod pivot;
mod result_scan;
pub mod results;
mod scripting;
mod set_types;
mod stages;

use std::sync::{Arc, Mutex};

use serde_json::Value;
use snowglobe_catalog::SfType;
use snowglobe_engine::{
    describe::{describe, Declared, ProjectionHints},
    Engine, EngineSession, TEMP_DATABASE,
};
use snowglobe_error::{ErrorCode, Result, SnowflakeError};
use snowglobe_translate::names::{resolve_object, OutputFormats};
use snowglobe_translate::{
    binds, parse, plan, Bindings, Context, ObjectRef, Plan, SqlKind, SqlPlan,
};
use sqlparser_compat::{Statement, TableObject};

pub use params::Parameters;
pub use results::{new_query_id, Cell, ResultSet, StatementType};

/// sqlparser types, through the translator (the session does not depend on sqlparser directly).
mod sqlparser_compat {
    pub use snowglobe_translate::sql_ast::*;
}

/// What all sessions of one server share.
pub struct Shared {
    pub engine: Arc<Engine>,
    pub warehouses: Mutex<commands::Warehouses>,
    /// Roles and users created, and the roles granted to them.
    pub principals: Mutex<commands::Principals>,
    /// Files already loaded by COPY, per table: skipped unless FORCE.
    pub load_history: Mutex<load_history::LoadHistory>,
}

impl Shared {
    pub fn new(engine: Arc<Engine>) -> Arc<Shared> {
        let history =
            load_history::LoadHistory::open(engine.stage_root().join("load_history.json"));
        let warehouses = commands::open_warehouses(engine.stage_root().join("warehouses.json"));
        let principals = commands::open_principals(engine.stage_root().join("principals.json"));
        Arc::new(Shared {
            engine,
            warehouses: Mutex::new(warehouses),
            principals: Mutex::new(principals),
            load_history: Mutex::new(history),
        })
    }
}

/// One query request, as the client sent it.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub sql: String,
    pub bindings: Bindings,
    /// Statement-level parameters (`MULTI_STATEMENT_COUNT`, `QUERY_TAG`, ...).
    pub parameters: serde_json::Map<String, Value>,
    pub describe_only: bool,
    /// `executemany` binds the client uploaded to a stage as CSV (`@stage/path`), instead of
    /// `bindings`, when there are more than CLIENT_STAGE_ARRAY_BINDING_THRESHOLD values.
    pub bind_stage: Option<String>,
    /// The id the server gave the query (`sfqid`): its result is kept under it, so that
    /// `RESULT_SCAN('<sfqid>')` and `LAST_QUERY_ID()` name what the client was told.
    pub query_id: Option<String>,
}

/// One client session.
pub struct Session {
    pub id: u64,
    conn: EngineSession,
    shared: Arc<Shared>,
    pub database: Option<String>,
    pub schema: Option<String>,
    pub warehouse: Option<String>,
    pub role: Option<String>,
    pub user: String,
    pub account: String,
    pub params: Parameters,
    temporary_tables: Vec<ObjectRef>,
    /// The engine's drop count when the current database was last known to exist.
    drops_seen: u64,
    in_transaction: bool,
    /// The id of the open transaction (`CURRENT_TRANSACTION()`), while `in_transaction`.
    transaction_id: u64,
    /// Session variables (`SET`): upper-case name → Snowflake SQL literal.
    pub variables: std::collections::BTreeMap<String, String>,
    /// Ids of the session's queries, oldest first (`LAST_QUERY_ID()`), the last 100.
    query_ids: Vec<String>,
    /// The session's last results, for `RESULT_SCAN`.
    kept_results: std::collections::VecDeque<ResultSet>,
}

impl Drop for Session {
    fn drop(&mut self) {
        self.remove_temporary_stages();
    }
}

impl Session {
    pub fn new(shared: Arc<Shared>, id: u64, user: &str, account: &str) -> Result<Session> {
        let conn = shared.engine.connect()?;
        conn.use_context(None, None)?;
        Ok(Session {
            id,
            conn,
            shared,
            database: None,
            schema: None,
            warehouse: None,
            role: Some("ACCOUNTADMIN".into()),
            user: user.to_uppercase(),
            account: account.to_uppercase(),
            params: Parameters::default(),
            temporary_tables: Vec::new(),
            drops_seen: 0,
            in_transaction: false,
            transaction_id: 0,
            variables: Default::default(),
            query_ids: Vec::new(),
            kept_results: Default::default(),
        })
    }

    /// Apply the context a client asked for at login. As in Snowflake, an object that does not
    /// exist is not a login error: that part of the context stays empty.
    pub fn login_context(
        &mut self,
        database: Option<&str>,
        schema: Option<&str>,
        warehouse: Option<&str>,
        role: Option<&str>,
    ) -> Result<()> {
        if let Some(db) = database.map(login_name) {
            if self.conn.database_exists(&db)? {
                self.database = Some(db.clone());
                let schema = schema.map(login_name).unwrap_or_else(|| "PUBLIC".into());
                if self.conn.schema_exists(&db, &schema)? {
                    self.schema = Some(schema);
                }
            }
        }
        if let Some(w) = warehouse {
            self.warehouse = Some(login_name(w));
        }
        if let Some(r) = role {
            self.role = Some(login_name(r));
        }
        self.sync_context()
    }

    /// Point the DuckDB connection at the session's current database and schema.
    /// When another session dropped databases (a reset or an import), step out of a current
    /// database that no longer exists, as Snowflake does.
    fn forget_dropped_database(&mut self) -> Result<()> {
        let drops = self.conn.engine().drop_count();
        if drops == self.drops_seen {
            return Ok(());
        }
        self.drops_seen = drops;
        if let Some(db) = &self.database {
            // A connection whose default catalog is gone fails every query: step out first.
            self.conn.use_context(None, None)?;
            if !self.conn.database_exists(db)? {
                self.database = None;
                self.schema = None;
            }
            self.sync_context()?;
        }
        Ok(())
    }

    fn sync_context(&self) -> Result<()> {
        match (&self.database, &self.schema) {
            (Some(db), schema) => self.conn.use_context(Some(db), schema.as_deref()),
            (None, _) => self.conn.use_context(None, None),
        }
    }

    fn context(&self) -> Context {
        Context {
            database: self.database.clone(),
            schema: self.schema.clone(),
            warehouse: self.warehouse.clone(),
            role: self.role.clone(),
            user: self.user.clone(),
            account: self.account.clone(),
            temporary_tables: self.temporary_tables.clone(),
            timezone: self.params.text("TIMEZONE").unwrap_or_default(),
            target_columns: vec![],
            variables: self.variables.clone(),
            session_id: self.id,
            transaction: self.in_transaction.then_some(self.transaction_id),
            query_ids: self.query_ids.clone(),
            semi_columns: vec![],
            number_columns: vec![],
            text_columns: vec![],
            column_types: vec![],
            tz_columns: vec![],
            output_formats: OutputFormats::from_parameters(|name| {
                self.params.text(name).unwrap_or_default()
            }),
            functions: vec![],
            week_start: self.int_param("WEEK_START"),
            week_of_year_policy: self.int_param("WEEK_OF_YEAR_POLICY"),
            timestamp_type_mapping: self
                .params
                .text("TIMESTAMP_TYPE_MAPPING")
                .unwrap_or_default(),
        }
    }

    /// An integer session parameter (0 when unset or not a number).
    fn int_param(&self, name: &str) -> i64 {
        self.params
            .text(name)
            .and_then(|t| t.trim().parse().ok())
            .unwrap_or(0)
    }

    /// Open a transaction on the engine session and give it a fresh id: nanoseconds since the
    /// epoch, as wide as Snowflake's transaction ids.
    fn open_transaction(&mut self) -> Result<()> {
        self.conn.begin_transaction()?;
        self.in_transaction = true;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        self.transaction_id = now.max(self.transaction_id + 1);
        Ok(())
    }

    fn autocommit(&self) -> bool {
        match self.params.get("AUTOCOMMIT") {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => !s.eq_ignore_ascii_case("false"),
            _ => true,
        }
    }

    /// Remember a statement's query id for `LAST_QUERY_ID()`.
    fn remember(&mut self, result: &ResultSet) {
        const KEPT: usize = 100;
        if self.query_ids.len() >= KEPT {
            self.query_ids.remove(0);
        }
        self.query_ids.push(result.query_id.clone());
        if result.rows() <= result_scan::MAX_KEPT_ROWS {
            if self.kept_results.len() >= result_scan::KEPT_RESULTS {
                self.kept_results.pop_front();
            }
            self.kept_results.push_back(result.clone());
        }
    }

    /// Run one query of Snowglobe's own (`SET`'s values) through the whole translation.
    pub(crate) fn query(&mut self, sql: &str) -> Result<ResultSet> {
        let statement = parse(sql)?
            .into_iter()
            .next()
            .ok_or_else(|| SnowflakeError::internal("no statement"))?;
        self.run_one(statement, sql, &Request::default())
    }

    /// The DuckDB (database, schema) an object lives in, honouring temporary tables.
    pub(crate) fn storage_of(&self, object: &ObjectRef) -> (String, String) {
        table_place(object, self.temporary_tables.contains(object))
    }

    /// The quoted DuckDB path of an object, honouring temporary tables.
    pub(crate) fn storage_path(&self, object: &ObjectRef) -> String {
        if self.temporary_tables.contains(object) {
            format!(
                "temp.main.{}",
                snowglobe_catalog::names::quote(&snowglobe_catalog::names::mangle(&object.name))
            )
        } else {
            object.storage()
        }
    }

    /// The session's temporary tables in a database (and schema, when given).
    pub(crate) fn temporary_tables_in(
        &self,
        database: &str,
        schema: Option<&str>,
    ) -> Vec<ObjectRef> {
        self.temporary_tables
            .iter()
            .filter(|t| t.database == database && schema.is_none_or(|s| t.schema == s))
            .filter(|t| matches!(self.conn.table_oid(TEMP_DATABASE, "", &t.name), Ok(Some(_))))
            .cloned()
            .collect()
    }

    /// The rows of one of the session's temporary tables.
    pub(crate) fn temporary_row_count(&self, table: &ObjectRef) -> i64 {
        self.conn
            .row_count(TEMP_DATABASE, "", &table.name)
            .unwrap_or(0)
    }

    pub(crate) fn is_temporary(&self, object: &ObjectRef) -> bool {
        self.temporary_tables.contains(object)
    }

    /// DuckDB's catalog id of a table (new for a table created anew); -1 if it has none.
    pub(crate) fn table_oid(&self, object: &ObjectRef) -> Result<i64> {
        let oid = if self.is_temporary(object) {
            self.conn.table_oid(TEMP_DATABASE, "", &object.name)?
        } else {
            self.conn
                .table_oid(&object.database, &object.schema, &object.name)?
        };
        Ok(oid.unwrap_or(-1))
    }

    /// Run one request: one statement, or several when the client allows it
    /// (`MULTI_STATEMENT_COUNT`). Several statements give the parent answer first, then one
    /// answer per statement.
    pub fn run(&mut self, request: &Request) -> Result<Vec<ResultSet>> {
        let Some(seconds) = self.statement_timeout(request) else {
            return self.run_request(request);
        };
        let watchdog = Watchdog::start(self.interrupt_handle(), seconds);
        let result = self.run_request(request);
        match result {
            Err(e) if e.code == ErrorCode::Cancelled && watchdog.fired() => {
                Err(SnowflakeError::new(
                    ErrorCode::StatementTimeout,
                    format!(
                        "Statement reached its statement or warehouse timeout of {seconds} \
                         second(s) and was canceled."
                    ),
                ))
            }
            other => other,
        }
    }

    /// STATEMENT_TIMEOUT_IN_SECONDS (the request's or the session's) when it is set below
    /// its default of two days (0 means no limit): only then does a statement run under a
    /// watchdog.
    fn statement_timeout(&self, request: &Request) -> Option<u64> {
        const DEFAULT: u64 = 172_800;
        let seconds = request
            .parameters
            .get("STATEMENT_TIMEOUT_IN_SECONDS")
            .or_else(|| self.params.get("STATEMENT_TIMEOUT_IN_SECONDS"))
            .and_then(|v| {
                v.as_u64()
                    .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
            })?;
        (seconds > 0 && seconds < DEFAULT).then_some(seconds)
    }

    fn run_request(&mut self, request: &Request) -> Result<Vec<ResultSet>> {
        let Some(id) = request.query_id.clone() else {
            return self.run_unnamed(request);
        };
        let mut results = self.run_unnamed(&Request {
            query_id: None,
            ..request.clone()
        })?;
        if let Some(first) = results.first_mut() {
            let old = std::mem::replace(&mut first.query_id, id.clone());
            for kept in self.query_ids.iter_mut().filter(|q| **q == old) {
                kept.clone_from(&id);
            }
            for kept in self.kept_results.iter_mut().filter(|r| r.query_id == old) {
                kept.query_id.clone_from(&id);
            }
        }
        Ok(results)
    }

    /// Fail unless a request of `count` statements is what the client asked for: one, unless
    /// `MULTI_STATEMENT_COUNT` (the request's or the session's) says how many, 0 for any.
    fn check_statement_count(&self, request: &Request, count: usize) -> Result<()> {
        let expected = request
            .parameters
            .get("MULTI_STATEMENT_COUNT")
            .or_else(|| self.params.get("MULTI_STATEMENT_COUNT"))
            .and_then(|v| {
                v.as_u64()
                    .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            })
            .unwrap_or(1);
        if (count > 1 || expected > 1) && expected != 0 && expected as usize != count {
            return Err(SnowflakeError::new(
                ErrorCode::StatementCountMismatch,
                format!(
                    "Actual statement count {count} did not match the desired statement count {expected}."
                ),
            ));
        }
        Ok(())
    }

    /// A request of several statements, some of which the parser does not read (CREATE
    /// PROCEDURE / FUNCTION with a body, CALL, PUT / LIST and other stage statements): each
    /// statement runs as a request of its own, the answers as for any multi-statement request.
    /// `None` when the request is not of that kind.
    fn run_pieces(&mut self, request: &Request) -> Result<Option<Vec<ResultSet>>> {
        use snowglobe_translate::{scripting, stages};
        // Cheap tests first: most requests are one statement.
        let sql = request.sql.trim_end().trim_end_matches(';');
        if !sql.contains(';') || scripting::is_block(&request.sql) {
            return Ok(None);
        }
        let pieces = snowglobe_translate::parse::split_statements(&request.sql);
        let special =
            |p: &str| scripting::is_procedure_statement(p) || stages::is_stage_statement(p);
        // A Snowflake Scripting block, or a procedure body written bare, holds `;`s of its own:
        // such a request is not split.
        if pieces.len() < 2
            || !pieces.iter().any(|p| special(p))
            || pieces.iter().any(|p| scripting::is_block(p))
            || !pieces.iter().all(|p| scripting::routine_body_quoted(p))
        {
            return Ok(None);
        }
        self.check_statement_count(request, pieces.len())?;
        let mut parameters = request.parameters.clone();
        parameters.insert("MULTI_STATEMENT_COUNT".into(), Value::from(1));
        let mut children = Vec::with_capacity(pieces.len());
        for piece in pieces {
            let result = self
                .run_unnamed(&Request {
                    sql: piece.trim().to_string(),
                    parameters: parameters.clone(),
                    ..request.clone()
                })?
                .into_iter()
                .next()
                .ok_or_else(|| SnowflakeError::internal("no result"))?;
            children.push(result);
        }
        let mut out = vec![ResultSet::multi(
            children.iter().map(|c| c.query_id.clone()).collect(),
        )?];
        out.extend(children);
        Ok(Some(out))
    }

    fn run_unnamed(&mut self, request: &Request) -> Result<Vec<ResultSet>> {
        self.forget_dropped_database()?;
        if let Some(stage) = &request.bind_stage {
            let expanded = Request {
                bindings: self.stage_bindings(stage)?,
                bind_stage: None,
                ..request.clone()
            };
            return self.run(&expanded);
        }
        if request.sql.contains("->>") {
            if let Some(chain) = snowglobe_translate::parse::pipe_chain(&request.sql) {
                return self.run_pipe_chain(chain, request).map(|r| vec![r]);
            }
        }
        if let Some(results) = self.run_pieces(request)? {
            return Ok(results);
        }
        if snowglobe_translate::scripting::is_procedure_statement(&request.sql) {
            let binds = if request.bindings.is_array {
                vec![]
            } else {
                request.bindings.row(0)
            };
            let sql = snowglobe_translate::stages::substitute_binds(&request.sql, &binds)?;
            let statement =
                snowglobe_translate::scripting::parse_procedure_statement(&sql, &self.context())?;
            let result = commands::procedure::run(self, statement)?;
            self.remember(&result);
            return Ok(vec![result]);
        }
        if snowglobe_translate::scripting::is_block(&request.sql) {
            let result = scripting::run(self, &request.sql)?;
            self.remember(&result);
            return Ok(vec![result]);
        }
        if snowglobe_translate::stages::is_stage_statement(&request.sql) {
            let binds = if request.bindings.is_array {
                vec![]
            } else {
                request.bindings.row(0)
            };
            let statement = snowglobe_translate::stages::parse_stage_statement(
                &request.sql,
                &binds,
                &self.context(),
            )?;
            let result = commands::stage_statement(self, statement)?;
            self.remember(&result);
            return Ok(vec![result]);
        }
        if request.sql.to_ascii_uppercase().contains("INFER_SCHEMA") && !request.bindings.is_array {
            let sql = snowglobe_translate::stages::substitute_binds(
                &request.sql,
                &request.bindings.row(0),
            )?;
            if let Some(call) =
                snowglobe_translate::stages::find_infer_schema(&sql, &self.context())?
            {
                let rows = commands::infer_schema_rows(self, &call)?;
                let expanded = Request {
                    sql: format!("{}{rows}{}", &sql[..call.span.0], &sql[call.span.1..]),
                    bindings: Bindings::default(),
                    ..request.clone()
                };
                return self.run(&expanded);
            }
        }
        if snowglobe_translate::stages::may_read_stage(&request.sql) && !request.bindings.is_array {
            let bound = snowglobe_translate::stages::substitute_binds(
                &request.sql,
                &request.bindings.row(0),
            );
            if let Ok(sql) = bound {
                if let Some(found) =
                    snowglobe_translate::stages::find_staged_query(&sql, &self.context())?
                {
                    return commands::query_staged(self, &sql, &found, request);
                }
            }
        }
        let statements = parse(&request.sql)?;
        if statements.is_empty() {
            return Err(SnowflakeError::new(
                ErrorCode::SyntaxError,
                "SQL compilation error:\nEmpty SQL statement.",
            ));
        }
        self.check_statement_count(request, statements.len())?;
        if statements.len() == 1 {
            let statement = statements
                .into_iter()
                .next()
                .ok_or_else(|| SnowflakeError::internal("no statement"))?;
            let result = self.run_statement(statement, request)?;
            self.remember(&result);
            return Ok(vec![result]);
        }
        let mut children = Vec::with_capacity(statements.len());
        // Several statements share one list of values: each statement's `?`s take the values
        // after those of the statements before it.
        let shared_binds = !request.bindings.is_empty() && !request.bindings.is_array;
        let unbound = Request {
            bindings: Default::default(),
            ..request.clone()
        };
        let mut offset = 0;
        for mut statement in statements {
            let result = if shared_binds {
                offset += binds::substitute_at(&mut statement, &request.bindings.row(0), offset)?;
                self.run_statement(statement, &unbound)?
            } else {
                self.run_statement(statement, request)?
            };
            self.remember(&result);
            children.push(result);
        }
        let mut out = vec![ResultSet::multi(
            children.iter().map(|c| c.query_id.clone()).collect(),
        )?];
        out.extend(children);
        Ok(out)
    }

    /// A pipe chain (`SHOW TABLES ->> SELECT "name" FROM $1`): the statements run in order,
    /// `$n` in a FROM clause reading the result of the statement `n` places back (as
    /// RESULT_SCAN of its query id would); the answer is the last statement's.
    fn run_pipe_chain(
        &mut self,
        chain: Vec<Vec<snowglobe_translate::parse::PipeSegment>>,
        request: &Request,
    ) -> Result<ResultSet> {
        use snowglobe_translate::parse::PipeSegment;
        let mut query_ids: Vec<String> = vec![];
        let mut last = None;
        for segments in chain {
            let mut sql = String::new();
            for segment in segments {
                match segment {
                    PipeSegment::Text(text) => sql.push_str(&text),
                    PipeSegment::Previous(n) => {
                        let Some(id) = n
                            .checked_sub(1)
                            .and_then(|back| query_ids.iter().rev().nth(back))
                        else {
                            return Err(SnowflakeError::compilation(
                                ErrorCode::SyntaxError,
                                format!(
                                    "Pipe reference ${n} does not name an earlier statement of the chain."
                                ),
                            ));
                        };
                        sql.push_str(&format!("TABLE(RESULT_SCAN('{id}'))"));
                    }
                }
            }
            let result = self
                .run_unnamed(&Request {
                    sql: sql.trim().to_string(),
                    query_id: None,
                    ..request.clone()
                })?
                .pop()
                .ok_or_else(|| SnowflakeError::internal("no result"))?;
            query_ids.push(result.query_id.clone());
            last = Some(result);
        }
        last.ok_or_else(|| SnowflakeError::internal("empty pipe chain"))
    }

    fn run_statement(&mut self, mut statement: Statement, request: &Request) -> Result<ResultSet> {
        let sql = request.sql.as_str();
        if request.bindings.is_empty() || !request.bindings.is_array {
            if !request.bindings.is_empty() {
                binds::substitute(&mut statement, &request.bindings.row(0))?;
            }
            return self
                .run_one(statement, sql, request)
                .map_err(|e| refine_error(e, sql));
        }
        // Array binds (executemany): an INSERT ... VALUES becomes one multi-row INSERT; anything
        // else runs once per row and answers with the summed counts.
        let rows = request.bindings.rows();
        let table = format!("TEMP.MAIN.{}", snowglobe_catalog::names::quote(BIND_ROWS));
        let mut ctx = self.context();
        ctx.target_columns = self.target_columns(&statement, &ctx);
        ctx.functions = self.called_functions(&statement, &ctx);
        if let Some(from_table) =
            binds::insert_from_table(&statement, &request.bindings, &table, &ctx)?
        {
            self.conn
                .load_text_table(BIND_ROWS, &from_table.columns, binds::bind_column)?;
            let result = self.run_one(from_table.statement, sql, request);
            let _ = self.conn.execute(&format!(
                "DROP TABLE IF EXISTS temp.main.{}",
                snowglobe_catalog::names::quote(BIND_ROWS)
            ));
            return result.map_err(|e| refine_error(e, sql));
        }
        if let Some(expanded) = binds::expand_insert_values(&statement, &request.bindings)? {
            return self
                .run_one(expanded, sql, request)
                .map_err(|e| refine_error(e, sql));
        }
        let mut total: Option<ResultSet> = None;
        let mut count = 0u64;
        for i in 0..rows {
            let mut s = statement.clone();
            binds::substitute(&mut s, &request.bindings.row(i))?;
            let r = self
                .run_one(s, sql, request)
                .map_err(|e| refine_error(e, sql))?;
            count += first_count(&r);
            total = Some(r);
        }
        match total {
            Some(r)
                if matches!(
                    r.statement_type,
                    StatementType::Insert | StatementType::Update | StatementType::Delete
                ) =>
            {
                let name = r
                    .columns
                    .first()
                    .map(|c| c.name.clone())
                    .unwrap_or_default();
                ResultSet::counts(r.statement_type, &[(name.as_str(), count)])
            }
            Some(r) => Ok(r),
            None => Err(SnowflakeError::bad_request("Array bind with no rows.")),
        }
    }

    fn run_one(
        &mut self,
        mut statement: Statement,
        sql: &str,
        request: &Request,
    ) -> Result<ResultSet> {
        self.resolve_dynamic_pivots(&mut statement)?;
        let mut ctx = self.context();
        ctx.target_columns = self.target_columns(&statement, &ctx);
        ctx.functions = self.called_functions(&statement, &ctx);
        // Column types the rules need: VARIANT columns read as text, NUMBER columns divided,
        // TIMESTAMP_TZ columns read as instants.
        if snowglobe_translate::rules::semi_structured::wants_column_types(&statement)
            || snowglobe_translate::rules::numeric::wants_number_types(&statement)
            || snowglobe_translate::rules::comparisons::wants_text_columns(&statement)
            || snowglobe_translate::rules::coercion::wants_column_types(&statement)
            || snowglobe_translate::rules::recursive_ctes::wants_column_types(&statement)
            || (snowglobe_translate::rules::timestamp_tz::wants_column_types(&statement)
                && self.conn.may_hold_timestamp_tz())
        {
            // An INSERT reads only its source: its target's columns are written, not read.
            let read = match &statement {
                Statement::Insert(insert) => match &insert.source {
                    Some(source) => self.named_relation_columns(source.as_ref(), &ctx),
                    None => vec![],
                },
                _ => self.named_relation_columns(&statement, &ctx),
            };
            let mut other = vec![];
            for (table, name, t) in read.clone() {
                if !matches!(t, SfType::Text { .. }) {
                    other.push(name.clone());
                }
                match t {
                    SfType::Text { .. } if !ctx.text_columns.contains(&name) => {
                        ctx.text_columns.push(name);
                    }
                    SfType::TimestampTz { .. } => {
                        let column = (table, name);
                        if !ctx.tz_columns.contains(&column) {
                            ctx.tz_columns.push(column);
                        }
                    }
                    SfType::Variant | SfType::Object | SfType::Array
                        if !ctx.semi_columns.contains(&name) =>
                    {
                        ctx.semi_columns.push(name);
                    }
                    SfType::Number { precision, scale } => {
                        ctx.number_columns
                            .push((name, u64::from(precision), u64::from(scale)));
                    }
                    _ => {}
                }
            }
            // A name that is a VARCHAR column in one table and not in another is ambiguous.
            ctx.text_columns.retain(|name| !other.contains(name));
            ctx.column_types = read;
        }
        // TRUNCATE also drops the table's load history (its files may be loaded again).
        let truncated = match &statement {
            Statement::Truncate(t) => t
                .table_names
                .first()
                .and_then(|target| resolve_object(&target.name, &ctx, "TRUNCATE").ok())
                .map(|table| (table, t.if_exists)),
            _ => None,
        };
        if let Some((table, if_exists)) = truncated {
            let temporary = self.is_temporary(&table);
            if if_exists && !self.object_exists(&table, temporary)? {
                return ResultSet::status(StatementType::Ddl, "Statement executed successfully.");
            }
            let result = self.run_planned(statement, &ctx, sql, request)?;
            let path = self.storage_path(&table);
            self.shared
                .load_history
                .lock()
                .map_err(|_| SnowflakeError::internal("load history lock poisoned"))?
                .forget(&path)?;
            return Ok(result);
        }
        self.run_planned(statement, &ctx, sql, request)
    }

    fn run_planned(
        &mut self,
        statement: Statement,
        ctx: &Context,
        sql: &str,
        request: &Request,
    ) -> Result<ResultSet> {
        let planned = plan(statement, ctx, sql)?;
        // A failure may have rolled the client's transaction back (see the engine's
        // `undo_failed_statement`): from here on there is none open.
        if self.in_transaction && !self.conn.transaction_open() {
            self.in_transaction = false;
        }
        // DDL commits the open transaction first and then commits itself (Snowflake's
        // Transactions page: "DDL statements are always autocommitted").
        if self.in_transaction && !request.describe_only && is_ddl(&planned) {
            commands::transaction::commit(self)?;
        }
        match planned {
            Plan::Command(command) => commands::run(self, command),
            Plan::Sql(p) => {
                // With AUTOCOMMIT off, the first DML statement opens a transaction that lasts
                // until COMMIT or ROLLBACK.
                if !self.in_transaction
                    && !self.autocommit()
                    && !request.describe_only
                    && matches!(
                        p.kind,
                        SqlKind::Insert
                            | SqlKind::Update { .. }
                            | SqlKind::Delete
                            | SqlKind::Merge { .. }
                            | SqlKind::MultiInsert { .. }
                            | SqlKind::InsertOverwrite { .. }
                    )
                {
                    self.open_transaction()?;
                }
                let tables = p.tables.clone();
                self.run_sql(p, request)
                    .map_err(|e| self.name_missing_container(e, &tables))
            }
        }
    }

    /// An object reported missing whose database or schema is missing is reported as Snowflake
    /// does, by the first missing part (`Database 'NO_DB' does not exist or not authorized.`).
    fn name_missing_container(&self, e: SnowflakeError, tables: &[ObjectRef]) -> SnowflakeError {
        if e.code != ErrorCode::DoesNotExist || !e.message.contains("Object ") {
            return e;
        }
        for table in tables.iter().filter(|t| !self.is_temporary(t)) {
            if !self.conn.database_exists(&table.database).unwrap_or(true) {
                return SnowflakeError::does_not_exist("Database", &table.database);
            }
            if !self
                .conn
                .schema_exists(&table.database, &table.schema)
                .unwrap_or(true)
            {
                let schema = format!("{}.{}", table.database, table.schema);
                return SnowflakeError::does_not_exist("Schema", &schema);
            }
        }
        e
    }

    fn run_sql(&mut self, mut p: SqlPlan, request: &Request) -> Result<ResultSet> {
        tracing::debug!(sql = %p.sql, "translated statement");
        if !p.information_schema.is_empty() {
            p.sql = information_schema::fill(self, &p.sql, &p.information_schema)?;
        }
        if !p.result_scans.is_empty() {
            let kept: Vec<ResultSet> = self.kept_results.iter().cloned().collect();
            p.sql = result_scan::fill(&p.sql, &p.result_scans, &kept)?;
        }
        // A set operation whose column types cannot be read runs as DuckDB types it.
        if let Some(sql) = self.set_operation_sql(&p).ok().flatten() {
            p.sql = sql;
        }
        // `cursor.describe()` asks for the result's shape only: never change anything for it.
        if request.describe_only && p.kind != SqlKind::Query {
            return describe_only_shape(&p.kind);
        }
        match &p.kind {
            SqlKind::Query => {
                let result = self.conn.query(&p.sql)?;
                let declared = self.declared_types(&p.tables)?;
                let hints = ProjectionHints {
                    literal_columns: &p.literal_columns,
                    semi_structured: &p.semi_structured_columns,
                };
                let columns = describe(result.schema.fields(), &declared, &hints)?;
                let batches = if request.describe_only {
                    vec![]
                } else {
                    result.batches
                };
                Ok(ResultSet {
                    query_id: new_query_id(),
                    statement_type: StatementType::Select,
                    columns,
                    batches,
                    child_ids: vec![],
                    transfer: None,
                })
            }
            SqlKind::Insert => {
                let n = self.conn.execute_count(&p.sql)?;
                ResultSet::counts(StatementType::Insert, &[("number of rows inserted", n)])
            }
            SqlKind::Update { multi_joined } => {
                // Not when the statement reads placeholders only `p.sql` has filled in.
                let multi = match multi_joined {
                    Some(count) if p.information_schema.is_empty() && p.result_scans.is_empty() => {
                        self.conn.execute_count(count)?
                    }
                    _ => 0,
                };
                if multi > 0 && self.params.flag("ERROR_ON_NONDETERMINISTIC_UPDATE") {
                    return Err(SnowflakeError::new(
                        ErrorCode::DuplicateRow,
                        "Duplicate row detected during DML action",
                    ));
                }
                let n = self.conn.execute_count(&p.sql)?;
                ResultSet::counts(
                    StatementType::Update,
                    &[
                        ("number of rows updated", n),
                        ("number of multi-joined rows updated", multi),
                    ],
                )
            }
            SqlKind::Delete => {
                let n = self.conn.execute_count(&p.sql)?;
                ResultSet::counts(StatementType::Delete, &[("number of rows deleted", n)])
            }
            SqlKind::Merge {
                inserts,
                updates,
                deletes,
                one_source_row,
                deletes_only,
            } => {
                let present = [*inserts, *updates, *deletes];
                let result = self.run_merge(&p.sql, present);
                // Where Snowflake picks one of several source rows joining a target row and
                // DuckDB refuses, the MERGE runs again reading one of them (not when
                // placeholders only `p.sql` fills in).
                match (result, one_source_row) {
                    (Err(e), Some(one))
                        if e.code == ErrorCode::DuplicateRow
                            && p.information_schema.is_empty()
                            && p.result_scans.is_empty()
                            && (*deletes_only
                                || !self.params.flag("ERROR_ON_NONDETERMINISTIC_MERGE")) =>
                    {
                        self.run_merge(one, present)
                    }
                    (result, _) => result,
                }
            }
            SqlKind::MultiInsert {
                source,
                inserts,
                overwrite,
            } => {
                let mut source = source.clone();
                if !p.information_schema.is_empty() {
                    source = information_schema::fill(self, &source, &p.information_schema)?;
                }
                let temp = format!(
                    "temp.main.{}",
                    snowglobe_catalog::names::quote(snowglobe_translate::plan::MULTI_INSERT_SOURCE)
                );
                let mut counts: Vec<(String, u64)> = Vec::with_capacity(inserts.len());
                self.in_own_transaction(|s| {
                    s.conn
                        .execute(&format!("CREATE OR REPLACE TEMP TABLE {temp} AS {source}"))?;
                    for target in overwrite {
                        s.conn.execute(&format!("DELETE FROM {target}"))?;
                    }
                    // One count column per target table, in the order first named.
                    for (target, sql) in inserts {
                        let n = s.conn.execute_count(sql)?;
                        let name = format!("number of rows inserted into {target}");
                        match counts.iter_mut().find(|(c, _)| *c == name) {
                            Some((_, total)) => *total += n,
                            None => counts.push((name, n)),
                        }
                    }
                    s.conn.execute(&format!("DROP TABLE {temp}"))
                })?;
                let columns: Vec<(&str, u64)> =
                    counts.iter().map(|(n, c)| (n.as_str(), *c)).collect();
                ResultSet::counts(StatementType::Insert, &columns)
            }
            SqlKind::InsertOverwrite { storage } => {
                let mut n = 0;
                // The source is read before the old rows go (it may read the target itself):
                // rows appended get row ids above every existing one.
                self.in_own_transaction(|s| {
                    let last = s
                        .conn
                        .text_rows(&format!("SELECT max(rowid)::VARCHAR FROM {storage}"))?
                        .into_iter()
                        .next()
                        .and_then(|r| r.into_iter().next().flatten());
                    n = s.conn.execute_count(&p.sql)?;
                    if let Some(last) = last {
                        s.conn
                            .execute(&format!("DELETE FROM {storage} WHERE rowid <= {last}"))?;
                    }
                    Ok(())
                })?;
                ResultSet::counts(StatementType::Insert, &[("number of rows inserted", n)])
            }
            SqlKind::CreateTable {
                table,
                storage,
                columns,
                if_not_exists,
                temporary,
                sequences,
                comment,
                not_null,
                copied_columns,
                projection_types,
                transient,
            } => {
                if *if_not_exists && self.object_exists(table, *temporary)? {
                    return ResultSet::status(
                        StatementType::Ddl,
                        format!("{} already exists, statement succeeded.", table.name),
                    );
                }
                let source = copied_columns
                    .as_ref()
                    .map(|c| self.copied_source_columns(c))
                    .unwrap_or_default();
                self.in_own_transaction(|s| {
                    for sequence in sequences {
                        s.conn.execute(sequence)?;
                    }
                    s.conn.execute(&p.sql)?;
                    for name in not_null {
                        s.conn.execute(&format!(
                            "ALTER TABLE {storage} ALTER COLUMN {} SET NOT NULL",
                            snowglobe_catalog::names::quote(&snowglobe_catalog::names::mangle(
                                name
                            ))
                        ))?;
                    }
                    for (name, meta) in columns {
                        s.conn.set_column_meta(storage, name, meta)?;
                    }
                    if let Some(copied) = copied_columns {
                        s.copy_column_types(table, *temporary, storage, copied, &source)?;
                    }
                    for (name, sf_type) in projection_types {
                        let meta = snowglobe_catalog::ColumnMeta::new(*sf_type);
                        s.conn.set_column_meta(storage, name, &meta)?;
                    }
                    // A transient table keeps that in its comment (DuckDB has no such kind).
                    let stored = snowglobe_catalog::TableMeta::stored(
                        *transient && !*temporary,
                        comment.clone(),
                    );
                    if let Some(comment) = stored {
                        s.conn.execute(&format!(
                            "COMMENT ON TABLE {storage} IS {}",
                            snowglobe_catalog::names::quote_literal(&comment)
                        ))?;
                    }
                    Ok(())
                })?;
                if *temporary && !self.temporary_tables.contains(table) {
                    self.temporary_tables.push(table.clone());
                }
                ResultSet::status(
                    StatementType::Ddl,
                    format!("Table {} successfully created.", table.name),
                )
            }
            SqlKind::Drop {
                kind,
                object,
                if_exists,
                ..
            } => {
                let temporary = self.temporary_tables.contains(object);
                if !self.object_exists(object, temporary)? {
                    if *if_exists {
                        return ResultSet::status(
                            StatementType::Ddl,
                            format!(
                                "Drop statement executed successfully ({} already dropped).",
                                object.name
                            ),
                        );
                    }
                    return Err(SnowflakeError::does_not_exist(kind, &object.name));
                }
                self.conn.execute(&p.sql)?;
                self.temporary_tables.retain(|t| t != object);
                ResultSet::status(
                    StatementType::Ddl,
                    format!("{} successfully dropped.", object.name),
                )
            }
            SqlKind::CreateView {
                status,
                view,
                storage,
                meta,
                if_not_exists,
                temporary,
            } => {
                if let Some(view) = if_not_exists {
                    if self.object_exists(view, temporary.is_some())? {
                        return ResultSet::status(
                            StatementType::Ddl,
                            format!("{} already exists, statement succeeded.", view.name),
                        );
                    }
                }
                self.in_own_transaction(|s| {
                    s.conn.execute(&p.sql)?;
                    if let Some(mut meta) = meta.clone() {
                        meta.columns = s.view_columns(&meta.body, view);
                        s.conn.execute(&format!(
                            "COMMENT ON VIEW {storage} IS {}",
                            snowglobe_catalog::names::quote_literal(&meta.to_comment())
                        ))?;
                    }
                    Ok(())
                })?;
                if let Some(view) = temporary {
                    if !self.temporary_tables.contains(view) {
                        self.temporary_tables.push(view.clone());
                    }
                }
                ResultSet::status(StatementType::Ddl, status.clone())
            }
            SqlKind::Ddl { status } => {
                self.conn.execute(&p.sql)?;
                ResultSet::status(StatementType::Ddl, status.clone())
            }
        }
    }

    /// MERGE answers with one count per action, which DuckDB reports through `merge_action`
    /// (a MERGE cannot be a CTE body, so the actions come back as rows and are counted here).
    fn run_merge(&mut self, sql: &str, present: [bool; 3]) -> Result<ResultSet> {
        use snowglobe_engine::arrow::{array::Array, compute::cast, datatypes::DataType};
        let result = self.conn.query(&format!("{sql} RETURNING merge_action"))?;
        let mut counts = [0u64; 3];
        for batch in &result.batches {
            let column =
                cast(batch.column(0), &DataType::Utf8).map_err(SnowflakeError::internal)?;
            let Some(actions) = column
                .as_any()
                .downcast_ref::<snowglobe_engine::arrow::array::StringArray>()
            else {
                continue;
            };
            for i in 0..actions.len() {
                match actions.value(i) {
                    "INSERT" => counts[0] += 1,
                    "UPDATE" => counts[1] += 1,
                    "DELETE" => counts[2] += 1,
                    _ => {}
                }
            }
        }
        // Snowflake answers with a column per kind of clause the MERGE has, in this order.
        let names = [
            "number of rows inserted",
            "number of rows updated",
            "number of rows deleted",
        ];
        let columns: Vec<(&str, u64)> = (0..3)
            .filter(|i| present[*i])
            .map(|i| (names[i], counts[i]))
            .collect();
        ResultSet::counts(StatementType::Merge, &columns)
    }

    /// Run `f` inside a transaction unless the client already has one open.
    fn in_own_transaction(&mut self, f: impl FnOnce(&mut Self) -> Result<()>) -> Result<()> {
        if self.in_transaction {
            return f(self);
        }
        self.conn.execute("BEGIN TRANSACTION")?;
        match f(self) {
            Ok(()) => self.conn.execute("COMMIT"),
            Err(e) => {
                let _ = self.conn.execute("ROLLBACK");
                Err(e)
            }
        }
    }

    /// The SQL user-defined functions `statement` calls, directly or through other functions
    /// (one file lookup per called name).
    fn called_functions(
        &self,
        statement: &Statement,
        ctx: &Context,
    ) -> Vec<snowglobe_translate::UserFunction> {
        use snowglobe_translate::rules::udfs;
        // Names called by a function's body are resolved in the function's schema.
        let mut pending: Vec<(_, Option<Context>)> = udfs::called_names(statement)
            .into_iter()
            .map(|n| (n, None))
            .collect();
        let mut found: Vec<snowglobe_translate::UserFunction> = Vec::new();
        let mut looked = 0;
        while let Some((name, home)) = pending.pop() {
            looked += 1;
            if looked > 256 {
                break;
            }
            let Ok(object) = resolve_object(&name, home.as_ref().unwrap_or(ctx), "CALL") else {
                continue;
            };
            if found.iter().any(|f| f.name == object) {
                continue;
            }
            for function in commands::procedure::user_function(self, &object) {
                let home = Context {
                    database: Some(object.database.clone()),
                    schema: Some(object.schema.clone()),
                    ..Context::default()
                };
                pending.extend(
                    udfs::body_calls(&function)
                        .into_iter()
                        .map(|n| (n, Some(home.clone()))),
                );
                found.push(function);
            }
        }
        found
    }

    fn object_exists(&self, object: &ObjectRef, temporary: bool) -> Result<bool> {
        if temporary {
            return self.conn.table_exists(TEMP_DATABASE, "", &object.name);
        }
        self.conn
            .table_exists(&object.database, &object.schema, &object.name)
    }

    /// The declared columns of the table an INSERT, UPDATE or MERGE writes (empty for other
    /// statements or an unknown table: the statement then fails later with the proper error).
    fn target_columns(&self, statement: &Statement, ctx: &Context) -> Vec<(String, SfType)> {
        use sqlparser_compat::TableFactor;
        let (name, operation) = match statement {
            Statement::Insert(insert) => match &insert.table {
                TableObject::TableName(name) => (name, "INSERT"),
                _ => return vec![],
            },
            Statement::Update(update) => match &update.table.relation {
                TableFactor::Table { name, .. } => (name, "UPDATE"),
                _ => return vec![],
            },
            Statement::Merge(merge) => match &merge.table {
                TableFactor::Table { name, .. } => (name, "MERGE"),
                _ => return vec![],
            },
            _ => return vec![],
        };
        let Ok(table) = resolve_object(name, ctx, operation) else {
            return vec![];
        };
        let (db, schema) = if self.temporary_tables.contains(&table) {
            (TEMP_DATABASE.to_string(), String::new())
        } else {
            (table.database.clone(), table.schema.clone())
        };
        self.conn
            .columns(&db, &schema, &table.name)
            .map(|columns| {
                columns
                    .into_iter()
                    .filter_map(|c| c.meta.map(|m| (c.name, m.sf_type)))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The columns (name, Snowflake type) of the tables and views `statement` names (names that
    /// are not tables, such as CTEs, are skipped): declared types, else the storage's.
    fn named_relation_columns<V: sqlparser_compat::Visit>(
        &self,
        statement: &V,
        ctx: &Context,
    ) -> Vec<(String, String, SfType)> {
        let mut names = Vec::new();
        let _ = sqlparser_compat::visit_relations(statement, |name| {
            if names.len() < 16 && !names.contains(name) {
                names.push(name.clone());
            }
            std::ops::ControlFlow::<()>::Continue(())
        });
        let mut out = Vec::new();
        for name in names {
            let Ok(table) = resolve_object(&name, ctx, "SELECT") else {
                continue;
            };
            let (db, schema) = if self.temporary_tables.contains(&table) {
                (TEMP_DATABASE.to_string(), String::new())
            } else {
                (table.database.clone(), table.schema.clone())
            };
            let Ok(columns) = self.conn.columns(&db, &schema, &table.name) else {
                continue;
            };
            for c in columns {
                let t = c
                    .meta
                    .map(|m| m.sf_type)
                    .unwrap_or_else(|| SfType::of_duckdb_type(&c.data_type));
                let column = (table.name.clone(), c.name, t);
                if !out.contains(&column) {
                    out.push(column);
                }
            }
        }
        out
    }

    /// Give the columns a CTAS copied from its source table the source's declared types.
    fn copy_column_types(
        &self,
        table: &ObjectRef,
        temporary: bool,
        storage: &str,
        copied: &snowglobe_translate::CopiedColumns,
        source: &[snowglobe_engine::TableColumn],
    ) -> Result<()> {
        let (db, schema) = table_place(table, temporary);
        for column in self.conn.columns(&db, &schema, &table.name)? {
            if column.meta.is_some() {
                continue;
            }
            let from = match copied.columns.iter().find(|(new, _)| *new == column.name) {
                Some((_, from)) => from.as_str(),
                None if copied.all => column.name.as_str(),
                None => continue,
            };
            // Only a column DuckDB typed the same (so the declared type still describes it).
            if let Some(declared) = source
                .iter()
                .find(|c| c.name == from && c.data_type == column.data_type)
                .and_then(|c| c.meta.as_ref())
            {
                let meta = snowglobe_catalog::ColumnMeta::new(declared.sf_type);
                self.conn.set_column_meta(storage, &column.name, &meta)?;
            }
        }
        Ok(())
    }

    /// The columns of the table a CTAS copies from, read before the CTAS runs (it may replace
    /// that very table); none when it cannot be read.
    fn copied_source_columns(
        &self,
        copied: &snowglobe_translate::CopiedColumns,
    ) -> Vec<snowglobe_engine::TableColumn> {
        let (db, schema) = self.storage_of(&copied.source);
        self.conn
            .columns(&db, &schema, &copied.source.name)
            .unwrap_or_default()
    }

    /// The columns of a view just created, typed as its query's result is (`body`, the query
    /// as written): the declared types of the table columns it passes through are kept. Empty
    /// when the query cannot be typed so (the view is then typed from DuckDB's types).
    fn view_columns(&mut self, body: &str, view: &ObjectRef) -> Vec<snowglobe_catalog::ViewColumn> {
        let (db, schema) = self.storage_of(view);
        let Ok(names) = self.conn.columns(&db, &schema, &view.name) else {
            return vec![];
        };
        let sql = format!("SELECT * FROM ({body}\n) LIMIT 0");
        let Some(statement) = snowglobe_translate::parse(&sql)
            .ok()
            .and_then(|mut s| s.pop())
        else {
            return vec![];
        };
        let request = Request {
            sql: sql.clone(),
            describe_only: true,
            ..Default::default()
        };
        let Ok(result) = self.run_one(statement, &sql, &request) else {
            return vec![];
        };
        if result.columns.len() != names.len() {
            return vec![];
        }
        names
            .into_iter()
            .zip(result.columns)
            .map(|(name, column)| snowglobe_catalog::ViewColumn {
                name: name.name,
                sf_type: column.sf_type,
                nullable: column.nullable,
            })
            .collect()
    }

    /// Declared column types of the tables a query reads.
    fn declared_types(&self, tables: &[ObjectRef]) -> Result<Vec<Declared>> {
        let mut out = Vec::new();
        for t in tables.iter().take(16) {
            let (db, schema) = self.storage_of(t);
            if let Ok(columns) = self.conn.columns(&db, &schema, &t.name) {
                for c in columns {
                    if let Some(meta) = c.meta {
                        out.push(Declared {
                            name: c.name,
                            sf_type: meta.sf_type,
                            nullable: c.nullable,
                        });
                    }
                }
            }
        }
        Ok(out)
    }

    /// A handle that interrupts this session's running statement from another thread.
    pub fn interrupt_handle(&self) -> Arc<snowglobe_engine::InterruptHandle> {
        self.conn.interrupt_handle()
    }

    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    pub(crate) fn conn(&self) -> &EngineSession {
        &self.conn
    }
}

/// What `cursor.describe()` of a statement other than a query answers: the columns its
/// result would have (a DML statement's counts), no rows.
fn describe_only_shape(kind: &SqlKind) -> Result<ResultSet> {
    let (statement_type, names): (StatementType, &[&str]) = match kind {
        SqlKind::Insert | SqlKind::InsertOverwrite { .. } => {
            (StatementType::Insert, &["number of rows inserted"])
        }
        SqlKind::Update { .. } => (
            StatementType::Update,
            &[
                "number of rows updated",
                "number of multi-joined rows updated",
            ],
        ),
        SqlKind::Delete => (StatementType::Delete, &["number of rows deleted"]),
        _ => return ResultSet::status(StatementType::Ddl, "Statement executed successfully."),
    };
    let columns: Vec<(&str, u64)> = names.iter().map(|n| (*n, 0)).collect();
    let mut shape = ResultSet::counts(statement_type, &columns)?;
    shape.batches.clear();
    Ok(shape)
}

/// Interrupts a session's statement once its time is up, unless dropped first.
struct Watchdog {
    fired: Arc<std::sync::atomic::AtomicBool>,
    stop: Option<std::sync::mpsc::Sender<()>>,
}

impl Watchdog {
    fn start(handle: Arc<snowglobe_engine::InterruptHandle>, seconds: u64) -> Watchdog {
        let fired = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let flag = Arc::clone(&fired);
        std::thread::spawn(move || {
            use std::sync::mpsc::RecvTimeoutError::Timeout;
            let limit = std::time::Duration::from_secs(seconds);
            if let Err(Timeout) = stopped.recv_timeout(limit) {
                flag.store(true, std::sync::atomic::Ordering::SeqCst);
                // DuckDB forgets an interrupt when the next query starts: a request of several
                // engine calls is interrupted again until it ends.
                loop {
                    handle.interrupt();
                    if !matches!(
                        stopped.recv_timeout(std::time::Duration::from_millis(50)),
                        Err(Timeout)
                    ) {
                        break;
                    }
                }
            }
        });
        Watchdog {
            fired,
            stop: Some(stop),
        }
    }

    fn fired(&self) -> bool {
        self.fired.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        // Dropping the sender wakes the thread, which then ends without interrupting.
        self.stop.take();
    }
}

/// Where a table's columns are listed: DuckDB's `temp` catalog for a temporary table.
fn table_place(table: &ObjectRef, temporary: bool) -> (String, String) {
    if temporary {
        (TEMP_DATABASE.to_string(), String::new())
    } else {
        (table.database.clone(), table.schema.clone())
    }
}

/// Whether a planned statement is DDL, which Snowflake always autocommits.
fn is_ddl(planned: &Plan) -> bool {
    use snowglobe_translate::Command as C;
    match planned {
        // (TRUNCATE, the one `SqlKind::Ddl`, is DML in Snowflake's transactions.)
        Plan::Sql(p) => matches!(
            p.kind,
            SqlKind::CreateTable { .. } | SqlKind::Drop { .. } | SqlKind::CreateView { .. }
        ),
        Plan::Command(c) => matches!(
            c,
            C::CreateDatabase { .. }
                | C::DropDatabase { .. }
                | C::CreateSchema { .. }
                | C::DropSchema { .. }
                | C::RenameView { .. }
                | C::SetViewSecure { .. }
                | C::CreateSequence(_)
                | C::DropSequence { .. }
                | C::AlterSequence { .. }
                | C::CreateOrAlterTable { .. }
                | C::AlterTable { .. }
                | C::Comment { .. }
                | C::CloneTable { .. }
                | C::CloneSchema { .. }
                | C::CloneDatabase { .. }
        ),
    }
}

/// The temporary table an `executemany` INSERT reads its bound rows from.
const BIND_ROWS: &str = "SG_BIND_ROWS";

/// A login name as given in the connection string: quoted names keep their case.
fn login_name(name: &str) -> String {
    let t = name.trim();
    if t.len() >= 2 && t.starts_with('"') && t.ends_with('"') {
        t[1..t.len() - 1].replace("\"\"", "\"")
    } else {
        t.to_uppercase()
    }
}

pub(crate) fn first_count(r: &ResultSet) -> u64 {
    r.batches
        .first()
        .and_then(|b| {
            b.column(0)
                .as_any()
                .downcast_ref::<snowglobe_engine::arrow::array::Int64Array>()
                .map(|a| a.value(0).max(0) as u64)
        })
        .unwrap_or(0)
}

/// A compile error in Snowflake's words, completed from the user's statement (the column's
/// table and clause, the identifier's position).
fn refine_error(e: SnowflakeError, sql: &str) -> SnowflakeError {
    snowglobe_translate::compile_errors::refine(e, sql)
}
