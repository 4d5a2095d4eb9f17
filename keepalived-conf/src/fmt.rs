//! Canonical formatting of one configuration file (`kaconf fmt`).
//!
//! Works on the text as written, so comments, `include`, `@ID` conditionals, `$NAME`
//! definitions and `~SEQ` lines survive. The rules: one statement per line, indented
//! four spaces per block level; `{` at the end of its keyword's line; `}` on its own
//! line; single spaces between words; trailing comments kept after one space; runs of
//! blank lines collapsed to one. Preprocessor lines are kept as written (re-indented).
//! keepalived reads the result to the same configuration (line numbers aside).

use crate::lexer::{TokKind, tokenize};
use crate::syntax::is_script_keyword;

/// Formats configuration text canonically.
pub fn format_source(text: &str) -> String {
    let mut f = Formatter::default();
    for raw in text.split('\n') {
        f.line(raw.strip_suffix('\r').unwrap_or(raw));
    }
    let mut out = f.out.join("\n");
    while out.ends_with('\n') {
        out.pop();
    }
    out.push('\n');
    out
}

#[derive(Default)]
struct Formatter {
    out: Vec<String>,
    depth: usize,
    continuation: bool,
    /// The last output line is a statement that may take `{` appended.
    last_joinable: bool,
}

/// Splits a line into code and trailing comment (respecting double quotes and `\#`).
fn split_comment(line: &str) -> (&str, &str) {
    let b = line.as_bytes();
    let mut in_quote = false;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => in_quote = !in_quote,
            b'\\' if !in_quote && matches!(b.get(i + 1), Some(b'#') | Some(b'!')) => i += 1,
            b'#' | b'!' if !in_quote => return (&line[..i], &line[i..]),
            _ => {}
        }
        i += 1;
    }
    (line, "")
}

impl Formatter {
    fn indent(&self) -> String {
        "    ".repeat(self.depth.min(64))
    }

    fn emit(&mut self, s: String, joinable: bool) {
        self.out.push(s);
        self.last_joinable = joinable;
    }

    fn line(&mut self, raw: &str) {
        if self.continuation {
            self.continuation = raw.trim_end().ends_with('\\');
            self.emit(raw.trim_end().to_string(), false);
            return;
        }
        let t = raw.trim();
        if t.is_empty() {
            if self.out.last().is_some_and(|l| !l.is_empty()) {
                self.emit(String::new(), false);
            }
            return;
        }
        if t.starts_with('#') || t.starts_with('!') {
            let ind = self.indent();
            self.emit(format!("{ind}{t}"), false);
            return;
        }
        let (code, comment) = split_comment(t);
        let code = code.trim_end();
        if code.starts_with('$')
            || code.starts_with('@')
            || code.starts_with('~')
            || code.contains("${")
            || code.starts_with("include")
        {
            // preprocessor line: keep as written, track braces for indentation
            let (opens, closes) = count_braces(code);
            if closes > opens {
                self.depth = self.depth.saturating_sub(closes - opens);
            }
            let ind = self.indent();
            self.emit(format!("{ind}{t}"), false);
            if opens > closes {
                self.depth += opens - closes;
            }
            if code.starts_with('$') && code.ends_with('\\') && comment.is_empty() {
                self.continuation = true;
            }
            return;
        }
        let mut toks = Vec::new();
        tokenize(code, &mut toks);
        let mut emitted_here = 0usize;
        let mut i = 0;
        while i < toks.len() {
            let tk = &toks[i];
            match tk.kind {
                TokKind::Open => {
                    if self.last_joinable && emitted_here == 0 {
                        if let Some(l) = self.out.last_mut() {
                            l.push_str(" {");
                        }
                    } else {
                        let ind = self.indent();
                        self.emit(format!("{ind}{{"), false);
                    }
                    emitted_here += 1;
                    self.last_joinable = false;
                    self.depth += 1;
                    i += 1;
                }
                TokKind::Close => {
                    self.depth = self.depth.saturating_sub(1);
                    let ind = self.indent();
                    self.emit(format!("{ind}}}"), false);
                    emitted_here += 1;
                    i += 1;
                }
                TokKind::Word => {
                    let mut j = i;
                    while j < toks.len() && toks[j].kind == TokKind::Word {
                        j += 1;
                    }
                    let stmt = if is_script_keyword(tk.text(code)) && !tk.quoted {
                        code[tk.start..toks[j - 1].end].to_string()
                    } else {
                        toks[i..j]
                            .iter()
                            .map(|w| &code[w.start..w.end])
                            .collect::<Vec<_>>()
                            .join(" ")
                    };
                    let ind = self.indent();
                    if toks.get(j).is_some_and(|x| x.kind == TokKind::Open) {
                        self.emit(format!("{ind}{stmt} {{"), false);
                        self.depth += 1;
                        j += 1;
                    } else {
                        self.emit(format!("{ind}{stmt}"), true);
                    }
                    emitted_here += 1;
                    i = j;
                }
            }
        }
        if !comment.is_empty() {
            if emitted_here > 0 {
                if let Some(l) = self.out.last_mut() {
                    l.push(' ');
                    l.push_str(comment.trim_end());
                }
                self.last_joinable = false;
            } else {
                let ind = self.indent();
                self.emit(format!("{ind}{}", comment.trim_end()), false);
            }
        }
    }
}

fn count_braces(code: &str) -> (usize, usize) {
    let mut in_quote = false;
    let mut in_ref = false;
    let mut prev = ' ';
    let (mut o, mut c) = (0, 0);
    for ch in code.chars() {
        let after_dollar = prev == '$';
        prev = ch;
        match ch {
            '"' => in_quote = !in_quote,
            '{' if after_dollar => in_ref = true,
            '}' if in_ref => in_ref = false,
            _ if in_ref => {}
            '{' if !in_quote => o += 1,
            '}' if !in_quote => c += 1,
            _ => {}
        }
    }
    (o, c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical() {
        let src = "global_defs\n{\n  router_id   x   # id\n}\nvrrp_instance VI { virtual_ipaddress { 10.0.0.1 } }\n\n\n! end\n";
        let want = "global_defs {\n    router_id x # id\n}\nvrrp_instance VI {\n    virtual_ipaddress {\n        10.0.0.1\n    }\n}\n\n! end\n";
        assert_eq!(format_source(src), want);
        assert_eq!(format_source(want), want);
    }
}
