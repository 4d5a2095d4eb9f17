//! Lexer: comment stripping of one physical line, then splitting a logical line into
//! words and braces, each with its column.
//!
//! Rules follow keepalived's `decomment()` and `alloc_strvec_r()` (lib/parser.c):
//! `#` and `!` start a comment outside double quotes, `\#`/`\!` are literal, a word ends at
//! whitespace or `"`, a `"` starts a word running to the next `"` (quotes removed, no escapes),
//! and `{` / `}` outside quotes are tokens of their own.

/// A line after comment removal, with the original column of every byte.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Cleaned {
    /// The text, leading and trailing whitespace and the comment removed.
    pub(crate) text: String,
    /// `cols[i]` is the 1-based column of byte `i` of `text` in the physical line.
    pub(crate) cols: Vec<u32>,
    /// Column of an opening `"` that has no closing one.
    pub(crate) unterminated_quote: Option<u32>,
}

impl Cleaned {
    /// Column of byte offset `i` (the last column + 1 past the end).
    pub(crate) fn col(&self, i: usize) -> u32 {
        match self.cols.get(i) {
            Some(&c) => c,
            None => self.cols.last().map_or(1, |&c| c + 1),
        }
    }

    /// A sub-range as its own `Cleaned` (columns preserved).
    pub(crate) fn slice(&self, from: usize) -> Cleaned {
        let from = from.min(self.text.len());
        let mut from = from;
        while !self.text.is_char_boundary(from) {
            from += 1;
        }
        let rest = &self.text[from..];
        let skip = rest.len() - rest.trim_start().len();
        Cleaned {
            text: self.text[from + skip..].to_string(),
            cols: self.cols[(from + skip).min(self.cols.len())..].to_vec(),
            unterminated_quote: None,
        }
    }
}

/// Strips leading whitespace, a trailing comment and trailing whitespace.
pub(crate) fn clean(raw: &str) -> Cleaned {
    let mut out = Cleaned::default();
    let mut in_quote: Option<u32> = None;
    let mut started = false;
    let mut chars = raw.chars().peekable();
    let mut col: u32 = 0;
    while let Some(c) = chars.next() {
        col = col.saturating_add(1);
        if !started {
            if c.is_whitespace() {
                continue;
            }
            started = true;
        }
        if in_quote.is_some() {
            if c == '"' {
                in_quote = None;
            }
        } else if c == '"' {
            in_quote = Some(col);
        } else if c == '#' || c == '!' {
            break;
        } else if c == '\\' && matches!(chars.peek(), Some('#') | Some('!')) {
            if let Some(n) = chars.next() {
                col = col.saturating_add(1);
                push(&mut out, n, col);
            }
            continue;
        }
        push(&mut out, c, col);
    }
    out.unterminated_quote = in_quote;
    let trimmed = out.text.trim_end().len();
    out.text.truncate(trimmed);
    out.cols.truncate(trimmed);
    out
}

fn push(out: &mut Cleaned, c: char, col: u32) {
    let before = out.text.len();
    out.text.push(c);
    for _ in before..out.text.len() {
        out.cols.push(col);
    }
}

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokKind {
    /// A word (quotes removed).
    Word,
    /// `{`
    Open,
    /// `}`
    Close,
}

/// One token of a logical line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Tok {
    pub(crate) kind: TokKind,
    /// The word without quotes (empty for braces).
    pub(crate) text: String,
    /// Was the word written in double quotes.
    pub(crate) quoted: bool,
    /// Byte range in the logical line, quotes included.
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// Splits a cleaned line into words and braces.
pub(crate) fn tokenize(text: &str) -> Vec<Tok> {
    let b = text.as_bytes();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if c == b'{' || c == b'}' {
            toks.push(Tok {
                kind: if c == b'{' {
                    TokKind::Open
                } else {
                    TokKind::Close
                },
                text: String::new(),
                quoted: false,
                start: i,
                end: i + 1,
            });
            i += 1;
            continue;
        }
        if c == b'"' {
            let start = i;
            let close = b[i + 1..]
                .iter()
                .position(|&x| x == b'"')
                .map(|p| i + 1 + p);
            let (inner_end, end) = match close {
                Some(p) => (p, p + 1),
                None => (b.len(), b.len()),
            };
            toks.push(Tok {
                kind: TokKind::Word,
                text: text.get(start + 1..inner_end).unwrap_or("").to_string(),
                quoted: true,
                start,
                end,
            });
            i = end;
            continue;
        }
        let start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'"' | b'{' | b'}') {
            i += 1;
        }
        toks.push(Tok {
            kind: TokKind::Word,
            text: text.get(start..i).unwrap_or("").to_string(),
            quoted: false,
            start,
            end: i,
        });
    }
    toks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_escapes() {
        let c = clean("   priority 100   # high ! x");
        assert_eq!(c.text, "priority 100");
        assert_eq!(c.cols[0], 4);
        let c = clean(r#"script "a # b" ! c"#);
        assert_eq!(c.text, r#"script "a # b""#);
        let c = clean(r"kw a\#b");
        assert_eq!(c.text, "kw a#b");
        assert_eq!(c.col(4), 6);
        assert_eq!(clean("\"abc").unterminated_quote, Some(1));
    }

    #[test]
    fn tokens() {
        let t = tokenize(r#"a "b c"d{e}"#);
        let texts: Vec<_> = t.iter().map(|t| (t.kind, t.text.as_str())).collect();
        assert_eq!(
            texts,
            vec![
                (TokKind::Word, "a"),
                (TokKind::Word, "b c"),
                (TokKind::Word, "d"),
                (TokKind::Open, ""),
                (TokKind::Word, "e"),
                (TokKind::Close, ""),
            ]
        );
    }
}
