//! Stored procedures written in Snowflake Scripting: CREATE PROCEDURE ... LANGUAGE SQL, CALL and
//! DROP PROCEDURE. A procedure is a JSON file beside the schema's stages and file formats, so
//! persistence, state exports and pods carry it like them. One procedure per name: a second
//! CREATE of the name (other argument types) replaces or conflicts with the first.

use serde::{Deserialize, Serialize};
use snowglobe_error::{ErrorCode, Result, SnowflakeError};
use snowglobe_translate::scripting::{Procedure, ProcedureStatement};
use snowglobe_translate::ObjectRef;

use super::sequence::schema_must_exist;
use super::stage::{drop_object, existing};
use crate::stages::io_error;
use crate::{ResultSet, Session, StatementType};

const KIND: &str = "procedures";

#[derive(Serialize, Deserialize)]
struct Stored {
    args: Vec<(String, String)>,
    returns: String,
    body: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
}

fn file(session: &Session, name: &ObjectRef) -> std::path::PathBuf {
    session.object_dir(name, false, KIND).join(format!(
        "{}.json",
        snowglobe_engine::encode_file_name(&name.name)
    ))
}

fn missing(name: &ObjectRef) -> SnowflakeError {
    SnowflakeError::does_not_exist(
        "Procedure",
        &format!("{}.{}.{}", name.database, name.schema, name.name),
    )
}

pub fn run(session: &mut Session, statement: ProcedureStatement) -> Result<ResultSet> {
    match statement {
        ProcedureStatement::Create {
            name,
            or_replace,
            if_not_exists,
            procedure,
        } => create(session, name, or_replace, if_not_exists, procedure),
        ProcedureStatement::Call { name, args } => call(session, &name, &args),
        ProcedureStatement::Drop { name, if_exists } => {
            let path = file(session, &name);
            drop_object(
                &name.name,
                path.exists().then_some(path),
                if_exists,
                |p| std::fs::remove_file(p),
                missing(&name),
            )
        }
    }
}

fn create(
    session: &mut Session,
    name: ObjectRef,
    or_replace: bool,
    if_not_exists: bool,
    procedure: Procedure,
) -> Result<ResultSet> {
    schema_must_exist(session, &name)?;
    // The body must be a block: check it now, as Snowflake compiles it on CREATE.
    snowglobe_translate::scripting::parse_block(&procedure.body)?;
    let path = file(session, &name);
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
    let path = file(session, name);
    let text = std::fs::read(&path).map_err(|_| missing(name))?;
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
