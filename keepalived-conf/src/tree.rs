//! Block tree: statements (one per logical line, keepalived's rule) and `{ ... }` blocks.
//!
//! A `{` opens a block for the statement before it, whether on the same line or the next.
//! Unknown blocks are handled by the model stage; this stage only balances braces and
//! reports unbalanced ones, with a guess at which block lost its `}` based on indentation.

use crate::diag::{Diagnostic, Sink};
use crate::span::Span;
use serde::Serialize;

/// One word of a statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Word {
    /// The text, quotes removed. Words up to 24 bytes (nearly all) are stored inline:
    /// building one does not allocate.
    pub text: compact_str::CompactString,
    /// Where it was written.
    pub span: Span,
    /// Was it written in double quotes.
    pub quoted: bool,
}

/// A statement: keyword, arguments, and an optional block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Node {
    /// Keyword and arguments; empty only for a stray anonymous `{ ... }`.
    pub words: Vec<Word>,
    /// For script keywords (`notify*`, `script`, `misc_path`, ...): the raw text after the keyword.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw_args: Option<String>,
    /// The block, if the statement opened one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block: Option<Block>,
}

/// A `{ ... }` block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Block {
    /// Position of `{`.
    pub open: Span,
    /// Position of `}`; `None` when the block was never closed.
    pub close: Option<Span>,
    /// Statements inside.
    pub children: Vec<Node>,
}

impl Node {
    /// The keyword (first word); "" for an anonymous block.
    pub fn keyword(&self) -> &str {
        self.words.first().map_or("", |w| w.text.as_str())
    }

    /// Position of the statement (its first word, or the `{` of an anonymous block).
    pub fn span(&self) -> Span {
        match (self.words.first(), &self.block) {
            (Some(w), _) => w.span,
            (None, Some(b)) => b.open,
            (None, None) => Span::default(),
        }
    }

    /// The arguments (words after the keyword).
    pub fn args(&self) -> &[Word] {
        self.words.get(1..).unwrap_or(&[])
    }

    /// Keyword and arguments joined by spaces, for messages.
    pub fn header(&self) -> String {
        let mut s = String::new();
        for (i, w) in self.words.iter().take(4).enumerate() {
            if i > 0 {
                s.push(' ');
            }
            s.push_str(&w.text);
        }
        s
    }
}

/// Deepest nesting kept; deeper blocks are skipped with one error.
pub(crate) const MAX_DEPTH: usize = 32;

struct Open {
    node: Node,
    /// Column of the header's first word (its indentation).
    indent: u16,
}

/// A `}` whose indentation does not match the statement that opened its block.
#[derive(Debug, Clone)]
struct Mismatch {
    keyword: String,
    open: Span,
    close: Span,
}

/// The state of a [`TreeBuilder`] at the end of its input.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TreeEnd {
    /// No block open and no statement being read: the next line starts a top-level statement.
    pub(crate) top_level: bool,
    /// Blocks still open (reported as unclosed).
    pub(crate) unclosed: usize,
    /// `}`s indented unlike their opener, remembered for the unclosed-block hints.
    pub(crate) mismatches: usize,
    /// The "nested too deep" error was reported (it is reported once).
    pub(crate) overflow_reported: bool,
}

/// Incremental tree builder, fed one logical line at a time.
#[derive(Default)]
pub(crate) struct TreeBuilder {
    stack: Vec<Open>,
    root: Vec<Node>,
    /// Indentation of the statements in `root`/children, parallel to the last one.
    last_indent: u16,
    /// The last finished statement at the current level may still take a `{`.
    can_open: bool,
    /// `{`s beyond MAX_DEPTH not yet closed.
    overflow: usize,
    overflow_reported: bool,
    mismatches: Vec<Mismatch>,
    /// Words of the statement being read.
    pending: Vec<Word>,
    /// Raw arguments of the statement being read (script keywords).
    raw: Option<String>,
    /// Emptied word lists of statements given back with [`TreeBuilder::recycle`], reused
    /// for new statements.
    spare_words: Vec<Vec<Word>>,
    /// Emptied child lists of blocks given back, reused for new blocks.
    spare_children: Vec<Vec<Node>>,
    /// Statements kept inside one top-level statement (`limits::Item::SectionStatements`);
    /// `None`: no limit.
    section_max: Option<usize>,
    /// Statements read inside the current top-level statement, kept or not.
    in_section: usize,
    /// The last statement was dropped for the section limit (a `{` after it is skipped).
    last_dropped: bool,
}

/// At most this many emptied vectors of each kind are kept for reuse (memory stays bounded).
const SPARE_MAX: usize = 1024;

