//! Preprocessor: the per-line pipeline of keepalived's `read_line()` (lib/parser.c):
//! `@ID` / `@^ID` conditionals, `$NAME=` definitions (multi-line with `\`), `$NAME` /
//! `${NAME}` / `${_BUILTIN args}` expansion, `~SEQ` / `~SEQx` / `~LST` replication and
//! `include` (with globs, relative to the including file, cycles detected). Its output,
//! logical lines split into words and braces, goes to the tree builder.
//!
//! Everything is bounded: expansion depth, expanded line length, the number of logical
//! lines produced, include depth and the number of files.

use crate::ReadOptions;
use crate::diag::{Diagnostic, Sink};
use crate::lexer::{Cleaned, Cols, TokKind, clean, tokenize};
use crate::source::{Line, LineSource, MAX_LINE, open, resolve_include};
use crate::span::{FileId, SourceMap, Span};
use crate::syntax::is_script_keyword;
use crate::tree::{Item, Node, TreeBuilder, Word};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Nesting limit for expansions, conditionals and generators within one line.
const MAX_EXPANSION_DEPTH: usize = 16;
/// Longest line an expansion may produce: keepalived's own limit (`MAXBUF` 1024 including
/// the NUL, lib/parser.c `replace_param`), which also bounds the work per expanded line.
const MAX_EXPANDED_LEN: usize = MAX_LINE;
/// Longest definition value (multi-line definitions hold whole blocks).
const MAX_DEFINITION_LEN: usize = 64 * 1024;
/// Bytes of definition values that substitution may copy in all (each
/// `${NAME}` costs its value's length, counted before it is copied).
pub(crate) const MAX_EXPANDED_BYTES: usize = 16 << 20;
/// Include nesting limit.
const MAX_INCLUDE_DEPTH: usize = 32;
/// Files opened in total.
const MAX_FILES: usize = 1000;
/// Number of user definitions kept.
const MAX_DEFINITIONS: usize = 10_000;

struct Def {
    value: String,
    multiline: bool,
}

struct Frame {
    file: FileId,
    src: LineSource,
    line: u32,
    dir: PathBuf,
    canon: Option<PathBuf>,
}

pub(crate) struct Preprocessor<'o> {
    opts: &'o ReadOptions,
    pub(crate) sources: SourceMap,
    pub(crate) sink: Sink,
    stack: Vec<Frame>,
    defs: HashMap<String, Def>,
    tree: TreeBuilder,
    budget: Budget,
    depth_reported: Option<(FileId, u32)>,
    line_buf: String,
    tok_buf: Vec<crate::lexer::Tok>,
    rng: u64,
    config_id: String,
    end_state: Option<crate::tree::TreeEnd>,
    /// Lines of the first source pushed, once it has been read to its end.
    ended_lines: Option<u32>,
    /// Read plain lines (of in-memory text and of files read in chunks) with the fast
    /// path (`lexer::scan_plain`); `false` only to compare both paths in tests.
    pub(crate) fast_lines: bool,
}

