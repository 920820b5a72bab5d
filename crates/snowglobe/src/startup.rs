//! What `snowglobe start` does before serving: load pods (`AUTO_LOAD_POD`) and run init
//! scripts (`*.sql`, and LocalStack's `*.sf.sql`, from the init directory and its
//! `boot.d`/`start.d`/`ready.d` stage directories, in name order).

use std::path::Path;
use std::sync::Arc;

use anyhow::{anyhow, Context, Result};
use snowglobe_session::{Request, Session, Shared};
use snowglobe_state::{StateService, Strategy};

/// Load each pod of `AUTO_LOAD_POD=a,b` in order (later pods win for the databases they hold).
pub async fn auto_load_pods(service: &StateService, names: &str) -> Result<()> {
    for reference in names.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let (name, version) =
            snowglobe_state::pods::parse_reference(reference).map_err(|e| anyhow!("{e}"))?;
        let report = service
            .pod_load(&name, version, Strategy::Merge, false, None)
            .await
            .map_err(|e| anyhow!("AUTO_LOAD_POD: cannot load pod '{reference}': {e}"))?;
        tracing::info!(pod = %name, version = report.version, tables = report.summary.tables, "pod loaded at startup");
    }
    Ok(())
}

/// LocalStack's init stages run before serving, in this order (`shutdown.d` has no meaning
/// for a start).
const INIT_STAGES: [&str; 3] = ["boot.d", "start.d", "ready.d"];

/// The `*.sql` files of `dir`, in name order.
fn sql_files(dir: &Path) -> Result<Vec<std::path::PathBuf>> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut scripts: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read the init directory {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "sql"))
        .collect();
    scripts.sort();
    Ok(scripts)
}

/// Run the init scripts of `dir` (if it exists): `*.sql` files, `*.sf.sql` included, in name
/// order, then those of LocalStack's stage directories `boot.d`, `start.d` and `ready.d`
/// (`/etc/localstack/init` mounted as it is), each as one multi-statement request of a fresh
/// session. A failing script stops the start with its error.
pub fn run_init_scripts(shared: &Arc<Shared>, dir: &Path) -> Result<()> {
    let mut scripts = sql_files(dir)?;
    for stage in INIT_STAGES {
        scripts.extend(sql_files(&dir.join(stage))?);
    }
    for script in scripts {
        let sql = std::fs::read_to_string(&script)
            .with_context(|| format!("cannot read {}", script.display()))?;
        let mut session =
            Session::new(Arc::clone(shared), 0, "TEST", "TEST").map_err(|e| anyhow!("{e}"))?;
        let mut parameters = serde_json::Map::new();
        parameters.insert("MULTI_STATEMENT_COUNT".into(), serde_json::Value::from(0));
        session
            .run(&Request {
                sql,
                bindings: Default::default(),
                parameters,
                ..Default::default()
            })
            .map_err(|e| anyhow!("init script {} failed: {}", script.display(), e.message))?;
        tracing::info!(script = %script.display(), "init script ran");
    }
    Ok(())
}
