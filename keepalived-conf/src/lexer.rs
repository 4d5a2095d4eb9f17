//! Lexer: comment stripping of one physical line, then splitting a logical line into
//! words and braces, each with its column.
//!
//! Rules follow keepalived's `decomment()` and `alloc_strvec_r()` (lib/parser.c):
//! `#` and `!` start a comment outside double quotes, `\#`/`\!` are literal, a word ends at
//! whitespace or `"`, a `"` starts a word running to the next `"` (quotes removed, no escapes),
//! and `{` / `}` outside quotes are tokens of their own.
//!
//! [`scan_plain`] is the fast path for the plain lines that make up nearly all of a large
//! file: line end and tokens in one pass, no cleaned copy; the general path reads the rest.

/// Column of every byte of a cleaned line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Cols {
    /// Byte `i` is at column `first + i` (ASCII text copied unchanged: the common case).
    Linear(u32),
    /// Every byte is at the same column (text produced by an expansion).
    Const(u32),
    /// Explicit column per byte.
    Map(Vec<u32>),
}

impl Default for Cols {
    fn default() -> Self {
        Cols::Linear(1)
    }
}

/// A line after comment removal, with the original column of every byte.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Cleaned<'a> {
    /// The text, leading and trailing whitespace and the comment removed.
    pub(crate) text: std::borrow::Cow<'a, str>,
    /// Column of each byte of `text` in the physical line.
    pub(crate) cols: Cols,
    /// Column of an opening `"` that has no closing one.
    pub(crate) unterminated_quote: Option<u32>,
    /// False only when the text is known to contain no `$` (skips the expansion scan).
    pub(crate) maybe_dollar: bool,
}

impl Cleaned<'_> {
    /// Column of byte offset `i` (the last column + 1 past the end).
    pub(crate) fn col(&self, i: usize) -> u32 {
        let i32_ = u32::try_from(i).unwrap_or(u32::MAX);
        match &self.cols {
            Cols::Linear(first) => first.saturating_add(i32_),
            Cols::Const(c) => *c,
            Cols::Map(v) => match v.get(i) {
                Some(&c) => c,
                None => v.last().map_or(1, |&c| c + 1),
            },
        }
    }

    /// The text from byte `from` on, leading whitespace skipped, as its own `Cleaned`.
    pub(crate) fn slice(&self, from: usize) -> Cleaned<'static> {
        let mut from = from.min(self.text.len());
        while !self.text.is_char_boundary(from) {
            from += 1;
        }
        let rest = &self.text[from..];
        let at = from + (rest.len() - rest.trim_start().len());
        let cols = match &self.cols {
            Cols::Linear(first) => {
                Cols::Linear(first.saturating_add(u32::try_from(at).unwrap_or(u32::MAX)))
            }
            Cols::Const(c) => Cols::Const(*c),
            Cols::Map(v) => Cols::Map(v[at.min(v.len())..].to_vec()),
        };
        Cleaned {
            text: self.text[at..].to_string().into(),
            cols,
            unterminated_quote: None,
            maybe_dollar: self.maybe_dollar,
        }
    }

    /// Maps every column through `f` (used after expansion).
    pub(crate) fn remap(&mut self, f: impl Fn(u32) -> u32) {
        let v: Vec<u32> = (0..self.text.len()).map(|i| f(self.col(i))).collect();
        self.cols = Cols::Map(v);
    }
}

/// Strips leading whitespace, a trailing comment and trailing whitespace.
pub(crate) fn clean(raw: &str) -> Cleaned<'_> {
    if let Some(c) = clean_ascii(raw) {
        return c;
    }
    let mut text = String::with_capacity(raw.len());
    let mut cols = Vec::with_capacity(raw.len());
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
                push(&mut text, &mut cols, n, col);
            }
            continue;
        }
        push(&mut text, &mut cols, c, col);
    }
    let trimmed = text.trim_end().len();
    text.truncate(trimmed);
    cols.truncate(trimmed);
    Cleaned {
        text: text.into(),
        cols: Cols::Map(cols),
        unterminated_quote: in_quote,
        maybe_dollar: true,
    }
}