impl<'o> Preprocessor<'o> {
    pub(crate) fn new(opts: &'o ReadOptions) -> Preprocessor<'o> {
        Preprocessor {
            opts,
            sources: SourceMap::default(),
            sink: Sink::default(),
            stack: Vec::new(),
            defs: HashMap::new(),
            tree: TreeBuilder::with_section_limit(
                opts.limits.get(crate::limits::Item::SectionStatements),
            ),
            budget: Budget {
                lines_out: 0,
                max: opts.max_lines,
                reported: false,
                bytes: opts.main_bytes,
                max_bytes: opts.max_bytes,
                generated: 0,
                expanded_bytes: 0,
                expansion_reported: false,
            },
            depth_reported: None,
            line_buf: String::new(),
            tok_buf: Vec::new(),
            rng: opts.random_seed | 1,
            config_id: opts.config_id.clone().unwrap_or_else(default_config_id),
            end_state: None,
            ended_lines: None,
            fast_lines: true,
        }
    }

    pub(crate) fn keep_model(&self) -> bool {
        self.opts.keep_model
    }

    /// The limits on sections and items of this read.
    pub(crate) fn limits(&self) -> crate::limits::Limits {
        self.opts.limits
    }

    /// Starts with in-memory text.
    pub(crate) fn push_text(&mut self, name: &str, text: &str) {
        let src = LineSource::Text(std::sync::Arc::new(text.to_string()), 0, text.len());
        self.push_source(name, None, Some(text.to_string()), src, 0);
    }

    /// Starts with a file; false (with a diagnostic) when it cannot be opened.
    pub(crate) fn push_file(&mut self, path: &Path) -> bool {
        match open(path) {
            Ok(src) => {
                self.push_source(&path.display().to_string(), Some(path), None, src, 0);
                true
            }
            Err(e) => {
                self.sink.push(Diagnostic {
                    severity: crate::Severity::Error,
                    code: "file-not-found",
                    span: None,
                    message: format!("cannot read configuration file {}: {e}", path.display()),
                    hint: None,
                });
                false
            }
        }
    }

    /// Starts with an opened source: a file (`path`) or text (`text`, kept to render
    /// diagnostics) named `name`, whose first line to read is line `lines_before + 1`
    /// (not 1 when the second part of a text split in two is read: `crate::split`).
    pub(crate) fn push_source(
        &mut self,
        name: &str,
        path: Option<&Path>,
        text: Option<String>,
        src: LineSource,
        lines_before: u32,
    ) {
        let id = self.sources.add(name.to_string(), path, text);
        let dir = path
            .unwrap_or(Path::new(name))
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        self.stack.push(Frame {
            file: id,
            src,
            line: lines_before,
            dir,
            canon: path.and_then(|p| std::fs::canonicalize(p).ok()),
        });
    }

    /// The state of the block tree when the input ended (`None` before the end).
    pub(crate) fn end_state(&self) -> Option<crate::tree::TreeEnd> {
        self.end_state
    }

    /// The number of lines of the first source pushed (the one read at the bottom of
    /// the include stack, counted from its start), once the input has ended; `None`
    /// before.
    pub(crate) fn lines_of_ended_input(&self) -> Option<u32> {
        self.ended_lines
    }

    /// Gives a statement back once it has been read, so that its vectors are reused for
    /// the statements still to come (fewer allocations; see [`TreeBuilder::recycle`]).
    pub(crate) fn recycle(&mut self, n: Node) {
        self.tree.recycle(n);
    }

    /// Logical lines produced so far (counted against [`LoadOptions::max_lines`]).
    pub(crate) fn lines_out(&self) -> usize {
        self.budget.lines_out
    }

    /// Processes input until at least one top-level statement is complete; `None` at the end.
    pub(crate) fn next_batch(&mut self) -> Option<Vec<Node>> {
        // the current in-memory source, cloned once per batch (not per line)
        let mut shared: Option<std::sync::Arc<String>> = None;
        loop {
            let done = self.tree.take_completed();
            if !done.is_empty() {
                return Some(done);
            }
            let frame = self.stack.last_mut()?;
            if self.fast_lines
                && let Some((start, len)) = frame.src.next_plain_line(&mut self.tok_buf)
            {
                frame.line = frame.line.saturating_add(1);
                let text = frame.src.plain_text(start, len);
                Self::plain_line(
                    &mut self.tree,
                    &mut self.sink,
                    &mut self.budget,
                    &self.tok_buf,
                    text,
                    (frame.file, frame.line),
                );
                continue;
            }
            let Some((raw, at)) = frame.src.next_line(&mut self.line_buf) else {
                let lines = frame.line;
                self.stack.pop();
                if self.stack.is_empty() {
                    self.ended_lines = Some(lines);
                    self.end_state = Some(self.tree.end_state());
                    let tree = std::mem::take(&mut self.tree);
                    let rest = tree.finish(&mut self.sink);
                    return if rest.is_empty() { None } else { Some(rest) };
                }
                continue;
            };
            frame.line = frame.line.saturating_add(1);
            let (file, line) = (frame.file, frame.line);
            let span = Span::new(file, line, 1);
            if raw.len > MAX_LINE {
                self.sink.push(
                    Diagnostic::error(
                        "line-too-long",
                        span,
                        format!("line too long ({} bytes); the line is ignored", raw.len),
                    )
                    .with_hint(format!(
                        "keepalived reads at most {MAX_LINE} bytes per line"
                    )),
                );
                continue;
            }
            let buffered = matches!(at, Line::Buffered);
            let buf = if buffered {
                std::mem::take(&mut self.line_buf)
            } else {
                String::new()
            };
            if let (Line::Shared(_), Some(t)) = (&at, frame.src.text())
                && !shared
                    .as_ref()
                    .is_some_and(|s| std::sync::Arc::ptr_eq(s, t))
            {
                shared = Some(t.clone());
            }
            let text: &str = match (&at, &shared) {
                (Line::Shared(r), Some(t)) => t.get(r.clone()).unwrap_or(""),
                (Line::Shared(_), None) => "",
                (Line::Buffered, _) => &buf,
            };
            // the fast path rejects lines with NUL bytes, so only the others are searched
            let c = match crate::lexer::clean_ascii(text) {
                Some(c) => c,
                None if text.contains('\0') => {
                    self.sink.error(
                        "nul-byte",
                        span,
                        "line contains a NUL byte; the line is ignored",
                    );
                    continue;
                }
                None => clean(text),
            };
            if let Some(col) = c.unterminated_quote {
                self.unterminated_quote(Span::new(file, line, col));
            }
            if !c.text.is_empty() {
                self.logical(c, file, line, 0);
            }
            if buffered {
                self.line_buf = buf;
            }
        }
    }

    /// A line read by the fast path, with its `toks` (offsets from the start of `text`,
    /// the physical line): the same as [`Preprocessor::logical`] on the cleaned line
    /// (the fast path leaves it nothing else to do). An associated function: `text` is
    /// borrowed from the source on the stack while the tree is fed.
    fn plain_line(
        tree: &mut TreeBuilder,
        sink: &mut Sink,
        budget: &mut Budget,
        toks: &[crate::lexer::Tok],
        text: &str,
        (file, line): (FileId, u32),
    ) {
        // the fast path reads lines of at most MAX_LINE bytes: columns fit in a u32
        let col = |t: &crate::lexer::Tok| t.start as u32 + 1;
        if let Some(first) = toks.first()
            && budget.take(sink, Span::new(file, line, col(first)))
        {
            for t in toks {
                let span = Span::new(file, line, col(t));
                match t.kind {
                    TokKind::Word => tree.word(Word {
                        text: compact_str::CompactString::new(t.text(text)),
                        span,
                        quoted: false,
                    }),
                    TokKind::Open => tree.open(span, sink),
                    TokKind::Close => tree.close(span, sink),
                }
            }
            tree.end_line();
        }
    }

    #[cold]
    fn unterminated_quote(&mut self, span: Span) {
        self.sink.error(
            "unterminated-quote",
            span,
            "unterminated quote: `\"` has no closing `\"`",
        );
    }

    fn budget(&mut self, span: Span) -> bool {
        self.budget.take(&mut self.sink, span)
    }

    fn logical(&mut self, c: Cleaned<'_>, file: FileId, line: u32, depth: usize) {
        let span = Span::new(file, line, c.col(0));
        if depth > MAX_EXPANSION_DEPTH {
            if self.depth_reported == Some((file, line)) {
                return;
            }
            self.depth_reported = Some((file, line));
            self.sink.push(
                Diagnostic::error(
                    "expansion-depth",
                    span,
                    "definitions expand too deeply (recursive definition?)",
                )
                .with_hint(format!(
                    "expansion stops after {MAX_EXPANSION_DEPTH} levels"
                )),
            );
            return;
        }
        if !self.budget(span) {
            return;
        }
        // `@ID rest` / `@^ID rest`
        if let Some(after) = c.text.strip_prefix('@') {
            let (neg, id_start) = match after.strip_prefix('^') {
                Some(_) => (true, 2),
                None => (false, 1),
            };
            let id_end = c.text[id_start..]
                .find(char::is_whitespace)
                .map_or(c.text.len(), |p| id_start + p);
            let id = &c.text[id_start..id_end];
            let keep = (id == self.config_id) != neg;
            let rest = c.slice(id_end);
            if keep && !rest.text.is_empty() {
                self.logical(rest, file, line, depth + 1);
            }
            return;
        }
        // `$NAME=value`
        if let Some((name, value_at)) = parse_definition(&c.text) {
            let mut value = c.text[value_at..].trim_start().to_string();
            let mut multiline = false;
            if value.ends_with('\\') && depth == 0 {
                multiline = true;
                value.pop();
                let value_trim = value.trim_end().len();
                value.truncate(value_trim);
                self.read_continuation(&mut value);
            }
            if value.len() > MAX_DEFINITION_LEN {
                self.sink.error(
                    "definition-too-long",
                    span,
                    format!("definition of `{name}` is too long"),
                );
                return;
            }
            if self.defs.len() >= MAX_DEFINITIONS && !self.defs.contains_key(name) {
                self.sink
                    .error("too-many-definitions", span, "too many definitions");
                return;
            }
            self.defs.insert(name.to_string(), Def { value, multiline });
            return;
        }
        // `~SEQ(...)`, `~SEQx(...)`, `~LST(...)`
        if c.text.starts_with("~SEQ") || c.text.starts_with("~LST") {
            self.generator(c, file, line, depth);
            return;
        }
        // expansion
        if c.maybe_dollar && c.text.contains('$') {
            let t = c.text.trim();
            if let Some(name) = whole_reference(t)
                && let Some(def) = self.defs.get(name)
                && def.multiline
            {
                let col = c.col(0);
                let lines: Vec<String> = def.value.split('\n').map(str::to_string).collect();
                let line_bytes = def.value.len() / lines.len().max(1) + 1;
                if !self
                    .budget
                    .generate(lines.len(), line_bytes, &mut self.sink, span)
                {
                    return;
                }
                for l in lines {
                    let mut lc = clean(&l);
                    lc.cols = Cols::Const(col);
                    if !lc.text.is_empty() {
                        self.logical(lc, file, line, depth + 1);
                    }
                }
                return;
            }
            match self.expand(&c.text, span) {
                Ok(Some((new, first_change))) => {
                    let mut nc = clean(&new);
                    nc.remap(|x| {
                        let off = (x as usize).saturating_sub(1);
                        if off < first_change {
                            c.col(off)
                        } else {
                            c.col(first_change)
                        }
                    });
                    if !nc.text.is_empty() {
                        self.logical(nc, file, line, depth + 1);
                    }
                    return;
                }
                Ok(None) => {}
                Err(()) => return,
            }
        }
        let mut toks = std::mem::take(&mut self.tok_buf);
        tokenize(&c.text, &mut toks);
        if let Some(first) = toks.first()
            && first.kind == TokKind::Word
            && !first.quoted
            && crate::lexer::is_include_keyword(first.text(&c.text).as_bytes())
        {
            let kind = first.text(&c.text).to_string();
            // The pattern is the raw rest of the line: `{a,b}` braces must not split it.
            let rest = c.slice(first.end);
            self.tok_buf = toks;
            let pat = rest.text.trim();
            let pat = pat
                .strip_prefix('"')
                .and_then(|p| p.strip_suffix('"'))
                .unwrap_or(pat)
                .to_string();
            if pat.is_empty() {
                self.sink.error(
                    "include-without-path",
                    span,
                    format!("`{kind}` needs a file name or pattern"),
                );
            } else {
                self.include(&kind, &pat, Span::new(file, line, rest.col(0)));
            }
            return;
        }
        let mut first_word = true;
        for (i, t) in toks.iter().enumerate() {
            let sp = Span::new(file, line, c.col(t.start));
            let item = match t.kind {
                TokKind::Open => {
                    first_word = true;
                    Item::Open(sp)
                }
                TokKind::Close => {
                    first_word = true;
                    Item::Close(sp)
                }
                TokKind::Word => {
                    let text = t.text(&c.text);
                    let raw = if first_word && is_script_keyword(text) {
                        // raw text up to the next brace token (or the end of the line)
                        let end = toks[i + 1..]
                            .iter()
                            .take_while(|x| x.kind == TokKind::Word)
                            .last()
                            .map_or(t.end, |x| x.end);
                        Some(c.text.get(t.end..end).unwrap_or("").trim().to_string())
                    } else {
                        None
                    };
                    first_word = false;
                    Item::Word(
                        Word {
                            text: compact_str::CompactString::new(text),
                            span: sp,
                            quoted: t.quoted,
                        },
                        raw,
                    )
                }
            };
            self.tree.item(item, &mut self.sink);
        }
        self.tree.end_line();
        self.tok_buf = toks;
    }

    fn read_continuation(&mut self, value: &mut String) {
        loop {
            let Some(frame) = self.stack.last_mut() else {
                return;
            };
            let mut buf = String::new();
            let Some((_, at)) = frame.src.next_line(&mut buf) else {
                return;
            };
            frame.line = frame.line.saturating_add(1);
            let text: &str = match (&at, frame.src.text()) {
                (Line::Shared(r), Some(t)) => t.get(r.clone()).unwrap_or(""),
                (Line::Shared(_), None) => "",
                (Line::Buffered, _) => &buf,
            };
            let c = clean(text);
            let mut t = c.text.into_owned();
            let more = t.ends_with('\\');
            if more {
                t.pop();
                let l = t.trim_end().len();
                t.truncate(l);
            }
            if value.len() + t.len() < MAX_DEFINITION_LEN + 2 {
                value.push('\n');
                value.push_str(&t);
            }
            if !more {
                return;
            }
        }
    }

    /// One substitution pass. `Ok(None)` when nothing was substituted.
    fn expand(&mut self, text: &str, span: Span) -> Result<Option<(String, usize)>, ()> {
        let b = text.as_bytes();
        let mut out = String::with_capacity(text.len() + 16);
        let mut first_change: Option<usize> = None;
        let mut i = 0;
        let mut copied = 0;
        while i < b.len() {
            if b[i] != b'$' {
                i += 1;
                continue;
            }
            let (name, params, end) = if b.get(i + 1) == Some(&b'{') {
                let Some(close) = text[i + 2..].find('}').map(|p| i + 2 + p) else {
                    i += 1;
                    continue;
                };
                let inner = &text[i + 2..close];
                let (n, p) = match inner.find(char::is_whitespace) {
                    Some(ws) => (&inner[..ws], inner[ws..].trim()),
                    None => (inner, ""),
                };
                (n, p, close + 1)
            } else {
                let start = i + 1;
                let mut j = start;
                while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                    j += 1;
                }
                let ok_end =
                    j == b.len() || b[j].is_ascii_whitespace() || b[j] == b',' || b[j] == b')';
                if j == start || b[start].is_ascii_digit() || !ok_end {
                    i += 1;
                    continue;
                }
                (&text[start..j], "", j)
            };
            let Some(value) = self.lookup(name, params) else {
                i = end;
                continue;
            };
            if !self.budget.expand(value.len(), &mut self.sink, span) {
                return Err(());
            }
            out.push_str(&text[copied..i]);
            first_change.get_or_insert(i);
            out.push_str(&value);
            copied = end;
            i = end;
            if out.len() > MAX_EXPANDED_LEN {
                self.sink.push(
                    Diagnostic::error(
                        "expansion-too-long",
                        span,
                        "line too long after expanding definitions; the line is ignored",
                    )
                    .with_hint(format!(
                        "expanded lines are limited to {MAX_EXPANDED_LEN} bytes"
                    )),
                );
                return Err(());
            }
        }
        match first_change {
            None => Ok(None),
            Some(fc) => {
                out.push_str(&text[copied..]);
                Ok(Some((out, fc)))
            }
        }
    }

