//! The Rust side of the bindings benchmark (scripts/bindings/bench.sh): the same loops the Python
//! and Go benchmarks run, through the same C ABI functions, called from Rust.
//!
//! `cargo run --release --example bench_ffi_loop -- NETWORK_JSON DATA_DIR [MESSAGES]`
//!
//! Prints one JSON object per line: per-call cost of `ssdk_abi_version` and
//! `ssdk_session_id_validate`, then the rate of `ssdk_client_send_text` to one recipient on the
//! network described by NETWORK_JSON (queueing rate, and rate until the swarm acknowledged every
//! message).

use session_sdk::ffi::client::{
    ssdk_client, ssdk_client_connection_ready, ssdk_client_free, ssdk_client_new, ssdk_client_next_event, ssdk_client_send_text,
    ssdk_client_start, ssdk_client_stop,
};
use session_sdk::ffi::config::{
    ssdk_config, ssdk_config_free, ssdk_config_new, ssdk_config_set_log_level, ssdk_config_set_network_file, ssdk_config_set_poll_intervals,
};
use session_sdk::ffi::event::{ssdk_event, ssdk_event_free, ssdk_event_kind, ssdk_event_message_id, ssdk_event_state};
use session_sdk::ffi::identity::ssdk_session_id_validate;
use session_sdk::ffi::{ssdk_abi_version, ssdk_status};
use std::collections::HashSet;
use std::ffi::CString;
use std::hint::black_box;
use std::ptr;
use std::time::{Duration, Instant};

const PEER: &str = "05d2ad010eeb72d72e561d9de7bd7b6989af77dcabffa03a5111a6c859ae5c3a72";
const EVENT_MESSAGE_STATE: i32 = 3;
const MESSAGE_SENT: i32 = 1;

/// Median over 5 rounds of the per-call time of `f`, in nanoseconds.
fn per_call(iterations: u32, mut f: impl FnMut()) -> f64 {
    let mut rounds: Vec<f64> = (0..5)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..iterations {
                f();
            }
            t.elapsed().as_nanos() as f64 / iterations as f64
        })
        .collect();
    rounds.sort_by(|a, b| a.partial_cmp(b).unwrap());
    rounds[2]
}

fn ok(st: ssdk_status, what: &str) {
    assert!(st == ssdk_status::SSDK_OK, "{what} failed: {st:?}");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: bench_ffi_loop NETWORK_JSON DATA_DIR [MESSAGES]");
        std::process::exit(2);
    }
    let messages: usize = args.get(3).map(|s| s.parse().expect("MESSAGES")).unwrap_or(500);

    let ns = per_call(5_000_000, || {
        black_box(ssdk_abi_version());
    });
    println!(r#"{{"lang":"rust","bench":"abi_version","ns_per_call":{ns:.1}}}"#);
    let id = CString::new(PEER).unwrap();
    let ns = per_call(1_000_000, || {
        black_box(ssdk_session_id_validate(black_box(id.as_ptr())));
    });
    println!(r#"{{"lang":"rust","bench":"session_id_validate","ns_per_call":{ns:.1}}}"#);

    // The send loop.
    let net = CString::new(args[1].as_str()).unwrap();
    let dir = CString::new(args[2].as_str()).unwrap();
    let mut cfg: *mut ssdk_config = ptr::null_mut();
    ok(ssdk_config_new(dir.as_ptr(), &mut cfg), "ssdk_config_new");
    ok(ssdk_config_set_network_file(cfg, net.as_ptr()), "network file");
    ok(ssdk_config_set_poll_intervals(cfg, 300, 600), "poll intervals");
    ok(ssdk_config_set_log_level(cfg, 4), "log level");
    let mut client: *mut ssdk_client = ptr::null_mut();
    ok(ssdk_client_new(cfg, &mut client), "ssdk_client_new");
    ssdk_config_free(cfg);
    ok(ssdk_client_start(client), "start");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let mut ready = 0;
        ok(ssdk_client_connection_ready(client, &mut ready), "connection_ready");
        if ready == 1 {
            break;
        }
        assert!(Instant::now() < deadline, "no onion paths within 60 s");
        std::thread::sleep(Duration::from_millis(20));
    }

    let text = CString::new("benchmark message").unwrap();
    let mut ids = HashSet::new();
    let t0 = Instant::now();
    for _ in 0..messages {
        let mut mid = 0i64;
        ok(ssdk_client_send_text(client, id.as_ptr(), text.as_ptr(), &mut mid), "send_text");
        ids.insert(mid);
    }
    let queued = t0.elapsed();
    println!(
        r#"{{"lang":"rust","bench":"send_text_queue","messages":{messages},"seconds":{:.4},"msgs_per_s":{:.1}}}"#,
        queued.as_secs_f64(),
        messages as f64 / queued.as_secs_f64()
    );
    let deadline = Instant::now() + Duration::from_secs(600);
    while !ids.is_empty() && Instant::now() < deadline {
        let mut ev: *mut ssdk_event = ptr::null_mut();
        if ssdk_client_next_event(client, 200, &mut ev) == ssdk_status::SSDK_OK {
            if ssdk_event_kind(ev) == EVENT_MESSAGE_STATE && ssdk_event_state(ev) == MESSAGE_SENT {
                ids.remove(&ssdk_event_message_id(ev));
            }
            ssdk_event_free(ev);
        }
    }
    let acked = t0.elapsed();
    assert!(ids.is_empty(), "{} messages not acknowledged", ids.len());
    println!(
        r#"{{"lang":"rust","bench":"send_text_acked","messages":{messages},"seconds":{:.4},"msgs_per_s":{:.1}}}"#,
        acked.as_secs_f64(),
        messages as f64 / acked.as_secs_f64()
    );
    ok(ssdk_client_stop(client), "stop");
    ssdk_client_free(client);
}
