//! Reading a large input in two parts on two threads.
//!
//! The preprocessor is sequential by nature (`$NAME=` definitions, `@ID` lines, `~SEQ`
//! generators and `include` change how the lines after them are read), so the input is
//! split only where that cannot matter: at the start of a line that begins with a word in
//! column 0, just before the middle, when the second part has no `$`, `@`, `~` and no `include`
//! at all and the line before does not continue a definition (`\`). Each part is read,
//! turned into a tree and (for `virtual_server`s, nearly all of a large file) into the
//! typed model on its own thread, with its own allocations: nothing is handed over per
//! statement (an earlier two-thread pipeline did that and
//! lost to the cross-thread frees). The second part's other statements (few) are built
//! afterwards, in order, by the first part's builder.
//!
//! A large file is not read into memory first ([`load_in_two_parts`]): the split point is
//! found by reading around the middle, then the first thread reads the first part in
//! chunks at once while the second checks its part for those constructs and the first
//! counts the lines before the split; if the second part is not plain, the first thread
//! simply reads on to the end of the file (one pass).
//!
//! The result is the one of reading the input in one go, or `None`: when the first part
//! does not end at the top level (an unclosed block, say), when the line budget or the
//! diagnostics cap is reached, or when state that the tree builder reports once per input
//! would differ, the caller reads the input again in one go. `tests/split.rs` compares
//! both on the test corpus and on a generated file.

use crate::build::Builder;
use crate::diag::{MAX_DIAGNOSTICS, Sink};
use crate::preprocess::Preprocessor;
use crate::source::{Chunked, LineSource, Stop};
use crate::tree::{Node, TreeEnd};
use crate::{Parsed, ReadOptions};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

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

/// Where to start looking for the split point in text: a little before the middle (1/2 -
/// 1/128 of the bytes, 49.2 %), because the first part's thread also merges the second
/// part's results after (about 3 % of its instructions on the
/// `benches/conf-vs-keepalived.sh` file); the two threads then finish at about the same time.
fn split_target(len: usize) -> usize {
    (len / 2).saturating_sub(len / 128)
}

/// [`split_target`] for a file read in chunks ([`load_in_two_parts`]): a little after the
/// middle (1/2 + 1/128, 50.8 %), because there the second thread starts late, after
/// checking its part (2-3 ms of about 35 on the bench file; measured: the threads end
/// together at 50.5-51 %, at 49.2 % the second ended 3 ms after the first).
fn file_split_target(len: usize) -> usize {
    (len / 2).saturating_add(len / 128)
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
    /// More than [`MAX_DEFERRED`] statements were to be deferred: the part was not read
    /// to its end, and the input must be read in one go.
    abandoned: bool,
}

/// Top-level statements of the second part kept whole until the first part's builder
/// takes them. Beyond this the split is abandoned: a large input of other sections
/// (thousands of `vrrp_instance`s, or hostile one-line sections) would otherwise be held
/// as statement trees, half of it at once, instead of one statement at a time.
const MAX_DEFERRED: usize = 2000;

/// Reads the second part (from `src`, its first line numbered `lines_before + 1`).
/// `abandon` is set when it stops early (more than [`MAX_DEFERRED`] statements to defer).
fn second_part(
    opts: &ReadOptions,
    name: &str,
    src: LineSource,
    lines_before: u32,
    abandon: &AtomicBool,
) -> SecondPart {
    let mut pp = Preprocessor::new(opts);
    pp.push_source(name, None, None, src, lines_before);
    let mut builder = Builder::new(opts.keep_model, opts.limits);
    let mut build_sink = Sink::default();
    let mut deferred = Vec::new();
    let mut abandoned = false;
    'read: while let Some(nodes) = pp.next_batch() {
        for n in nodes {
            if n.keyword() == "virtual_server" {
                builder.add_root(&n, &mut build_sink);
                pp.recycle(n);
            } else if deferred.len() < MAX_DEFERRED {
                deferred.push(n);
            } else {
                abandoned = true;
                abandon.store(true, Ordering::Relaxed);
                break 'read;
            }
        }
    }
    SecondPart {
        abandoned,
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
    opts: &ReadOptions,
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
    opts: &ReadOptions,
    name: &str,
    path: Option<&Path>,
    keep_text: Option<&str>,
    text: &Arc<String>,
    split: usize,
    lines_before: u32,
) -> Option<Parsed> {
    let first = LineSource::Text(text.clone(), 0, split);
    let second = LineSource::Text(text.clone(), split, text.len());
    parse_parts(
        opts,
        (name, path, keep_text),
        || {},
        first,
        move |abandon: &AtomicBool| Some(second_part(opts, name, second, lines_before, abandon)),
    )
}