impl TreeBuilder {
    /// A builder keeping at most `max` statements inside one top-level statement: the
    /// statements after it are counted and dropped (their blocks skipped whole), and
    /// one `config-limit` error names the section when it closes.
    pub(crate) fn with_section_limit(max: usize) -> TreeBuilder {
        TreeBuilder {
            section_max: Some(max),
            ..TreeBuilder::default()
        }
    }

    /// Counts a statement about to be added inside the current top-level statement;
    /// `false` when it is past the limit and must be dropped.
    fn admit_in_section(&mut self) -> bool {
        if self.stack.is_empty() {
            return true;
        }
        self.in_section = self.in_section.saturating_add(1);
        self.section_max.is_none_or(|m| self.in_section <= m)
    }

    /// At the end of a top-level statement: the error when it held more statements than
    /// the limit, and the count reset for the next one. `true` when it was over the
    /// limit: the statement is then dropped whole (a configuration over a limit is
    /// refused; its section is not built).
    fn end_section(&mut self, node: &Node, sink: &mut Sink) -> bool {
        let count = std::mem::take(&mut self.in_section);
        if let Some(max) = self.section_max
            && count > max
        {
            let mut d = crate::limits::over_limit(
                crate::limits::Item::SectionStatements,
                count,
                max,
                node.span(),
            );
            d.message = format!(
                "`{}` holds {count} statements, over the limit of {max} in one section; those after the first {max} are not read",
                node.header()
            );
            sink.push_kept(d);
            return true;
        }
        false
    }

    fn current(&mut self) -> &mut Vec<Node> {
        match self.stack.last_mut() {
            Some(o) => {
                &mut o
                    .node
                    .block
                    .get_or_insert_with(|| Block {
                        open: Span::default(),
                        close: None,
                        children: Vec::new(),
                    })
                    .children
            }
            None => &mut self.root,
        }
    }

    /// Feeds one word or brace of the current logical line.
    pub(crate) fn item(&mut self, item: Item, sink: &mut Sink) {
        match item {
            Item::Word(w, r) => {
                if self.pending.is_empty() && r.is_some() {
                    self.raw = r;
                }
                self.pending.push(w);
            }
            Item::Open(span) => self.open(span, sink),
            Item::Close(span) => self.close(span, sink),
        }
    }

    /// Feeds a word that does not start a script statement ([`Item::Word`] without raw
    /// arguments).
    #[inline]
    pub(crate) fn word(&mut self, w: Word) {
        self.pending.push(w);
    }

    /// Feeds a `{` ([`Item::Open`]).
    pub(crate) fn open(&mut self, span: Span, sink: &mut Sink) {
        if self.overflow > 0 {
            if !self.pending.is_empty() {
                self.in_section = self.in_section.saturating_add(1);
            }
            self.pending.clear();
            self.overflow += 1;
            return;
        }
        if self.pending.is_empty() && self.can_open && self.last_dropped {
            self.last_dropped = false;
            self.overflow = 1;
            self.can_open = false;
            return;
        }
        self.last_dropped = false;
        if !self.pending.is_empty() && !self.admit_in_section() {
            // past the section's statement limit: the block is skipped whole
            self.pending.clear();
            self.raw = None;
            self.overflow = 1;
            self.can_open = false;
            return;
        }
        let node = if !self.pending.is_empty() {
            let n = Node {
                words: self.take_words(),
                raw_args: self.raw.take(),
                block: None,
            };
            self.last_indent = n.span().col;
            n
        } else if self.can_open && self.current().last().is_some_and(|n| n.block.is_none()) {
            match self.current().pop() {
                Some(n) => n,
                None => return,
            }
        } else {
            sink.push(
            Diagnostic::error("unexpected-brace", span, "unexpected `{`: no keyword before it")
                .with_hint("a block must follow its keyword, e.g. `virtual_ipaddress {`; its contents are ignored"),
        );
            Node {
                words: Vec::new(),
                raw_args: None,
                block: None,
            }
        };
        if self.stack.len() >= MAX_DEPTH {
            if !self.overflow_reported {
                self.overflow_reported = true;
                sink.error(
                    "too-deep",
                    span,
                    format!("blocks nested more than {MAX_DEPTH} deep; the inner ones are ignored"),
                );
            }
            self.overflow = 1;
            self.can_open = false;
            return;
        }
        let indent = if node.words.is_empty() {
            span.col
        } else {
            self.last_indent
        };
        let mut node = node;
        // most blocks hold a few statements: a reused list, or one allocation (not
        // grow-from-empty)
        let children = match self.spare_children.pop() {
            Some(v) => v,
            None => Vec::with_capacity(4),
        };
        node.block = Some(Block {
            open: span,
            close: None,
            children,
        });
        self.stack.push(Open { node, indent });
        self.can_open = false;
    }

