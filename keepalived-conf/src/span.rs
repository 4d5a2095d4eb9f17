//! Source positions: which file, which line, which column.

use serde::Serialize;
use std::path::{Path, PathBuf};

/// Index of a source file in a [`SourceMap`] (at most 1000 files are read).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
#[serde(transparent)]
pub struct FileId(pub u16);

/// A position in the configuration: file, 1-based line and 1-based column (in characters).
///
/// Values produced by `$NAME` expansion or `~SEQ` replication point at the line that
/// produced them (the column of the `$` reference for expanded text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
pub struct Span {
    /// The file, an index into [`SourceMap::files`] (and `Config::files`).
    pub file: FileId,
    /// 1-based column (characters, not bytes; lines are at most 1023 bytes, expanded
    /// lines at most 64 KiB, so it always fits).
    pub col: u16,
    /// 1-based line number in that file.
    pub line: u32,
}

/// Spans order as positions in the text: file, then line, then column (the
/// fields are laid out column first only to pack the struct).
impl Ord for Span {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.file, self.line, self.col).cmp(&(other.file, other.line, other.col))
    }
}

impl PartialOrd for Span {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Span {
    /// A span at `file:line:col` (columns beyond 65535 are clamped).
    pub fn new(file: FileId, line: u32, col: u32) -> Span {
        Span {
            file,
            line,
            col: u16::try_from(col).unwrap_or(u16::MAX),
        }
    }
}

/// A value together with where it was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Spanned<T> {
    /// The parsed value.
    pub value: T,
    /// Where the value was written.
    pub span: Span,
}

impl<T> Spanned<T> {
    /// Wraps `value` with `span`.
    pub fn new(value: T, span: Span) -> Spanned<T> {
        Spanned { value, span }
    }
}

/// One source file taking part in a parse.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Display name (the path as given, or the name passed to `parse_str`).
    pub name: String,
    /// Path on disk, when the text came from a file.
    pub path: Option<PathBuf>,
    /// The text, when it was kept in memory (`parse_str`); files are re-read for rendering.
    pub text: Option<String>,
    /// The text (re-read once for a file) and where its lines start, made on
    /// the first [`SourceMap::line_text`]: rendering many diagnostics costs
    /// one read of the file, not one per diagnostic.
    lines: std::sync::OnceLock<Option<LineIndex>>,
}

/// Where a file's lines start, and its text when it was re-read from disk.
#[derive(Debug, Clone)]
struct LineIndex {
    reread: Option<String>,
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str, reread: Option<String>) -> LineIndex {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { reread, starts }
    }

    /// Line `idx` (0-based) of `text` without its newline and a trailing CR.
    fn line<'t>(&self, text: &'t str, idx: usize) -> Option<&'t str> {
        let start = *self.starts.get(idx)?;
        let end = self.starts.get(idx + 1).map_or(text.len(), |next| next - 1);
        text.get(start..end).map(|l| l.trim_end_matches('\r'))
    }
}

/// All files that took part in a parse, indexed by [`FileId`].
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    /// The files, in the order they were first opened.
    pub files: Vec<SourceFile>,
}

impl SourceMap {
    /// Registers a file and returns its id.
    pub fn add(&mut self, name: String, path: Option<&Path>, text: Option<String>) -> FileId {
        let id = FileId(u16::try_from(self.files.len()).unwrap_or(u16::MAX));
        self.files.push(SourceFile {
            name,
            path: path.map(Path::to_path_buf),
            text,
            lines: std::sync::OnceLock::new(),
        });
        id
    }

    /// Display name of a file ("?" for an unknown id).
    pub fn name(&self, id: FileId) -> &str {
        self.files
            .get(id.0 as usize)
            .map(|f| f.name.as_str())
            .unwrap_or("?")
    }

    /// The text of one line (1-based), if it can be found.
    pub fn line_text(&self, id: FileId, line: u32) -> Option<String> {
        let f = self.files.get(id.0 as usize)?;
        let idx = (line as usize).checked_sub(1)?;
        let index = f
            .lines
            .get_or_init(|| match (&f.text, &f.path) {
                (Some(t), _) => Some(LineIndex::new(t, None)),
                (None, Some(p)) => {
                    let text = String::from_utf8_lossy(&std::fs::read(p).ok()?).into_owned();
                    let mut index = LineIndex::new(&text, None);
                    index.reread = Some(text);
                    Some(index)
                }
                (None, None) => None,
            })
            .as_ref()?;
        let text = f.text.as_deref().or(index.reread.as_deref())?;
        index.line(text, idx).map(str::to_string)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_order_by_line_before_column() {
        let f = FileId(0);
        let mut v = [
            Span::new(f, 3, 1),
            Span::new(f, 2, 40),
            Span::new(FileId(1), 1, 1),
        ];
        v.sort();
        assert_eq!(
            v.map(|s| (s.file.0, s.line, s.col)),
            [(0, 2, 40), (0, 3, 1), (1, 1, 1)]
        );
    }

    #[test]
    fn a_file_is_read_once_for_all_its_lines() {
        let dir = std::env::temp_dir().join(format!("kaconf-span-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("a.conf");
        std::fs::write(&path, "one\r\ntwo\n\nfour").unwrap();
        let mut map = SourceMap::default();
        let id = map.add("a.conf".into(), Some(&path), None);
        assert_eq!(map.line_text(id, 1).as_deref(), Some("one"));
        // later lines come from the text read for the first one
        std::fs::write(&path, "changed\n").unwrap();
        assert_eq!(map.line_text(id, 2).as_deref(), Some("two"));
        assert_eq!(map.line_text(id, 3).as_deref(), Some(""));
        assert_eq!(map.line_text(id, 4).as_deref(), Some("four"));
        assert_eq!(map.line_text(id, 5), None);
        assert_eq!(map.line_text(id, 0), None);
        std::fs::remove_dir_all(&dir).unwrap();
        let text = map.add("t".into(), None, Some("a\nb".into()));
        assert_eq!(map.line_text(text, 2).as_deref(), Some("b"));
    }
}
