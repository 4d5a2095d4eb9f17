//! Keywords this crate reads that a daemon does not act on, with what keepalived 2.2.7
//! would have done instead. [`not_acted_on`] turns every use of one in a configuration
//! into a warning, so that a daemon never says "OK, 0 warnings" about a file whose
//! meaning it silently drops.
//!
//! The rows are those of the keyword tables ([`crate::table`]) that carry a
//! [`NotActed`](crate::table::NotActed); the daemons ask these tables rather than
//! keeping lists of their own.

use crate::Parsed;
use crate::diag::{Diagnostic, MAX_DIAGNOSTICS};
use crate::sections::for_each_statement;
use crate::span::{FileId, Span};
use crate::table::{self, Model};
use crate::tree::Node;

pub use crate::table::Daemon;

/// A keyword a daemon accepts and does not act on.
#[non_exhaustive]
#[derive(Debug, Clone, Copy)]
pub struct NotActedOn {
    /// The block it is written in (`""` for the top level; `url` for a checker's url).
    pub section: &'static str,
    /// The keyword.
    pub keyword: &'static str,
    /// The daemons that read this section and ignore the keyword.
    pub daemons: &'static [Daemon],
    /// What keepalived 2.2.7 does with it, completing "keepalived would ...".
    pub keepalived_would: &'static str,
}

/// Every keyword a daemon reads and does not act on, from the keyword tables.
pub fn rows() -> Vec<NotActedOn> {
    table::SECTIONS
        .iter()
        .flat_map(|s| {
            s.keywords.iter().filter_map(|k| {
                k.not_acted_on.map(|n| NotActedOn {
                    section: s.name,
                    keyword: k.keyword,
                    daemons: n.daemons,
                    keepalived_would: n.keepalived_would,
                })
            })
        })
        .collect()
}

/// The row for `keyword` written in `section` that `daemon` does not act on.
pub fn lookup(section: &str, keyword: &str, daemon: Daemon) -> Option<NotActedOn> {
    let s = table::section(section)?;
    let k = s.get(keyword)?;
    let n = k.not_acted_on?;
    k.ignored_by(daemon).then_some(NotActedOn {
        section: s.name,
        keyword: k.keyword,
        daemons: n.daemons,
        keepalived_would: n.keepalived_would,
    })
}

/// A warning for every use in `parsed` of a keyword `daemon` does not act on, at its
/// file and line, naming what keepalived would have done. A flag written as `false`
/// (`smtp_alert false`) asks for nothing and is not reported.
///
/// As many are kept as the parser keeps diagnostics (1000); past that they are only
/// counted, and one more warning without a position says how many were not kept.
/// The files are read again one top-level statement at a time.
pub fn not_acted_on(parsed: &Parsed, daemon: Daemon) -> Vec<Diagnostic> {
    let mut out = Warnings::default();
    for_each_statement(parsed, |file, n, _| {
        walk(std::slice::from_ref(n), "", file, daemon, &mut out, 0);
    });
    out.finish()
}

/// The warnings of [`not_acted_on`], at most [`MAX_DIAGNOSTICS`] kept.
#[derive(Default)]
struct Warnings {
    kept: Vec<Diagnostic>,
    dropped: usize,
}

impl Warnings {
    fn finish(mut self) -> Vec<Diagnostic> {
        if self.dropped > 0 {
            self.kept.push(Diagnostic {
                severity: crate::Severity::Warning,
                code: "too-many-diagnostics",
                span: None,
                message: format!(
                    "{} further keywords that are not acted on were not listed",
                    self.dropped
                ),
                hint: None,
            });
        }
        self.kept
    }
}

/// Nesting deeper than a checker's `url` holds nothing in the table.
const MAX_DEPTH: usize = 4;

