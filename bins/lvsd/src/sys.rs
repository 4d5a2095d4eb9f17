//! Process-wide memory settings (libc calls that take integers and touch no
//! memory of the process), out of the daemon's logic.

/// Gives the heap pages freed after loading a configuration back to the
/// kernel. Parsing a large file peaks well above what the running daemon
/// keeps (a 58,000-line config: ~5 MiB of free pages stayed resident), and
/// glibc only trims the top of the heap on its own.
pub fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[allow(unsafe_code)]
    // SAFETY: malloc_trim only returns free heap pages to the kernel; it
    // touches no live allocation.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Opts this process out of transparent huge pages (`PR_SET_THP_DISABLE`).
/// With THP `always` (Debian's default) the kernel backs the heap and the
/// config loader's malloc arena with 2 MiB pages and khugepaged refills
/// trimmed holes, so freed memory stays resident: at 1,000 virtual servers
/// x 10 real servers lvsd's RSS was 28.7 MiB with THP and 20.8 MiB without,
/// in the same VM (tests-vm-lvsd/mem-probe.sh). A daemon of ~20 MiB gains
/// nothing from huge pages. Children get the default back before exec
/// ([`allow_huge_pages_in_child`]). Best effort: an old kernel refusing it
/// changes nothing else.
pub fn disable_huge_pages() {
    #[cfg(target_os = "linux")]
    #[allow(unsafe_code)]
    // SAFETY: prctl(PR_SET_THP_DISABLE) takes integers only and touches no
    // memory of this process.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// Undoes [`disable_huge_pages`] in a forked child before it execs a script
/// (the setting is inherited across fork and exec), so scripts run with the
/// system's THP policy as under keepalived. Async-signal-safe: one prctl,
/// no allocation; its result is ignored (nothing to undo if it fails).
pub fn allow_huge_pages_in_child() -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    #[allow(unsafe_code)]
    // SAFETY: as above; prctl is async-signal-safe.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 0, 0, 0, 0);
    }
    Ok(())
}
