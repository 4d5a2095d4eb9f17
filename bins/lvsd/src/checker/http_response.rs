//! An HTTP response read as it streams, in bounded memory: the status line
//! and the header lines are scanned one at a time (each kept up to
//! [`MAX_LINE`] bytes, the head at most [`MAX_HEAD`] bytes), the body goes
//! through MD5 as it arrives and is never kept (keepalived's
//! `http_process_stream`, check_http.c, reads into a fixed buffer and
//! updates its MD5 the same way). Reading stops as soon as the verdict is
//! known: after the head when no `digest` is asked for or the status is not
//! accepted, at Content-Length, or after [`MAX_RESPONSE`] bytes.

use md5::{Digest, Md5};

use crate::model::UrlSpec;

/// Most response bytes read, head and body (the digest covers at most this much).
pub const MAX_RESPONSE: u64 = 16 << 20;

/// Most bytes of the status line and headers together.
pub const MAX_HEAD: usize = 64 * 1024;

/// Longest status or header line kept; the rest of a longer line is skipped.
pub const MAX_LINE: usize = 1024;

/// Whether to read on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// More bytes may change the verdict.
    More,
    /// The verdict is known; stop reading.
    Done,
}

/// Why a response fails its check.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResponseError {
    /// Nothing came.
    #[error("empty response")]
    Empty,
    /// The first line is not `HTTP/x code ...`.
    #[error("no HTTP status line")]
    NoStatusLine,
    /// The status and headers did not end within [`MAX_HEAD`] bytes.
    #[error("response header over {MAX_HEAD} bytes")]
    HeadTooLong,
    /// The status code is not accepted.
    #[error("status {0}")]
    Status(u16),
    /// The body's MD5 differs.
    #[error("digest {got} != {want}")]
    Digest {
        /// MD5 of the body received.
        got: String,
        /// The configured digest.
        want: String,
    },
}

/// A response being read for one url.
#[derive(Debug)]
pub struct ResponseReader<'u> {
    url: &'u UrlSpec,
    total: u64,
    head_bytes: usize,
    line: Vec<u8>,
    line_cut: bool,
    prev_cr: bool,
    status: Option<u16>,
    content_length: Option<u64>,
    in_body: bool,
    body_len: u64,
    md5: Md5,
    error: Option<ResponseError>,
}

impl<'u> ResponseReader<'u> {
    /// A reader judging against `url`.
    pub fn new(url: &'u UrlSpec) -> Self {
        ResponseReader {
            url,
            total: 0,
            head_bytes: 0,
            line: Vec::with_capacity(MAX_LINE),
            line_cut: false,
            prev_cr: false,
            status: None,
            content_length: None,
            in_body: false,
            body_len: 0,
            md5: Md5::new(),
            error: None,
        }
    }

    /// Takes the next bytes of the response.
    pub fn feed(&mut self, mut chunk: &[u8]) -> Step {
        if self.error.is_some() {
            return Step::Done;
        }
        if let Some(room) = MAX_RESPONSE.checked_sub(self.total) {
            let room = usize::try_from(room).unwrap_or(usize::MAX);
            chunk = &chunk[..chunk.len().min(room)];
        }
        self.total += chunk.len() as u64;
        while !chunk.is_empty() && !self.in_body {
            let b = chunk[0];
            chunk = &chunk[1..];
            self.head_bytes += 1;
            if self.head_bytes > MAX_HEAD {
                self.error = Some(ResponseError::HeadTooLong);
                return Step::Done;
            }
            if b == b'\n' && self.prev_cr {
                if let Some(Step::Done) = self.end_line() {
                    return Step::Done;
                }
            } else {
                if self.prev_cr {
                    self.push(b'\r');
                }
                self.prev_cr = b == b'\r';
                if !self.prev_cr {
                    self.push(b);
                }
            }
        }
        if self.in_body && !chunk.is_empty() {
            let take = match self.content_length {
                Some(n) => chunk
                    .len()
                    .min(usize::try_from(n - self.body_len).unwrap_or(usize::MAX)),
                None => chunk.len(),
            };
            self.md5.update(&chunk[..take]);
            self.body_len += take as u64;
        }
        if self.in_body && self.content_length.is_some_and(|n| self.body_len >= n) {
            return Step::Done;
        }
        if self.total >= MAX_RESPONSE {
            return Step::Done;
        }
        Step::More
    }

    fn push(&mut self, b: u8) {
        if self.line.len() < MAX_LINE {
            self.line.push(b);
        } else {
            self.line_cut = true;
        }
    }

    /// A CRLF ended the current line.
    fn end_line(&mut self) -> Option<Step> {
        self.prev_cr = false;
        let cut = std::mem::take(&mut self.line_cut);
        if self.status.is_none() {
            let status = parse_status_line(&self.line);
            self.line.clear();
            return match status {
                Some(code) => {
                    self.status = Some(code);
                    if !self.accepted(code) {
                        self.error = Some(ResponseError::Status(code));
                        Some(Step::Done)
                    } else {
                        None
                    }
                }
                None => {
                    self.error = Some(ResponseError::NoStatusLine);
                    Some(Step::Done)
                }
            };
        }
        if self.line.is_empty() && !cut {
            self.in_body = true;
            if self.url.digest.is_none() || self.content_length == Some(0) {
                return Some(Step::Done);
            }
            return None;
        }
        if !cut && let Some(n) = content_length(&self.line) {
            self.content_length = Some(self.content_length.map_or(n, |m| m.min(n)));
        }
        self.line.clear();
        None
    }

