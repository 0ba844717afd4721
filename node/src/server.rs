//! HTTP serving: a self-signed TLS certificate (rcgen), the accept loop (tokio-rustls + hyper
//! http1 driving an axum `Router`), the node's routes, and helpers shared with the file server
//! (body limits, plain-text/JSON responses, the client address extension).

use crate::error::{NodeError, Result};
use crate::internal;
use crate::node::Node;
use crate::onion;
use crate::rpc::{self, Body as RpcBody, Origin, RpcResponse};
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Extension, Router};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

/// Largest request body a node accepts (10 MiB); larger → 413.
pub const MAX_BODY: usize = 10 * 1024 * 1024;

/// The TCP peer of the connection a request came on.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub SocketAddr);

/// A TLS acceptor with a fresh self-signed certificate for `names` (clients do not verify
/// service node certificates; the onion layers are what they trust).
pub fn tls_acceptor(names: &[String]) -> Result<TlsAcceptor> {
    let ck = rcgen::generate_simple_self_signed(names.to_vec()).map_err(|e| NodeError::Tls(e.to_string()))?;
    let cert = ck.cert.der().clone();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(ck.signing_key.serialize_der().into());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| NodeError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .map_err(|e| NodeError::Tls(e.to_string()))?;
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(cfg)))
}

/// Serve `router` on `listener` until `shutdown` turns true; then every open connection is
/// dropped (as if the process had died) and the listener closed. `tls: None` serves plain HTTP.
pub async fn serve(listener: TcpListener, tls: Option<TlsAcceptor>, router: Router, mut shutdown: watch::Receiver<bool>) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            r = listener.accept() => {
                let (tcp, addr) = match r {
                    Ok(x) => x,
                    Err(_) => {
                        // Out of file descriptors or similar: back off briefly.
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        continue;
                    }
                };
                let _ = tcp.set_nodelay(true);
                let router = router.clone();
                let tls = tls.clone();
                let mut sd = shutdown.clone();
                conns.spawn(async move {
                    let svc = hyper::service::service_fn(move |mut req: Request<Incoming>| {
                        req.extensions_mut().insert(ClientAddr(addr));
                        router.clone().oneshot(req)
                    });
                    let builder = hyper::server::conn::http1::Builder::new();
                    match tls {
                        Some(acceptor) => {
                            let stream = match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp)).await {
                                Ok(Ok(s)) => s,
                                _ => return,
                            };
                            let conn = builder.serve_connection(TokioIo::new(stream), svc);
                            tokio::select! { _ = conn => {}, _ = sd.changed() => {} }
                        }
                        None => {
                            let conn = builder.serve_connection(TokioIo::new(tcp), svc);
                            tokio::select! { _ = conn => {}, _ = sd.changed() => {} }
                        }
                    }
                });
            }
            _ = shutdown.changed() => break,
        }
        while conns.try_join_next().is_some() {}
    }
    conns.abort_all();
    while conns.join_next().await.is_some() {}
}

/// A plain-text response.
pub fn text(status: u16, msg: impl Into<String>) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (code, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], msg.into()).into_response()
}

pub fn bytes(status: u16, content_type: &'static str, body: Vec<u8>) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (code, [(header::CONTENT_TYPE, content_type)], body).into_response()
}

pub fn json_response(status: u16, v: &serde_json::Value) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (code, [(header::CONTENT_TYPE, "application/json")], v.to_string()).into_response()
}

pub fn rpc_response(r: RpcResponse) -> Response {
    match r.body {
        RpcBody::Json(v) => json_response(r.status, &v),
        RpcBody::Text(t) => text(r.status, t),
    }
}

/// Read a request body of at most `limit` bytes (413 beyond).
pub async fn read_body(headers: &HeaderMap, body: Body, limit: usize) -> std::result::Result<Bytes, Response> {
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if let Some(n) = declared.filter(|&n| n > limit as u64) {
        // Read (and drop) a moderately oversized body first, so the client gets to see the 413
        // instead of a connection reset while it is still sending.
        if n <= 2 * limit as u64 {
            let _ = axum::body::to_bytes(body, 2 * limit).await;
        }
        return Err(text(413, "Request body too large"));
    }
    axum::body::to_bytes(body, limit).await.map_err(|_| text(413, "Request body too large"))
}

fn rate_limited(node: &Node, client: &ClientAddr) -> Option<Response> {
    if node.limiter.allow(client.0.ip()) {
        None
    } else {
        Some(text(429, "Too many requests, try again later"))
    }
}

async fn storage_rpc(State(node): State<Arc<Node>>, Extension(client): Extension<ClientAddr>, headers: HeaderMap, body: Body) -> Response {
    if let Some(r) = rate_limited(&node, &client) {
        return r;
    }
    if headers.contains_key("x-loki-long-poll") {
        return text(410, "Long polling is no longer supported");
    }
    let body = match read_body(&headers, body, MAX_BODY).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    rpc_response(rpc::handle_body(&node, &body, Origin::Client).await)
}

async fn onion_req(State(node): State<Arc<Node>>, Extension(client): Extension<ClientAddr>, headers: HeaderMap, body: Body) -> Response {
    if let Some(r) = rate_limited(&node, &client) {
        return r;
    }
    let body = match read_body(&headers, body, MAX_BODY).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    onion::handle_client(&node, &body).await.into_response()
}

async fn json_rpc(State(node): State<Arc<Node>>, Extension(client): Extension<ClientAddr>, headers: HeaderMap, body: Body) -> Response {
    if let Some(r) = rate_limited(&node, &client) {
        return r;
    }
    let body = match read_body(&headers, body, MAX_BODY).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let (status, v) = rpc::network::seed_json_rpc(&node.network, &body);
    json_response(status, &v)
}

async fn not_found() -> Response {
    text(404, "Not found")
}

/// Every route a service node serves.
pub fn node_router(node: Arc<Node>) -> Router {
    Router::new()
        .route("/storage_rpc/v1", post(storage_rpc))
        .route("/onion_req/v2", post(onion_req))
        .route("/json_rpc", post(json_rpc))
        .route(internal::RELAY_PATH, post(internal::relay))
        .route(internal::STORAGE_CC_PATH, post(internal::storage_cc))
        .route(internal::SYNC_PATH, post(internal::sync))
        .fallback(not_found)
        .layer(axum::extract::DefaultBodyLimit::disable())
        .with_state(node)
}
