//! Source loading: reading lines from files or strings, and resolving `include` patterns
//! (glob with `*`, `?`, `[...]` and `{a,b}` braces, relative to the including file).

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

pub(crate) use crate::syntax::MAX_LINE;
/// Bytes a [`Chunked`] reader holds (one buffer per file, reused). A line longer than a
/// quarter of it (64 KiB) is only counted, not kept: it is longer than [`MAX_LINE`], so it
/// is reported and ignored and its text never read.
const CHUNK: usize = 256 * 1024;
/// Files at least this large are read in chunks ([`Chunked`]); smaller ones at once.
pub(crate) const STREAM_MIN: u64 = 256 * 1024;

/// What is known about a physical line besides its text.
pub(crate) struct RawLine {
    /// Length in bytes before any truncation.
    pub(crate) len: usize,
}

/// Where lines come from.
pub(crate) enum LineSource {
    /// In-memory text, with the read position and the end of the part to read (the
    /// text's length, or a line start when the text is read in two parts: `crate::split`).
    Text(std::sync::Arc<String>, usize, usize),
    /// A file read in chunks.
    File(Chunked),
}

/// Where the text of a line returned by [`LineSource::next_line`] is.
pub(crate) enum Line {
    /// A range of the source's in-memory text ([`LineSource::text`]; no copy).
    Shared(std::ops::Range<usize>),
    /// In the caller's buffer.
    Buffered,
}

impl LineSource {
    /// The whole text of an in-memory source (where [`Line::Shared`] ranges point).
    pub(crate) fn text(&self) -> Option<&std::sync::Arc<String>> {
        match self {
            LineSource::Text(t, _, _) => Some(t),
            LineSource::File(_) => None,
        }
    }

    /// Reads the next line with the fast path ([`crate::lexer::scan_plain`]): where the
    /// line starts (for [`LineSource::plain_text`]) and its length, with its tokens in
    /// `toks` (offsets from the line's start). `None` (read position unchanged) when there
    /// is no line or it needs [`LineSource::next_line`].
    pub(crate) fn next_plain_line(
        &mut self,
        toks: &mut Vec<crate::lexer::Tok>,
    ) -> Option<(usize, usize)> {
        let (bytes, pos) = match self {
            LineSource::Text(text, pos, stop) => {
                (text.as_bytes().get(*pos..(*stop).min(text.len()))?, pos)
            }
            LineSource::File(c) => {
                // the whole line, or enough bytes to know it is too long for the fast path
                c.ensure(MAX_LINE + 1);
                (c.text.as_bytes().get(c.pos..)?, &mut c.pos)
            }
        };
        if bytes.is_empty() {
            return None;
        }
        let (len, next) = crate::lexer::scan_plain(bytes, toks)?;
        let start = *pos;
        *pos += next;
        Some((start, len))
    }

    /// The text of a line read by [`LineSource::next_plain_line`] (ASCII: the fast path
    /// reads nothing else), until the next read.
    pub(crate) fn plain_text(&self, start: usize, len: usize) -> &str {
        match self {
            LineSource::Text(text, _, _) => text.get(start..start + len).unwrap_or(""),
            LineSource::File(c) => c.text.get(start..start + len).unwrap_or(""),
        }
    }

    /// Reads the next line: either a shared range, or into `out` (replacing its contents).
    pub(crate) fn next_line(&mut self, out: &mut String) -> Option<(RawLine, Line)> {
        match self {
            LineSource::Text(text, pos, stop) => {
                let stop = (*stop).min(text.len());
                if *pos >= stop {
                    return None;
                }
                let start = *pos;
                let rest = text.get(start..stop).unwrap_or("");
                // memchr's vectorised search: most lines are short, but std's byte loop
                // was 5% of a large file's instructions
                let nl = memchr::memchr(b'\n', rest.as_bytes());
                let mut end = start + nl.unwrap_or(rest.len());
                *pos = end + 1;
                if text.as_bytes().get(end.wrapping_sub(1)) == Some(&b'\r') && end > start {
                    end -= 1;
                }
                let line = &text[start..end];
                let raw = RawLine { len: line.len() };
                Some((raw, Line::Shared(start..end)))
            }
            LineSource::File(c) => c.next_line(out),
        }
    }
}

