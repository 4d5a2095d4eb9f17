//! Diagnostics: what is wrong, where, and how to fix it; rendered like rustc.

use crate::span::{SourceMap, Span};
use serde::Serialize;
use std::fmt::Write as _;

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The configuration is wrong; daemons must refuse it (`kaconf check` exits 1).
    Error,
    /// Suspicious or ignored input; keepalived would continue, and so do we.
    Warning,
}

/// One message about the configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Stable machine-readable identifier, e.g. `unknown-keyword`, `unclosed-block`.
    pub code: &'static str,
    /// Where (file, line, column); `None` only for problems with no position (a missing main file).
    pub span: Option<Span>,
    /// The message, one line, no trailing period.
    pub message: String,
    /// A suggestion or extra context ("did you mean `priority`?"), when one helps.
    pub hint: Option<String>,
}

impl Diagnostic {
    /// An error at `span`.
    pub fn error(code: &'static str, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            span: Some(span),
            message: message.into(),
            hint: None,
        }
    }

    /// A warning at `span`.
    pub fn warning(code: &'static str, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            code,
            span: Some(span),
            message: message.into(),
            hint: None,
        }
    }

    /// Adds a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = Some(hint.into());
        self
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// One-line form `file:line:col: severity: message` (plus ` (hint: ...)`), handy in tests.
    pub fn short(&self, sources: &SourceMap) -> String {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut s = match self.span {
            Some(sp) => format!(
                "{}:{}:{}: {sev}: {}",
                sources.name(sp.file),
                sp.line,
                sp.col,
                self.message
            ),
            None => format!("{sev}: {}", self.message),
        };
        if let Some(h) = &self.hint {
            let _ = write!(s, " (hint: {h})");
        }
        s
    }

    /// Multi-line rustc-style rendering with the source line and a caret under the column.
    pub fn render(&self, sources: &SourceMap) -> String {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut out = format!("{sev}[{}]: {}\n", self.code, self.message);
        if let Some(sp) = self.span {
            let num = sp.line.to_string();
            let pad = " ".repeat(num.len());
            let _ = writeln!(
                out,
                "{pad}--> {}:{}:{}",
                sources.name(sp.file),
                sp.line,
                sp.col
            );
            if let Some(text) = sources.line_text(sp.file, sp.line) {
                let shown: String = mask_secrets(&text)
                    .chars()
                    .map(|c| if c == '\t' { ' ' } else { c })
                    .collect();
                let _ = writeln!(out, "{pad} |");
                let _ = writeln!(out, "{num} | {shown}");
                let caret_pad = " ".repeat(sp.col.saturating_sub(1) as usize);
                let _ = writeln!(out, "{pad} | {caret_pad}^");
            }
            if let Some(h) = &self.hint {
                let _ = writeln!(out, "{pad} = hint: {h}");
            }
        } else if let Some(h) = &self.hint {
            let _ = writeln!(out, "  = hint: {h}");
        }
        out
    }
}

/// Keywords whose value is a secret, never shown in a diagnostic's source
/// line.
const SECRET_KEYWORDS: &[&str] = &["auth_pass"];

/// `line` with the word after a secret keyword replaced by `********` (as
/// keepalived prints `Password = ********`, vrrp_data.c), so that a
/// diagnostic on an `auth_pass` line does not put the password in the logs.
fn mask_secrets(line: &str) -> std::borrow::Cow<'_, str> {
    if !SECRET_KEYWORDS.iter().any(|k| line.contains(k)) {
        return std::borrow::Cow::Borrowed(line);
    }
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    let mut mask_next = false;
    while !rest.is_empty() {
        let ws = rest.len() - rest.trim_start().len();
        out.push_str(&rest[..ws]);
        rest = &rest[ws..];
        let word_len = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let word = &rest[..word_len];
        if word.is_empty() {
            break;
        }
        if mask_next {
            out.push_str("********");
        } else {
            out.push_str(word);
        }
        mask_next = SECRET_KEYWORDS.contains(&word);
        rest = &rest[word_len..];
    }
    std::borrow::Cow::Owned(out)
}

/// Collects diagnostics with a hard cap so that hostile input cannot exhaust memory.
#[derive(Debug, Default)]
pub(crate) struct Sink {
    pub(crate) diags: Vec<Diagnostic>,
    dropped: usize,
    errors: usize,
    /// Diagnostics kept past the limit ([`Sink::push_kept`]).
    kept: Vec<Diagnostic>,
}

/// At most this many diagnostics are kept; the rest are counted.
pub(crate) const MAX_DIAGNOSTICS: usize = 1000;

impl Sink {
    pub(crate) fn push(&mut self, d: Diagnostic) {
        if d.is_error() {
            self.errors += 1;
        }
        if self.diags.len() < MAX_DIAGNOSTICS {
            self.diags.push(d);
        } else {
            self.dropped += 1;
        }
    }

    /// Pushes a diagnostic that is kept however many there are: the few that say why a
    /// whole configuration is refused (`config-limit`), one per limit or section.
    pub(crate) fn push_kept(&mut self, d: Diagnostic) {
        if d.is_error() {
            self.errors += 1;
        }
        self.kept.push(d);
    }