/// Fast path for ASCII lines without `\\`: the text is a slice of the line. `None` when
/// the line needs the general path.
pub(crate) fn clean_ascii(raw: &str) -> Option<Cleaned<'_>> {
    let b = raw.as_bytes();
    // Indentation is mostly spaces: skip them 8 at a time first.
    let mut spaces = 0;
    while let Some(chunk) = b.get(spaces..spaces + 8)
        && let Ok(bytes) = <[u8; 8]>::try_from(chunk)
        && u64::from_le_bytes(bytes) == SPACES
    {
        spaces += 8;
    }
    let Some(start) = b
        .get(spaces..)
        .and_then(|rest| rest.iter().position(|c| !c.is_ascii_whitespace()))
        .map(|p| spaces + p)
    else {
        return Some(Cleaned {
            text: "".into(),
            cols: Cols::Linear(1),
            unterminated_quote: None,
            maybe_dollar: false,
        });
    };
    let mut end = b.len();
    let mut in_quote: Option<u32> = None;
    let mut dollar = false;
    // Skip 8 bytes at a time while none is special (most lines have no special byte):
    // plain bytes change no state, so the byte loop may start at the first special chunk.
    let mut from = start;
    while let Some(chunk) = b.get(from..from + 8) {
        let Ok(bytes) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        if any_special(u64::from_le_bytes(bytes)) {
            break;
        }
        from += 8;
    }
    for (i, &c) in b.iter().enumerate().skip(from) {
        if !SPECIAL[usize::from(c)] {
            continue;
        }
        match c {
            b'"' => {
                in_quote = match in_quote {
                    Some(_) => None,
                    None => Some(u32::try_from(i + 1).unwrap_or(u32::MAX)),
                }
            }
            b'$' => dollar = true,
            b'#' | b'!' if in_quote.is_none() => {
                // the rest is a comment, whatever it contains
                end = i;
                break;
            }
            b'#' | b'!' => {}
            _ => return None, // `\\`, NUL or non-ASCII: general path
        }
    }
    let text = raw[start..end].trim_end();
    Some(Cleaned {
        text: text.into(),
        cols: Cols::Linear(u32::try_from(start + 1).unwrap_or(u32::MAX)),
        unterminated_quote: in_quote,
        maybe_dollar: dollar,
    })
}

/// Eight spaces, as one little-endian word.
const SPACES: u64 = u64::from_le_bytes([b' '; 8]);

/// Whether any of the 8 bytes of `w` is one [`SPECIAL`] marks (NUL, `"`, `$`, `#`, `!`,
/// `\\` or non-ASCII), with the exact "has a zero byte" bit trick on `w XOR pattern`.
fn any_special(w: u64) -> bool {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let zero = |x: u64| x.wrapping_sub(LO) & !x & HI != 0;
    w & HI != 0
        || zero(w)
        || zero(w ^ (LO * u64::from(b'"')))
        || zero(w ^ (LO * u64::from(b'$')))
        || zero(w ^ (LO * u64::from(b'#')))
        || zero(w ^ (LO * u64::from(b'!')))
        || zero(w ^ (LO * u64::from(b'\\')))
}

/// Bytes the fast path must look at.
static SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0x80;
    while i < 256 {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'$' as usize] = true;
    t[b'#' as usize] = true;
    t[b'!' as usize] = true;
    t[b'\\' as usize] = true;
    t[0] = true;
    t
};

fn push(text: &mut String, cols: &mut Vec<u32>, c: char, col: u32) {
    let before = text.len();
    text.push(c);
    for _ in before..text.len() {
        cols.push(col);
    }
}

