//! The `snowglobe` binary: `main` → `run` → exit code. `anyhow` lives only here.
//!
//! Layout:
//! - [`Cli`]: the clap commands (`start`).
//! - `start`: open the engine, serve until SIGINT/SIGTERM.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use snowglobe_engine::{Engine, Storage};
use snowglobe_server::AppState;
use snowglobe_session::Shared;

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
}

/// LocalStack-style boolean: 1/true/yes/on.
fn parse_flag(s: &str) -> Result<bool, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "" | "0" | "false" | "no" | "off" => Ok(false),
        other => Err(format!("expected 0 or 1, got '{other}'")),
    }
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

fn volume_dir(arg: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(dir) = arg {
        return Ok(dir);
    }
    if let Some(dir) = std::env::var_os("LOCALSTACK_VOLUME_DIR") {
        return Ok(PathBuf::from(dir));
    }
    let home = std::env::var_os("HOME").context("HOME is not set; pass --volume-dir")?;
    Ok(PathBuf::from(home).join(".cache/snowglobe/volume"))
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

async fn start(args: StartArgs) -> Result<()> {
    let addr = listen_addr(&args.listen)?;
    let (storage, _lock) = if args.persistence {
        let dir = volume_dir(args.volume_dir)?.join("state").join("snowflake");
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let lock_path = dir.join(".lock");
        let lock = std::fs::File::create(&lock_path)
            .with_context(|| format!("cannot create {}", lock_path.display()))?;
        if lock.try_lock().is_err() {
            bail!(
                "the volume directory {} is in use by another Snowglobe server",
                dir.display()
            );
        }
        tracing::info!(dir = %dir.display(), "persistence on");
        (Storage::Directory(dir), Some(lock))
    } else {
        (Storage::Memory, None)
    };
    let engine = Engine::open(storage).map_err(|e| anyhow::anyhow!("{e}"))?;
    let state = AppState::new(Shared::new(engine));
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    tracing::info!(address = %listener.local_addr()?, "snowglobe ready");
    snowglobe_server::run(listener, state, shutdown_signal()).await?;
    Ok(())
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
