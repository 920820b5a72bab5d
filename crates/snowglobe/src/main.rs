//! The `snowglobe` binary: `main` → `run` → exit code. `anyhow` lives only here.
//!
//! Layout:
//! - [`Cli`]: the clap commands (`start`, `state`, `pod`).
//! - `start`: open the engine, load pods and run init scripts ([`startup`]), serve until
//!   SIGINT/SIGTERM.
//! - [`admin`]: `state` and `pod` commands, through a running server's admin API or the
//!   volume directory in-process.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use snowglobe_engine::{Engine, Storage};
use snowglobe_server::AppState;
use snowglobe_session::Shared;
use snowglobe_state::StateService;

mod admin;
mod startup;

/// Snowglobe: a local Snowflake emulator. Serves Snowflake's client protocol on DuckDB.
#[derive(Parser)]
#[command(name = "snowglobe", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the emulator and serve until interrupted (Ctrl-C, SIGTERM).
    ///
    /// Clients connect with host 127.0.0.1, port 4566, protocol http; any user, password
    /// and account are accepted (LocalStack's convention is test/test/test).
    Start(StartArgs),
    /// Export, import or reset the whole state (of a running server, else of the volume).
    State {
        #[command(subcommand)]
        command: StateCommand,
        #[command(flatten)]
        target: admin::Target,
    },
    /// Named, versioned snapshots of the state ("pods") in a remote: a local directory or an
    /// S3-compatible bucket.
    Pod {
        #[command(subcommand)]
        command: PodCommand,
        #[command(flatten)]
        target: admin::Target,
    },
}

#[derive(Subcommand)]
enum StateCommand {
    /// Write the state to one file (a ZIP: manifest + Parquet; see docs/state-format.md).
    Export {
        #[arg(default_value = "snowglobe-state.zip")]
        file: PathBuf,
        /// Only these databases (comma-separated).
        #[arg(long)]
        databases: Option<String>,
    },
    /// Restore a state file; a bad file changes nothing.
    Import {
        file: PathBuf,
        /// merge (also account-region-merge): replace the file's databases, keep the others;
        /// service-merge: add the file's objects to the databases, replacing those of the same
        /// name; overwrite: replace everything.
        #[arg(long, env = "MERGE_STRATEGY", default_value = "merge", value_parser = STRATEGIES)]
        strategy: String,
    },
    /// Drop every database.
    Reset,
}

/// The import and pod load strategies (LocalStack's names and Snowglobe's `merge`).
const STRATEGIES: [&str; 4] = [
    "merge",
    "account-region-merge",
    "service-merge",
    "overwrite",
];

#[derive(Subcommand)]
enum PodCommand {
    /// Save the state as the pod's next version.
    Save {
        name: String,
        #[arg(short, long)]
        message: Option<String>,
        #[arg(long)]
        databases: Option<String>,
        #[arg(long)]
        remote: Option<String>,
    },
    /// Load NAME or NAME:VERSION (the latest version by default).
    Load {
        reference: String,
        /// As for `state import`.
        #[arg(long, env = "MERGE_STRATEGY", default_value = "merge", value_parser = STRATEGIES)]
        strategy: String,
        /// Show what would change, change nothing.
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        remote: Option<String>,
    },
    /// List the pods of a remote.
    List {
        #[arg(long)]
        remote: Option<String>,
        #[arg(long, default_value = "table", value_parser = ["table", "json"])]
        format: String,
    },
    /// List a pod's versions.
    Versions {
        name: String,
        #[arg(long)]
        remote: Option<String>,
        #[arg(long, default_value = "table", value_parser = ["table", "json"])]
        format: String,
    },
    /// Show a version's databases, tables, row counts, size, time and message.
    Inspect {
        reference: String,
        #[arg(long)]
        remote: Option<String>,
        #[arg(long, default_value = "table", value_parser = ["table", "json"])]
        format: String,
    },
    /// Delete every version of a pod.
    Delete {
        name: String,
        #[arg(long)]
        remote: Option<String>,
    },
    /// Manage named remotes (a directory, file://PATH, or s3://BUCKET/PREFIX?PARAMS).
    Remote {
        #[command(subcommand)]
        command: RemoteCommand,
    },
}

