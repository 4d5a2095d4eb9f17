//! Facts about keepalived.conf's syntax that several stages need, kept in a
//! leaf so the stages (source, lexer, preprocessor, tree) depend on it and not
//! on each other: the longest line and the keywords whose arguments are kept
//! as written.

/// Longest physical line keepalived accepts (`MAXBUF` 1024 including the NUL).
pub(crate) const MAX_LINE: usize = 1023;

/// Whether a keyword's arguments are a command line to keep raw.
pub(crate) fn is_script_keyword(kw: &str) -> bool {
    is_script_keyword_bytes(kw.as_bytes())
}

/// [`is_script_keyword`] on the keyword's bytes.
#[inline]
pub(crate) fn is_script_keyword_bytes(kw: &[u8]) -> bool {
    // Quick rejection of most keywords: those below start with n, s, m or q, except the
    // `*_script` ones.
    if !matches!(kw.first(), Some(b'n' | b's' | b'm' | b'q')) && !kw.ends_with(b"_script") {
        return false;
    }
    kw.starts_with(b"notify")
        || kw == b"script"
        || kw == b"misc_path"
        || kw == b"quorum_up"
        || kw == b"quorum_down"
        || kw.ends_with(b"_script")
}
