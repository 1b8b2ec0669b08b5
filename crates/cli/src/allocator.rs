//! How `denoise` sets up its allocator, mimalloc: freed memory is kept for reuse instead of
//! being returned to the OS.
//!
//! Every training step allocates its activations and gradients again at the same sizes (several
//! MiB each). By default mimalloc returns memory that stays free for its purge delay (1 s) to
//! the OS, and the next allocation faults it back in, the kernel zeroing every page: on DnCNN
//! training that was 5–9 % of the time in the kernel's `clear_page`, and with the delay off
//! (`MIMALLOC_PURGE_DELAY=-1`) training ran 1.20× faster (BENCHMARKS.md). mimalloc reads the
//! variable once, as the process starts, and setting it from inside the program would need
//! `unsafe`, which the workspace forbids; so [`keep_freed_memory`] starts the program again
//! with the variable set.

use std::ffi::OsString;

/// The environment variable of mimalloc's purge delay, in milliseconds (`-1`: never purge).
pub const PURGE_DELAY: &str = "MIMALLOC_PURGE_DELAY";

/// What [`keep_freed_memory`] sets [`PURGE_DELAY`] to: never return freed memory to the OS.
pub const KEEP: &str = "-1";

/// On Unix, when [`PURGE_DELAY`] is not set, replaces this process by the same program with the
/// same arguments and [`PURGE_DELAY`] set to [`KEEP`] (`exec`: the same process id, so signals
/// and exit codes are unchanged). A value the user set, whatever it is, is kept: that is how
/// to opt out (for example `MIMALLOC_PURGE_DELAY=1000`, mimalloc's default). Returns (and the
/// program runs with mimalloc's default) when the variable is set, off Unix, or when the
/// program cannot be started again.
pub fn keep_freed_memory() {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        if std::env::var_os(PURGE_DELAY).is_some() {
            return;
        }
        let Ok(program) = std::env::current_exe() else {
            return;
        };
        let mut args = std::env::args_os();
        let arg0 = args.next().unwrap_or_else(|| OsString::from("denoise"));
        // `exec` returns only if it failed; the program then runs on as it is.
        let _failed = std::process::Command::new(program)
            .arg0(arg0)
            .args(args)
            .env(PURGE_DELAY, KEEP)
            .exec();
    }
}

/// mimalloc's purge delay in effect for this process: the value of [`PURGE_DELAY`], or `None`
/// for mimalloc's default.
pub fn purge_delay() -> Option<String> {
    std::env::var_os(PURGE_DELAY).map(|v| v.to_string_lossy().into_owned())
}
