//! The process's memory: free pages handed back to the kernel after a burst
//! of temporary allocations, and an allocator that gives large blocks back
//! when they are freed.
//!
//! The only module of the crate allowed to use `unsafe`; the blocks have a
//! `SAFETY:` note.
#![allow(unsafe_code)]

/// Gives the pages that the allocator holds free back to the kernel
/// (glibc `malloc_trim(0)`, which also releases free pages inside the heap,
/// not only at its top). A daemon calls it after a burst of temporary
/// allocations, such as parsing and mapping a large configuration, so that
/// its resident size is what it keeps, not what it needed once. Returns
/// whether memory was released. Does nothing on other C libraries.
pub fn release_free_memory() -> bool {
    #[cfg(target_env = "gnu")]
    {
        // SAFETY: malloc_trim only walks the allocator's own free lists; it
        // takes no pointers from us and is safe to call at any time.
        unsafe { libc::malloc_trim(0) == 1 }
    }
    #[cfg(not(target_env = "gnu"))]
    {
        false
    }
}

/// The size from which glibc serves an allocation with its own `mmap`
/// ([`keep_large_blocks_apart`]): glibc's default starting value.
pub const MMAP_THRESHOLD: usize = 128 * 1024;

/// Keeps every allocation of [`MMAP_THRESHOLD`] bytes or more in a mapping of
/// its own, unmapped when freed (glibc `mallopt(M_MMAP_THRESHOLD)`).
///
/// glibc starts with that threshold but raises it to the size of each such
/// block freed (up to 32 MiB): once a daemon has freed one large vector, say
/// the queue of a burst or a table grown while loading its configuration,
/// later large vectors are carved out of the heap, where their pages stay
/// resident after they are freed because long-lived small allocations end
/// up between them. Setting the threshold once turns that adjustment off.
/// Call it at start, before the first large allocation. Returns whether the
/// allocator took the setting; does nothing on other C libraries.
pub fn keep_large_blocks_apart() -> bool {
    #[cfg(target_env = "gnu")]
    {
        let threshold = libc::c_int::try_from(MMAP_THRESHOLD).unwrap_or(libc::c_int::MAX);
        // SAFETY: mallopt only changes the allocator's own parameters; it
        // takes no pointers and is safe to call at any time.
        unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, threshold) == 1 }
    }
    #[cfg(not(target_env = "gnu"))]
    {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_threshold_is_taken_and_trim_runs() {
        #[cfg(target_env = "gnu")]
        assert!(keep_large_blocks_apart());
        // Whether pages are released depends on the heap; it must not fail.
        let _ = release_free_memory();
    }
}