#[derive(Subcommand)]
enum RemoteCommand {
    /// Add (or replace) a named remote.
    Add { name: String, url: String },
    /// List the named remotes.
    List {
        #[arg(long, default_value = "table", value_parser = ["table", "json"])]
        format: String,
    },
    /// Delete a named remote.
    Delete { name: String },
}

#[derive(clap::Args)]
struct StartArgs {
    /// Address to listen on, HOST:PORT. Like LocalStack's GATEWAY_LISTEN, a leading ':' means
    /// 127.0.0.1, and only the first of a comma-separated list is used.
    #[arg(long, env = "GATEWAY_LISTEN", default_value = "127.0.0.1:4566")]
    listen: String,

    /// Keep all state in the volume directory across restarts (every committed statement is
    /// durable). Also enabled by PERSISTENCE=1.
    #[arg(long, env = "PERSISTENCE", value_parser = parse_flag, default_value = "0", num_args = 0..=1, default_missing_value = "1")]
    persistence: bool,

    /// The volume directory (state lives in <dir>/state/snowflake). Defaults to
    /// $SNOWGLOBE_VOLUME_DIR, then $LOCALSTACK_VOLUME_DIR, then ~/.cache/snowglobe/volume.
    #[arg(long, env = "SNOWGLOBE_VOLUME_DIR")]
    volume_dir: Option<PathBuf>,

    /// Pods to load at startup, in order (LocalStack's AUTO_LOAD_POD; ignored with persistence).
    #[arg(long, env = "AUTO_LOAD_POD")]
    auto_load_pod: Option<String>,

    /// When state is saved with persistence (LocalStack's names): ON_REQUEST, ON_SHUTDOWN and
    /// SCHEDULED are all met by per-commit durability; MANUAL keeps the working state in
    /// memory and saves it only on `POST /_localstack/state/save`.
    #[arg(long, env = "SNAPSHOT_SAVE_STRATEGY", default_value = "ON_REQUEST", value_parser = parse_save_strategy)]
    snapshot_save_strategy: String,

    /// When saved state is loaded: ON_REQUEST and ON_STARTUP load it at startup; MANUAL starts
    /// empty until `POST /_localstack/state/load` (with SNAPSHOT_SAVE_STRATEGY=MANUAL).
    #[arg(long, env = "SNAPSHOT_LOAD_STRATEGY", default_value = "ON_STARTUP", value_parser = parse_load_strategy)]
    snapshot_load_strategy: String,

    /// Directory of init scripts (`*.sql`, `*.sf.sql`) run at startup in name order.
    #[arg(long, env = "SNOWGLOBE_INIT_DIR")]
    init_dir: Option<PathBuf>,
}

/// LocalStack-style boolean: 1/true/yes/on.
fn parse_flag(s: &str) -> Result<bool, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "" | "0" | "false" | "no" | "off" => Ok(false),
        other => Err(format!("expected 0 or 1, got '{other}'")),
    }
}

fn parse_strategy(s: &str, allowed: &[&str]) -> Result<String, String> {
    let upper = s.trim().to_ascii_uppercase();
    if upper.is_empty() {
        return Ok(allowed[0].to_string());
    }
    if allowed.contains(&upper.as_str()) {
        Ok(upper)
    } else {
        Err(format!("expected one of {}, got '{s}'", allowed.join(", ")))
    }
}

fn parse_save_strategy(s: &str) -> Result<String, String> {
    parse_strategy(s, &["ON_REQUEST", "ON_SHUTDOWN", "SCHEDULED", "MANUAL"])
}