    fn lookup(&mut self, name: &str, params: &str) -> Option<String> {
        if let Some(d) = self.defs.get(name) {
            // keepalived 2.2.7 (lib/parser.c find_definition) gives parameters to its
            // built-ins only: `${NAME 1 2}` naming a user definition stays as written
            if !params.is_empty() {
                return None;
            }
            return Some(d.value.replace('\n', " "));
        }
        match name {
            "_PWD" => Some(
                self.stack
                    .last()
                    .map(|f| {
                        let d = f.dir.display().to_string();
                        if d.is_empty() { ".".to_string() } else { d }
                    })
                    .unwrap_or_else(|| ".".into()),
            ),
            "_INSTANCE" => Some(self.config_id.clone()),
            "_HASH" => Some("#".into()),
            "_BANG" => Some("!".into()),
            "_ENV" => Some(std::env::var(params).unwrap_or_default()),
            "_RANDOM" => {
                let mut it = params.split_whitespace().map(|p| p.parse::<u64>().ok());
                let min = it.next().flatten().unwrap_or(0);
                let max = it.next().flatten().unwrap_or(32767).max(min);
                // xorshift64: deterministic for a given LoadOptions::random_seed
                self.rng ^= self.rng << 13;
                self.rng ^= self.rng >> 7;
                self.rng ^= self.rng << 17;
                let span = max - min;
                let v = if span == u64::MAX {
                    self.rng
                } else {
                    min + self.rng % (span + 1)
                };
                Some(v.to_string())
            }
            _ => None,
        }
    }