/// Fast path for the common line of a large file (ASCII without `"`, `$`, `@`, `~`,
/// `\\`, NUL or vertical tab; a `#` / `!` comment allowed; no `include` and no script
/// keyword, whose raw arguments the general path keeps): finds the end of the line that
/// starts `rest` and splits it into tokens in the same pass, like
/// `tokenize(&clean(line).text)` but with offsets from the start of the physical line
/// (column = offset + 1). Returns the line's length (without `\r\n`) and the bytes to
/// skip to the next line, or `None` when the line needs the general path ([`clean`],
/// the preprocessor). `toks` is cleared first.
pub(crate) fn scan_plain(rest: &[u8], toks: &mut Vec<Tok>) -> Option<(usize, usize)> {
    toks.clear();
    let mut i = 0;
    // Indentation is mostly spaces: skip them 8 at a time, and those at the start of the
    // next 8 bytes at once (the first byte that is not a space is the lowest nonzero byte
    // of the little-endian word XOR eight spaces).
    while let Some(chunk) = rest.get(i..i + 8)
        && let Ok(bytes) = <[u8; 8]>::try_from(chunk)
    {
        let diff = u64::from_le_bytes(bytes) ^ SPACES;
        if diff != 0 {
            i += (diff.trailing_zeros() / 8) as usize;
            break;
        }
        i += 8;
    }
    let n = rest.len();
    // explicit `i < n` tests: the indexing below needs no further bounds checks
    let end = loop {
        if i >= n {
            break n;
        }
        let c = rest[i];
        match FAST[usize::from(c)] {
            Fast::Word => {
                let start = i;
                i += 1;
                while i < n && FAST[usize::from(rest[i])] == Fast::Word {
                    i += 1;
                }
                // a statement's first word: the line's first, or the first after a brace
                if toks.last().is_none_or(|t| t.kind != TokKind::Word)
                    && needs_general_path(&rest[start..i])
                {
                    return None;
                }
                toks.push(Tok::word(start, i));
            }
            Fast::Space => i += 1,
            Fast::Open | Fast::Close => {
                toks.push(Tok::brace(c, i));
                i += 1;
            }
            Fast::Newline => break i,
            Fast::Comment => {
                // the rest of the line is a comment, whatever it contains
                break i + memchr::memchr(b'\n', &rest[i..]).unwrap_or(n - i);
            }
            Fast::Other => return None,
        }
    };
    let next = (end + 1).min(rest.len());
    // a `\r` before the `\n` (or at the end of the input) is not part of the line
    let len = end - usize::from(end > 0 && rest[end - 1] == b'\r');
    (len <= crate::syntax::MAX_LINE).then_some((len, next))
}

/// Whether a statement starting with `kw` is read by the general path: a script keyword
/// (its raw arguments are kept) or an `include`.
#[inline]
fn needs_general_path(kw: &[u8]) -> bool {
    crate::syntax::is_script_keyword_bytes(kw) || is_include_keyword(kw)
}

/// The `include` keywords (keepalived 2.2.7 lib/parser.c).
#[inline]
pub(crate) fn is_include_keyword(kw: &[u8]) -> bool {
    matches!(
        kw,
        b"include" | b"includer" | b"includem" | b"includew" | b"includeb" | b"includea"
    )
}

/// What a byte is to [`scan_plain`].
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fast {
    /// Whitespace that separates words (`\n` excepted).
    Space,
    /// `\n`: the end of the line.
    Newline,
    Open,
    Close,
    /// `#` or `!`: a comment starts.
    Comment,
    /// Part of a word.
    Word,
    /// A byte only the general path handles.
    Other,
}

/// One table lookup per byte.
static FAST: [Fast; 256] = {
    let mut t = [Fast::Word; 256];
    let mut i = 0x80;
    while i < 256 {
        t[i] = Fast::Other;
        i += 1;
    }
    t[0] = Fast::Other;
    // `str::trim_end` removes a vertical tab, the tokenizer keeps it in a word
    t[0x0b] = Fast::Other;
    t[b'"' as usize] = Fast::Other;
    t[b'$' as usize] = Fast::Other;
    t[b'@' as usize] = Fast::Other;
    t[b'~' as usize] = Fast::Other;
    t[b'\\' as usize] = Fast::Other;
    t[b' ' as usize] = Fast::Space;
    t[b'\t' as usize] = Fast::Space;
    t[0x0c] = Fast::Space;
    t[b'\r' as usize] = Fast::Space;
    t[b'\n' as usize] = Fast::Newline;
    t[b'{' as usize] = Fast::Open;
    t[b'}' as usize] = Fast::Close;
    t[b'#' as usize] = Fast::Comment;
    t[b'!' as usize] = Fast::Comment;
    t
};

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
    /// Byte range of the word without quotes (empty for braces).
    pub(crate) inner: (usize, usize),
    /// Was the word written in double quotes.
    pub(crate) quoted: bool,
    /// Byte range in the logical line, quotes included.
    pub(crate) start: usize,
    pub(crate) end: usize,
}

impl Tok {
    /// A `{` (`c` is `{`) or `}` at byte `i`.
    #[inline]
    fn brace(c: u8, i: usize) -> Tok {
        Tok {
            kind: if c == b'{' {
                TokKind::Open
            } else {
                TokKind::Close
            },
            inner: (i, i),
            quoted: false,
            start: i,
            end: i + 1,
        }
    }

    /// An unquoted word at bytes `start..end`.
    #[inline]
    fn word(start: usize, end: usize) -> Tok {
        Tok {
            kind: TokKind::Word,
            inner: (start, end),
            quoted: false,
            start,
            end,
        }
    }

    /// The word's text (quotes removed) within `line`, the text it was made from.
    #[inline]
    pub(crate) fn text<'a>(&self, line: &'a str) -> &'a str {
        line.get(self.inner.0..self.inner.1).unwrap_or("")
    }
}

