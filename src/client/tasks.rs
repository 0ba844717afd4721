//! The client's tasks: connection upkeep, the outbox sender and the swarm poller. Each watches
//! the shutdown signal and counts itself in `live_tasks` until it ends.

use super::events::{Event, LogLevel};
use super::outbox::retry_delay;
use super::state::ClientState;
use super::{attachments, groups, receive, sync};
use crate::clock::local_now_ms;
use crate::crypto::signer::Signer;
use crate::net::ConnectionState;
use crate::wire::rpc;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::runtime::Runtime;
use tokio::sync::watch;
use tokio::task::JoinHandle;

struct Alive(Arc<ClientState>);

impl Alive {
    fn new(client: &Arc<ClientState>) -> Alive {
        client.live_tasks.fetch_add(1, Ordering::SeqCst);
        Alive(client.clone())
    }
}

impl Drop for Alive {
    fn drop(&mut self) {
        self.0.live_tasks.fetch_sub(1, Ordering::SeqCst);
    }
}

pub(crate) fn spawn_all(rt: &Runtime, client: &Arc<ClientState>, shutdown: watch::Receiver<bool>) -> Vec<JoinHandle<()>> {
    let mut v = Vec::new();
    for task in [connection as fn(Arc<ClientState>, watch::Receiver<bool>) -> _, sender, poller, uploader] {
        let alive = Alive::new(client);
        let fut = task(client.clone(), shutdown.clone());
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
fn connection(client: Arc<ClientState>, mut shutdown: watch::Receiver<bool>) -> TaskFuture {
    Box::pin(async move {
        let mut state_rx = client.network.subscribe();
        let mut reported: Option<bool> = None;
        let mut backoff = Duration::from_millis(500);
        loop {
            match client.network.ensure_ready().await {
                Ok(()) => {
                    backoff = Duration::from_millis(500);
                    if let Err(e) = client.network.maybe_refresh_pool().await {
                        client.events.log(LogLevel::Warn, || format!("refreshing the node list failed: {e}"));
                    }
                }
                Err(e) => {
                    client.events.log(LogLevel::Warn, || format!("network not ready: {e}"));
                    backoff = (backoff * 2).min(Duration::from_secs(30));
                }
            }
            let ready = client.network.connection_state() == ConnectionState::Ready;
            if reported != Some(ready) {
                reported = Some(ready);
                client.events.emit(Event::Connection { ready });
                client.events.log(LogLevel::Info, || format!("onion paths {}", if ready { "ready" } else { "lost" }));
            }
            let _ = client.store.prune_seen(local_now_ms());
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

/// Drains the outbox: stores each due item in its destination swarm, with backoff on failure.
fn sender(client: Arc<ClientState>, mut shutdown: watch::Receiver<bool>) -> TaskFuture {
    Box::pin(async move {
        loop {
            if *shutdown.borrow() {
                return;
            }
            let due = match client.store.outbox_due(local_now_ms(), 16) {
                Ok(d) => d,
                Err(e) => {
                    client.events.log(LogLevel::Error, || format!("reading the outbox failed: {e}"));
                    if sleep_or_shutdown(Duration::from_secs(1), &mut shutdown).await {
                        return;
                    }
                    continue;
                }
            };
            let mut set = tokio::task::JoinSet::new();
            for item in due {
                let client = client.clone();
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
                        match groups::credential(&client, &item.copy.destination).await {
                            Ok(cred) => client
                                .network
                                .swarm_rpc(&dest, &|_node, now| cred.with_signer(|s| rpc::store(&dest, ns, &data, ttl, now, Some(s))))
                                .await
                                .and_then(|(_, body)| rpc::parse_store(&body)),
                            Err(e) => Err(e),
                        }
                    } else {
                        let identity = client.identity.clone();
                        client
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
                        client.events.log(LogLevel::Debug, || format!("stored outbox item {} as {hash}", item.id));
                        client.store.outbox_done(item.id, Some(&hash))
                    }
                    Err(e) => {
                        let next = local_now_ms() + retry_delay(item.attempts);
                        client
                            .events
                            .log(LogLevel::Warn, || format!("sending outbox item {} failed (attempt {}): {e}", item.id, item.attempts + 1));
                        client.store.outbox_failed(item.id, &e.to_string(), next)
                    }
                };
                match change {
                    Ok(Some(c)) => {
                        let conversation = client.store.message(c.message_id).ok().flatten().map(|m| m.conversation).unwrap_or_default();
                        client.events.emit(Event::MessageState { message_id: c.message_id, conversation, state: c.state });
                        client.wake.poller.notify_one();
                    }
                    Ok(None) => {}
                    Err(e) => client.events.log(LogLevel::Error, || format!("updating the outbox failed: {e}")),
                }
            }
            // Sleep until the next item is due, new work arrives, or shutdown.
            let wait = match client.store.outbox_next_due() {
                Ok(Some(t)) => Duration::from_millis((t - local_now_ms()).clamp(0, 60_000) as u64),
                _ => Duration::from_secs(60),
            };
            if wait.is_zero() {
                continue;
            }
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = client.wake.sender.notified() => {}
                _ = shutdown.changed() => return,
            }
        }
    })
}

/// Polls our own swarm's namespace 0 at the active or idle interval, tracking the last hash per
/// swarm member; processes new messages in order and drops duplicates.
fn poller(client: Arc<ClientState>, mut shutdown: watch::Receiver<bool>) -> TaskFuture {
    Box::pin(async move {
        let me = client.session_id().account();
        let me_hex = me.to_hex();
        // Until every swarm we poll has answered once with nothing more to fetch.
        let mut caught_up = false;
        loop {
            if *shutdown.borrow() {
                return;
            }
            let mut more = false;
            let mut polled_ok = false;
            let store = &client.store;
            let identity = client.identity.clone();
            // One batch: messages (namespace 0), then the configs our other devices push.
            let result = client
                .network
                .swarm_rpc(&me, &|node, now| {
                    let reqs: Vec<rpc::Request> = std::iter::once(0)
                        .chain(sync::POLLED)
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
                    for (ns, (code, body)) in std::iter::once(0).chain(sync::POLLED).zip(results) {
                        if code != 200 {
                            client.events.log(LogLevel::Warn, || format!("retrieve of namespace {ns} answered {code}"));
                            continue;
                        }
                        let (messages, bad, has_more) = match rpc::parse_retrieve(&body) {
                            Ok(r) => r,
                            Err(e) => {
                                client.events.log(LogLevel::Warn, || format!("bad retrieve reply for namespace {ns}: {e}"));
                                continue;
                            }
                        };
                        more |= has_more;
                        if bad > 0 {
                            client.events.log(LogLevel::Warn, || format!("{bad} malformed entries in a retrieve reply"));
                        }
                        if ns == 0 {
                            for m in &messages {
                                if let Err(e) = receive::handle(&client, m) {
                                    client.events.log(LogLevel::Error, || format!("storing message {} failed: {e}", m.hash));
                                    // Do not advance past a message we could not commit.
                                    break;
                                }
                                let _ = client.store.set_last_hash(&me_hex, 0, &node_hex, &m.hash);
                            }
                        } else {
                            match sync::merge_retrieved(&client, ns, &messages) {
                                Ok(()) => {
                                    if let Some(last) = messages.last() {
                                        let _ = client.store.set_last_hash(&me_hex, ns, &node_hex, &last.hash);
                                    }
                                }
                                Err(e) => client.events.log(LogLevel::Error, || format!("merging configs of namespace {ns} failed: {e}")),
                            }
                        }
                    }
                }
                Err(e) => client.events.log(LogLevel::Warn, || format!("polling failed: {e}")),
            }
            if more {
                continue;
            }
            if let Err(e) = groups::reconcile(&client) {
                client.events.log(LogLevel::Warn, || format!("reconciling the synced group list failed: {e}"));
            }
            if let Err(e) = sync::push_pending(&client).await {
                client.events.log(LogLevel::Warn, || format!("pushing our configs failed (will retry): {e}"));
            } else if let Err(e) = sync::keep_alive(&client).await {
                client.events.log(LogLevel::Warn, || format!("extending our configs' expiry failed (will retry): {e}"));
            }
            for g in client.groups.all() {
                if *shutdown.borrow() {
                    return;
                }
                if let Err(e) = groups::poll(&client, &g).await {
                    client.events.log(LogLevel::Warn, || format!("polling a group failed: {e}"));
                    polled_ok = false;
                }
            }
            if polled_ok && !caught_up {
                caught_up = true;
                client.events.emit(Event::CaughtUp);
            }
            let active = client.activity.is_active(client.config.active_window);
            let wait = if active { client.config.poll_active } else { client.config.poll_idle };
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = client.wake.poller.notified() => {}
                _ = shutdown.changed() => return,
            }
        }
    })
}

/// Uploads queued attachments, two at a time; a message enters the outbox when its last
/// attachment is on the file server.
fn uploader(client: Arc<ClientState>, mut shutdown: watch::Receiver<bool>) -> TaskFuture {
    Box::pin(async move {
        loop {
            if *shutdown.borrow() {
                return;
            }
            match client.store.uploads_due(local_now_ms(), 2) {
                Ok(due) if !due.is_empty() => {
                    let mut set = tokio::task::JoinSet::new();
                    for a in due {
                        set.spawn(attachments::upload_one(client.clone(), a));
                    }
                    tokio::select! {
                        _ = async { while set.join_next().await.is_some() {} } => {}
                        _ = shutdown.changed() => return,
                    }
                    continue;
                }
                Ok(_) => {}
                Err(e) => client.events.log(LogLevel::Error, || format!("reading pending uploads failed: {e}")),
            }
            let wait = match client.store.next_upload_due() {
                Ok(Some(t)) => Duration::from_millis((t - local_now_ms()).clamp(0, 60_000) as u64),
                _ => Duration::from_secs(60),
            };
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = client.wake.uploader.notified() => {}
                _ = shutdown.changed() => return,
            }
        }
    })
}