fn walk(
    nodes: &[Node],
    section: &str,
    file: FileId,
    daemon: Daemon,
    out: &mut Warnings,
    depth: usize,
) {
    for n in nodes {
        let kw = n.keyword();
        if let Some(r) = lookup(section, kw, daemon)
            && !written_false(n)
        {
            if out.kept.len() < MAX_DIAGNOSTICS {
                let sp = n.span();
                out.kept.push(
                    Diagnostic::warning(
                        "not-acted-on",
                        Span { file, ..sp },
                        format!(
                            "`{kw}` is not acted on by {}: keepalived would {}",
                            daemon.name(),
                            r.keepalived_would
                        ),
                    )
                    .with_hint("run keepalived for this if you rely on it"),
                );
            } else {
                out.dropped += 1;
            }
        }
        if depth < MAX_DEPTH
            && let Some(b) = &n.block
        {
            walk(&b.children, kw, file, daemon, out, depth + 1);
        }
    }
}

/// `KEYWORD false|no|off`: an explicit "do not".
fn written_false(n: &Node) -> bool {
    n.args()
        .first()
        .and_then(|w| crate::values::parse_bool(&w.text))
        == Some(false)
}

/// The keyword matrix (docs/keywords.md): for each keyword of the sections with a
/// table, its value's type and range, keepalived's default and fallback, and what each
/// daemon does with it. A test keeps the checked-in file equal to this.
pub fn matrix_markdown() -> String {
    let mut s = String::from(
        "# keepalived.conf keywords: what vrrpd and lvsd do with them\n\n\
         Generated from keepalived-conf's keyword tables (`keepalived_conf::table`; \
         `BLESS=1 cargo test -p keepalived-conf --test keyword_matrix` rewrites it).\n\n\
         - **type and range**: the value as keepalived 2.2.7 takes it; a value out of range \
         is reported (a warning where keepalived reports it and runs without it).\n\
         - **default**: keepalived's value when the keyword is not written; `unset: X` \
         names the setting taken first (another section's keyword, written or not).\n\
         - **vrrpd** / **lvsd**: `acted on`, `warned` (accepted, not acted on: the daemon \
         warns at load and in `-t`, naming what keepalived would do), `-` (the other \
         daemon's keyword). A setting only a `warned` feature uses is not acted on either.\n\
         - **status**: `typed` (a field of the typed model) or `as written` (kept as a raw \
         setting), and for a warned keyword what keepalived would do. `keepalived X (not \
         2.2.7)` marks a keyword of a later keepalived: keepalived 2.2.7 reports it as \
         unknown and runs without it; these daemons read it and print a notice \
         (`keepalived-version`).\n",
    );
    for sec in table::SECTIONS {
        let title = if sec.name.is_empty() {
            "top level"
        } else {
            sec.name
        };
        s.push_str(&format!(
            "\n## {title}\n\n\
             | keyword | section | type and range | default | vrrpd | lvsd | status |\n\
             |---|---|---|---|---|---|---|\n"
        ));
        let mut rows: Vec<_> = sec.keywords.iter().collect();
        rows.sort_by_key(|k| k.keyword);
        for k in rows {
            let mut default = match (k.fallback, k.default) {
                ("", "") => "-".to_string(),
                ("", d) => d.to_string(),
                (f, "") => format!("unset: {f}"),
                (f, d) => format!("unset: {f}; else {d}"),
            };
            default = default.replace('|', "\\|");
            let mut status = match k.model {
                Model::AsWritten => "as written".to_string(),
                _ => "typed".to_string(),
            };
            if let Some(n) = k.not_acted_on {
                status.push_str(&format!("; keepalived would {}", n.keepalived_would));
            }
            if let Some(v) = k.later {
                status.push_str(&format!("; keepalived {v} (not 2.2.7)"));
            }
            s.push_str(&format!(
                "| `{}` | {title} | {} | {default} | {} | {} | {status} |\n",
                k.keyword,
                k.value.to_string().replace('|', "\\|"),
                k.status(Daemon::Vrrpd),
                k.status(Daemon::Lvsd),
            ));
        }
    }
    s
}