    fn generator(&mut self, c: Cleaned<'_>, file: FileId, line: u32, depth: usize) {
        let span = Span::new(file, line, c.col(0));
        let hex = c.text.starts_with("~SEQx");
        let is_lst = c.text.starts_with("~LST");
        let kw_len = if hex { 5 } else { 4 };
        let bad = |s: &mut Sink, msg: &str| {
            s.push(Diagnostic::error("bad-generator", span, msg.to_string()).with_hint(
                "syntax: ~SEQ(var, [start, [step,]] end) or ~LST(var, v1, v2, ...) followed by the line to repeat",
            ))
        };
        let after = &c.text[kw_len..];
        let Some(rest_open) = after.strip_prefix('(') else {
            bad(&mut self.sink, "expected `(` after the generator name");
            return;
        };
        let Some(close_rel) = find_close_paren(rest_open) else {
            bad(&mut self.sink, "missing `)` in generator");
            return;
        };
        let args_text = &rest_open[..close_rel];
        let rest = c.slice(kw_len + 1 + close_rel + 1);
        let args = split_top_level(args_text);
        if args.len() < 2 {
            bad(
                &mut self.sink,
                "a generator needs a variable and at least one value",
            );
            return;
        }
        // Variables and value tuples
        let vars: Vec<String> = strip_tuple(&args[0])
            .iter()
            .map(|s| s.trim().to_string())
            .collect();
        if vars.iter().any(|v| !valid_name(v)) {
            bad(
                &mut self.sink,
                &format!("invalid generator variable `{}`", args[0].trim()),
            );
            return;
        }
        let mut rows: Vec<Vec<String>> = Vec::new();
        let mut seq_rows = None;
        if is_lst {
            for a in &args[1..] {
                let vals: Vec<String> = strip_tuple(a)
                    .iter()
                    .map(|s| s.trim().to_string())
                    .collect();
                if vals.len() > vars.len() {
                    bad(&mut self.sink, "more values in a ~LST tuple than variables");
                    return;
                }
                rows.push(vals);
            }
        } else {
            let nums: Option<Vec<i64>> = args[1..].iter().map(|a| parse_c_long(a.trim())).collect();
            let Some(nums) = nums else {
                bad(&mut self.sink, "~SEQ values must be integers");
                return;
            };
            let (start, step, end) = match nums.as_slice() {
                [end] => {
                    let s = if *end > 0 { 1 } else { -1 };
                    (s, s, *end)
                }
                [start, end] => (*start, if start <= end { 1 } else { -1 }, *end),
                [start, step, end] => (*start, *step, *end),
                _ => {
                    bad(&mut self.sink, "~SEQ takes at most start, step and end");
                    return;
                }
            };
            if step == 0 || (step > 0 && start > end) || (step < 0 && start < end) {
                bad(&mut self.sink, "~SEQ step is zero or goes the wrong way");
                return;
            }
            if hex && (start < 0 || end < 0) {
                bad(&mut self.sink, "~SEQx values must not be negative");
                return;
            }
            // values are produced lazily, after the count is within the budget
            seq_rows = Some((start, step, end));
        }
        // counted before any line is made: a generator over the budget makes none
        let count = match &seq_rows {
            Some((start, step, end)) => seq_len(*start, *step, *end),
            None => rows.len() as u128,
        };
        if !rest.text.is_empty() {
            let count = usize::try_from(count).unwrap_or(usize::MAX);
            if !self
                .budget
                .generate(count, rest.text.len() + 1, &mut self.sink, span)
            {
                return;
            }
        }
        let seq_rows = seq_rows.map(|(start, step, end)| {
            std::iter::successors(Some(start), move |v: &i64| v.checked_add(step))
                .take_while(move |v| if step > 0 { *v <= end } else { *v >= end })
                .map(move |v| vec![if hex { format!("{v:x}") } else { v.to_string() }])
        });
        let saved: Vec<Option<Def>> = vars.iter().map(|v| self.defs.remove(v)).collect();
        let rows: Box<dyn Iterator<Item = Vec<String>>> = match seq_rows {
            Some(seq) => Box::new(seq),
            None => Box::new(rows.into_iter()),
        };
        for row in rows {
            if self.budget.exhausted() {
                let _ = self.budget(span);
                break;
            }
            for (i, var) in vars.iter().enumerate() {
                let value = row.get(i).cloned().unwrap_or_default();
                self.defs.insert(
                    var.clone(),
                    Def {
                        value,
                        multiline: false,
                    },
                );
            }
            if !rest.text.is_empty() {
                self.logical(rest.clone(), file, line, depth + 1);
            }
        }
        for (var, old) in vars.iter().zip(saved) {
            match old {
                Some(d) => {
                    self.defs.insert(var.clone(), d);
                }
                None => {
                    self.defs.remove(var);
                }
            }
        }
    }