fn parse_load_strategy(s: &str) -> Result<String, String> {
    parse_strategy(s, &["ON_STARTUP", "ON_REQUEST", "MANUAL"])
}

fn listen_addr(spec: &str) -> Result<SocketAddr> {
    let first = spec.split(',').next().unwrap_or("").trim();
    let with_host = if first.starts_with(':') {
        format!("127.0.0.1{first}")
    } else {
        first.to_string()
    };
    with_host
        .parse()
        .with_context(|| format!("invalid listen address '{spec}' (expected HOST:PORT)"))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}

/// LocalStack's other names for persistence: `LOCALSTACK_PERSISTENCE=1`, and the legacy
/// `DATA_DIR`, which is ignored but turns persistence on, with a warning.
fn persistence_aliases(args: &mut StartArgs) -> Result<()> {
    if args.persistence {
        return Ok(());
    }
    if let Ok(value) = std::env::var("LOCALSTACK_PERSISTENCE") {
        args.persistence =
            parse_flag(&value).map_err(|e| anyhow::anyhow!("LOCALSTACK_PERSISTENCE: {e}"))?;
    }
    if std::env::var_os("DATA_DIR").is_some_and(|d| !d.is_empty()) {
        tracing::warn!(
            "DATA_DIR is deprecated and ignored (as in LocalStack); it turns PERSISTENCE=1 on: \
             state lives in the volume directory"
        );
        args.persistence = true;
    }
    Ok(())
}

async fn start(mut args: StartArgs) -> Result<()> {
    persistence_aliases(&mut args)?;
    let addr = listen_addr(&args.listen)?;
    let volume = admin::volume_dir(args.volume_dir)?;
    let manual_save = args.persistence && args.snapshot_save_strategy == "MANUAL";
    let manual_load = args.snapshot_load_strategy == "MANUAL";
    let (storage, lock) = if args.persistence {
        let (dir, lock) = admin::lock_state_dir(&volume)?;
        // a MANUAL save cut short (or an older Snowglobe's MANUAL file) is finished first
        if snowglobe_state::service::complete_pending_save(&dir, &volume)
            .map_err(|e| anyhow::anyhow!("cannot finish the interrupted save: {e}"))?
        {
            tracing::info!("an interrupted save was finished");
        }
        if manual_save {
            tracing::info!(dir = %dir.display(), "persistence on, saved on request only");
            (Storage::Memory, Some((dir, lock)))
        } else {
            tracing::info!(dir = %dir.display(), "persistence on");
            (Storage::Directory(dir.clone()), Some((dir, lock)))
        }
    } else {
        (Storage::Memory, None)
    };
    if args.persistence && manual_load && !manual_save {
        tracing::warn!(
            "SNAPSHOT_LOAD_STRATEGY=MANUAL needs SNAPSHOT_SAVE_STRATEGY=MANUAL: with per-commit \
             durability the volume is the live state, loaded at startup"
        );
    }
    let engine = Engine::open(storage).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut service = StateService::new(std::sync::Arc::clone(&engine), &volume);
    if let (true, Some((dir, _))) = (manual_save, &lock) {
        service = service.with_manual_store(dir.clone());
        if !manual_load {
            if let Some(summary) = service
                .load_snapshot()
                .map_err(|e| anyhow::anyhow!("cannot load the saved state: {e}"))?
            {
                tracing::info!(
                    tables = summary.tables,
                    rows = summary.rows,
                    "saved state loaded"
                );
            }
        }
    }
    let shared = Shared::new(engine);
    match args
        .auto_load_pod
        .as_deref()
        .filter(|p| !p.trim().is_empty())
    {
        // As LocalStack: persisted state wins over pods.
        Some(_) if args.persistence => {
            tracing::warn!("AUTO_LOAD_POD is ignored with PERSISTENCE=1")
        }
        Some(pods) => startup::auto_load_pods(&service, pods).await?,
        None => {}
    }
    if let Some(dir) = &args.init_dir {
        startup::run_init_scripts(&shared, dir)?;
    }
    let state = AppState::with_state_service(shared, Some(service));
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    tracing::info!(address = %listener.local_addr()?, "snowglobe ready");
    let stop = state.clone();
    let shutdown = async move {
        tokio::select! {
            _ = shutdown_signal() => {},
            _ = stop.shutdown.notified() => {},
        }
    };
    snowglobe_server::run(listener, state, shutdown).await?;
    Ok(())
}

