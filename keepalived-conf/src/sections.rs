//! Which top-level section a diagnostic lies in, so that each daemon can treat errors in
//! the sections it does not use as keepalived's process for those sections does: the VRRP
//! process of keepalived never reads `virtual_server`, the checker process never reads
//! `vrrp_instance` (keepalived/core/main.c starts one child per kind, each parsing only
//! its own keywords).

use crate::diag::{Diagnostic, Severity};
use crate::preprocess::Preprocessor;
use crate::source::LineSource;
use crate::span::FileId;
use crate::tree::Node;
use crate::{LoadOptions, Parsed, ReadOptions};

/// The diagnostics of `parsed`, with the errors inside top-level sections that are not in
/// `used` turned into warnings that say so (`daemon` names the daemon in the message);
/// a limit passed ([`crate::limits`]) stays an error.
///
/// The files are read again one top-level statement at a time (`for_each_statement`):
/// only the errors' positions and the sections holding them are kept, never the files'
/// whole trees.
pub fn demote_unused(parsed: &Parsed, used: &[&str], daemon: &str) -> Vec<Diagnostic> {
    if !parsed.has_errors() {
        return parsed.diagnostics.clone();
    }
    let sections = error_sections(parsed);
    parsed
        .diagnostics
        .iter()
        .cloned()
        .zip(sections)
        .map(|(mut d, kw)| {
            // a limit refuses the whole configuration, in every daemon alike
            if let Some(kw) = kw
                && !used.contains(&kw.as_str())
                && d.code != crate::limits::CODE
            {
                d.severity = Severity::Warning;
                d.message = format!("{} (in `{kw}`, which {daemon} does not use)", d.message);
            }
            d
        })
        .collect()
}

/// For each diagnostic of `parsed`: the keyword of the first top-level block (in file
/// order) whose lines, from its keyword to its `}` (or the end of its file when it is
/// never closed), hold that error; `None` for warnings and errors outside any block.
fn error_sections(parsed: &Parsed) -> Vec<Option<String>> {
    let mut found: Vec<Option<String>> = vec![None; parsed.diagnostics.len()];
    // (file, line, index into the diagnostics) of every error, sorted
    let mut errors: Vec<(usize, u32, usize)> = parsed
        .diagnostics
        .iter()
        .enumerate()
        .filter(|(_, d)| d.severity == Severity::Error)
        .filter_map(|(i, d)| d.span.map(|sp| (usize::from(sp.file.0), sp.line, i)))
        .collect();
    errors.sort_unstable();
    let mut assign = |file: usize, first: u32, last: u32, kw: &str| {
        let from = errors.partition_point(|e| (e.0, e.1) < (file, first));
        for &(_, _, i) in errors[from..]
            .iter()
            .take_while(|e| (e.0, e.1) <= (file, last))
        {
            found[i].get_or_insert_with(|| kw.to_string());
        }
    };
    let mut files = 0usize;
    for_each_statement(parsed, |file, n, end| {
        let file = usize::from(file.0);
        files = files.max(file + 1);
        if let Some(b) = &n.block {
            // a block never closed runs to the end of its file (its last statement)
            let last = b.close.map_or(end.last_line, |c| c.line);
            assign(file, n.span().line, last, n.keyword());
        }
    });
    found
}

/// Where a file read by [`for_each_statement`] ends.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FileEnd {
    /// The number of lines of the file. Known only once the file is read: before, it
    /// is `u32::MAX`; a block never closed is the file's last statement, handed over
    /// after the file is read.
    pub(crate) last_line: u32,
}

/// Every file of `parsed` read again on its own (no includes), each top-level statement
/// handed to `f` as soon as it is complete and forgotten after: memory holds one
/// statement at a time, not a file's whole tree, nor a copy of a file read from disk
/// (those are read in chunks, as [`crate::load`] reads them).
pub(crate) fn for_each_statement(parsed: &Parsed, mut f: impl FnMut(FileId, &Node, FileEnd)) {
    let opts = ReadOptions::new(
        &LoadOptions {
            includes: false,
            ..LoadOptions::default()
        },
        true,
    );
    for (i, sf) in parsed.sources.files.iter().enumerate() {
        let Ok(id) = u16::try_from(i) else { break };
        let src = match (&sf.text, &sf.path) {
            (Some(t), _) => LineSource::Text(std::sync::Arc::new(t.clone()), 0, t.len()),
            (None, Some(p)) => match crate::source::open(p) {
                Ok(src) => src,
                Err(_) => continue,
            },
            (None, None) => continue,
        };
        let mut pp = Preprocessor::new(&opts);
        pp.push_source(&sf.name, None, None, src, 0);
        let mut end = FileEnd {
            last_line: u32::MAX,
        };
        while let Some(nodes) = pp.next_batch() {
            if let Some(lines) = pp.lines_of_ended_input() {
                end.last_line = lines;
            }
            for n in nodes {
                f(FileId(id), &n, end);
                pp.recycle(n);
            }
        }
    }
}