    fn accepted(&self, code: u16) -> bool {
        self.url
            .status
            .iter()
            .any(|(a, b)| (*a..=*b).contains(&code))
    }

    /// The response ended (or reading stopped): the verdict.
    pub fn finish(mut self) -> Result<(), ResponseError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        if self.total == 0 {
            return Err(ResponseError::Empty);
        }
        let code = match self.status {
            Some(c) => c,
            // The whole response was a status line without CRLF.
            None => parse_status_line(&self.line).ok_or(ResponseError::NoStatusLine)?,
        };
        if !self.accepted(code) {
            return Err(ResponseError::Status(code));
        }
        if let Some(want) = &self.url.digest {
            let got = hex(&self.md5.finalize_reset());
            if &got != want {
                return Err(ResponseError::Digest {
                    got,
                    want: want.clone(),
                });
            }
        }
        Ok(())
    }
}

/// `HTTP/... CODE ...`: the code.
fn parse_status_line(line: &[u8]) -> Option<u16> {
    let mut parts = line
        .split(|b| b.is_ascii_whitespace())
        .filter(|p| !p.is_empty());
    if !parts.next()?.starts_with(b"HTTP/") {
        return None;
    }
    std::str::from_utf8(parts.next()?).ok()?.parse().ok()
}

/// `Content-Length: N`: N.
fn content_length(line: &[u8]) -> Option<u64> {
    let colon = line.iter().position(|&b| b == b':')?;
    let (k, v) = (&line[..colon], &line[colon + 1..]);
    if !k.trim_ascii().eq_ignore_ascii_case(b"content-length") {
        return None;
    }
    std::str::from_utf8(v.trim_ascii()).ok()?.parse().ok()
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(digest: Option<&str>) -> UrlSpec {
        UrlSpec {
            path: "/x".into(),
            digest: digest.map(String::from),
            status: vec![(200, 299)],
            virtualhost: None,
        }
    }

    fn judge_chunks(u: &UrlSpec, chunks: &[&[u8]]) -> (Result<(), ResponseError>, usize) {
        let mut r = ResponseReader::new(u);
        let mut fed = 0;
        for c in chunks {
            fed += 1;
            if r.feed(c) == Step::Done {
                break;
            }
        }
        (r.finish(), fed)
    }

    #[test]
    fn byte_at_a_time_equals_all_at_once() {
        let raw = b"HTTP/1.0 200 OK\r\nX: a\rb\r\nContent-Length: 6\r\n\r\nhello\ntrailing";
        let u = url(Some(&hex(&Md5::digest(b"hello\n"))));
        let bytes: Vec<&[u8]> = raw.chunks(1).collect();
        assert_eq!(judge_chunks(&u, &bytes).0, Ok(()));
        assert_eq!(judge_chunks(&u, &[raw]).0, Ok(()));
    }

    #[test]
    fn a_status_line_alone_without_crlf() {
        assert_eq!(judge_chunks(&url(None), &[b"HTTP/1.0 204 x"]).0, Ok(()));
        assert_eq!(
            judge_chunks(&url(None), &[b"junk\r\n\r\n"]).0,
            Err(ResponseError::NoStatusLine)
        );
    }

    #[test]
    fn reading_stops_after_the_head_without_digest_and_at_a_bad_status() {
        let body = vec![0xffu8; 4096];
        let (r, fed) = judge_chunks(&url(None), &[b"HTTP/1.1 200 OK\r\n\r\n", &body, &body]);
        assert_eq!((r, fed), (Ok(()), 1));
        let (r, fed) = judge_chunks(&url(Some("0")), &[b"HTTP/1.1 500 no\r\n", &body]);
        assert_eq!((r, fed), (Err(ResponseError::Status(500)), 1));
    }

    #[test]
    fn the_head_is_bounded_and_long_lines_are_cut() {
        let line = vec![b'a'; 10 * MAX_LINE];
        let u = url(None);
        let mut r = ResponseReader::new(&u);
        assert_eq!(r.feed(b"HTTP/1.1 200 OK\r\nX-Big: "), Step::More);
        assert_eq!(r.feed(&line), Step::More);
        assert_eq!(r.line.capacity(), MAX_LINE);
        for _ in 0..10 {
            if r.feed(&line) == Step::Done {
                break;
            }
        }
        assert_eq!(r.finish(), Err(ResponseError::HeadTooLong));
    }

    #[test]
    fn the_body_read_is_bounded() {
        let u = url(Some("x"));
        let mut r = ResponseReader::new(&u);
        r.feed(b"HTTP/1.1 200 OK\r\n\r\n");
        let chunk = vec![0u8; 1 << 20];
        let mut n = 0u64;
        while r.feed(&chunk) == Step::More {
            n += 1;
            assert!(n < 100, "reading did not stop");
        }
        assert_eq!(r.total, MAX_RESPONSE);
        assert!(matches!(r.finish(), Err(ResponseError::Digest { .. })));
    }
}