/// A file read through small reused buffers ([`CHUNK`] bytes): memory does not grow with
/// the file (no fresh page for every 4 KiB of it), and the fast path reads lines in
/// place. Lines are those of an in-memory [`LineSource::Text`] of the same file: bytes
/// are converted as [`text_source`] converts the whole file (invalid UTF-8 replaced per
/// sequence), chunk by chunk, never cutting a sequence (`tests/fast_path.rs` compares).
pub(crate) struct Chunked {
    file: File,
    /// Bytes of text held at most ([`CHUNK`]; smaller in tests).
    cap: usize,
    /// Converted text; `text[pos..]` is not consumed yet.
    text: String,
    pos: usize,
    /// Bytes read from the file and not converted yet (`raw[..raw_len]`: at most an
    /// incomplete UTF-8 sequence at the end of what was read).
    raw: Vec<u8>,
    raw_len: usize,
    /// File offset of the next byte to read.
    at: u64,
    /// Where reading may stop: the second part of a file read in two parts starts there.
    stop: Option<Stop>,
    /// Nothing more to read: the end of the file, or `stop` and the decision to stop.
    done: bool,
}

/// The start of the part another thread reads, and whether it really does.
pub(crate) struct Stop {
    /// File offset.
    pub(crate) at: u64,
    /// `true`: the other thread reads from `at` on, stop there; `false` (or the sender
    /// gone): read on to the end of the file.
    pub(crate) decision: std::sync::mpsc::Receiver<bool>,
}

impl Chunked {
    /// Reads `file` from offset `start` (to its end, or to `stop`).
    pub(crate) fn new(file: File, start: u64, stop: Option<Stop>) -> Chunked {
        Chunked::with_capacity(file, start, stop, CHUNK)
    }

    /// [`Chunked::new`] holding `cap` bytes (at least 8 KiB: four times more than the
    /// longest line the fast path reads).
    fn with_capacity(file: File, start: u64, stop: Option<Stop>, cap: usize) -> Chunked {
        let cap = cap.max(8 * 1024);
        Chunked {
            file,
            cap,
            text: String::with_capacity(cap),
            pos: 0,
            raw: vec![0; cap],
            raw_len: 0,
            at: start,
            stop,
            done: false,
        }
    }

