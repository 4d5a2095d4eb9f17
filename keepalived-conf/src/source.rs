//! Source loading: reading lines from files or strings, and resolving `include` patterns
//! (glob with `*`, `?`, `[...]` and `{a,b}` braces, relative to the including file).

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// Longest physical line keepalived accepts (`MAXBUF` 1024 including the NUL).
pub(crate) const MAX_LINE: usize = 1023;
/// Bytes kept of an over-long line (the rest is skipped without being stored).
const LINE_CAP: usize = 64 * 1024;

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
    /// A file being streamed.
    File(BufReader<File>),
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

    /// Reads the next line of an in-memory source with the fast path
    /// ([`crate::lexer::scan_plain`]): the line's start in [`LineSource::text`] and its
    /// length, with its tokens in `toks` (offsets from the line's start). `None` (read
    /// position unchanged) when there is no line or it needs [`LineSource::next_line`].
    pub(crate) fn next_plain_line(
        &mut self,
        toks: &mut Vec<crate::lexer::Tok>,
    ) -> Option<(usize, usize)> {
        let LineSource::Text(text, pos, stop) = self else {
            return None;
        };
        let start = *pos;
        let rest = text.as_bytes().get(start..(*stop).min(text.len()))?;
        if rest.is_empty() {
            return None;
        }
        let (len, next) = crate::lexer::scan_plain(rest, toks)?;
        *pos = start + next;
        Some((start, len))
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
            LineSource::File(r) => {
                // The line's allocation moves between `out` and the byte buffer without copies.
                let mut buf = std::mem::take(out).into_bytes();
                buf.clear();
                let buf = &mut buf;
                // read_until uses a vectorised memchr; `take` bounds the memory of a long line
                let mut total = match r.by_ref().take(LINE_CAP as u64).read_until(b'\n', buf) {
                    Ok(0) | Err(_) => return None,
                    Ok(n) => n,
                };
                if buf.last() != Some(&b'\n') && buf.len() == LINE_CAP {
                    // skip the rest of an over-long line without storing it
                    let mut scratch = Vec::new();
                    loop {
                        scratch.clear();
                        match r
                            .by_ref()
                            .take(LINE_CAP as u64)
                            .read_until(b'\n', &mut scratch)
                        {
                            Ok(0) | Err(_) => break,
                            Ok(n) => {
                                total += n;
                                if scratch.last() == Some(&b'\n') {
                                    buf.push(b'\n');
                                    break;
                                }
                            }
                        }
                    }
                }
                if buf.last() == Some(&b'\n') {
                    buf.pop();
                    total -= 1;
                }
                if buf.last() == Some(&b'\r') {
                    buf.pop();
                    total -= 1;
                }
                *out = match String::from_utf8(std::mem::take(buf)) {
                    Ok(s) => s,
                    Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
                };
                Some((RawLine { len: total }, Line::Buffered))
            }
        }
    }
}

/// Files up to this size are read whole (one read, lines borrowed from it, no per-line
/// copy); larger ones are streamed with one reused line buffer, so memory stays bounded.
const READ_WHOLE_LIMIT: u64 = 32 * 1024 * 1024;

/// Opens a file, rejecting directories and other non-regular files. Small files (the
/// usual case) are read at once; large ones are streamed.
pub(crate) fn open(path: &Path) -> std::io::Result<LineSource> {
    let mut f = File::open(path)?;
    let meta = f.metadata()?;
    if !meta.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    if meta.len() <= READ_WHOLE_LIMIT {
        let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0) + 1);
        f.by_ref()
            .take(READ_WHOLE_LIMIT + 1)
            .read_to_end(&mut bytes)?;
        if bytes.len() as u64 <= READ_WHOLE_LIMIT {
            // Invalid UTF-8 is replaced per sequence; `\n` is never part of a sequence, so
            // this equals the per-line conversion of the streaming path.
            let text = match String::from_utf8(bytes) {
                Ok(s) => s,
                Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
            };
            let len = text.len();
            return Ok(LineSource::Text(std::sync::Arc::new(text), 0, len));
        }
        // the file grew while being read: stream it from the start instead
        f = File::open(path)?;
    }
    Ok(LineSource::File(BufReader::with_capacity(64 * 1024, f)))
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
