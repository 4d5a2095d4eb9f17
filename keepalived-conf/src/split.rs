//! Reading a large input in two parts on two threads.
//!
//! The preprocessor is sequential by nature (`$NAME=` definitions, `@ID` lines, `~SEQ`
//! generators and `include` change how the lines after them are read), so the input is
//! split only where that cannot matter: at the start of a line that begins with a word in
//! column 0, just before the middle, when the second part has no `$`, `@`, `~` and no `include`
//! at all and the line before does not continue a definition (`\`). Each part is read,
//! turned into a tree and (for `virtual_server`s, nearly all of a large file) into the
//! typed model on its own thread, with its own allocations: nothing is handed over per
//! statement (the two-thread pipeline of [`crate::LoadOptions::pipeline`] did that and
//! lost to the cross-thread frees). The second part's other statements (few) are built
//! afterwards, in order, by the first part's builder.
//!
//! The result is the one of reading the input in one go, or `None`: when the first part
//! does not end at the top level (an unclosed block, say), when the line budget or the
//! diagnostics cap is reached, or when state that the tree builder reports once per input
//! would differ, the caller reads the input again in one go. `tests/split.rs` compares
//! both on the test corpus and on a generated file.

use crate::build::Builder;
use crate::diag::{MAX_DIAGNOSTICS, Sink};
use crate::preprocess::Preprocessor;
use crate::source::LineSource;
use crate::tree::{Node, TreeEnd};
use crate::{LoadOptions, Parsed};
use std::path::Path;
use std::sync::Arc;

/// Where the second part starts (a line start), and the number of lines before it; `None`
/// when there is no safe place.
pub(crate) fn find_split(text: &str) -> Option<(usize, u32)> {
    let b = text.as_bytes();
    let mut from = split_target(b.len());
    let split = loop {
        let nl = from + memchr::memchr(b'\n', b.get(from..)?)?;
        if starts_statement(b, nl + 1) {
            break nl + 1;
        }
        from = nl + 1;
    };
    if !plain(&b[split..]) {
        return None;
    }
    let lines = u32::try_from(memchr::memchr_iter(b'\n', &b[..split]).count()).ok()?;
    Some((split, lines))
}

/// Where to start looking for the split point: a little before the middle (1/2 - 1/128 of the bytes, 49.2 %),
/// because the first part's thread also read and validated the whole file before and
/// merges the second part's results after (about 3 % of its instructions on the
/// `benches/conf-vs-keepalived.sh` file); the two threads then finish at about the same time.
fn split_target(len: usize) -> usize {
    (len / 2).saturating_sub(len / 128)
}

/// Whether the line starting at `at` (just after a `\n`) begins with a word in column 0
/// and the line before it does not end with `\` (continuing a definition).
fn starts_statement(b: &[u8], at: usize) -> bool {
    if !b.get(at).is_some_and(u8::is_ascii_alphabetic) {
        return false;
    }
    let before = &b[..at.saturating_sub(1)];
    let line = before.rsplit(|&c| c == b'\n').next().unwrap_or(before);
    !line.trim_ascii_end().ends_with(b"\\")
}

/// Whether `rest` is free of everything the preprocessor treats specially.
fn plain(rest: &[u8]) -> bool {
    memchr::memchr3(b'$', b'@', b'~', rest).is_none()
        && memchr::memmem::find(rest, b"include").is_none()
}

/// What the second part's thread hands back.
struct SecondPart {
    sink: Sink,
    end: Option<TreeEnd>,
    lines_out: usize,
    builder: Builder,
    build_sink: Sink,
    /// Top-level statements other than `virtual_server`, in order, for the first builder.
    deferred: Vec<Node>,
}

fn second_part(
    opts: &LoadOptions,
    name: &str,
    text: &Arc<String>,
    split: usize,
    lines_before: u32,
) -> SecondPart {
    let mut pp = Preprocessor::new(opts);
    let src = LineSource::Text(text.clone(), split, text.len());
    pp.push_source(name, None, None, src, lines_before);
    let mut builder = Builder::new(opts.keep_model);
    let mut build_sink = Sink::default();
    let mut deferred = Vec::new();
    while let Some(nodes) = pp.next_batch() {
        for n in nodes {
            if n.keyword() == "virtual_server" {
                builder.add_root(&n, &mut build_sink);
                pp.recycle(n);
            } else {
                deferred.push(n);
            }
        }
    }
    SecondPart {
        end: pp.end_state(),
        lines_out: pp.lines_out(),
        sink: pp.sink,
        builder,
        build_sink,
        deferred,
    }
}

