//! Ctrl-C and SIGTERM. Before a command starts its client, a signal ends the process at once
//! (exit code 130, terminal echo restored). Once a command runs its loop (`interruptible`), the
//! first signal sets the stop flag so it can stop the client cleanly; a second one exits at once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

static INTERRUPTIBLE: AtomicBool = AtomicBool::new(false);

/// From now on the command watches the stop flag.
pub fn set_interruptible() {
    INTERRUPTIBLE.store(true, Ordering::SeqCst);
}

pub fn install(stop: Arc<AtomicBool>) {
    let spawned = std::thread::Builder::new().name("signals".into()).spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
        rt.block_on(async move {
            let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) else { return };
            let Ok(mut int) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()) else { return };
            loop {
                tokio::select! {
                    _ = int.recv() => {}
                    _ = term.recv() => {}
                }
                if INTERRUPTIBLE.load(Ordering::SeqCst) && !stop.swap(true, Ordering::SeqCst) {
                    continue;
                }
                crate::secret::restore_terminal();
                eprintln!("session-cli: interrupted");
                std::process::exit(crate::error::exit::INTERRUPTED as i32);
            }
        });
    });
    if let Err(e) = spawned {
        eprintln!("session-cli: cannot watch for Ctrl-C: {e}");
    }
}
