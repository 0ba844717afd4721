//! A JSON-RPC connection to a daemon, for the tests that drive one.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

pub const T: Duration = Duration::from_secs(30);

/// One JSON-RPC connection: lines out, parsed lines in (responses and notifications).
pub struct Conn {
    w: Box<dyn Write>,
    rx: Receiver<Value>,
    pub notifications: Vec<Value>,
    next_id: i64,
}

impl Conn {
    pub fn new(w: Box<dyn Write>, r: impl std::io::Read + Send + 'static) -> Conn {
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(r).lines() {
                let Ok(line) = line else { break };
                let v: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("daemon wrote a non-JSON line ({e}): {line}"));
                if tx.send(v).is_err() {
                    break;
                }
            }
        });
        Conn { w, rx, notifications: vec![], next_id: 0 }
    }

    pub fn send_line(&mut self, line: &str) {
        self.w.write_all(line.as_bytes()).unwrap();
        self.w.write_all(b"\n").unwrap();
        self.w.flush().unwrap();
    }

    /// The next line that is not a notification.
    pub fn response(&mut self) -> Value {
        self.response_within(T)
    }

    /// [`Conn::response`] for a request that may take longer than [`T`] (a backup).
    pub fn response_within(&mut self, limit: Duration) -> Value {
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let v = self.rx.recv_timeout(left).expect("a response from the daemon");
            if v.get("method").is_some() && v.get("id").is_none() {
                self.notifications.push(v);
                continue;
            }
            return v;
        }
    }

    pub fn raw(&mut self, line: &str) -> Value {
        self.send_line(line);
        self.response()
    }

    pub fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let v = self.raw(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).to_string());
        assert_eq!(v["jsonrpc"], "2.0");
        assert_eq!(v["id"], id, "{v}");
        v
    }

    pub fn result(&mut self, method: &str, params: Value) -> Value {
        let v = self.call(method, params);
        assert!(v.get("error").is_none(), "{method} failed: {v}");
        v["result"].clone()
    }

    pub fn error(&mut self, method: &str, params: Value) -> Value {
        let v = self.call(method, params);
        assert!(v.get("result").is_none(), "{method} should fail: {v}");
        v["error"].clone()
    }

    /// Wait for an event notification whose params satisfy `pred`.
    pub fn event(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + T;
        loop {
            if let Some(i) = self.notifications.iter().position(|n| n["method"] == "event" && pred(&n["params"])) {
                return self.notifications.remove(i)["params"].clone();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(v) => self.notifications.push(v),
                Err(_) => panic!("no {what} event within {T:?}; got {:#?}", self.notifications),
            }
        }
    }
}