async fn state_command(command: StateCommand, target: admin::Target) -> Result<()> {
    // Only an export reads the state: an import may seed a volume not used yet.
    let reads_state = matches!(command, StateCommand::Export { .. });
    let client = admin::Client::connect(&target, reads_state).await?;
    match command {
        StateCommand::Export { file, databases } => admin::export(&client, &file, databases).await,
        StateCommand::Import { file, strategy } => admin::import(&client, &file, &strategy).await,
        StateCommand::Reset => admin::reset(&client).await,
    }
}

/// A remote given as a relative directory is the CLI's, not the server's: made absolute here.
fn absolute_remote(remote: String) -> String {
    let path = std::path::Path::new(&remote);
    let directory = !remote.contains("://") && remote.contains('/');
    match std::env::current_dir() {
        Ok(cwd) if directory && path.is_relative() => cwd.join(path).display().to_string(),
        _ => remote,
    }
}

impl PodCommand {
    /// The `--remote` a command takes.
    fn remote_mut(&mut self) -> Option<&mut Option<String>> {
        match self {
            PodCommand::Save { remote, .. }
            | PodCommand::Load { remote, .. }
            | PodCommand::List { remote, .. }
            | PodCommand::Versions { remote, .. }
            | PodCommand::Inspect { remote, .. }
            | PodCommand::Delete { remote, .. } => Some(remote),
            PodCommand::Remote { .. } => None,
        }
    }
}

async fn pod_command(mut command: PodCommand, target: admin::Target) -> Result<()> {
    // Saving a pod reads the state; loading one may seed a volume not used yet, and the other
    // pod commands work on the remote.
    let reads_state = matches!(command, PodCommand::Save { .. });
    let client = admin::Client::connect(&target, reads_state).await?;
    if let Some(remote) = command.remote_mut() {
        *remote = remote.take().map(absolute_remote);
    }
    match command {
        PodCommand::Save {
            name,
            message,
            databases,
            remote,
        } => admin::pod_save(&client, &name, message, databases, remote).await,
        PodCommand::Load {
            reference,
            strategy,
            dry_run,
            remote,
        } => admin::pod_load(&client, &reference, &strategy, dry_run, remote).await,
        PodCommand::List { remote, format } => {
            admin::pod_list(&client, remote, format == "json").await
        }
        PodCommand::Versions {
            name,
            remote,
            format,
        } => admin::pod_versions(&client, &name, remote, format == "json").await,
        PodCommand::Inspect {
            reference,
            remote,
            format,
        } => admin::pod_inspect(&client, &reference, remote, format == "json").await,
        PodCommand::Delete { name, remote } => admin::pod_delete(&client, &name, remote).await,
        PodCommand::Remote { command } => match command {
            RemoteCommand::Add { name, url } => {
                admin::remote_add(&client, &name, &absolute_remote(url)).await
            }
            RemoteCommand::List { format } => admin::remote_list(&client, format == "json").await,
            RemoteCommand::Delete { name } => admin::remote_delete(&client, &name).await,
        },
    }
}

fn run() -> Result<()> {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SNOWGLOBE_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    match cli.command {
        Command::Start(args) => runtime.block_on(start(args)),
        Command::State { command, target } => runtime.block_on(state_command(command, target)),
        Command::Pod { command, target } => runtime.block_on(pod_command(command, target)),
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("snowglobe: {e:#}");
            ExitCode::FAILURE
        }
    }
}
