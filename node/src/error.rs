//! The node's typed error (start-up, storage, transport); request-level failures are HTTP
//! responses, not errors (see `rpc::RpcResponse`).

use thiserror::Error;

#[derive(Debug, Error)]
pub enum NodeError {
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("TLS: {0}")]
    Tls(String),
    #[error("configuration: {0}")]
    Config(String),
    #[error("{0}")]
    Sdk(#[from] session_sdk::Error),
    #[error("HTTP client: {0}")]
    Http(#[from] reqwest::Error),
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("child process: {0}")]
    Process(String),
    #[error("the testnet runtime has stopped")]
    Stopped,
}

pub type Result<T> = std::result::Result<T, NodeError>;