    /// Feeds a `}` ([`Item::Close`]).
    pub(crate) fn close(&mut self, span: Span, sink: &mut Sink) {
        self.finish_pending();
        if self.overflow > 0 {
            self.overflow -= 1;
            return;
        }
        match self.stack.pop() {
            Some(mut open) => {
                if let Some(b) = open.node.block.as_mut() {
                    b.close = Some(span);
                    if span.line != b.open.line
                        && span.col != open.indent
                        && self.mismatches.len() < 64
                    {
                        self.mismatches.push(Mismatch {
                            keyword: open.node.header(),
                            open: open.node.span(),
                            close: span,
                        });
                    }
                }
                if self.stack.is_empty() && self.end_section(&open.node, sink) {
                    self.recycle(open.node);
                } else {
                    self.current().push(open.node);
                }
            }
            None => {
                sink.push(
                    Diagnostic::error(
                        "unexpected-close",
                        span,
                        "unexpected `}`: no block is open here",
                    )
                    .with_hint(
                        "a `}` earlier in the file may have closed the enclosing block already",
                    ),
                );
            }
        }
        self.can_open = false;
        self.last_dropped = false;
    }

    /// Takes back a statement that has been read: its word and child lists, emptied, are
    /// reused for the statements still to come instead of being freed and allocated again
    /// (two allocator calls less per statement on a large file).
    pub(crate) fn recycle(&mut self, n: Node) {
        let Node {
            mut words, block, ..
        } = n;
        if let Some(b) = block {
            let mut children = b.children;
            // nesting is limited to MAX_DEPTH: the recursion is too
            for child in children.drain(..) {
                self.recycle(child);
            }
            if self.spare_children.len() < SPARE_MAX && children.capacity() > 0 {
                self.spare_children.push(children);
            }
        }
        words.clear();
        if self.spare_words.len() < SPARE_MAX && words.capacity() > 0 {
            self.spare_words.push(words);
        }
    }

    /// Moves the statement's words out, leaving an empty list with room for the next
    /// statement's words (a reused one, or room for four: most statements have at most
    /// four words), so the list does not grow word by word every time.
    fn take_words(&mut self) -> Vec<Word> {
        let next = match self.spare_words.pop() {
            Some(v) => v,
            None => Vec::with_capacity(self.pending.len().max(4)),
        };
        std::mem::replace(&mut self.pending, next)
    }

    /// Ends the current logical line (a statement ends with its line).
    pub(crate) fn end_line(&mut self) {
        if self.overflow > 0 {
            if !self.pending.is_empty() {
                self.in_section = self.in_section.saturating_add(1);
            }
            self.pending.clear();
            return;
        }
        if !self.pending.is_empty() {
            self.finish_pending();
            self.can_open = true;
        }
    }

    fn finish_pending(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        if !self.admit_in_section() {
            // past the section's statement limit: dropped, and a `{` on the next line
            // opens a block skipped whole
            self.pending.clear();
            self.raw = None;
            self.last_dropped = true;
            return;
        }
        self.last_dropped = false;
        let n = Node {
            words: self.take_words(),
            raw_args: self.raw.take(),
            block: None,
        };
        self.last_indent = n.span().col;
        self.current().push(n);
        self.can_open = false;
    }

    /// What of the builder's state could change how the lines after this point are read
    /// (`crate::split` checks it where the first part of a split input ends).
    pub(crate) fn end_state(&self) -> TreeEnd {
        TreeEnd {
            top_level: self.stack.is_empty() && self.overflow == 0 && self.pending.is_empty(),
            unclosed: self.stack.len(),
            mismatches: self.mismatches.len(),
            overflow_reported: self.overflow_reported,
        }
    }

    /// Top-level statements that are complete (no `{` can still attach to them).
    pub(crate) fn take_completed(&mut self) -> Vec<Node> {
        if self.stack.is_empty() && self.can_open && !self.root.is_empty() {
            let last = self.root.pop();
            let done = std::mem::take(&mut self.root);
            self.root.extend(last);
            done
        } else if self.stack.is_empty() {
            std::mem::take(&mut self.root)
        } else {
            Vec::new()
        }
    }

