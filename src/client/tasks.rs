//! The client's tasks: connection upkeep, the outbox sender and the swarm poller. Each watches
//! the shutdown signal and counts itself in `live_tasks` until it ends.

use super::{config_sync, receive, Event, Inner, LogLevel};
use crate::clock::local_now_ms;
use crate::crypto::signer::Signer;
use crate::net::ConnectionState;
use crate::sodium;
use crate::wire::rpc;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::runtime::Runtime;
use tokio::sync::watch;
use tokio::task::JoinHandle;

struct Alive(Arc<Inner>);

impl Alive {
    fn new(inner: &Arc<Inner>) -> Alive {
        inner.live_tasks.fetch_add(1, Ordering::SeqCst);
        Alive(inner.clone())
    }
}

impl Drop for Alive {
    fn drop(&mut self) {
        self.0.live_tasks.fetch_sub(1, Ordering::SeqCst);
    }
}

pub(crate) fn spawn_all(rt: &Runtime, inner: &Arc<Inner>, shutdown: watch::Receiver<bool>) -> Vec<JoinHandle<()>> {
    let mut v = Vec::new();
    for task in [connection as fn(Arc<Inner>, watch::Receiver<bool>) -> _, sender, poller, uploader] {
        let alive = Alive::new(inner);
        let fut = task(inner.clone(), shutdown.clone());
        v.push(rt.spawn(async move {
            let _alive = alive;
            fut.await
        }));
    }
    v
}

type TaskFuture = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;

/// Sleep for `d`, or return early (true) if shutdown was signalled.
async fn sleep_or_shutdown(d: Duration, shutdown: &mut watch::Receiver<bool>) -> bool {
    if *shutdown.borrow() {
        return true;
    }
    tokio::select! {
        _ = tokio::time::sleep(d) => false,
        _ = shutdown.changed() => true,
    }
}

/// Keeps onion paths built, refreshes the node list, reports connection state, prunes the
/// processed-hash table.
fn connection(inner: Arc<Inner>, mut shutdown: watch::Receiver<bool>) -> TaskFuture {
    Box::pin(async move {
        let mut state_rx = inner.network.subscribe();
        let mut reported: Option<bool> = None;
        let mut backoff = Duration::from_millis(500);
        loop {
            match inner.network.ensure_ready().await {
                Ok(()) => {
                    backoff = Duration::from_millis(500);
                    if let Err(e) = inner.network.maybe_refresh_pool().await {
                        inner.log(LogLevel::Warn, || format!("refreshing the node list failed: {e}"));
                    }
                }
                Err(e) => {
                    inner.log(LogLevel::Warn, || format!("network not ready: {e}"));
                    backoff = (backoff * 2).min(Duration::from_secs(30));
                }
            }
            let ready = inner.network.connection_state() == ConnectionState::Ready;
            if reported != Some(ready) {
                reported = Some(ready);
                inner.bus.emit(Event::Connection { ready });
                inner.log(LogLevel::Info, || format!("onion paths {}", if ready { "ready" } else { "lost" }));
            }
            let _ = inner.store.prune_seen(local_now_ms());
            let wait = if ready { Duration::from_secs(30) } else { backoff };
            if *shutdown.borrow() {
                return;
            }
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = state_rx.changed() => {}
                _ = shutdown.changed() => return,
            }
        }
    })
}

pub(crate) fn retry_delay(attempts: i64) -> i64 {
    let base = 1000i64 << attempts.clamp(0, 6);
    base.min(60_000) + sodium::random_below(500) as i64
}

