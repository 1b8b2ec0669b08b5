//! Stopping a run cleanly on a signal: Ctrl-C (SIGINT), SIGTERM (what `kill`, Slurm and
//! container runtimes send before they kill) or SIGHUP (a closed terminal).
//!
//! The first signal only sets a flag: the training loop sees it at the next step boundary, writes a
//! checkpoint and stops with exit code 130 and a line saying how to resume. A second SIGINT or
//! SIGTERM ends the process at once (exit 130; the newest complete checkpoint stays usable, as
//! after `kill -9`). SIGXFSZ (a file-size limit, `ulimit -f`) is caught so that an oversize write
//! fails with an error naming the file instead of killing the process.
//!
//! Nothing is installed until [`install`] is called (the binary does; library users and tests that
//! train in-process are unaffected).

use std::sync::Arc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM, SIGXFSZ};

struct Flags {
    /// Set by the first stop signal; a later one then exits at once.
    stop: Arc<AtomicBool>,
    /// Which signal it was.
    signal: Arc<AtomicUsize>,
}

static FLAGS: OnceLock<Flags> = OnceLock::new();

/// Installs the handlers (once; later calls do nothing).
pub fn install() -> std::io::Result<()> {
    if FLAGS.get().is_some() {
        return Ok(());
    }
    let flags = Flags {
        stop: Arc::new(AtomicBool::new(false)),
        signal: Arc::new(AtomicUsize::new(0)),
    };
    for sig in [SIGINT, SIGTERM, SIGHUP] {
        // Order matters: the shutdown check runs before the flag is set, so only a second signal
        // finds it set.
        signal_hook::flag::register_conditional_shutdown(sig, 130, Arc::clone(&flags.stop))?;
        signal_hook::flag::register(sig, Arc::clone(&flags.stop))?;
        signal_hook::flag::register_usize(sig, Arc::clone(&flags.signal), sig as usize)?;
    }
    signal_hook::flag::register(SIGXFSZ, Arc::new(AtomicBool::new(false)))?;
    let _ = FLAGS.set(flags);
    Ok(())
}

/// The name of the stop signal received so far, if any.
pub fn requested() -> Option<&'static str> {
    let flags = FLAGS.get()?;
    if !flags.stop.load(Ordering::SeqCst) {
        return None;
    }
    Some(match flags.signal.load(Ordering::SeqCst) as i32 {
        SIGINT => "SIGINT (Ctrl-C)",
        SIGTERM => "SIGTERM",
        SIGHUP => "SIGHUP",
        _ => "a stop signal",
    })
}
