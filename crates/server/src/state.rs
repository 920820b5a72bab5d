//! Server state: sessions by token and query results by id.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use snowglobe_engine::InterruptHandle;
use snowglobe_error::{ErrorCode, SnowflakeError};
use snowglobe_session::{ResultSet, Session, Shared};

/// How many finished query results are kept for `GET /queries/{id}/result`, monitoring and
/// async execution.
const KEPT_RESULTS: usize = 256;

/// One logged-in client session.
pub struct SessionHandle {
    pub id: u64,
    pub session: Mutex<Session>,
    /// Interrupts the statement this session is running (abort requests).
    pub interrupt: Arc<InterruptHandle>,
    pub master_token: String,
    /// The User-Agent at login: Python clients get Arrow results by default.
    pub client: String,
}

/// A query's state, for monitoring and result fetches.
#[derive(Clone)]
pub enum QueryState {
    Running { session: u64 },
    Done(Arc<Answer>),
    Failed(SnowflakeError),
}

/// A finished result with the session context it ended in.
pub struct Answer {
    pub result: ResultSet,
    pub context: FinalContext,
    pub parameters: Vec<serde_json::Value>,
    pub arrow: bool,
}

/// The session context reported with every query answer.
#[derive(Clone, Default)]
pub struct FinalContext {
    pub database: Option<String>,
    pub schema: Option<String>,
    pub warehouse: Option<String>,
    pub role: Option<String>,
    pub timezone: String,
}

impl FinalContext {
    pub fn of(session: &Session) -> FinalContext {
        FinalContext {
            database: session.database.clone(),
            schema: session.schema.clone(),
            warehouse: session.warehouse.clone(),
            role: session.role.clone(),
            timezone: session
                .params
                .text("TIMEZONE")
                .unwrap_or_else(|| "UTC".into()),
        }
    }
}

/// A client request: its session and the requestId the client gave it.
type RequestKey = (u64, String);

pub struct AppState {
    pub shared: Arc<Shared>,
    /// State export/import and pods (absent only in tests that build a bare router).
    pub state_service: Option<snowglobe_state::StateService>,
    sessions: Mutex<HashMap<String, Arc<SessionHandle>>>,
    masters: Mutex<HashMap<String, Arc<SessionHandle>>>,
    queries: Mutex<(HashMap<String, QueryState>, VecDeque<String>)>,
    /// The query each client request id (per session) started, for resubmitted requests.
    requests: Mutex<(HashMap<RequestKey, String>, VecDeque<RequestKey>)>,
    next_session: AtomicU64,
    /// Notified by `POST /_localstack/health {"action": "kill"}`: the server loop stops.
    pub shutdown: tokio::sync::Notify,
}

impl AppState {
    pub fn new(shared: Arc<Shared>) -> Arc<AppState> {
        Self::with_state_service(shared, None)
    }

    pub fn with_state_service(
        shared: Arc<Shared>,
        state_service: Option<snowglobe_state::StateService>,
    ) -> Arc<AppState> {
        Arc::new(AppState {
            shared,
            state_service,
            sessions: Mutex::new(HashMap::new()),
            masters: Mutex::new(HashMap::new()),
            queries: Mutex::new((HashMap::new(), VecDeque::new())),
            requests: Mutex::new((HashMap::new(), VecDeque::new())),
            next_session: AtomicU64::new(1_000_001),
            shutdown: tokio::sync::Notify::new(),
        })
    }

    pub fn next_session_id(&self) -> u64 {
        self.next_session.fetch_add(1, Ordering::Relaxed)
    }

    /// Register a session under a new session token; returns (token, master token).
    pub fn add_session(&self, handle: Arc<SessionHandle>) -> String {
        let token = new_token("ST");
        lock(&self.sessions).insert(token.clone(), Arc::clone(&handle));
        lock(&self.masters).insert(handle.master_token.clone(), handle);
        token
    }

    pub fn session(&self, token: &str) -> Result<Arc<SessionHandle>, SnowflakeError> {
        lock(&self.sessions).get(token).cloned().ok_or_else(|| {
            SnowflakeError::new(
                ErrorCode::SessionExpired,
                "Session no longer exists.  New login required to access the service.",
            )
        })
    }

    /// A new session token for the session a master token belongs to.
    pub fn renew(&self, master: &str) -> Result<String, SnowflakeError> {
        let handle = lock(&self.masters).get(master).cloned().ok_or_else(|| {
            SnowflakeError::new(
                ErrorCode::MasterTokenExpired,
                "Master token expired or invalid. New login required.",
            )
        })?;
        Ok(self.add_session(handle))
    }

    /// Forget a session and all its tokens (its DuckDB connection closes with it).
    pub fn remove_session(&self, token: &str) {
        let removed = lock(&self.sessions).remove(token);
        if let Some(handle) = removed {
            lock(&self.sessions).retain(|_, h| h.id != handle.id);
            lock(&self.masters).remove(&handle.master_token);
        }
    }

    pub fn session_count(&self) -> usize {
        lock(&self.masters).len()
    }

    /// Any session by its numeric id (abort requests).
    pub fn session_by_id(&self, id: u64) -> Option<Arc<SessionHandle>> {
        lock(&self.masters).values().find(|h| h.id == id).cloned()
    }

    pub fn set_query(&self, id: &str, state: QueryState) {
        let mut guard = lock(&self.queries);
        let (map, order) = &mut *guard;
        if map.insert(id.to_string(), state).is_none() {
            order.push_back(id.to_string());
            while order.len() > KEPT_RESULTS {
                if let Some(old) = order.pop_front() {
                    map.remove(&old);
                }
            }
        }
    }

    pub fn query(&self, id: &str) -> Option<QueryState> {
        lock(&self.queries).0.get(id).cloned()
    }

    /// Record that a session's request id runs `query_id`, unless the client sent this
    /// request before (a retry) and its query is running or answered: then that query's id.
    /// The record and the new query's Running state are set under one lock, so a retry
    /// arriving meanwhile finds them.
    pub fn claim_request(&self, session: u64, request_id: &str, query_id: &str) -> Option<String> {
        let mut guard = lock(&self.requests);
        let (map, order) = &mut *guard;
        let key = (session, request_id.to_string());
        if let Some(previous) = map.get(&key) {
            if matches!(
                self.query(previous),
                Some(QueryState::Running { .. } | QueryState::Done(_))
            ) {
                return Some(previous.clone());
            }
        } else {
            order.push_back(key.clone());
            while order.len() > KEPT_RESULTS {
                if let Some(old) = order.pop_front() {
                    map.remove(&old);
                }
            }
        }
        map.insert(key, query_id.to_string());
        self.set_query(query_id, QueryState::Running { session });
        None
    }
}

/// Lock a mutex, recovering the data if a panicking thread poisoned it: the maps stay usable.
pub fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub fn new_token(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}