    /// Closes whatever is still open at end of input, reporting each unclosed block.
    pub(crate) fn finish(mut self, sink: &mut Sink) -> Vec<Node> {
        while let Some(open) = self.stack.pop() {
            let opened = open.node.span();
            let name = open.node.header();
            let mut d = Diagnostic::error(
                "unclosed-block",
                opened,
                format!(
                    "unclosed block `{name}` (line {}): missing `}}` before end of file",
                    opened.line
                ),
            );
            // The first `}` inside this block whose indentation does not match its opener is
            // usually where the missing `}` belongs.
            if let Some(m) = self
                .mismatches
                .iter()
                .find(|m| m.open.line > opened.line && m.open.file == opened.file)
            {
                d = d.with_hint(format!(
                    "`{}` opened at line {} is closed by the `}}` at line {} column {}, which is indented differently; `{}` is probably missing its `}}`",
                    m.keyword, m.open.line, m.close.line, m.close.col, m.keyword
                ));
            } else {
                d = d.with_hint(format!(
                    "add `}}` to close `{name}` opened at line {}",
                    opened.line
                ));
            }
            sink.push(d);
            let node = open.node;
            if self.stack.is_empty() && self.end_section(&node, sink) {
                continue;
            }
            match self.stack.last_mut() {
                Some(p) => {
                    if let Some(b) = p.node.block.as_mut() {
                        b.children.push(node);
                    }
                }
                None => self.root.push(node),
            }
        }
        self.root
    }
}

/// An item of a logical line handed to the tree builder.
#[derive(Debug)]
pub(crate) enum Item {
    /// A word, with the raw rest of the line when it starts a script statement.
    Word(Word, Option<String>),
    /// `{`
    Open(Span),
    /// `}`
    Close(Span),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::FileId;

    fn w(t: &str, line: u32, col: u32) -> Item {
        Item::Word(
            Word {
                text: t.into(),
                span: Span::new(FileId(0), line, col),
                quoted: false,
            },
            None,
        )
    }
    fn sp(line: u32, col: u32) -> Span {
        Span::new(FileId(0), line, col)
    }

    impl TreeBuilder {
        fn push_line(&mut self, items: Vec<Item>, sink: &mut Sink) {
            for i in items {
                self.item(i, sink);
            }
            self.end_line();
        }
    }

    /// Statements built with recycled lists are the same as with fresh ones, and the
    /// kept lists stay bounded.
    #[test]
    fn recycled_lists_build_the_same_statements() {
        fn build(t: &mut TreeBuilder, sink: &mut Sink, line: u32, servers: u32) -> Node {
            t.push_line(
                vec![w("virtual_server", line, 1), Item::Open(sp(line, 16))],
                sink,
            );
            for i in 0..servers {
                let l = line + 1 + 2 * i;
                t.push_line(
                    vec![
                        w("real_server", l, 3),
                        w("10.0.0.1", l, 15),
                        Item::Open(sp(l, 24)),
                    ],
                    sink,
                );
                t.push_line(
                    vec![
                        w("weight", l + 1, 5),
                        w(&i.to_string(), l + 1, 12),
                        Item::Close(sp(l + 1, 14)),
                    ],
                    sink,
                );
            }
            t.push_line(vec![Item::Close(sp(line + 1 + 2 * servers, 1))], sink);
            t.push_line(vec![w("bogus", line + 2 + 2 * servers, 1)], sink);
            // the `bogus` statement of the call before, then this one (this call's `bogus`
            // could still take a `{`)
            let nodes = t.take_completed();
            assert!(nodes.len() <= 2, "{nodes:?}");
            let vs = nodes.into_iter().find(|n| n.keyword() == "virtual_server");
            vs.expect("the virtual_server is complete")
        }
        let mut sink = Sink::default();
        let mut fresh = TreeBuilder::default();
        let mut reused = TreeBuilder::default();
        // a big tree first: more lists than are kept
        let big = build(&mut reused, &mut sink, 1, 3000);
        reused.recycle(big);
        assert_eq!(reused.spare_words.len(), SPARE_MAX);
        assert_eq!(reused.spare_children.len(), SPARE_MAX);
        for servers in [0, 1, 5] {
            let a = build(&mut fresh, &mut sink, 7000, servers);
            let b = build(&mut reused, &mut sink, 7000, servers);
            assert_eq!(a, b);
            assert_eq!(
                b.block.as_ref().map(|b| b.children.len()),
                Some(servers as usize)
            );
            reused.recycle(b);
        }
        assert!(sink.finish().is_empty());
    }

    #[test]
    fn brace_on_next_line_and_unclosed() {
        let mut sink = Sink::default();
        let mut t = TreeBuilder::default();
        t.push_line(vec![w("global_defs", 1, 1)], &mut sink);
        t.push_line(vec![Item::Open(sp(2, 1))], &mut sink);
        t.push_line(vec![w("router_id", 3, 3), w("x", 3, 13)], &mut sink);
        t.push_line(vec![Item::Close(sp(4, 1))], &mut sink);
        t.push_line(
            vec![w("vrrp_instance", 5, 1), Item::Open(sp(5, 15))],
            &mut sink,
        );
        let mut nodes = t.take_completed();
        nodes.extend(t.finish(&mut sink));
        assert_eq!(nodes.len(), 2);
        assert_eq!(nodes[0].block.as_ref().map(|b| b.children.len()), Some(1));
        let d = sink.finish();
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].code, "unclosed-block");
    }
}