/// Drains the outbox: stores each due item in its destination swarm, with backoff on failure.
fn sender(inner: Arc<Inner>, mut shutdown: watch::Receiver<bool>) -> TaskFuture {
    Box::pin(async move {
        loop {
            if *shutdown.borrow() {
                return;
            }
            let due = match inner.store.outbox_due(local_now_ms(), 16) {
                Ok(d) => d,
                Err(e) => {
                    inner.log(LogLevel::Error, || format!("reading the outbox failed: {e}"));
                    if sleep_or_shutdown(Duration::from_secs(1), &mut shutdown).await {
                        return;
                    }
                    continue;
                }
            };
            let mut set = tokio::task::JoinSet::new();
            for item in due {
                let inner = inner.clone();
                set.spawn(async move {
                    let dest = match crate::identity::AccountId::parse_any(&item.copy.destination) {
                        Ok(d) => d,
                        Err(e) => return (item, Err(e)),
                    };
                    let data = item.copy.data.clone();
                    let (ns, ttl) = (item.copy.namespace, item.copy.ttl_ms);
                    let signer_needed = ns % 10 != 0;
                    let r = if dest.prefix() == crate::identity::IdPrefix::Group {
                        // Group swarm: signed with the admin key or our member subaccount.
                        match super::groups::credential(&inner, &item.copy.destination).await {
                            Ok(cred) => inner
                                .network
                                .swarm_rpc(&dest, &|_node, now| cred.with_signer(|s| rpc::store(&dest, ns, &data, ttl, now, Some(s))))
                                .await
                                .and_then(|(_, body)| rpc::parse_store(&body)),
                            Err(e) => Err(e),
                        }
                    } else {
                        let identity = inner.identity.clone();
                        inner
                            .network
                            .swarm_rpc(&dest, &move |_node, now| {
                                let signer = Signer::User(&identity);
                                rpc::store(&dest, ns, &data, ttl, now, signer_needed.then_some(&signer))
                            })
                            .await
                            .and_then(|(_, body)| rpc::parse_store(&body))
                    };
                    (item, r)
                });
            }
            while let Some(joined) = set.join_next().await {
                let Ok((item, result)) = joined else { continue };
                let change = match result {
                    Ok(hash) => {
                        inner.log(LogLevel::Debug, || format!("stored outbox item {} as {hash}", item.id));
                        inner.store.outbox_done(item.id, Some(&hash))
                    }
                    Err(e) => {
                        let next = local_now_ms() + retry_delay(item.attempts);
                        inner
                            .log(LogLevel::Warn, || format!("sending outbox item {} failed (attempt {}): {e}", item.id, item.attempts + 1));
                        inner.store.outbox_failed(item.id, &e.to_string(), next)
                    }
                };
                match change {
                    Ok(Some(c)) => {
                        let conversation = inner.store.message(c.message_id).ok().flatten().map(|m| m.conversation).unwrap_or_default();
                        inner.bus.emit(Event::MessageState { message_id: c.message_id, conversation, state: c.state });
                        inner.poll_wakeup.notify_one();
                    }
                    Ok(None) => {}
                    Err(e) => inner.log(LogLevel::Error, || format!("updating the outbox failed: {e}")),
                }
            }
            // Sleep until the next item is due, new work arrives, or shutdown.
            let wait = match inner.store.outbox_next_due() {
                Ok(Some(t)) => Duration::from_millis((t - local_now_ms()).clamp(0, 60_000) as u64),
                _ => Duration::from_secs(60),
            };
            if wait.is_zero() {
                continue;
            }
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = inner.send_wakeup.notified() => {}
                _ = shutdown.changed() => return,
            }
        }
    })
}