/// Reads the file at `path` in two parts on two threads, each through its own small
/// buffer ([`crate::source::Chunked`]): the first thread starts reading at once, the
/// second finds out meanwhile whether its part is free of preprocessor constructs and
/// how many lines come before it, then reads it. When it is not, the first thread reads
/// on to the end (one pass). Files smaller than [`crate::source::STREAM_MIN`] are read
/// whole and split as text ([`parse_in_two_parts`]). `None`: read the file in one go
/// (no safe place to split, or the result could differ).
pub(crate) fn load_in_two_parts(opts: &ReadOptions, path: &Path) -> Option<Parsed> {
    let name = path.display().to_string();
    // a FIFO would block the open; `load` reports what is not a regular file
    if !std::fs::metadata(path).ok()?.is_file() {
        return None;
    }
    let file = std::fs::File::open(path).ok()?;
    let meta = file.metadata().ok()?;
    if !meta.is_file() {
        return None;
    }
    let len = meta.len();
    if len < crate::source::STREAM_MIN {
        let LineSource::Text(text, ..) = crate::source::open(path).ok()? else {
            return None;
        };
        return parse_in_two_parts(opts, &name, Some(path), None, &text);
    }
    let split = find_split_in_file(&file, len)?;
    // every fallible step before the decision is sent: after it, both sides must read
    let second_file = file.try_clone().ok()?;
    let counting_file = file.try_clone().ok()?;
    let (decide, decision) = std::sync::mpsc::sync_channel::<bool>(1);
    let (tell_lines, lines) = std::sync::mpsc::sync_channel::<Option<u32>>(1);
    let first = LineSource::File(Chunked::new(
        file,
        0,
        Some(Stop {
            at: split,
            decision,
        }),
    ));
    let name_ref = name.as_str();
    let read_second = move |abandon: &AtomicBool| {
        let plain = second_part_plain(&second_file, split, len);
        // the lines before the split, counted meanwhile by the first thread
        let lines_before = lines.recv().ok().flatten().filter(|_| plain);
        // the first thread stops at `split` only when this one reads on from there
        let _ = decide.send(lines_before.is_some());
        let src = LineSource::File(Chunked::new(second_file, split, None));
        Some(second_part(opts, name_ref, src, lines_before?, abandon))
    };
    let count_lines = move || {
        let _ = tell_lines.send(lines_before(&counting_file, split));
    };
    parse_parts(
        opts,
        (name_ref, Some(path), None),
        count_lines,
        first,
        read_second,
    )
}

/// Reads `first` on this thread and the second part with `read_second` on another, and
/// puts the results together as reading in one go would have. `prepare` runs on this
/// thread first, while the other starts. `read_second` returning `None` means the first
/// part's source read the whole input: its result is final.
fn parse_parts<'a>(
    opts: &'a ReadOptions,
    (name, path, keep_text): (&str, Option<&Path>, Option<&str>),
    prepare: impl FnOnce(),
    first: LineSource,
    read_second: impl FnOnce(&AtomicBool) -> Option<SecondPart> + Send + 'a,
) -> Option<Parsed> {
    let abandon = AtomicBool::new(false);
    std::thread::scope(|s| {
        let second = s.spawn(|| read_second(&abandon));
        prepare();
        let mut pp = Preprocessor::new(opts);
        pp.push_source(name, path, keep_text.map(str::to_string), first, 0);
        let mut b = Builder::new(opts.keep_model, opts.limits);
        let mut build_sink = Sink::default();
        while let Some(nodes) = pp.next_batch() {
            for n in nodes {
                b.add_root(&n, &mut build_sink);
                pp.recycle(n);
            }
            if abandon.load(Ordering::Relaxed) {
                // the second part gave up: nothing read here counts
                break;
            }
        }
        let two = second
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        let Some(mut two) = two else {
            return Some(crate::finish(pp, b, build_sink));
        };
        if two.abandoned {
            return None;
        }
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
        let deferred = std::mem::take(&mut two.deferred);
        b.reserve_for(&deferred);
        // each statement tree goes as soon as it is built: the trees and the model they
        // become are not all held at once
        for n in deferred {
            b.add_root(&n, &mut build_sink);
        }
        if build_sink.total() + two.build_sink.total() > MAX_DIAGNOSTICS {
            return None;
        }
        if b.over_limits(&two.builder) {
            // the first statement over a limit is found reading in one go
            return None;
        }
        b.absorb_virtual_servers(two.builder);
        build_sink.merge(two.build_sink);
        pp.sink.merge(two.sink);
        Some(crate::finish(pp, b, build_sink))
    })
}

/// Bytes read at a time by the file checks below.
const WINDOW: usize = 256 * 1024;

