//! The process's memory: free pages handed back to the kernel after a burst
//! of temporary allocations.
//!
//! The only module of the crate allowed to use `unsafe`; the block has a
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
