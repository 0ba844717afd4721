//! The file server (files-and-attachments.md §1–2): plain HTTP on loopback, reachable only as
//! `POST /oxen/v4/lsrpc` (an onion layer encrypted to its X25519 key, carrying a bencoded v4
//! request). Inside: `POST /file`, `GET /file/<id>`, `GET /file/<id>/info`,
//! `POST /file/<id>/extend`. Files live in an SQLite database in the data directory and expire
//! after a TTL (default 14 days; an upload's `X-FS-TTL` header, in seconds, is honoured up to
//! the cap).

use crate::error::Result;
use crate::keys::KeyPair;
use crate::server::{self, read_body};
use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Map, Value};
use session_sdk::sodium;
use session_sdk::wire::onion::{V4Request, V4Response};
use session_sdk::wire::onion_relay::open_layer;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Largest accepted upload: the encrypted size of a 10 MB attachment in the newer deterministic
/// scheme (libsession), which also covers the legacy scheme's overhead on 10 000 000 bytes.
pub const MAX_FILE_SIZE: usize = 10_223_616;
/// Default file lifetime.
pub const DEFAULT_TTL: Duration = Duration::from_secs(14 * 24 * 3600);

#[derive(Debug, Clone)]
pub struct FileServerConfig {
    pub data_dir: PathBuf,
    pub ip: String,
    pub port: u16,
    /// Lifetime of an upload without `X-FS-TTL`.
    pub ttl: Duration,
    /// Cap on `X-FS-TTL`.
    pub max_ttl: Duration,
    pub cleanup_interval: Duration,
}

impl FileServerConfig {
    pub fn new(data_dir: PathBuf) -> FileServerConfig {
        FileServerConfig {
            data_dir,
            ip: "127.0.0.1".into(),
            port: 0,
            ttl: DEFAULT_TTL,
            max_ttl: DEFAULT_TTL,
            cleanup_interval: Duration::from_secs(5),
        }
    }
}

pub struct FileServer {
    pub keys: KeyPair,
    db: Mutex<Connection>,
    cfg: FileServerConfig,
}

pub struct FileServerHandle {
    pub server: Arc<FileServer>,
    pub addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

fn now_secs() -> f64 {
    crate::clock::system_ms() as f64 / 1000.0
}

fn json_resp(code: u16, v: Value) -> V4Response {
    let mut headers = Map::new();
    headers.insert("content-type".into(), json!("application/json"));
    V4Response { code, headers, body: v.to_string().into_bytes() }
}

fn status_only(code: u16) -> V4Response {
    json_resp(code, json!({"status_code": code}))
}

impl FileServer {
    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        match self.db.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    fn ttl_for(&self, headers: &Map<String, Value>) -> f64 {
        let cap = self.cfg.max_ttl.max(self.cfg.ttl).as_secs_f64();
        let asked = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("x-fs-ttl"))
            .and_then(|(_, v)| v.as_str().and_then(|s| s.trim().parse::<f64>().ok()).or_else(|| v.as_f64()))
            .filter(|t| t.is_finite() && *t > 0.0);
        match asked {
            Some(t) => t.min(cap),
            None => self.cfg.ttl.as_secs_f64(),
        }
    }

    /// Run one v4 request.
    pub fn handle(&self, req: &V4Request) -> V4Response {
        let path = req.endpoint.split('?').next().unwrap_or("");
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let method = req.method.to_ascii_uppercase();
        let r = match (method.as_str(), parts.as_slice()) {
            ("POST", ["file"]) => self.upload(req),
            ("GET", ["file", id]) => self.download(id),
            ("GET", ["file", id, "info"]) => self.info(id, false),
            ("POST", ["file", id, "extend"]) => self.extend(id, &req.headers),
            _ => Ok(status_only(404)),
        };
        r.unwrap_or_else(|_| status_only(500))
    }

    fn upload(&self, req: &V4Request) -> rusqlite::Result<V4Response> {
        let data = req.body.as_deref().unwrap_or(&[]);
        if data.is_empty() || data.len() > MAX_FILE_SIZE {
            return Ok(status_only(413));
        }
        let now = now_secs();
        let expires = now + self.ttl_for(&req.headers);
        let db = self.lock();
        for _ in 0..20 {
            let id = (u64::from_le_bytes(sodium::random_array::<8>()) & ((1u64 << 53) - 1)).to_string();
            let n = db.execute(
                "INSERT OR IGNORE INTO files (id, data, uploaded, expires) VALUES (?1, ?2, ?3, ?4)",
                params![id, data, now, expires],
            )?;
            if n == 1 {
                return Ok(json_resp(200, json!({"id": id, "expires": expires})));
            }
        }
        Ok(status_only(507))
    }

