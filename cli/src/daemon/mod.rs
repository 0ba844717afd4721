//! `session-cli daemon`: one running client served over JSON-RPC 2.0, one JSON text per line,
//! on standard input/output and (with `--socket PATH`) on a Unix socket that any number of
//! programs may connect to. Every connection receives the client's events as notifications
//! (`{"jsonrpc":"2.0","method":"event","params":{"kind":...}}`) unless it calls `unsubscribe`.
//!
//! Requests on one connection are answered in order. Batches (arrays) are supported.
//! Errors: -32700 parse error, -32600 invalid request, -32601 method not found, -32602 invalid
//! params, -32603 internal error, and -32000 + the SDK's code for SDK errors (-32005 is
//! INVALID_SESSION_ID), with `data: {"kind": "INVALID_SESSION_ID", "exit_code": 4}`.
//!
//! This module is the server: connections, framing, dispatch. What it serves is listed in
//! [`methods`]; the handlers are in `cmd/`, next to their commands.

mod methods;

use crate::error::{rpc_code, CliError, Result};
use crate::records::{event_json, Names};
use crate::rpc::{DaemonCtx, Params};
use crate::session::{Ctx, Use};
use clap::Args;
use methods::{Method, BUILTIN, METHODS};
use serde_json::{json, Value};
use session_sdk::client::{Event, LogLevel};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex, Weak};
use std::time::Duration;

/// Longest request line accepted (a longer one closes the connection after a parse error).
const MAX_LINE: u64 = 1 << 20;

#[derive(Debug, Args)]
pub struct DaemonArgs {
    /// Also serve JSON-RPC on this Unix socket (created with mode 0600, removed at exit).
    #[arg(long, value_name = "PATH")]
    pub socket: Option<PathBuf>,
    /// Do not serve on standard input/output (for a socket-only daemon under a service manager).
    /// Without it, end of standard input stops the daemon.
    #[arg(long, requires = "socket")]
    pub no_stdio: bool,
}

struct Conn {
    out: Mutex<Box<dyn Write + Send>>,
    events: AtomicBool,
    alive: AtomicBool,
}

impl Conn {
    fn new(out: Box<dyn Write + Send>) -> Arc<Conn> {
        Arc::new(Conn { out: Mutex::new(out), events: AtomicBool::new(true), alive: AtomicBool::new(true) })
    }

    fn send(&self, v: &Value) {
        if !self.alive.load(Ordering::SeqCst) {
            return;
        }
        let Ok(mut line) = serde_json::to_vec(v) else { return };
        line.push(b'\n');
        let ok = match self.out.lock() {
            Ok(mut w) => w.write_all(&line).and_then(|_| w.flush()).is_ok(),
            Err(_) => false,
        };
        if !ok {
            self.alive.store(false, Ordering::SeqCst);
        }
    }
}

/// The daemon: the state its method handlers work on, the method table, the connections.
struct Daemon {
    ctx: DaemonCtx,
    methods: HashMap<&'static str, &'static Method>,
    conns: Mutex<Vec<Arc<Conn>>>,
    log_level: LogLevel,
}

fn error_response(id: Value, code: i64, message: impl Into<String>, data: Option<Value>) -> Value {
    let mut err = json!({"code": code, "message": message.into()});
    if let Some(d) = data {
        err["data"] = d;
    }
    json!({"jsonrpc": "2.0", "id": id, "error": err})
}

fn cli_error_response(id: Value, e: &CliError) -> Value {
    error_response(id, e.rpc_code(), e.message.clone(), Some(json!({"kind": e.kind.name(), "exit_code": e.exit_code()})))
}

impl Daemon {
    fn add_conn(&self, c: Arc<Conn>) {
        if let Ok(mut v) = self.conns.lock() {
            v.retain(|c| c.alive.load(Ordering::SeqCst));
            v.push(c);
        }
    }

    fn broadcast(&self, v: &Value) {
        let conns: Vec<Arc<Conn>> = match self.conns.lock() {
            Ok(v) => v.clone(),
            Err(_) => return,
        };
        for c in conns.iter().filter(|c| c.events.load(Ordering::SeqCst)) {
            c.send(v);
        }
    }

    fn on_event(&self, e: &Event) {
        if let Event::Log { level, message } = e {
            if *level >= self.log_level && self.log_level != LogLevel::Off {
                eprintln!("session-cli daemon: [{}] {message}", format!("{level:?}").to_lowercase());
            }
            return;
        }
        let mut names = Names::new(&self.ctx.session.client);
        let params = event_json(&mut names, e);
        self.broadcast(&json!({"jsonrpc": "2.0", "method": "event", "params": params}));
    }