    /// Reads and converts more text after the unconsumed part (moved to the front);
    /// `false` when none came (then `done` is set, or the buffer is full).
    fn fill(&mut self) -> bool {
        if self.done {
            return false;
        }
        self.text.drain(..self.pos);
        self.pos = 0;
        let before = self.text.len();
        let want = self.cap.saturating_sub(self.text.len()).min(self.raw.len());
        let mut got = false;
        while self.raw_len < want {
            let mut room = want - self.raw_len;
            if let Some(stop) = &self.stop {
                if self.at >= stop.at {
                    if got {
                        // what was read may be enough: decide when more is needed
                        break;
                    }
                    if stop.decision.recv().unwrap_or(false) {
                        self.done = true;
                        break;
                    }
                    self.stop = None;
                    continue;
                }
                room = room.min(usize::try_from(stop.at - self.at).unwrap_or(usize::MAX));
            }
            let to = self.raw_len + room;
            match self.file.read_at(&mut self.raw[self.raw_len..to], self.at) {
                Ok(0) => {
                    self.done = true;
                    break;
                }
                Ok(n) => {
                    self.raw_len += n;
                    self.at += n as u64;
                    got = true;
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                // as at the end of the file (a file that cannot be read on is cut short)
                Err(_) => {
                    self.done = true;
                    break;
                }
            }
        }
        let read = &self.raw[..self.raw_len];
        let cut = if self.done {
            read.len()
        } else {
            complete_prefix(read)
        };
        match std::str::from_utf8(&read[..cut]) {
            Ok(s) => self.text.push_str(s),
            Err(_) => self.text.push_str(&String::from_utf8_lossy(&read[..cut])),
        }
        self.raw.copy_within(cut..self.raw_len, 0);
        self.raw_len -= cut;
        self.text.len() > before
    }

    /// Makes sure more than `want` unconsumed bytes are held, or all that is left.
    fn ensure(&mut self, want: usize) {
        while self.text.len() - self.pos <= want && !self.done {
            if !self.fill() && !self.done {
                // the buffer is full: more than `want` bytes (want < cap)
                break;
            }
        }
    }

    /// [`LineSource::next_line`] (the line is copied into `out`). A line longer than a
    /// quarter of the buffer is only counted: it is too long to be read anyway.
    fn next_line(&mut self, out: &mut String) -> Option<(RawLine, Line)> {
        let mut skipped = 0usize;
        let (from, to) = loop {
            let rest = &self.text.as_bytes()[self.pos..];
            if let Some(nl) = memchr::memchr(b'\n', rest) {
                let at = (self.pos, self.pos + nl);
                self.pos += nl + 1;
                break at;
            }
            if self.done {
                if rest.is_empty() && skipped == 0 {
                    return None;
                }
                let at = (self.pos, self.text.len());
                self.pos = self.text.len();
                break at;
            }
            if rest.len() >= self.cap / 4 {
                // a `\r` at the end is kept: if `\n` follows, it is not counted
                let keep = usize::from(rest.ends_with(b"\r"));
                skipped += rest.len() - keep;
                self.pos = self.text.len() - keep;
            }
            if !self.fill() && !self.done {
                // nothing came and nothing will (the buffer has room after the skip
                // above): end here rather than ask again
                self.done = true;
            }
        };
        let mut line = self.text.get(from..to).unwrap_or("");
        if skipped + line.len() > 0
            && let Some(head) = line.strip_suffix('\r')
        {
            line = head;
        }
        out.clear();
        if skipped == 0 {
            out.push_str(line);
        }
        Some((
            RawLine {
                len: skipped + line.len(),
            },
            Line::Buffered,
        ))
    }
}

/// The length of `b` without an incomplete UTF-8 sequence at its end (which the next
/// bytes may complete). A sequence's first byte is never a continuation byte, so the cut
/// is where decoding the whole file would start a sequence too.
fn complete_prefix(b: &[u8]) -> usize {
    for back in 1..=b.len().min(3) {
        let i = b.len() - back;
        let lead = b[i];
        if lead & 0xC0 == 0x80 {
            // a continuation byte: its sequence starts further back
            continue;
        }
        let need = match lead {
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF7 => 4,
            _ => 1,
        };
        return if need > back { i } else { b.len() };
    }
    b.len()
}

/// Opens a file, rejecting directories and other non-regular files. Small files (the
/// usual case) are read at once; large ones ([`STREAM_MIN`]) in chunks.
pub(crate) fn open(path: &Path) -> std::io::Result<LineSource> {
    // checked before opening too: opening a FIFO waits for a writer (keepalived skips
    // such a file: "is not a regular non-executable file")
    if !std::fs::metadata(path)?.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    let mut f = File::open(path)?;
    let meta = f.metadata()?;
    if !meta.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    if meta.len() >= STREAM_MIN {
        return Ok(LineSource::File(Chunked::new(f, 0, None)));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0) + 1);
    f.read_to_end(&mut bytes)?;
    Ok(text_source(bytes))
}

/// An in-memory source of a file's bytes. Invalid UTF-8 is replaced per sequence; `\n` is
/// never part of a sequence, so this equals the per-line conversion of [`Chunked`].
fn text_source(bytes: Vec<u8>) -> LineSource {
    let text = match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    };
    let len = text.len();
    LineSource::Text(std::sync::Arc::new(text), 0, len)
}

/// Expands `{a,b}` alternatives (nested allowed); at most `limit` results.
pub(crate) fn expand_braces(pat: &str, limit: usize) -> Vec<String> {
    let mut out = Vec::new();
    expand_braces_into(pat, &mut out, limit, 0);
    out
}

fn expand_braces_into(pat: &str, out: &mut Vec<String>, limit: usize, depth: usize) {
    if out.len() >= limit {
        return;
    }
    let b = pat.as_bytes();
    let Some(open) = b.iter().position(|&c| c == b'{') else {
        out.push(pat.to_string());
        return;
    };
    // find the matching close and top-level commas
    let mut level = 0usize;
    let mut commas = Vec::new();
    let mut close = None;
    for (i, &c) in b.iter().enumerate().skip(open) {
        match c {
            b'{' => level += 1,
            b'}' => {
                level -= 1;
                if level == 0 {
                    close = Some(i);
                    break;
                }
            }
            b',' if level == 1 => commas.push(i),
            _ => {}
        }
    }
    let (Some(close), false) = (close, depth > 16) else {
        out.push(pat.to_string());
        return;
    };
    let prefix = &pat[..open];
    let suffix = &pat[close + 1..];
    let mut start = open + 1;
    let mut parts = Vec::new();
    for &c in commas.iter().chain(std::iter::once(&close)) {
        parts.push(&pat[start..c]);
        start = c + 1;
    }
    for p in parts {
        expand_braces_into(&format!("{prefix}{p}{suffix}"), out, limit, depth + 1);
    }
}

