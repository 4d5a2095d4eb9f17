#![no_main]
//! Fuzz target `conf_parse`: arbitrary bytes through the whole keepalived.conf pipeline
//! (preprocessor, tree, typed model, validation, JSON serialisation, formatter) and the
//! formatter's output parsed again. Includes are disabled and the expansion budget is
//! small (300 logical lines: a few bytes of `~SEQ` or nested definitions can otherwise
//! expand to thousands of 4 KiB lines per input), so every input runs in bounded time and
//! memory. Where the text can be read in two parts on two threads, that result must be
//! identical, and so must the result with every line read by the general path (the fast
//! path for plain lines turned off).
use keepalived_conf::{
    LoadOptions, format_source, parse_str, parse_str_general_path, parse_str_in_two_parts,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let opts = LoadOptions {
        config_id: Some("main".into()),
        includes: false,
        max_lines: 300,
        limits: Default::default(),
        max_bytes: 1 << 20,
        random_seed: 1,
        split_min_bytes: usize::MAX,
    };
    let parsed = parse_str("fuzz.conf", &text, &opts);
    for d in parsed.diagnostics.iter().take(5) {
        let _ = d.render(&parsed.sources);
    }
    // reading the text in two parts on two threads gives exactly the same result
    if let Some(two) = parse_str_in_two_parts("fuzz.conf", &text, &opts) {
        assert_eq!(two.short_diagnostics(), parsed.short_diagnostics());
        assert_eq!(format!("{:?}", two.config), format!("{:?}", parsed.config));
    }
    let general = parse_str_general_path("fuzz.conf", &text, &opts);
    assert_eq!(general.short_diagnostics(), parsed.short_diagnostics());
    assert_eq!(format!("{:?}", general.config), format!("{:?}", parsed.config));
    let formatted = format_source(&text);
    let _ = parse_str("fuzz-fmt.conf", &formatted, &opts);
});
