//! Statements Snowglobe answers itself, one file each, behind one `match` on
//! [`snowglobe_translate::Command`].

mod access;
mod alter_session;
mod alter_table;
mod clone;
mod comment;
mod copy;
mod csv_escapes;
mod database;
mod describe;
mod format_properties;
mod get_ddl;
mod principals;
pub(crate) mod procedure;
mod schema;
mod sequence;
mod show;
mod show_more;
pub(crate) mod stage;
mod template;
pub(crate) mod transaction;
mod unload;
mod use_context;
pub(crate) mod variables;
mod warehouse;

pub use principals::{open_principals, Principals};
pub use warehouse::{open_warehouses, Warehouse, Warehouses};

pub(crate) use copy::{infer_schema_rows, query_staged};
pub(crate) use describe::column_type;
pub(crate) use show_more::sequence_rows;
use snowglobe_error::Result;
use snowglobe_translate::stages::StageStatement;
use snowglobe_translate::Command;

use crate::{ResultSet, Session, StatementType};

/// Run one session command.
pub fn run(session: &mut Session, command: Command) -> Result<ResultSet> {
    match command {
        Command::Use(target) => use_context::run(session, target),
        Command::CreateDatabase {
            name,
            if_not_exists,
            or_replace,
            transient: _,
            comment,
        } => database::create(session, &name, if_not_exists, or_replace, comment),
        Command::DropDatabase { name, if_exists } => database::drop(session, &name, if_exists),
        Command::CreateSchema {
            database,
            name,
            if_not_exists,
            or_replace,
            comment,
        } => schema::create(
            session,
            &database,
            &name,
            if_not_exists,
            or_replace,
            comment,
        ),
        Command::RenameView {
            view,
            target,
            if_exists,
        } => comment::rename_view(session, &view, &target, if_exists),
        Command::SetViewSecure {
            view,
            secure,
            if_exists,
        } => comment::set_view_secure(session, &view, secure, if_exists),
        Command::DropSchema {
            database,
            name,
            if_exists,
        } => schema::drop(session, &database, &name, if_exists),
        Command::Access(command) => principals::execute(session, &command),
        Command::CreateWarehouse {
            name,
            if_not_exists,
            or_replace,
            properties,
        } => warehouse::create(session, &name, if_not_exists, or_replace, &properties),
        Command::AlterWarehouse {
            name,
            if_exists,
            action,
        } => warehouse::alter(session, name.as_deref(), if_exists, &action),
        Command::DropWarehouse { name, if_exists } => warehouse::drop(session, &name, if_exists),
        Command::AlterSession(settings) => alter_session::run(session, settings),
        Command::Show(show) => show::run(session, show),
        Command::Begin => transaction::begin(session),
        Command::Commit => transaction::commit(session),
        Command::Rollback => transaction::rollback(session),
        Command::SetVariables(pairs) => variables::set(session, pairs),
        Command::UnsetVariables(names) => variables::unset(session, names),
        Command::Describe { object } => describe::describe(session, object),
        Command::CreateSequence(def) => sequence::create(session, def),
        Command::DropSequence { object, if_exists } => sequence::drop(session, object, if_exists),
        Command::AlterSequence {
            object,
            if_exists,
            change,
        } => sequence::alter(session, object, if_exists, change),
        Command::CreateOrAlterTable {
            table,
            columns,
            comment,
            create_sql,
        } => alter_table::create_or_alter(session, table, columns, comment, create_sql),
        Command::AlterTable {
            table,
            if_exists,
            action,
        } => alter_table::run(session, table, if_exists, action),
        Command::Comment {
            target,
            comment,
            if_exists,
        } => comment::run(session, target, comment, if_exists),
        Command::CloneTable {
            target,
            source,
            with_data,
            or_replace,
            if_not_exists,
        } => clone::clone_table(
            session,
            target,
            source,
            with_data,
            or_replace,
            if_not_exists,
        ),
        Command::CloneSchema {
            target,
            source,
            or_replace,
            if_not_exists,
        } => clone::clone_schema(session, target, source, or_replace, if_not_exists),
        Command::CloneDatabase {
            target,
            source,
            or_replace,
            if_not_exists,
        } => clone::clone_database(session, target, source, or_replace, if_not_exists),
        Command::GetDdl(call) => get_ddl::run(session, call),
        Command::ShowGrants(grants) => access::show_grants(session, grants),
        Command::Accepted(message) => ResultSet::status(StatementType::Ddl, message),
        Command::DescribeSequence(object) => show_more::describe_sequence(session, &object),
        Command::DescribeContainer { database, schema } => {
            access::describe_container(session, &database, schema.as_deref())
        }
        Command::ExecuteImmediate(sql) => {
            let request = crate::Request {
                sql,
                ..Default::default()
            };
            session
                .run(&request)?
                .pop()
                .ok_or_else(|| snowglobe_error::SnowflakeError::internal("no result"))
        }
    }
}

/// Run one stage statement (`snowglobe_translate::stages`).
pub fn stage_statement(session: &mut Session, statement: StageStatement) -> Result<ResultSet> {
    match statement {
        StageStatement::CreateStage {
            name,
            or_replace,
            if_not_exists,
            temporary,
            file_format,
            comment,
        } => stage::create_stage(
            session,
            name,
            or_replace,
            if_not_exists,
            temporary,
            file_format,
            comment,
        ),
        StageStatement::DropStage { name, if_exists } => {
            stage::drop_stage(session, name, if_exists)
        }
        StageStatement::CreateFileFormat {
            name,
            or_replace,
            if_not_exists,
            temporary,
            options,
            comment,
        } => stage::create_file_format(
            session,
            name,
            or_replace,
            if_not_exists,
            temporary,
            options,
            comment,
        ),
        StageStatement::DropFileFormat { name, if_exists } => {
            stage::drop_file_format(session, name, if_exists)
        }
        StageStatement::DescribeStage(name) => stage::describe_stage(session, name),
        StageStatement::DescribeFileFormat(name) => stage::describe_file_format(session, name),
        StageStatement::Put {
            local,
            stage,
            options,
        } => stage::put(session, local, stage, options),
        StageStatement::Get {
            stage,
            local,
            pattern,
        } => stage::get(session, stage, local, pattern),
        StageStatement::List { stage, pattern } => stage::list(session, stage, pattern),
        StageStatement::Remove { stage, pattern } => stage::remove(session, stage, pattern),
        StageStatement::CopyInto(copy) => copy::copy_into(session, copy),
        StageStatement::Unload(unload) => unload::unload(session, unload),
        StageStatement::CreateTableUsingTemplate { head, query } => {
            template::create_table(session, &head, &query)
        }
    }
}
