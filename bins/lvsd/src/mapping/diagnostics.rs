//! The mapping's diagnostics: [`keepalived_conf::Diagnostic`]s with their
//! own codes, shown as `file:line: error: MESSAGE; virtual_server skipped`
//! or `file:line: warning: MESSAGE` (the line, not the column: a virtual
//! server is reported where its block starts).

use keepalived_conf as kc;

use super::Mapped;
use crate::model::Location;

/// Code of the error that skips one virtual server (keepalived, too, drops
/// a virtual server it cannot program and runs the others).
pub const SKIPPED: &str = "virtual-server-skipped";

/// Code of a warning about something mapped otherwise than written (a
/// default used, a setting ignored) or left to another daemon.
pub const MAPPING: &str = "lvs-mapping";

impl Mapped {
    /// `file:line` of `d` ("?" for a file the configuration does not list,
    /// the bare file name for a diagnostic without a position).
    pub fn location(&self, d: &kc::Diagnostic) -> Location {
        match d.span {
            Some(span) => format!("{}:{}", self.file(span.file), span.line),
            None => "?".to_string(),
        }
    }

    /// The text of `d` as logged and printed by `lvsd -t`.
    pub fn line(&self, d: &kc::Diagnostic) -> String {
        let location = self.location(d);
        if d.is_error() {
            format!("{location}: error: {}; virtual_server skipped", d.message)
        } else {
            format!("{location}: warning: {}", d.message)
        }
    }

    fn file(&self, id: kc::FileId) -> &str {
        self.files
            .get(id.0 as usize)
            .map(String::as_str)
            .unwrap_or("?")
    }

    /// Sorts the diagnostics by file name, then line (stable).
    pub(super) fn sort_diagnostics(&mut self) {
        let mut diags = std::mem::take(&mut self.diagnostics);
        diags.sort_by(|a, b| self.order_key(a).cmp(&self.order_key(b)));
        self.diagnostics = diags;
    }

    fn order_key(&self, d: &kc::Diagnostic) -> (&str, u32) {
        match d.span {
            Some(span) => (self.file(span.file), span.line),
            None => ("?", 0),
        }
    }
}