    fn include(&mut self, kind: &str, pattern: &str, span: Span) {
        if !self.opts.includes {
            self.sink.warn(
                "include-disabled",
                span,
                format!("`{kind} {pattern}` ignored: includes are disabled"),
            );
            return;
        }
        let dir = self.stack.last().map(|f| f.dir.clone()).unwrap_or_default();
        let resolved = resolve_include(pattern, &dir, MAX_FILES);
        if resolved.files.is_empty() {
            let strict_here = match kind {
                "includem" | "includea" => !resolved.had_wildcards || kind == "includea",
                "includew" => true,
                _ => false,
            };
            let msg = format!("no configuration file matches `{pattern}`");
            if strict_here {
                self.sink.error("include-missing", span, msg);
            } else {
                self.sink
                    .push(
                        Diagnostic::warning("include-missing", span, msg).with_hint(format!(
                            "relative paths are resolved against {}",
                            display_dir(&dir)
                        )),
                    );
            }
            return;
        }
        // Push in reverse so that the first match is read first.
        for path in resolved.files.into_iter().rev() {
            let canon = std::fs::canonicalize(&path).ok();
            if let Some(c) = &canon
                && self.stack.iter().any(|f| f.canon.as_ref() == Some(c))
            {
                self.sink.push(
                    Diagnostic::error(
                        "include-cycle",
                        span,
                        format!("include cycle: {} is already being read", path.display()),
                    )
                    .with_hint("remove the include that leads back to this file"),
                );
                continue;
            }
            if self.stack.len() >= MAX_INCLUDE_DEPTH {
                self.sink.error(
                    "include-depth",
                    span,
                    format!("includes nested more than {MAX_INCLUDE_DEPTH} deep"),
                );
                return;
            }
            if self.sources.files.len() >= MAX_FILES {
                self.sink.error(
                    "too-many-files",
                    span,
                    format!("more than {MAX_FILES} configuration files"),
                );
                return;
            }
            let size = std::fs::metadata(&path).map_or(0, |m| m.len());
            if !self.budget.read(size) {
                self.sink.push(
                    Diagnostic::error(
                        "config-too-large",
                        span,
                        format!(
                            "{} ({size} bytes) would take the configuration over {} bytes; it is not read",
                            path.display(),
                            self.budget.max_bytes
                        ),
                    )
                    .with_hint("raise the limit (--max-config-bytes) if this configuration is genuine"),
                );
                return;
            }
            match open(&path) {
                Ok(src) => {
                    let id = self
                        .sources
                        .add(path.display().to_string(), Some(&path), None);
                    self.stack.push(Frame {
                        file: id,
                        src,
                        line: 0,
                        dir: path.parent().map(Path::to_path_buf).unwrap_or_default(),
                        canon,
                    });
                }
                Err(e) => {
                    let msg = format!("cannot read included file {}: {e}", path.display());
                    if kind == "include" {
                        self.sink.warn("include-unreadable", span, msg);
                    } else {
                        self.sink.error("include-unreadable", span, msg);
                    }
                }
            }
        }
    }
}

