#![no_main]
//! Fuzz target `conf_parse` (placeholder until its issue lands).
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = data;
});
