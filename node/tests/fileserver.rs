//! The file server through onion requests: upload, download, info, extend, 413, 404, X-FS-TTL,
//! expiry; and that it cannot be used without an onion request.

mod common;
use common::*;
use serde_json::{json, Value};
use session_node::{RateLimitConfig, TestnetConfig};
use session_sdk::crypto::onion_hop::EncType;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_download_limits_and_onion_only() {
    let t = net(1, 3).await;
    let c = client();
    let path: Vec<_> = t.nodes().to_vec();
    let enc = EncType::XChaCha20;
    let oct = json!({"Content-Type": "application/octet-stream"});

    // Largest allowed upload (the encrypted size of a 10 MB attachment) round-trips.
    let max = session_node::fileserver::MAX_FILE_SIZE;
    let big: Vec<u8> = (0..max as u32).map(|i| (i.wrapping_mul(2654435761) >> 24) as u8).collect();
    let up = onion_to_fs(&c, &t, &path, &v4("POST", "/file", oct.clone(), Some(big.clone())), enc).await;
    assert_eq!(up.code, 200, "{}", String::from_utf8_lossy(&up.body));
    let id = serde_json::from_slice::<Value>(&up.body).unwrap()["id"].as_str().unwrap().to_string();
    let down = onion_to_fs(&c, &t, &path, &v4("GET", &format!("/file/{id}"), json!({}), None), enc).await;
    assert_eq!(down.code, 200);
    assert!(down.body == big, "download differs");

    // One byte more, or nothing → 413 {"status_code":413}.
    let mut too_big = big;
    too_big.push(0);
    for body in [too_big, vec![]] {
        let r = onion_to_fs(&c, &t, &path, &v4("POST", "/file", oct.clone(), Some(body)), enc).await;
        assert_eq!(r.code, 413);
        assert_eq!(serde_json::from_slice::<Value>(&r.body).unwrap(), json!({"status_code": 413}));
    }
    // Unknown id → 404 {"status_code":404}.
    let r = onion_to_fs(&c, &t, &path, &v4("GET", "/file/123456789", json!({}), None), enc).await;
    assert_eq!((r.code, serde_json::from_slice::<Value>(&r.body).unwrap()), (404, json!({"status_code": 404})));

    // info and extend.
    let r = onion_to_fs(&c, &t, &path, &v4("GET", &format!("/file/{id}/info"), json!({}), None), enc).await;
    let info: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(info["size"], json!(max));
    assert!(info["uploaded"].as_f64().unwrap() <= info["expires"].as_f64().unwrap());
    let up = onion_to_fs(
        &c,
        &t,
        &path,
        &v4("POST", "/file", json!({"Content-Type": "application/octet-stream", "X-FS-TTL": "60"}), Some(b"short".to_vec())),
        enc,
    )
    .await;
    let v: Value = serde_json::from_slice(&up.body).unwrap();
    let now_s = now_ms() as f64 / 1000.0;
    assert!((v["expires"].as_f64().unwrap() - (now_s + 60.0)).abs() < 10.0, "X-FS-TTL honoured: {v}");
    let sid = v["id"].as_str().unwrap();
    let r = onion_to_fs(&c, &t, &path, &v4("POST", &format!("/file/{sid}/extend"), json!({}), Some(vec![])), enc).await;
    assert_eq!(r.code, 200);
    let ext: Value = serde_json::from_slice(&r.body).unwrap();
    assert!(ext["expires"].as_f64().unwrap() > now_s + 13.0 * 86400.0, "extended to the default TTL: {ext}");

    // Not reachable without an onion request.
    let base = format!("http://{}:{}", t.file_server().host, t.file_server().port);
    let r = c.post(format!("{base}/file")).body("raw").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404);
    let r = c.get(format!("{base}/file/{id}")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404);
    let r = c.post(format!("{base}/oxen/v4/lsrpc")).body("garbage").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_expire_after_their_ttl() {
    let t = net_with(TestnetConfig {
        swarms: 1,
        nodes_per_swarm: 1,
        file_ttl: Duration::from_secs(2),
        cleanup_interval: Duration::from_millis(200),
        rate_limit: RateLimitConfig::unlimited(),
        ..Default::default()
    })
    .await;
    let c = client();
    let path = vec![t.node(0).clone()];
    let up = onion_to_fs(
        &c,
        &t,
        &path,
        &v4("POST", "/file", json!({"Content-Type": "application/octet-stream"}), Some(b"ephemeral".to_vec())),
        EncType::XChaCha20,
    )
    .await;
    let id = serde_json::from_slice::<Value>(&up.body).unwrap()["id"].as_str().unwrap().to_string();
    let get = v4("GET", &format!("/file/{id}"), json!({}), None);
    assert_eq!(onion_to_fs(&c, &t, &path, &get, EncType::XChaCha20).await.code, 200);
    wait_for(Duration::from_secs(15), "the file to expire", || {
        let (c, t, path, get) = (&c, &t, &path, &get);
        async move { onion_to_fs(c, t, path, get, EncType::XChaCha20).await.code == 404 }
    })
    .await;
    t.stop().await;
}