    /// Answer one line: a response, a batch of responses, or nothing (notifications only).
    fn handle_line(&self, conn: &Conn, line: &str) -> Option<Value> {
        let v: Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => return Some(error_response(Value::Null, rpc_code::PARSE_ERROR, format!("parse error: {e}"), None)),
        };
        match v {
            Value::Array(items) => {
                if items.is_empty() {
                    return Some(error_response(Value::Null, rpc_code::INVALID_REQUEST, "invalid request: empty batch", None));
                }
                let out: Vec<Value> = items.into_iter().filter_map(|i| self.handle_one(conn, i)).collect();
                (!out.is_empty()).then_some(Value::Array(out))
            }
            other => self.handle_one(conn, other),
        }
    }

    fn handle_one(&self, conn: &Conn, v: Value) -> Option<Value> {
        let Value::Object(mut obj) = v else {
            return Some(error_response(Value::Null, rpc_code::INVALID_REQUEST, "invalid request: not an object", None));
        };
        let id = obj.remove("id");
        let id_ok = matches!(id, None | Some(Value::Null) | Some(Value::String(_)) | Some(Value::Number(_)));
        let reply_id = if id_ok { id.clone().unwrap_or(Value::Null) } else { Value::Null };
        if !id_ok || obj.get("jsonrpc") != Some(&json!("2.0")) {
            return Some(error_response(
                reply_id,
                rpc_code::INVALID_REQUEST,
                "invalid request: needs \"jsonrpc\": \"2.0\" and a string or number id",
                None,
            ));
        }
        let Some(Value::String(method)) = obj.remove("method") else {
            return Some(error_response(reply_id, rpc_code::INVALID_REQUEST, "invalid request: \"method\" must be a string", None));
        };
        let is_notification = id.is_none();
        let params = match obj.remove("params") {
            None | Some(Value::Null) => Params::default(),
            Some(Value::Object(m)) => Params(m),
            Some(_) => {
                return (!is_notification).then(|| {
                    error_response(reply_id, rpc_code::INVALID_PARAMS, "invalid params: params must be an object of named values", None)
                })
            }
        };
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.call(conn, &method, &params)));
        if is_notification {
            return None;
        }
        Some(match result {
            Ok(Ok(value)) => json!({"jsonrpc": "2.0", "id": reply_id, "result": value}),
            Ok(Err(Dispatch::NotFound)) => {
                error_response(reply_id, rpc_code::METHOD_NOT_FOUND, format!("method not found: {method}"), None)
            }
            Ok(Err(Dispatch::Failed(e))) => cli_error_response(reply_id, &e),
            Err(_) => error_response(reply_id, rpc_code::INTERNAL_ERROR, format!("internal error in {method}"), None),
        })
    }

    fn call(&self, conn: &Conn, method: &str, params: &Params) -> std::result::Result<Value, Dispatch> {
        match method {
            "methods" => {
                let mut list: Vec<Value> = BUILTIN.iter().map(|(n, p, s)| json!({"name": n, "params": p, "summary": s})).collect();
                let mut own: Vec<&Method> = self.methods.values().copied().collect();
                own.sort_by_key(|m| m.name);
                list.extend(own.iter().map(|m| json!({"name": m.name, "params": m.params, "summary": m.summary})));
                Ok(Value::Array(list))
            }
            "version" => {
                Ok(json!({"session_cli": env!("CARGO_PKG_VERSION"), "sdk": session_sdk::VERSION, "abi": session_sdk::ABI_VERSION}))
            }
            "subscribe" | "unsubscribe" => {
                conn.events.store(method == "subscribe", Ordering::SeqCst);
                Ok(json!({"events": method == "subscribe"}))
            }
            _ => match self.methods.get(method) {
                Some(m) => (m.handler)(&self.ctx, params).map_err(Dispatch::Failed),
                None => Err(Dispatch::NotFound),
            },
        }
    }

    /// Serve one connection until its input ends.
    fn serve(&self, input: impl Read, conn: &Arc<Conn>) {
        let mut r = BufReader::new(input);
        loop {
            let mut buf = Vec::new();
            match r.by_ref().take(MAX_LINE + 1).read_until(b'\n', &mut buf) {
                Ok(0) => break,
                Ok(_) => {}
                Err(_) => break,
            }
            if buf.len() as u64 > MAX_LINE && buf.last() != Some(&b'\n') {
                conn.send(&error_response(Value::Null, rpc_code::PARSE_ERROR, "parse error: request line longer than 1 MiB", None));
                break;
            }
            let line = String::from_utf8_lossy(&buf);
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            if let Some(resp) = self.handle_line(conn, line) {
                conn.send(&resp);
            }
            if !conn.alive.load(Ordering::SeqCst) {
                break;
            }
        }
        conn.alive.store(false, Ordering::SeqCst);
    }
}

enum Dispatch {
    NotFound,
    Failed(CliError),
}

/// Whether `path` is a Unix socket (not following a symbolic link).
fn is_socket(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_socket())
}