/// Polls our own swarm's namespace 0 at the active or idle interval, tracking the last hash per
/// swarm member; processes new messages in order and drops duplicates.
fn poller(inner: Arc<Inner>, mut shutdown: watch::Receiver<bool>) -> TaskFuture {
    Box::pin(async move {
        let me = inner.session_id().account();
        let me_hex = me.to_hex();
        // Until every swarm we poll has answered once with nothing more to fetch.
        let mut caught_up = false;
        loop {
            if *shutdown.borrow() {
                return;
            }
            let mut more = false;
            let mut polled_ok = false;
            let store = &inner.store;
            let identity = inner.identity.clone();
            // One batch: messages (namespace 0), then the configs our other devices push.
            let result = inner
                .network
                .swarm_rpc(&me, &|node, now| {
                    let reqs: Vec<rpc::Request> = std::iter::once(0)
                        .chain(config_sync::POLLED)
                        .map(|ns| {
                            let last = store.last_hash(&me_hex, ns, &node.ed25519_hex()).ok().flatten();
                            rpc::retrieve(&me, ns, last.as_deref(), now, &Signer::User(&identity))
                        })
                        .collect();
                    rpc::batch(&reqs)
                })
                .await
                .and_then(|(node, body)| Ok((node, rpc::parse_batch(&body)?)));
            match result {
                Ok((node, results)) => {
                    polled_ok = true;
                    let node_hex = node.ed25519_hex();
                    for (ns, (code, body)) in std::iter::once(0).chain(config_sync::POLLED).zip(results) {
                        if code != 200 {
                            inner.log(LogLevel::Warn, || format!("retrieve of namespace {ns} answered {code}"));
                            continue;
                        }
                        let (messages, bad, has_more) = match rpc::parse_retrieve(&body) {
                            Ok(r) => r,
                            Err(e) => {
                                inner.log(LogLevel::Warn, || format!("bad retrieve reply for namespace {ns}: {e}"));
                                continue;
                            }
                        };
                        more |= has_more;
                        if bad > 0 {
                            inner.log(LogLevel::Warn, || format!("{bad} malformed entries in a retrieve reply"));
                        }
                        if ns == 0 {
                            for m in &messages {
                                if let Err(e) = receive::handle(&inner, m) {
                                    inner.log(LogLevel::Error, || format!("storing message {} failed: {e}", m.hash));
                                    // Do not advance past a message we could not commit.
                                    break;
                                }
                                let _ = inner.store.set_last_hash(&me_hex, 0, &node_hex, &m.hash);
                            }
                        } else {
                            match config_sync::merge_retrieved(&inner, ns, &messages) {
                                Ok(()) => {
                                    if let Some(last) = messages.last() {
                                        let _ = inner.store.set_last_hash(&me_hex, ns, &node_hex, &last.hash);
                                    }
                                }
                                Err(e) => inner.log(LogLevel::Error, || format!("merging configs of namespace {ns} failed: {e}")),
                            }
                        }
                    }
                }
                Err(e) => inner.log(LogLevel::Warn, || format!("polling failed: {e}")),
            }
            if more {
                continue;
            }
            if let Err(e) = config_sync::reconcile_groups(&inner) {
                inner.log(LogLevel::Warn, || format!("reconciling the synced group list failed: {e}"));
            }
            if let Err(e) = config_sync::push_pending(&inner).await {
                inner.log(LogLevel::Warn, || format!("pushing our configs failed (will retry): {e}"));
            } else if let Err(e) = config_sync::keep_alive(&inner).await {
                inner.log(LogLevel::Warn, || format!("extending our configs' expiry failed (will retry): {e}"));
            }
            for g in inner.groups.all() {
                if *shutdown.borrow() {
                    return;
                }
                if let Err(e) = super::groups::poll(&inner, &g).await {
                    inner.log(LogLevel::Warn, || format!("polling a group failed: {e}"));
                    polled_ok = false;
                }
            }
            if polled_ok && !caught_up {
                caught_up = true;
                inner.bus.emit(Event::CaughtUp);
            }
            let active = local_now_ms() - inner.last_activity.load(Ordering::Relaxed) < inner.config.active_window.as_millis() as i64;
            let wait = if active { inner.config.poll_active } else { inner.config.poll_idle };
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = inner.poll_wakeup.notified() => {}
                _ = shutdown.changed() => return,
            }
        }
    })
}

/// Uploads queued attachments, two at a time; a message enters the outbox when its last
/// attachment is on the file server.
fn uploader(inner: Arc<Inner>, mut shutdown: watch::Receiver<bool>) -> TaskFuture {
    Box::pin(async move {
        loop {
            if *shutdown.borrow() {
                return;
            }
            match inner.store.uploads_due(local_now_ms(), 2) {
                Ok(due) if !due.is_empty() => {
                    let mut set = tokio::task::JoinSet::new();
                    for a in due {
                        set.spawn(super::attachments::upload_one(inner.clone(), a));
                    }
                    tokio::select! {
                        _ = async { while set.join_next().await.is_some() {} } => {}
                        _ = shutdown.changed() => return,
                    }
                    continue;
                }
                Ok(_) => {}
                Err(e) => inner.log(LogLevel::Error, || format!("reading pending uploads failed: {e}")),
            }
            let wait = match inner.store.next_upload_due() {
                Ok(Some(t)) => Duration::from_millis((t - local_now_ms()).clamp(0, 60_000) as u64),
                _ => Duration::from_secs(60),
            };
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = inner.upload_wakeup.notified() => {}
                _ = shutdown.changed() => return,
            }
        }
    })
}