/// Shell-style match of one path component: `*`, `?`, `[abc]`, `[a-z]`, `[!x]`.
pub(crate) fn wildcard_match(pat: &[u8], name: &[u8]) -> bool {
    // Iterative matcher with single backtrack point for '*': linear-ish, never recursive.
    let (mut p, mut n) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        if p < pat.len() {
            match pat[p] {
                b'*' => {
                    star = Some((p, n));
                    p += 1;
                    continue;
                }
                b'?' => {
                    p += 1;
                    n += 1;
                    continue;
                }
                b'[' => {
                    if let Some((matched, next)) = class_match(&pat[p..], name[n]) {
                        if matched {
                            p += next;
                            n += 1;
                            continue;
                        }
                    } else if name[n] == b'[' {
                        p += 1;
                        n += 1;
                        continue;
                    }
                }
                c if c == name[n] => {
                    p += 1;
                    n += 1;
                    continue;
                }
                _ => {}
            }
        }
        match star {
            Some((sp, sn)) => {
                p = sp + 1;
                n = sn + 1;
                star = Some((sp, sn + 1));
            }
            None => return false,
        }
    }
    pat[p..].iter().all(|&c| c == b'*')
}

/// Matches `[...]` at the start of `pat`; returns (matched, length of the class).
fn class_match(pat: &[u8], c: u8) -> Option<(bool, usize)> {
    let mut i = 1;
    let negate = matches!(pat.get(i), Some(b'!') | Some(b'^'));
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    while i < pat.len() {
        if pat[i] == b']' && !first {
            return Some((matched != negate, i + 1));
        }
        first = false;
        if i + 2 < pat.len() && pat[i + 1] == b'-' && pat[i + 2] != b']' {
            if pat[i] <= c && c <= pat[i + 2] {
                matched = true;
            }
            i += 3;
        } else {
            if pat[i] == c {
                matched = true;
            }
            i += 1;
        }
    }
    None
}

fn has_wildcard(s: &str) -> bool {
    s.bytes().any(|b| matches!(b, b'*' | b'?' | b'['))
}

/// Result of resolving one `include` pattern.
#[derive(Debug, Default)]
pub(crate) struct Resolved {
    pub(crate) files: Vec<PathBuf>,
    pub(crate) had_wildcards: bool,
}

/// Resolves an include pattern relative to `base_dir`; results sorted like glob(3), at most `limit`.
pub(crate) fn resolve_include(pattern: &str, base_dir: &Path, limit: usize) -> Resolved {
    let mut res = Resolved::default();
    for alt in expand_braces(pattern, 256) {
        let full = if Path::new(&alt).is_absolute() {
            PathBuf::from(&alt)
        } else {
            base_dir.join(&alt)
        };
        if !has_wildcard(&alt) {
            if full.exists() {
                res.files.push(full);
            }
            continue;
        }
        res.had_wildcards = true;
        let mut found = Vec::new();
        glob_walk(&full, &mut found, limit);
        found.sort();
        res.files.extend(found);
        if res.files.len() >= limit {
            break;
        }
    }
    res.files.truncate(limit);
    res
}