/// Reads `text` (named `name`, from the file `path` or given as `keep_text`) in two parts
/// when [`find_split`] finds a place; `None` when it does not or the result could differ
/// from reading it in one go (see the module documentation).
pub(crate) fn parse_in_two_parts(
    opts: &LoadOptions,
    name: &str,
    path: Option<&Path>,
    keep_text: Option<&str>,
    text: &Arc<String>,
) -> Option<Parsed> {
    let (split, lines_before) = find_split(text)?;
    parse_at(opts, name, path, keep_text, text, split, lines_before)
}

/// [`parse_in_two_parts`] at a given line start (`lines_before` lines before it).
fn parse_at(
    opts: &LoadOptions,
    name: &str,
    path: Option<&Path>,
    keep_text: Option<&str>,
    text: &Arc<String>,
    split: usize,
    lines_before: u32,
) -> Option<Parsed> {
    std::thread::scope(|s| {
        let second = s.spawn(|| second_part(opts, name, text, split, lines_before));
        let mut pp = Preprocessor::new(opts);
        let src = LineSource::Text(text.clone(), 0, split);
        pp.push_source(name, path, keep_text.map(str::to_string), src, 0);
        let mut b = Builder::new(opts.keep_model);
        let mut build_sink = Sink::default();
        while let Some(nodes) = pp.next_batch() {
            for n in nodes {
                b.add_root(&n, &mut build_sink);
                pp.recycle(n);
            }
        }
        let two = second
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        let (one_end, two_end) = (pp.end_state()?, two.end?);
        let same = one_end.top_level
            // reported once per input
            && !(one_end.overflow_reported && two_end.overflow_reported)
            // the unclosed-block hints look at the first 64 mismatched `}`s of the input
            // (the first part's are all before the second part's unclosed blocks)
            && (two_end.unclosed == 0 || one_end.mismatches + two_end.mismatches < 64)
            && pp.lines_out() + two.lines_out <= opts.max_lines
            && pp.sink.total() + two.sink.total() <= MAX_DIAGNOSTICS;
        if !same {
            return None;
        }
        for n in &two.deferred {
            b.add_root(n, &mut build_sink);
        }
        if build_sink.total() + two.build_sink.total() > MAX_DIAGNOSTICS {
            return None;
        }
        b.absorb_virtual_servers(two.builder);
        build_sink.merge(two.build_sink);
        let mut config = b.finish(&mut build_sink);
        config.files = pp.sources.files.iter().map(|f| f.name.clone()).collect();
        pp.sink.merge(two.sink);
        pp.sink.merge(build_sink);
        Some(Parsed {
            config,
            diagnostics: pp.sink.finish(),
            sources: pp.sources,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_point_is_a_line_start_past_the_middle() {
        let text = "global_defs {\n  router_id a\n}\nvirtual_server 10.0.0.1 80 {\n}\nvirtual_server 10.0.0.2 80 {\n}\n";
        let (at, lines) = find_split(text).expect("split");
        assert!(at >= split_target(text.len()));
        assert_eq!(&text[at..at + 26], "virtual_server 10.0.0.2 80");
        assert_eq!(lines, 5);
    }

    #[test]
    fn no_split_before_preprocessor_constructs_or_continuations() {
        let base = "global_defs {\n  router_id a\n}\nvirtual_server 10.0.0.1 80 {\n}\n";
        for tail in [
            "virtual_server $VIP 80 {\n}\n",
            "@main virtual_server 10.0.0.2 80 {\n}\n",
            "virtual_server 10.0.0.2 80 {\n}\n~SEQ(i,1,2) x\n",
            "virtual_server 10.0.0.2 80 {\n}\ninclude other.conf\n",
        ] {
            assert_eq!(find_split(&format!("{base}{tail}")), None, "{tail}");
        }
        // the only line start in column 0 past the middle follows a `\` continuation
        let head = "global_defs {\n  router_id aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n}\n";
        let vs = "virtual_server 10.0.0.2 80 {\n}\n";
        assert!(find_split(&format!("{head}$A=1\n{vs}")).is_some());
        assert_eq!(find_split(&format!("{head}$A=1 \\\n{vs}")), None);
        // nothing in column 0 past the middle
        assert_eq!(find_split("a {\n  b\n  c\n  d\n}\n"), None);
    }

    fn opts() -> LoadOptions {
        LoadOptions {
            config_id: Some("main".into()),
            split_min_bytes: usize::MAX,
            ..LoadOptions::default()
        }
    }

    /// Splits `text` at every line start where [`find_split`] could, and compares each
    /// result with reading it in one go; returns the number of splits taken.
    fn every_split_agrees(name: &str, text: &str) -> usize {
        let opts = opts();
        let one = crate::parse_str(name, text, &opts);
        let shared = Arc::new(text.to_string());
        let b = text.as_bytes();
        let mut taken = 0;
        for (i, _) in text.match_indices('\n') {
            let at = i + 1;
            if !starts_statement(b, at) || !plain(&b[at..]) {
                continue;
            }
            let lines = u32::try_from(text[..at].matches('\n').count()).unwrap_or(u32::MAX);
            if let Some(two) = parse_at(&opts, name, None, Some(text), &shared, at, lines) {
                let where_ = format!("{name} split before line {}", lines + 1);
                assert_eq!(two.short_diagnostics(), one.short_diagnostics(), "{where_}");
                assert_eq!(
                    format!("{:?}", two.config),
                    format!("{:?}", one.config),
                    "{where_}"
                );
                taken += 1;
            }
        }
        taken
    }

    #[test]
    fn every_split_of_the_test_corpus_agrees() {
        let mut files: Vec<std::path::PathBuf> = Vec::new();
        for dir in [
            concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data"),
            "/usr/share/doc/keepalived/samples",
        ] {
            match std::fs::read_dir(dir) {
                Ok(rd) => files.extend(rd.flatten().map(|e| e.path()).filter(|p| p.is_file())),
                Err(_) => eprintln!("SKIPPED: {dir} is missing"),
            }
        }
        files.sort();
        let mut taken = 0;
        for f in &files {
            let Ok(bytes) = std::fs::read(f) else {
                continue;
            };
            let text = String::from_utf8_lossy(&bytes);
            taken += every_split_agrees(&f.display().to_string(), &text);
        }
        // the corpus has plenty of safe places (samples without keepalived installed: fewer)
        assert!(
            taken >= 20,
            "only {taken} splits taken in {} files",
            files.len()
        );
    }

    #[test]
    fn splits_with_problems_in_both_parts_agree() {
        let text = "global_defs {\n  router_id a\n}\n\
            vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 1\n  priority 300\n  track_script {\n    chk\n  }\n}\n\
            virtual_server 10.0.0.1 80 {\n  delay_lop 6\n  real_server 10.0.1.1 80 {\n    weight 1\n   }\n}\n\
            vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 1\n}\n\
            vrrp_sync_group G {\n  group {\n    VI_1\n    VI_9\n  }\n}\n\
            virtual_server group NOPE {\n  lb_algo rr\n}\n\
            virtual_server 10.0.0.2 {\n  real_server VIP 80 {\n  }\n}\n\
            vrrp_script chk {\n  script \"/bin/true\"\n}\n\
            bogus_top 1\n\
            virtual_server 10.0.0.3 80 {\n  lb_algo rr\n  {\n}\n}\n}\n\
            virtual_server 10.0.0.4 80 {\n  real_server 10.0.1.4 80 {\n";
        let taken = every_split_agrees("mixed.conf", text);
        assert!(taken >= 8, "{taken}");
        let d = crate::parse_str("mixed.conf", text, &opts())
            .short_diagnostics()
            .join("\n");
        for want in [
            "delay_lop",
            "defined twice",
            "VI_9",
            "NOPE",
            "unclosed",
            "unexpected `}`",
        ] {
            assert!(d.contains(want), "{want} missing in {d}");
        }
    }
}
