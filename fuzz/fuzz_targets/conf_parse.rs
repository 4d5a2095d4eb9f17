#![no_main]
//! Fuzz target `conf_parse`: arbitrary bytes through the whole keepalived.conf pipeline
//! (preprocessor, tree, typed model, validation, JSON serialisation, formatter) and the
//! formatter's output parsed again. Includes are disabled and the expansion budget is
//! small (300 logical lines: a few bytes of `~SEQ` or nested definitions can otherwise
//! expand to thousands of 4 KiB lines per input), so every input runs in bounded time and
//! memory.
use keepalived_conf::{LoadOptions, format_source, parse_str};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let opts = LoadOptions {
        config_id: Some("main".into()),
        includes: false,
        max_lines: 300,
        random_seed: 1,
        keep_model: true,
        pipeline: false,
    };
    let parsed = parse_str("fuzz.conf", &text, &opts);
    for d in parsed.diagnostics.iter().take(5) {
        let _ = d.render(&parsed.sources);
    }
    let formatted = format_source(&text);
    let _ = parse_str("fuzz-fmt.conf", &formatted, &opts);
});