/// The limit on logical lines ([`LoadOptions::max_lines`]), on the bytes of
/// configuration read and generated ([`LoadOptions::max_bytes`]), and on the
/// definition values substitution copies ([`MAX_EXPANDED_BYTES`]).
struct Budget {
    lines_out: usize,
    max: usize,
    reported: bool,
    /// Bytes of files read and of lines generated so far.
    bytes: usize,
    max_bytes: usize,
    /// Bytes of lines generated so far, also limited to a third of
    /// `max_bytes`: a generated line costs more memory than a line read (it
    /// is usually a whole section), and a few bytes of generator can ask for
    /// all of it.
    generated: usize,
    expanded_bytes: usize,
    expansion_reported: bool,
}

/// Adds `amount` to `used` when the sum stays within `max`.
fn reserve(used: &mut usize, amount: usize, max: usize) -> bool {
    match used.checked_add(amount) {
        Some(n) if n <= max => {
            *used = n;
            true
        }
        _ => false,
    }
}

impl Budget {
    /// Reserves `lines` generated lines of about `line_bytes` each before
    /// they are made; `false` (reported once) if that would take the
    /// generated lines over a third of [`LoadOptions::max_bytes`], or the
    /// whole configuration over all of it.
    fn generate(&mut self, lines: usize, line_bytes: usize, sink: &mut Sink, span: Span) -> bool {
        let cost = lines.saturating_mul(line_bytes.max(1));
        let (made, max_generated) = (self.generated, self.max_bytes / 3);
        let fits = self
            .generated
            .checked_add(cost)
            .is_some_and(|g| g <= max_generated)
            && reserve(&mut self.bytes, cost, self.max_bytes);
        if fits {
            self.generated += cost;
            return true;
        }
        self.over_expansion(
            sink,
            span,
            format!(
                "this would generate {lines} lines of {line_bytes} bytes, over the limit of {max_generated} generated bytes ({made} generated so far, a third of the configuration's {} bytes); nothing is generated",
                self.max_bytes
            ),
        );
        false
    }

