//! Backup and restore throughput next to a plain copy of the same data directory on the same
//! disk (issue 17's target: within 2x of `cp`). The account: 10,000 messages across 20
//! conversations and 50 MB of attachment files (five 10 MB files queued for upload, so their
//! encrypted blobs are on disk), built without a network.
//!
//! `cargo bench --bench backup` (about a minute). Each measurement is the median of 3 runs.
//! Backup times are shown with the default Argon2id cost (what users get) and with the
//! cheapest, so that the key derivation (about a second, on purpose) is seen apart from the
//! streaming.

use session_sdk::client::{backup_restore, Client, ClientConfig, NetworkConfig, OutgoingFile};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn noise(n: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2654435761) | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

fn dir_bytes(p: &Path) -> u64 {
    let mut n = 0;
    for e in std::fs::read_dir(p).unwrap() {
        let e = e.unwrap();
        let m = e.metadata().unwrap();
        n += if m.is_dir() { dir_bytes(&e.path()) } else { m.len() };
    }
    n
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn mbps(bytes: u64, d: Duration) -> f64 {
    bytes as f64 / 1e6 / d.as_secs_f64()
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let base: PathBuf = std::env::temp_dir().join(format!("ssdk-bench-backup-{}", std::process::id()));
    std::fs::create_dir_all(&base).unwrap();
    let data = base.join("account");
    let client = Client::new(ClientConfig::new(&data, NetworkConfig::mainnet())).unwrap();
    client.set_display_name("Bench").unwrap();
    let me = client.session_id().to_hex();
    for k in 0..20u8 {
        let peer = format!("05{}", hex::encode([k + 1; 32]));
        let msgs: Vec<(i64, String, bool)> = (0..500)
            .map(|i| (1_700_000_000_000 + i * 1000, format!("message {k}/{i}: {}", "lorem ipsum ".repeat(4)), i % 3 == 0))
            .collect();
        client.store().import_history(&peer, &me, &msgs).unwrap();
    }
    for i in 0..5u32 {
        let f = OutgoingFile { data: noise(10_000_000, i + 1), file_name: Some(format!("f{i}.bin")), ..Default::default() };
        client.send_file(&format!("05{}", hex::encode([99u8; 32])), f).unwrap();
    }
    let bytes = dir_bytes(&data);
    println!("account: 10,000 messages, 5 files of 10 MB; data directory {:.1} MB", bytes as f64 / 1e6);

    let runs = 3;
    let mut cp = vec![];
    for r in 0..runs {
        let dest = base.join(format!("cp{r}"));
        let t = Instant::now();
        let ok = std::process::Command::new("cp").arg("-a").arg(&data).arg(&dest).status().unwrap().success();
        // The same durability as a backup: the copy reaches the disk.
        let _ = std::process::Command::new("sync").arg("-f").arg(&dest).status();
        cp.push(t.elapsed());
        assert!(ok);
    }
    let cp = median(cp);
    println!("cp -a of the data directory (+ sync):     {:>8.0} ms  {:>7.1} MB/s", cp.as_secs_f64() * 1e3, mbps(bytes, cp));

    let mut fast = vec![];
    let mut default = vec![];
    let mut restore = vec![];
    let mut size = 0;
    for r in 0..runs {
        let f = base.join(format!("fast{r}.ssdkbackup"));
        let t = Instant::now();
        client.backup_create_fast(&f, "bench passphrase").unwrap();
        fast.push(t.elapsed());
        size = std::fs::metadata(&f).unwrap().len();
        let f2 = base.join(format!("default{r}.ssdkbackup"));
        let t = Instant::now();
        client.backup_create(&f2, "bench passphrase").unwrap();
        default.push(t.elapsed());
        let target = base.join(format!("restored{r}"));
        let t = Instant::now();
        backup_restore(&f, "bench passphrase", &target, None, &mut |_, _| true).unwrap();
        restore.push(t.elapsed());
    }
    let (fast, default, restore) = (median(fast), median(default), median(restore));
    println!("backup file: {:.1} MB", size as f64 / 1e6);
    let line = |name: &str, d: Duration| {
        println!("{name:<42}{:>8.0} ms  {:>7.1} MB/s  {:.2}x cp", d.as_secs_f64() * 1e3, mbps(bytes, d), d.as_secs_f64() / cp.as_secs_f64())
    };
    line("backup, cheapest Argon2id (streaming)", fast);
    line("backup, default Argon2id (what users get)", default);
    line("restore (cheapest-cost file)", restore);
    drop(client);
    let _ = std::fs::remove_dir_all(&base);
}
