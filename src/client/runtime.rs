//! The one process-wide tokio runtime every client's tasks run on (created on first use).

use crate::error::{Error, Result};
use once_cell::sync::OnceCell;
use tokio::runtime::Runtime;

static RUNTIME: OnceCell<Runtime> = OnceCell::new();

/// The shared runtime. Worker threads are named `ssdk-rt`; there are at most four.
pub fn runtime() -> Result<&'static Runtime> {
    RUNTIME.get_or_try_init(|| {
        let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2).clamp(2, 4);
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .thread_name("ssdk-rt")
            .enable_all()
            .build()
            .map_err(|e| Error::internal(format!("cannot start the SDK runtime: {e}")))
    })
}
