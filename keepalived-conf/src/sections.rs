//! Which top-level section a diagnostic lies in, so that each daemon can treat errors in
//! the sections it does not use as keepalived's process for those sections does: the VRRP
//! process of keepalived never reads `virtual_server`, the checker process never reads
//! `vrrp_instance` (keepalived/core/main.c starts one child per kind, each parsing only
//! its own keywords).

use crate::diag::{Diagnostic, Severity};
use crate::span::FileId;
use crate::tree::Node;
use crate::{LoadOptions, Parsed};

/// (file index, first line, last line, keyword) of every top-level block.
type Section = (usize, u32, u32, String);

/// The diagnostics of `parsed`, with the errors inside top-level sections that are not in
/// `used` turned into warnings that say so (`daemon` names the daemon in the message).
pub fn demote_unused(parsed: &Parsed, used: &[&str], daemon: &str) -> Vec<Diagnostic> {
    if !parsed.has_errors() {
        return parsed.diagnostics.clone();
    }
    let sections = section_ranges(parsed);
    parsed
        .diagnostics
        .iter()
        .cloned()
        .map(|mut d| {
            if d.severity == Severity::Error
                && let Some(sp) = d.span
                && let Some(kw) = section_of(&sections, sp.file.0 as usize, sp.line)
                && !used.contains(&kw)
            {
                d.severity = Severity::Warning;
                d.message = format!("{} (in `{kw}`, which {daemon} does not use)", d.message);
            }
            d
        })
        .collect()
}

fn section_ranges(parsed: &Parsed) -> Vec<Section> {
    let mut out = Vec::new();
    for (file, nodes, last_line) in trees(parsed) {
        for n in nodes {
            if let Some(b) = &n.block {
                let end = b.close.map_or(last_line, |c| c.line);
                out.push((
                    usize::from(file.0),
                    n.span().line,
                    end,
                    n.keyword().to_string(),
                ));
            }
        }
    }
    out
}

/// Every file of `parsed` read again on its own (no includes), as statement trees.
pub(crate) fn section_trees(parsed: &Parsed) -> Vec<(FileId, Vec<Node>)> {
    trees(parsed).into_iter().map(|(f, n, _)| (f, n)).collect()
}

fn trees(parsed: &Parsed) -> Vec<(FileId, Vec<Node>, u32)> {
    let mut out = Vec::new();
    let opts = LoadOptions {
        includes: false,
        ..LoadOptions::default()
    };
    for (i, f) in parsed.sources.files.iter().enumerate() {
        let Ok(id) = u16::try_from(i) else { break };
        let text = match (&f.text, &f.path) {
            (Some(t), _) => t.clone(),
            (None, Some(p)) => match std::fs::read(p) {
                Ok(b) => String::from_utf8_lossy(&b).into_owned(),
                Err(_) => continue,
            },
            (None, None) => continue,
        };
        let last_line = u32::try_from(text.lines().count()).unwrap_or(u32::MAX);
        let (nodes, _) = crate::parse_tree(&f.name, &text, &opts);
        out.push((FileId(id), nodes, last_line));
    }
    out
}

fn section_of(sections: &[Section], file: usize, line: u32) -> Option<&str> {
    sections
        .iter()
        .find(|(f, a, b, _)| *f == file && (*a..=*b).contains(&line))
        .map(|s| s.3.as_str())
}