    fn download(&self, id: &str) -> rusqlite::Result<V4Response> {
        let db = self.lock();
        let data: Option<Vec<u8>> =
            db.query_row("SELECT data FROM files WHERE id = ?1 AND expires > ?2", params![id, now_secs()], |r| r.get(0)).optional()?;
        Ok(match data {
            Some(d) => {
                let mut headers = Map::new();
                headers.insert("content-type".into(), json!("application/octet-stream"));
                V4Response { code: 200, headers, body: d }
            }
            None => status_only(404),
        })
    }

    fn info(&self, id: &str, extended: bool) -> rusqlite::Result<V4Response> {
        let db = self.lock();
        let row: Option<(i64, f64, f64)> = db
            .query_row("SELECT length(data), uploaded, expires FROM files WHERE id = ?1 AND expires > ?2", params![id, now_secs()], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        Ok(match row {
            Some((size, uploaded, expires)) if extended => json_resp(200, json!({"expires": expires, "uploaded": uploaded, "size": size})),
            Some((size, uploaded, expires)) => json_resp(200, json!({"size": size, "uploaded": uploaded, "expires": expires})),
            None => status_only(404),
        })
    }

    fn extend(&self, id: &str, headers: &Map<String, Value>) -> rusqlite::Result<V4Response> {
        let expires = now_secs() + self.ttl_for(headers);
        let n = self
            .lock()
            .execute("UPDATE files SET expires = MAX(expires, ?2) WHERE id = ?1 AND expires > ?3", params![id, expires, now_secs()])?;
        if n == 0 {
            return Ok(status_only(404));
        }
        self.info(id, true)
    }

    fn cleanup(&self) {
        let _ = self.lock().execute("DELETE FROM files WHERE expires <= ?1", [now_secs()]);
    }
}

async fn lsrpc(State(fs): State<Arc<FileServer>>, headers: HeaderMap, body: Body) -> Response {
    let body = match read_body(&headers, body, server::MAX_BODY + 1024 * 1024).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let layer = match open_layer(&body, fs.keys.x25519_secret(), &fs.keys.x_pk) {
        Ok(l) => l,
        Err(_) => return server::text(400, "Invalid request"),
    };
    let resp = match V4Request::decode(&layer.payload) {
        Ok(req) => {
            let fs2 = fs.clone();
            tokio::task::spawn_blocking(move || fs2.handle(&req)).await.unwrap_or_else(|_| status_only(500))
        }
        Err(_) => status_only(400),
    };
    match layer.encrypt_reply(&resp.encode()) {
        Ok(ct) => server::bytes(200, "application/octet-stream", ct),
        Err(_) => server::text(500, "Could not encrypt the reply"),
    }
}

async fn not_found() -> Response {
    server::text(404, "Not found")
}

impl FileServerHandle {
    pub async fn start(cfg: FileServerConfig, listener: Option<TcpListener>) -> Result<FileServerHandle> {
        std::fs::create_dir_all(&cfg.data_dir)?;
        let keys = KeyPair::load_or_create(&cfg.data_dir)?;
        let conn = Connection::open(cfg.data_dir.join("files.db"))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS files (id TEXT PRIMARY KEY, data BLOB NOT NULL, uploaded REAL NOT NULL, expires REAL NOT NULL);
             CREATE INDEX IF NOT EXISTS files_expires ON files(expires);",
        )?;
        let listener = match listener {
            Some(l) => l,
            None => TcpListener::bind((cfg.ip.as_str(), cfg.port)).await?,
        };
        let addr = listener.local_addr()?;
        let every = cfg.cleanup_interval.max(Duration::from_millis(100));
        let server = Arc::new(FileServer { keys, db: Mutex::new(conn), cfg });
        let router = Router::new()
            .route("/oxen/v4/lsrpc", post(lsrpc))
            .fallback(not_found)
            .layer(axum::extract::DefaultBodyLimit::disable())
            .with_state(server.clone());
        let (shutdown, rx) = watch::channel(false);
        let mut rx2 = rx.clone();
        let s2 = server.clone();
        let tasks = vec![
            tokio::spawn(server::serve(listener, None, router, rx)),
            tokio::spawn(async move {
                loop {
                    tokio::select! {
                        _ = tokio::time::sleep(every) => { let s = s2.clone(); let _ = tokio::task::spawn_blocking(move || s.cleanup()).await; }
                        _ = rx2.changed() => return,
                    }
                }
            }),
        ];
        Ok(FileServerHandle { server, addr, shutdown, tasks })
    }

    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        for mut t in self.tasks {
            if tokio::time::timeout(Duration::from_secs(5), &mut t).await.is_err() {
                t.abort();
            }
        }
    }
}