    /// True when further diagnostics would only be counted, not kept (callers may skip
    /// expensive hints then).
    pub(crate) fn is_full(&self) -> bool {
        self.diags.len() >= MAX_DIAGNOSTICS
    }

    /// Diagnostics pushed so far, kept or not.
    pub(crate) fn total(&self) -> usize {
        self.diags.len() + self.dropped + self.kept.len()
    }

    pub(crate) fn error(&mut self, code: &'static str, span: Span, msg: impl Into<String>) {
        self.push(Diagnostic::error(code, span, msg));
    }

    pub(crate) fn warn(&mut self, code: &'static str, span: Span, msg: impl Into<String>) {
        self.push(Diagnostic::warning(code, span, msg));
    }

    /// Takes over `other`'s diagnostics (e.g. the model builder's, kept apart from the
    /// preprocessor's so both can run on their own threads). The kept set does not depend
    /// on thread timing: when both together exceed the limit, the earliest positions win.
    pub(crate) fn merge(&mut self, mut other: Sink) {
        self.errors += other.errors;
        self.dropped += other.dropped;
        self.kept.append(&mut other.kept);
        self.diags.append(&mut other.diags);
        if self.diags.len() > MAX_DIAGNOSTICS {
            self.sort();
            self.dropped += self.diags.len() - MAX_DIAGNOSTICS;
            self.diags.truncate(MAX_DIAGNOSTICS);
        }
    }

    fn sort(&mut self) {
        // Stable order: by file, then line, then column; equal positions keep insertion order.
        self.diags
            .sort_by_key(|d| d.span.map(|s| (s.file, s.line, s.col)));
    }

    pub(crate) fn finish(mut self) -> Vec<Diagnostic> {
        if self.dropped > 0 {
            let had_errors = self.errors > 0;
            self.diags.push(Diagnostic {
                severity: if had_errors {
                    Severity::Error
                } else {
                    Severity::Warning
                },
                code: "too-many-diagnostics",
                span: None,
                message: format!("{} further diagnostics were not kept", self.dropped),
                hint: None,
            });
        }
        self.diags.append(&mut self.kept);
        self.sort();
        self.diags
    }
}

/// The known word closest to `word` (edit distance at most 1/3 of its length, minimum 2).
pub fn nearest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    if word.len() > 64 {
        return None;
    }
    let limit = (word.chars().count() / 3).max(2);
    let lower = word.to_ascii_lowercase();
    let mut rows = (Vec::new(), Vec::new());
    let mut best: Option<(usize, &'a str)> = None;
    for &c in candidates {
        // the length difference is a lower bound of the distance: most candidates stop here
        let bound = best.map_or(limit, |(bd, _)| bd.saturating_sub(1));
        if lower.len().abs_diff(c.len()) > bound {
            continue;
        }
        if let Some(d) = edit_distance_within(&lower, c, bound, &mut rows) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// Levenshtein distance (byte-wise; keywords are ASCII) if it is at most `max`, else
/// `None`, stopping as soon as a whole row exceeds `max` (`rows`: reused buffers).
fn edit_distance_within(
    a: &str,
    b: &str,
    max: usize,
    rows: &mut (Vec<usize>, Vec<usize>),
) -> Option<usize> {
    let a = a.as_bytes();
    let b = b.as_bytes();
    let (prev, cur) = rows;
    prev.clear();
    prev.extend(0..=b.len());
    cur.clear();
    cur.resize(b.len() + 1, 0);
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            row_min = row_min.min(cur[j]);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(prev, cur);
    }
    let d = prev[b.len()];
    (d <= max).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_keyword() {
        assert_eq!(nearest("priorty", &["priority", "state"]), Some("priority"));
        assert_eq!(
            nearest("virtual_router", &["virtual_router_id"]),
            Some("virtual_router_id")
        );
        assert_eq!(nearest("xyz", &["priority"]), None);
        let mut rows = Default::default();
        assert_eq!(
            edit_distance_within("kitten", "sitting", 3, &mut rows),
            Some(3)
        );
        assert_eq!(
            edit_distance_within("kitten", "sitting", 2, &mut rows),
            None
        );
        assert_eq!(edit_distance_within("", "abc", 5, &mut rows), Some(3));
        // the first of equally near candidates wins
        assert_eq!(nearest("stat", &["state", "stats"]), Some("state"));
    }

    /// The password of a too-long `auth_pass` is not in the rendered
    /// warning; the rest of the line is.
    #[test]
    fn auth_pass_is_masked_in_rendered_source_lines() {
        let text = "vrrp_instance VI_1 {\n authentication {\n  auth_type PASS\n  \
                    auth_pass S3cretPassw0rd\n }\n}\n";
        let parsed = crate::parse_str("k.conf", text, &crate::LoadOptions::default());
        let out: String = parsed
            .diagnostics
            .iter()
            .map(|d| d.render(&parsed.sources))
            .collect();
        assert!(out.contains("truncated"), "{out}");
        assert!(out.contains("auth_pass ********"), "{out}");
        assert!(!out.contains("S3cret"), "{out}");
        assert_eq!(mask_secrets("a b"), "a b");
        assert_eq!(
            mask_secrets("\t{ auth_type PASS auth_pass x } # c"),
            "\t{ auth_type PASS auth_pass ******** } # c"
        );
    }
}