    /// Reserves a file of `size` bytes before it is read; `false` over
    /// [`LoadOptions::max_bytes`] (the caller reports it).
    fn read(&mut self, size: u64) -> bool {
        let max = self.max_bytes;
        usize::try_from(size).is_ok_and(|n| reserve(&mut self.bytes, n, max))
    }

    /// Reserves `bytes` of substituted definition value before it is
    /// copied; `false` (reported once) over [`MAX_EXPANDED_BYTES`].
    fn expand(&mut self, bytes: usize, sink: &mut Sink, span: Span) -> bool {
        reserve(&mut self.expanded_bytes, bytes, MAX_EXPANDED_BYTES)
            || {
                self.over_expansion(
                sink,
                span,
                format!(
                    "definitions expand to more than {MAX_EXPANDED_BYTES} bytes in all; the line is ignored"
                ),
            );
                false
            }
    }

    fn over_expansion(&mut self, sink: &mut Sink, span: Span, msg: String) {
        if !self.expansion_reported {
            self.expansion_reported = true;
            sink.push(Diagnostic::error("expansion-budget", span, msg).with_hint(
                format!("the configuration, read and generated, may hold at most {} bytes (--max-config-bytes), a third of it generated, and substitution copy {MAX_EXPANDED_BYTES} bytes of definition values", self.max_bytes),
            ));
        }
    }

