//! Ctrl-C and SIGTERM. Before a command starts its client, a signal ends the process at once
//! (exit code 130, terminal echo restored). Once a command runs its loop (`interruptible`), the
//! first signal sets the stop flag so it can stop the client cleanly; a second one exits at once.
//! [`install`] returns once the handlers are in place, so no early signal meets the default
//! action (which would end the process without cleaning up, mid-restore say).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

static INTERRUPTIBLE: AtomicBool = AtomicBool::new(false);

/// From now on the command watches the stop flag.
pub fn set_interruptible() {
    INTERRUPTIBLE.store(true, Ordering::SeqCst);
}

pub fn install(stop: Arc<AtomicBool>) {
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<()>();
    let spawned = std::thread::Builder::new().name("signals".into()).spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
        rt.block_on(async move {
            let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) else { return };
            let Ok(mut int) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()) else { return };
            // Both handlers are registered: the command may go on.
            let _ = ready_tx.send(());
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
    match spawned {
        // Returns early (the sender dropped) if the thread could not register the handlers.
        Ok(_) => {
            let _ = ready_rx.recv_timeout(std::time::Duration::from_secs(2));
        }
        Err(e) => eprintln!("session-cli: cannot watch for Ctrl-C: {e}"),
    }
}
