//! Stored procedures written in Snowflake Scripting: CREATE PROCEDURE ... LANGUAGE SQL, CALL and
//! DROP PROCEDURE; and SQL user-defined functions: CREATE FUNCTION ... AS '<expression or
//! query>' and DROP FUNCTION (calls are inlined by `snowglobe_translate::rules::udfs`). Each is
//! a JSON file beside the schema's stages and file formats, so persistence, state exports and
//! pods carry it like them. One routine per name: a second CREATE of the name (other argument
//! types) replaces or conflicts with the first.

use serde::{Deserialize, Serialize};
use snowglobe_error::{ErrorCode, Result, SnowflakeError};
use snowglobe_translate::scripting::{Procedure, ProcedureStatement};
use snowglobe_translate::{ObjectRef, UserFunction};

use super::sequence::schema_must_exist;
use super::stage::{drop_object, existing};
use crate::stages::io_error;
use crate::{ResultSet, Session, StatementType};

const PROCEDURES: &str = "procedures";
const FUNCTIONS: &str = "functions";

#[derive(Serialize, Deserialize)]
struct Stored {
    args: Vec<(String, String)>,
    returns: String,
    body: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
}

fn file(session: &Session, name: &ObjectRef, function: bool) -> std::path::PathBuf {
    let kind = if function { FUNCTIONS } else { PROCEDURES };
    session.object_dir(name, false, kind).join(format!(
        "{}.json",
        snowglobe_engine::encode_file_name(&name.name)
    ))
}

fn missing(name: &ObjectRef, function: bool) -> SnowflakeError {
    SnowflakeError::does_not_exist(
        if function { "Function" } else { "Procedure" },
        &format!("{}.{}.{}", name.database, name.schema, name.name),
    )
}

/// The SQL function `name`, when one exists.
pub(crate) fn user_function(session: &Session, name: &ObjectRef) -> Option<UserFunction> {
    let text = std::fs::read(file(session, name, true)).ok()?;
    let stored: Stored = serde_json::from_slice(&text).ok()?;
    Some(UserFunction {
        name: name.clone(),
        args: stored.args,
        returns: stored.returns,
        body: stored.body,
    })
}

/// The SQL functions (or procedures) of a schema, by name: (definition, comment).
pub(crate) fn user_functions(
    session: &Session,
    database: &str,
    schema: &str,
    function: bool,
) -> Vec<(UserFunction, Option<String>)> {
    let any = ObjectRef {
        database: database.to_string(),
        schema: schema.to_string(),
        name: String::new(),
    };
    let kind = if function { FUNCTIONS } else { PROCEDURES };
    let Ok(entries) = std::fs::read_dir(session.object_dir(&any, false, kind)) else {
        return vec![];
    };
    let mut out: Vec<(UserFunction, Option<String>)> = entries
        .flatten()
        .filter_map(|e| {
            let file_name = e.file_name().to_string_lossy().to_string();
            let name = snowglobe_engine::decode_file_name(file_name.strip_suffix(".json")?);
            let stored: Stored = serde_json::from_slice(&std::fs::read(e.path()).ok()?).ok()?;
            let function = UserFunction {
                name: ObjectRef {
                    name,
                    ..any.clone()
                },
                args: stored.args,
                returns: stored.returns,
                body: stored.body,
            };
            Some((function, stored.comment))
        })
        .collect();
    out.sort_by(|a, b| a.0.name.name.cmp(&b.0.name.name));
    out
}

pub fn run(session: &mut Session, statement: ProcedureStatement) -> Result<ResultSet> {
    match statement {
        ProcedureStatement::Create {
            name,
            or_replace,
            if_not_exists,
            function,
            procedure,
        } => create(
            session,
            name,
            or_replace,
            if_not_exists,
            function,
            procedure,
        ),
        ProcedureStatement::Call { name, args } => call(session, &name, &args),
        ProcedureStatement::Drop {
            name,
            if_exists,
            function,
        } => {
            let path = file(session, &name, function);
            drop_object(
                &name.name,
                path.exists().then_some(path),
                if_exists,
                |p| std::fs::remove_file(p),
                missing(&name, function),
            )
        }
    }
}

fn create(
    session: &mut Session,
    name: ObjectRef,
    or_replace: bool,
    if_not_exists: bool,
    function: bool,
    procedure: Procedure,
) -> Result<ResultSet> {
    schema_must_exist(session, &name)?;
    // The body must be a block (an expression or query for a function): check it now, as
    // Snowflake compiles it on CREATE.
    if function {
        snowglobe_translate::rules::udfs::check(&UserFunction {
            name: name.clone(),
            args: procedure.args.clone(),
            returns: procedure.returns.clone(),
            body: procedure.body.clone(),
        })?;
    } else {
        snowglobe_translate::scripting::parse_block(&procedure.body)?;
    }
    let path = file(session, &name, function);
    let found = path.exists().then(|| path.clone());
    if let Some(answer) = existing(&name.name, found, if_not_exists, or_replace, |p| {
        std::fs::remove_file(p)
    })? {
        return Ok(answer);
    }
    let stored = Stored {
        args: procedure.args,
        returns: procedure.returns,
        body: procedure.body,
        comment: procedure.comment,
    };
    let text = serde_json::to_vec_pretty(&stored).map_err(SnowflakeError::internal)?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| io_error("create", dir, e))?;
    }
    std::fs::write(&path, text).map_err(|e| io_error("write", &path, e))?;
    ResultSet::status(
        StatementType::Ddl,
        format!("Function {} successfully created.", name.name),
    )
}

fn call(session: &mut Session, name: &ObjectRef, args: &[String]) -> Result<ResultSet> {
    let path = file(session, name, false);
    let text = std::fs::read(&path).map_err(|_| missing(name, false))?;
    let stored: Stored = serde_json::from_slice(&text).map_err(|e| {
        SnowflakeError::internal(format!("procedure {} is unreadable: {e}", name.name))
    })?;
    if args.len() != stored.args.len() {
        let types: Vec<&str> = stored.args.iter().map(|(_, t)| t.as_str()).collect();
        return Err(SnowflakeError::compilation(
            ErrorCode::InvalidArgumentTypes,
            format!(
                "Invalid argument types for function '{}': expected {} argument(s) ({}), got {}",
                name.name,
                stored.args.len(),
                types.join(", "),
                args.len()
            ),
        ));
    }
    // Arguments are evaluated in the caller's session, cast to the declared types.
    let mut bound = Vec::with_capacity(args.len());
    if !args.is_empty() {
        let select = stored
            .args
            .iter()
            .zip(args)
            .map(|((_, t), e)| format!("CAST(({e}) AS {t})"))
            .collect::<Vec<_>>()
            .join(", ");
        let result = session.query(&format!("SELECT {select}"))?;
        let values = crate::scripting::row_literals(&result, 0)?
            .ok_or_else(|| SnowflakeError::internal("CALL: no argument values"))?;
        for ((arg, _), value) in stored.args.iter().zip(values) {
            bound.push((arg.clone(), value));
        }
    }
    let returns = (!stored
        .returns
        .trim_start()
        .to_ascii_uppercase()
        .starts_with("TABLE"))
    .then_some(stored.returns.as_str());
    crate::scripting::run_with(session, &stored.body, &name.name, returns, bound)
}