    /// More lines than the limit were counted already.
    fn exhausted(&self) -> bool {
        self.lines_out > self.max
    }

    /// Counts one more logical line; `false` (reported once) past the limit.
    fn take(&mut self, sink: &mut Sink, span: Span) -> bool {
        self.lines_out += 1;
        if self.exhausted() {
            if !self.reported {
                self.reported = true;
                sink.error(
                    "too-many-lines",
                    span,
                    format!(
                        "the configuration expands to more than {} lines; the rest is ignored",
                        self.max
                    ),
                );
            }
            return false;
        }
        true
    }
}

/// Number of values of `~SEQ(start, step, end)` (step and direction checked).
fn seq_len(start: i64, step: i64, end: i64) -> u128 {
    let span = (i128::from(end) - i128::from(start)).unsigned_abs();
    span / i128::from(step).unsigned_abs() + 1
}

fn display_dir(d: &Path) -> String {
    if d.as_os_str().is_empty() {
        "the current directory".into()
    } else {
        d.display().to_string()
    }
}

/// `$NAME=` at the start of a line: returns the name and the offset of the value.
fn parse_definition(text: &str) -> Option<(&str, usize)> {
    let rest = text.strip_prefix('$')?;
    let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))?;
    let name = &rest[..end];
    if !valid_name(name) || rest.as_bytes().get(end) != Some(&b'=') {
        return None;
    }
    Some((name, 1 + end + 1))
}

fn valid_name(n: &str) -> bool {
    let mut ch = n.chars();
    matches!(ch.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && ch.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `$NAME` or `${NAME}` as the whole line.
fn whole_reference(t: &str) -> Option<&str> {
    let r = t.strip_prefix('$')?;
    let name = match r.strip_prefix('{') {
        Some(inner) => inner.strip_suffix('}')?,
        None => r,
    };
    valid_name(name).then_some(name)
}

fn find_close_paren(s: &str) -> Option<usize> {
    let mut level = 0i32;
    for (i, c) in s.char_indices() {
        match c {
            '{' => level += 1,
            '}' => level -= 1,
            ')' if level <= 0 => return Some(i),
            _ => {}
        }
    }
    None
}

fn split_top_level(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut level = 0i32;
    let mut cur = String::new();
    for c in s.chars() {
        match c {
            '{' => {
                level += 1;
                cur.push(c);
            }
            '}' => {
                level -= 1;
                cur.push(c);
            }
            ',' if level <= 0 => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

fn strip_tuple(s: &str) -> Vec<&str> {
    let t = s.trim();
    match t.strip_prefix('{').and_then(|x| x.strip_suffix('}')) {
        Some(inner) => inner.split(',').collect(),
        None => vec![t],
    }
}

/// `strtol(s, .., 0)` without trailing garbage: decimal, `0x` hex, leading-0 octal.
fn parse_c_long(s: &str) -> Option<i64> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let v = if let Some(h) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        i64::from_str_radix(h, 16).ok()?
    } else if body.len() > 1 && body.starts_with('0') {
        i64::from_str_radix(&body[1..], 8).ok()?
    } else {
        body.parse::<i64>().ok()?
    };
    Some(if neg { -v } else { v })
}

/// keepalived's default config id: the node name up to the first `.`.
pub(crate) fn default_config_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_default();
    let host = host.trim();
    host.split('.').next().unwrap_or("").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definitions_parse() {
        assert_eq!(parse_definition("$A=1"), Some(("A", 3)));
        assert_eq!(parse_definition("$A =1"), None);
        assert_eq!(parse_definition("$1A=1"), None);
        assert_eq!(whole_reference("${X}"), Some("X"));
        assert_eq!(parse_c_long("0x90"), Some(144));
        assert_eq!(parse_c_long("-3"), Some(-3));
        assert_eq!(split_top_level("{A,B}, {1,2},{3,4}").len(), 3);
    }
}