/// Bind the socket: refuse when a daemon already answers there, replace a stale socket, and
/// never remove anything that is not a socket (a mistyped path must not cost a file).
fn bind_socket(path: &Path) -> Result<UnixListener> {
    if std::fs::symlink_metadata(path).is_ok() {
        if !is_socket(path) {
            return Err(CliError::invalid(format!("{} exists and is not a socket; choose another --socket path", path.display())));
        }
        if UnixStream::connect(path).is_ok() {
            return Err(CliError::sdk(session_sdk::ErrorKind::Busy, format!("another daemon is listening on {}", path.display())));
        }
        std::fs::remove_file(path).map_err(|e| CliError::io(format!("removing the stale socket {}", path.display()), e))?;
    }
    let l = UnixListener::bind(path).map_err(|e| CliError::io(format!("binding {}", path.display()), e))?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(|e| CliError::io(path.display(), e))?;
    Ok(l)
}

pub fn run(ctx: &Ctx, a: DaemonArgs) -> Result<()> {
    let session = ctx.open(Use::Network)?;
    let listener = match &a.socket {
        Some(p) => Some(bind_socket(p)?),
        None => None,
    };
    let daemon = Arc::new(Daemon {
        ctx: DaemonCtx { session, default_profile: ctx.home.default_profile()? },
        methods: METHODS.iter().map(|m| (m.name, m)).collect(),
        conns: Mutex::new(vec![]),
        log_level: ctx.log_level,
    });
    let weak: Weak<Daemon> = Arc::downgrade(&daemon);
    daemon.ctx.session.client.set_listener(Some(Box::new(move |e: &Event| {
        if let Some(d) = weak.upgrade() {
            d.on_event(e);
        }
    })));
    daemon.ctx.session.start()?;
    let (done_tx, done_rx) = mpsc::channel::<&'static str>();
    if !a.no_stdio {
        let d = daemon.clone();
        let tx = done_tx.clone();
        let conn = Conn::new(Box::new(std::io::stdout()));
        daemon.add_conn(conn.clone());
        std::thread::Builder::new()
            .name("rpc-stdio".into())
            .spawn(move || {
                d.serve(std::io::stdin(), &conn);
                let _ = tx.send("end of standard input");
            })
            .map_err(|e| CliError::io("starting the stdio thread", e))?;
    }
    if let Some(l) = listener {
        let d = daemon.clone();
        let next_id = AtomicU64::new(0);
        std::thread::Builder::new()
            .name("rpc-accept".into())
            .spawn(move || {
                for stream in l.incoming() {
                    let Ok(stream) = stream else { continue };
                    let Ok(writer) = stream.try_clone() else { continue };
                    let conn = Conn::new(Box::new(writer));
                    d.add_conn(conn.clone());
                    let d2 = d.clone();
                    let n = next_id.fetch_add(1, Ordering::Relaxed);
                    let _ = std::thread::Builder::new().name(format!("rpc-conn-{n}")).spawn(move || {
                        d2.serve(&stream, &conn);
                        let _ = stream.shutdown(std::net::Shutdown::Both);
                    });
                }
            })
            .map_err(|e| CliError::io("starting the socket thread", e))?;
    }
    drop(done_tx);
    let p = &daemon.ctx.session.profile.meta;
    eprintln!(
        "session-cli daemon: profile {} ({}) on {}; serving JSON-RPC on {}",
        p.name,
        p.session_id,
        daemon.ctx.session.network_label(),
        match (&a.socket, a.no_stdio) {
            (Some(s), true) => s.display().to_string(),
            (Some(s), false) => format!("stdio and {}", s.display()),
            (None, _) => "stdio".into(),
        }
    );
    let why = loop {
        if ctx.interrupted() {
            break "signal";
        }
        match done_rx.recv_timeout(Duration::from_millis(100)) {
            Ok(why) => break why,
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            // Socket-only: nothing ends but a signal.
            Err(mpsc::RecvTimeoutError::Disconnected) => std::thread::sleep(Duration::from_millis(100)),
        }
    };
    eprintln!("session-cli daemon: stopping ({why})");
    daemon.ctx.session.client.set_listener(None);
    let _ = daemon.ctx.session.client.stop();
    if let Some(s) = a.socket.as_deref().filter(|s| is_socket(s)) {
        let _ = std::fs::remove_file(s);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_stale_socket_is_ever_replaced() {
        let dir = std::env::temp_dir().join(format!("ssdk-cli-sock-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // A regular file at the path: refused, untouched.
        let file = dir.join("notes.txt");
        std::fs::write(&file, b"precious").unwrap();
        assert!(bind_socket(&file).is_err());
        assert_eq!(std::fs::read(&file).unwrap(), b"precious");
        // A directory and a symbolic link to the file: refused too.
        assert!(bind_socket(&dir).is_err());
        let link = dir.join("link");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        assert!(bind_socket(&link).is_err());
        assert_eq!(std::fs::read(&file).unwrap(), b"precious");
        // A stale socket (nobody listening) is replaced; a live one is not.
        let sock = dir.join("d.sock");
        drop(UnixListener::bind(&sock).unwrap());
        let live = bind_socket(&sock).unwrap();
        assert!(bind_socket(&sock).is_err(), "a daemon already answers there");
        drop(live);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