fn glob_walk(pattern: &Path, out: &mut Vec<PathBuf>, limit: usize) {
    let mut current: Vec<PathBuf> = vec![PathBuf::new()];
    let comps: Vec<_> = pattern.components().collect();
    for (idx, comp) in comps.iter().enumerate() {
        let last = idx + 1 == comps.len();
        let s = comp.as_os_str().to_string_lossy();
        let mut next = Vec::new();
        for dir in &current {
            if !has_wildcard(&s) {
                let p = dir.join(comp.as_os_str());
                if last {
                    if p.exists() {
                        next.push(p);
                    }
                } else if p.is_dir() {
                    next.push(p);
                }
                continue;
            }
            let read_from = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir.as_path()
            };
            let Ok(rd) = std::fs::read_dir(read_from) else {
                continue;
            };
            for e in rd.flatten().take(10_000) {
                let name = e.file_name();
                let nb = name.to_string_lossy();
                if nb.starts_with('.') && !s.starts_with('.') {
                    continue;
                }
                if wildcard_match(s.as_bytes(), nb.as_bytes()) {
                    let p = dir.join(&name);
                    if last || p.is_dir() {
                        next.push(p);
                    }
                }
            }
            if next.len() > limit {
                break;
            }
        }
        current = next;
        if current.is_empty() {
            return;
        }
    }
    out.extend(current.into_iter().filter(|p| p.is_file()).take(limit));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every line of `src` as (length, text), the text of a line too long to be read
    /// left out; with `plain`, lines the fast path reads are taken from it.
    fn lines_of(src: &mut LineSource, plain: bool) -> Vec<(usize, String)> {
        let (mut out, mut buf, mut toks) = (Vec::new(), String::new(), Vec::new());
        loop {
            if plain && let Some((start, len)) = src.next_plain_line(&mut toks) {
                out.push((len, src.plain_text(start, len).to_string()));
                continue;
            }
            let Some((raw, at)) = src.next_line(&mut buf) else {
                return out;
            };
            let text = match (at, src.text()) {
                (Line::Shared(r), Some(t)) => t[r].to_string(),
                _ => buf.clone(),
            };
            out.push((
                raw.len,
                if raw.len > MAX_LINE {
                    String::new()
                } else {
                    text
                },
            ));
        }
    }

    fn temp_file(bytes: &[u8]) -> (PathBuf, File) {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "kaconf-chunked-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::write(&path, bytes).unwrap();
        let f = File::open(&path).unwrap();
        (path, f)
    }

    /// A file read in chunks gives the lines of the same file read whole, with lines,
    /// multi-byte characters, invalid UTF-8 and `\r\n` across chunk boundaries, and
    /// lines longer than the fast path or the buffer take.
    fn chunked_reads_like_text(bytes: &[u8]) {
        let whole = lines_of(&mut text_source(bytes.to_vec()), false);
        for plain in [false, true] {
            assert_eq!(lines_of(&mut text_source(bytes.to_vec()), plain), whole);
            for cap in [8192, 8195, 9000] {
                let (path, f) = temp_file(bytes);
                let got = lines_of(
                    &mut LineSource::File(Chunked::with_capacity(f, 0, None, cap)),
                    plain,
                );
                let _ = std::fs::remove_file(path);
                assert_eq!(got, whole, "cap {cap} plain {plain}");
            }
        }
    }

    #[test]
    fn chunked_files_read_like_whole_ones() {
        let mut b = Vec::new();
        for i in 0..900 {
            b.extend_from_slice(
                format!("    real_server 10.0.{}.{} 80 {{\r\n", i % 250, i % 7).as_bytes(),
            );
            match i % 9 {
                0 => b.extend_from_slice("  notify \"é x\" # ü\n".as_bytes()),
                1 => b.extend_from_slice(b"  bad \xff\xe2\x82 bytes\n"),
                2 => b.extend_from_slice(&[b'a'; 1500]),
                3 => b.extend_from_slice(&[b'b'; 5000]),
                4 => b.extend_from_slice("\u{1F600}\u{20AC}".repeat(50).as_bytes()),
                _ => b.extend_from_slice(b"\tweight 1\n}\n"),
            }
            b.push(b'\n');
        }
        chunked_reads_like_text(&b);
        // dense multi-byte text: chunk boundaries fall inside sequences
        let dense: String = (0..200)
            .map(|i| format!("{} {i}\n", "é€😀".repeat(60)))
            .collect();
        chunked_reads_like_text(dense.as_bytes());
        // no newline at the end, a lone `\r`, an incomplete sequence at the very end
        chunked_reads_like_text(b"a\nb\r");
        chunked_reads_like_text(b"\r");
        chunked_reads_like_text(b"x \xe2\x82");
        chunked_reads_like_text(b"");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        #[test]
        fn chunked_reads_like_text_on_random_bytes(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec![
                    &b"weight 1"[..], b"\n", b"\r\n", b"\r", b" ", b"{", b"}", b"# c", b"\"q",
                    "é".as_bytes(), "\u{1F600}".as_bytes(), b"\xe2\x82", b"\xff", b"\xf0\x9f",
                    b"$A", b"\0", &[b'x'; 700][..], &[b'y'; 3000][..],
                ]),
                0..200,
            )
        ) {
            chunked_reads_like_text(&pieces.concat());
        }
    }

    #[test]
    fn chunked_stops_where_the_other_part_starts_or_reads_on() {
        let text = "a 1\nb 2\nc 3\nd 4\n";
        let stop_at = text.find('c').unwrap() as u64;
        for (decision, want) in [(true, 2), (false, 4)] {
            let (path, f) = temp_file(text.as_bytes());
            let (tx, rx) = std::sync::mpsc::sync_channel(1);
            tx.send(decision).unwrap();
            let stop = Stop {
                at: stop_at,
                decision: rx,
            };
            let mut src = LineSource::File(Chunked::new(f, 0, Some(stop)));
            let lines = lines_of(&mut src, true);
            let _ = std::fs::remove_file(path);
            assert_eq!(lines.len(), want, "{decision}: {lines:?}");
        }
        // the other thread gone without a word: read on
        let (path, f) = temp_file(text.as_bytes());
        let (tx, rx) = std::sync::mpsc::sync_channel::<bool>(1);
        drop(tx);
        let stop = Stop {
            at: stop_at,
            decision: rx,
        };
        let lines = lines_of(&mut LineSource::File(Chunked::new(f, 0, Some(stop))), false);
        let _ = std::fs::remove_file(path);
        assert_eq!(lines.len(), 4);
    }

    #[test]
    fn incomplete_sequences_are_held_back() {
        assert_eq!(complete_prefix(b"ab"), 2);
        assert_eq!(complete_prefix(b"a\xe2\x82"), 1);
        assert_eq!(complete_prefix(b"a\xe2\x82\xac"), 4);
        assert_eq!(complete_prefix(b"a\xf0\x9f\x98"), 1);
        assert_eq!(complete_prefix(b"\xf0\x9f\x98\x80"), 4);
        assert_eq!(complete_prefix(b"a\xc3"), 1);
        assert_eq!(complete_prefix(b"a\xff"), 2);
        assert_eq!(complete_prefix(b"\x80\x80\x80"), 3);
    }

    /// A FIFO (or any file that is not regular) is refused at once, without waiting for a
    /// writer, as is a directory.
    #[test]
    fn only_regular_files_are_opened() {
        let dir = std::env::temp_dir().join(format!("kaconf-fifo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join("keepalived.conf");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            eprintln!("SKIPPED: mkfifo is not available");
            let _ = std::fs::remove_dir_all(&dir);
            return;
        }
        let (tx, rx) = std::sync::mpsc::channel();
        let path = fifo.clone();
        std::thread::spawn(move || {
            let _ = tx.send(open(&path).err().map(|e| e.to_string()));
        });
        let got = rx.recv_timeout(std::time::Duration::from_secs(10));
        let dir_err = open(&dir).err().map(|e| e.to_string());
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(got, Ok(Some("not a regular file".to_string())));
        assert_eq!(dir_err.as_deref(), Some("not a regular file"));
    }

    #[test]
    fn wildcards() {
        assert!(wildcard_match(b"*.conf", b"a.conf"));
        assert!(!wildcard_match(b"*.conf", b"a.conf.bak"));
        assert!(wildcard_match(b"a?c", b"abc"));
        assert!(wildcard_match(b"[a-c]x", b"bx"));
        assert!(!wildcard_match(b"[!a-c]x", b"bx"));
        assert!(wildcard_match(b"*a*b*", b"xxaxxbxx"));
    }

    #[test]
    fn braces() {
        assert_eq!(expand_braces("a{b,c}d", 10), vec!["abd", "acd"]);
        assert_eq!(expand_braces("{x,y{1,2}}", 10), vec!["x", "y1", "y2"]);
        assert_eq!(expand_braces("{unclosed", 10), vec!["{unclosed"]);
    }
}