/// [`find_split`] for a file of `len` bytes, reading only around the middle: the offset
/// of a line start past [`file_split_target`] that begins a statement in column 0 after a line
/// that does not continue a definition. A candidate whose line before started outside
/// the bytes read is passed over (any safe place will do).
fn find_split_in_file(file: &std::fs::File, len: u64) -> Option<u64> {
    let target = file_split_target(usize::try_from(len).ok()?) as u64;
    // from a little before the target, to see the line before a candidate
    let mut from = target.saturating_sub(4096);
    let mut buf = vec![0u8; WINDOW];
    loop {
        let n = read_full_at(file, &mut buf, from)?;
        let b = &buf[..n];
        let skip = usize::try_from(target.saturating_sub(from)).ok()?;
        for nl in memchr::memchr_iter(b'\n', b).filter(|&i| i >= skip) {
            let at = nl + 1;
            // a statement start needs its first byte, and the line before it whole
            if at < n && (from == 0 || b[..nl].contains(&b'\n')) && starts_statement(b, at) {
                return Some(from + at as u64);
            }
        }
        if n < WINDOW || from + n as u64 >= len {
            return None;
        }
        // on from the last line end of this window (a window of one line: give up)
        let last = memchr::memrchr(b'\n', b).filter(|&l| l > 0)?;
        from += last as u64;
    }
}

/// Reads as many bytes as `buf` holds from `offset` (fewer only at the end of the file).
fn read_full_at(file: &std::fs::File, buf: &mut [u8], offset: u64) -> Option<usize> {
    use std::os::unix::fs::FileExt;
    let mut n = 0;
    while n < buf.len() {
        match file.read_at(&mut buf[n..], offset + n as u64) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
    Some(n)
}

/// Whether the file's bytes from `split` on are [`plain`] (read in windows that overlap
/// by the length of `include` - 1, so that a word across two windows is seen whole).
fn second_part_plain(file: &std::fs::File, split: u64, len: u64) -> bool {
    let mut buf = vec![0u8; WINDOW];
    let overlap = b"include".len() as u64 - 1;
    let mut at = split;
    while at < len {
        let Some(n) = read_full_at(file, &mut buf, at) else {
            return false;
        };
        if !plain(&buf[..n]) {
            return false;
        }
        if n < WINDOW {
            break;
        }
        at += n as u64 - overlap;
    }
    true
}

/// The number of lines before `split` (the second part's first line number - 1).
fn lines_before(file: &std::fs::File, split: u64) -> Option<u32> {
    let mut buf = vec![0u8; WINDOW];
    let mut lines = 0usize;
    let mut at = 0;
    while at < split {
        let want = usize::try_from(split - at).unwrap_or(WINDOW).min(WINDOW);
        let n = read_full_at(file, &mut buf[..want], at)?;
        if n == 0 {
            return None;
        }
        lines += memchr::memchr_iter(b'\n', &buf[..n]).count();
        at += n as u64;
    }
    u32::try_from(lines).ok()
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

    fn temp_file(tag: &str, bytes: &[u8]) -> (std::path::PathBuf, std::fs::File) {
        let path = std::env::temp_dir().join(format!("kaconf-{tag}-{}", std::process::id()));
        std::fs::write(&path, bytes).expect("write");
        let f = std::fs::File::open(&path).expect("open");
        (path, f)
    }

    /// The file checks read in windows: an `include` across two windows is seen, the
    /// line count matches the text's, and the split point is a safe one past the target.
    #[test]
    fn file_checks_read_across_windows() {
        let line = "virtual_server 10.0.0.1 80 {\n  lb_algo rr\n}\n";
        let text = line.repeat(3 * WINDOW / line.len());
        let (path, f) = temp_file("split-windows", text.as_bytes());
        let len = text.len() as u64;
        let split = find_split_in_file(&f, len).expect("a split point");
        let at = usize::try_from(split).expect("offset");
        assert!(at >= file_split_target(text.len()) && text[at..].starts_with("virtual_server"));
        let want = text[..at].matches('\n').count();
        assert_eq!(lines_before(&f, split), u32::try_from(want).ok());
        assert!(second_part_plain(&f, split, len));
        let _ = std::fs::remove_file(path);
        for shift in 0..8 {
            // `include` ending at every place around the end of the first window
            let mut t = text.clone().into_bytes();
            let end = at + WINDOW - 4 + shift;
            t[end - 7..end].copy_from_slice(b"include");
            let (path, f) = temp_file("split-windows-inc", &t);
            assert!(!second_part_plain(&f, split, len), "shift {shift}");
            let _ = std::fs::remove_file(path);
        }
        // the only statement start past the target follows a continuation: none
        let head = "global_defs {\n".to_string() + &"  router_id x\n".repeat(WINDOW / 7) + "}\n";
        let cont = format!("{head}$A=1 \\\n{line}");
        let (path, f) = temp_file("split-windows-cont", cont.as_bytes());
        assert_eq!(find_split_in_file(&f, cont.len() as u64), None);
        let _ = std::fs::remove_file(path);
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

    fn opts() -> crate::LoadOptions {
        crate::LoadOptions {
            config_id: Some("main".into()),
            split_min_bytes: usize::MAX,
            ..crate::LoadOptions::default()
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
            if let Some(two) = parse_at(
                &crate::ReadOptions::new(&opts, true),
                name,
                None,
                Some(text),
                &shared,
                at,
                lines,
            ) {
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