/// Splits a cleaned line into words and braces (into `toks`, cleared first).
pub(crate) fn tokenize(text: &str, toks: &mut Vec<Tok>) {
    toks.clear();
    let b = text.as_bytes();
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        match CLASS[usize::from(c)] {
            Class::Space => i += 1,
            Class::Open | Class::Close => {
                toks.push(Tok::brace(c, i));
                i += 1;
            }
            Class::Quote => {
                let start = i;
                let (inner_end, end) = match memchr::memchr(b'"', &b[i + 1..]) {
                    Some(p) => (i + 1 + p, i + 2 + p),
                    None => (b.len(), b.len()),
                };
                toks.push(Tok {
                    kind: TokKind::Word,
                    inner: (start + 1, inner_end),
                    quoted: true,
                    start,
                    end,
                });
                i = end;
            }
            Class::Word => {
                let start = i;
                i += 1;
                while b
                    .get(i)
                    .is_some_and(|&x| CLASS[usize::from(x)] == Class::Word)
                {
                    i += 1;
                }
                toks.push(Tok::word(start, i));
            }
        }
    }
}

/// What a byte is to [`tokenize`].
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    /// ASCII whitespace (`u8::is_ascii_whitespace`) separates words.
    Space,
    Open,
    Close,
    Quote,
    /// Anything else (non-ASCII bytes too) belongs to a word.
    Word,
}

/// One table lookup per byte instead of a chain of comparisons.
static CLASS: [Class; 256] = {
    let mut t = [Class::Word; 256];
    t[b' ' as usize] = Class::Space;
    t[b'\t' as usize] = Class::Space;
    t[b'\n' as usize] = Class::Space;
    t[0x0c] = Class::Space;
    t[b'\r' as usize] = Class::Space;
    t[b'{' as usize] = Class::Open;
    t[b'}' as usize] = Class::Close;
    t[b'"' as usize] = Class::Quote;
    t
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_escapes() {
        let c = clean("   priority 100   # high ! x");
        assert_eq!(c.text, "priority 100");
        assert_eq!(c.col(0), 4);
        let c = clean(r#"script "a # b" ! c"#);
        assert_eq!(c.text, r#"script "a # b""#);
        let c = clean(r"kw a\#b");
        assert_eq!(c.text, "kw a#b");
        assert_eq!(c.col(4), 6);
        assert_eq!(clean("\"abc").unterminated_quote, Some(1));
    }

    #[test]
    fn special_bytes_found_at_every_position() {
        for special in ['#', '!', '"', '$', '\\', '\0', 'é'] {
            for pos in 0..24 {
                let mut line: String = "abcdefghijklmnopqrstuvwxyz".chars().take(pos).collect();
                line.push(special);
                line.push_str(" tail");
                let mut w = [b'a'; 8];
                if let Some(slot) = w.get_mut(pos % 8) {
                    let mut buf = [0u8; 4];
                    slot.clone_from(&special.encode_utf8(&mut buf).as_bytes()[0]);
                }
                assert!(any_special(u64::from_le_bytes(w)), "{special:?} at {pos}");
                match special {
                    '#' | '!' => assert_eq!(clean(&line).text, line[..pos].trim_end()),
                    '$' => assert!(clean(&line).maybe_dollar),
                    '"' => assert_eq!(clean(&line).unterminated_quote, Some(pos as u32 + 1)),
                    _ => assert!(clean_ascii(&line).is_none(), "{special:?} at {pos}"),
                }
            }
        }
        assert!(!any_special(u64::from_le_bytes(*b"abc {}_9")));
    }

    #[test]
    fn tokens() {
        let mut t = Vec::new();
        tokenize(r#"a "b c"d{e}"#, &mut t);
        let line = r#"a "b c"d{e}"#;
        let texts: Vec<_> = t.iter().map(|t| (t.kind, t.text(line))).collect();
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

    /// The definition `tokenize` implements, one comparison at a time.
    fn reference(text: &str) -> Vec<(TokKind, String, bool)> {
        let mut out = Vec::new();
        let mut chars = text.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            match c {
                c if c.is_ascii_whitespace() => {}
                '{' => out.push((TokKind::Open, String::new(), false)),
                '}' => out.push((TokKind::Close, String::new(), false)),
                '"' => {
                    let rest = &text[i + 1..];
                    let inner = rest.find('"').map_or(rest, |p| &rest[..p]);
                    out.push((TokKind::Word, inner.to_string(), true));
                    for _ in 0..inner.chars().count() + usize::from(inner.len() < rest.len()) {
                        chars.next();
                    }
                }
                _ => {
                    let mut w = String::from(c);
                    while let Some(&(_, n)) = chars.peek() {
                        if n.is_ascii_whitespace() || matches!(n, '"' | '{' | '}') {
                            break;
                        }
                        w.push(n);
                        chars.next();
                    }
                    out.push((TokKind::Word, w, false));
                }
            }
        }
        out
    }

    /// What the general path makes of the first line of `text`: (kind, word, column) of
    /// each token of `tokenize(clean(line))`.
    fn general(text: &str) -> Vec<(TokKind, String, u32)> {
        let line = text.split('\n').next().unwrap_or("");
        let line = line.strip_suffix('\r').unwrap_or(line);
        let c = clean(line);
        let mut t = Vec::new();
        tokenize(&c.text, &mut t);
        t.iter()
            .map(|x| (x.kind, x.text(&c.text).to_string(), c.col(x.start)))
            .collect()
    }

    #[test]
    fn plain_lines_scan_like_the_general_path() {
        let mut t = Vec::new();
        for text in [
            "    real_server 172.16.0.10 8080 {\n        weight 1",
            "}",
            "\t\tvirtual_router_id 51 # comment \"with $ quote",
            "a{b}c ! x\r\nnext",
            "        \r\n",
            "",
        ] {
            let (len, next) = scan_plain(text.as_bytes(), &mut t).expect(text);
            let line = text.split('\n').next().unwrap_or("");
            assert_eq!(
                len,
                line.strip_suffix('\r').unwrap_or(line).len(),
                "{text:?}"
            );
            assert_eq!(next, (line.len() + 1).min(text.len()), "{text:?}");
            let got: Vec<_> = t
                .iter()
                .map(|x| (x.kind, x.text(text).to_string(), x.start as u32 + 1))
                .collect();
            assert_eq!(got, general(text), "{text:?}");
        }
        for text in [
            "a \"b\"",
            "a $B",
            "@main a",
            "~SEQ(i,1,2) a",
            "a\\#",
            "é",
            "a\0",
            "a \x0b",
            "notify_master /bin/x",
            "a { notify x",
            "} track_script {",
            "include x.conf",
            "  includem x",
        ] {
            assert_eq!(scan_plain(text.as_bytes(), &mut t), None, "{text:?}");
        }
        let long = "a".repeat(crate::syntax::MAX_LINE + 1);
        assert_eq!(scan_plain(long.as_bytes(), &mut t), None);
    }

    proptest::proptest! {
        /// The fast path reads every line without the bytes only the general path
        /// handles, and gives the general path's tokens at the same columns.
        #[test]
        fn scan_plain_matches_the_general_path(text in "[a \t\r\n\x0b\x0c{}\"#!$@~\\\\é\x001]{0,30}") {
            let mut t = Vec::new();
            let line = text.split('\n').next().unwrap_or("");
            let needs_general = line.bytes().any(|b| {
                b >= 0x80 || matches!(b, 0 | 0x0b | b'"' | b'$' | b'@' | b'~' | b'\\')
            });
            let before_comment = line.split(['#', '!']).next().unwrap_or("");
            let plain_before_comment = !before_comment.bytes().any(|b| {
                b >= 0x80 || matches!(b, 0 | 0x0b | b'"' | b'$' | b'@' | b'~' | b'\\')
            });
            match scan_plain(text.as_bytes(), &mut t) {
                Some((len, next)) => {
                    proptest::prop_assert!(plain_before_comment);
                    proptest::prop_assert_eq!(len, line.strip_suffix('\r').unwrap_or(line).len());
                    proptest::prop_assert_eq!(next, (line.len() + 1).min(text.len()));
                    let got: Vec<_> = t
                        .iter()
                        .map(|x| (x.kind, x.text(&text).to_string(), x.start as u32 + 1))
                        .collect();
                    proptest::prop_assert_eq!(got, general(&text));
                }
                None => proptest::prop_assert!(needs_general && !plain_before_comment),
            }
        }

        #[test]
        fn tokenize_matches_its_definition(text in "[a \t\r\x0c{}\"é1]{0,24}") {
            let mut t = Vec::new();
            tokenize(&text, &mut t);
            let got: Vec<_> = t
                .iter()
                .map(|x| (x.kind, x.text(&text).to_string(), x.quoted))
                .collect();
            proptest::prop_assert_eq!(got, reference(&text));
        }
    }
}
