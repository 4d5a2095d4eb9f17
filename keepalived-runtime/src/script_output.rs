//! What a script writes to stdout and stderr, bounded.
//!
//! keepalived points scripts' output at /dev/null (`set_std_fd`,
//! lib/utils.c). The daemons here log it instead, so a script can flood a
//! root daemon: the output is read in fixed chunks ([`CHUNK`]), a line is
//! kept up to [`Limits::line_bytes`] (the rest of it is dropped), at most
//! [`Limits::lines`] lines and [`Limits::bytes`] bytes are logged per run
//! and stream, and the log lines of every script together are rate-limited
//! ([`LogRate`]). What is not logged is still read, so a script that writes
//! a lot ends as it would writing to /dev/null, and is counted in one
//! summary line at the end of the run.

use std::sync::Mutex;
use std::time::Instant;

use tokio::io::{AsyncRead, AsyncReadExt};

/// Bytes read from the pipe at a time.
pub const CHUNK: usize = 4096;

/// What one run of a script may get logged, per stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest line kept; the rest of a longer line is dropped.
    pub line_bytes: usize,
    /// Lines logged per run.
    pub lines: usize,
    /// Bytes logged per run (kept parts of lines).
    pub bytes: usize,
}

/// The limits the daemons use: 512-byte lines, 32 lines, 8 KiB per run and stream.
pub const LIMITS: Limits = Limits {
    line_bytes: 512,
    lines: 32,
    bytes: 8 * 1024,
};

/// Splits a stream into lines within [`Limits`]; its memory is one line
/// buffer of `line_bytes`, whatever is fed.
#[derive(Debug)]
pub struct LineBudget {
    limits: Limits,
    line: Vec<u8>,
    line_cut: bool,
    lines: usize,
    bytes: usize,
    /// Bytes read and not logged (cut from lines, or over the budget).
    dropped: u64,
    /// Lines not logged (over the budget or the rate).
    dropped_lines: u64,
}

impl LineBudget {
    /// An empty budget.
    pub fn new(limits: Limits) -> Self {
        LineBudget {
            limits,
            line: Vec::with_capacity(limits.line_bytes),
            line_cut: false,
            lines: 0,
            bytes: 0,
            dropped: 0,
            dropped_lines: 0,
        }
    }

    fn exhausted(&self) -> bool {
        self.lines >= self.limits.lines || self.bytes >= self.limits.bytes
    }

    /// Takes the next bytes of the stream; calls `emit` for each complete
    /// line within the budget (without its newline). `emit` returns false
    /// when it did not log the line (rate limit).
    pub fn feed(&mut self, mut chunk: &[u8], emit: &mut impl FnMut(&[u8]) -> bool) {
        while !chunk.is_empty() {
            if self.exhausted() {
                let lines = chunk.iter().filter(|&&b| b == b'\n').count() as u64;
                self.dropped_lines += lines;
                self.dropped += chunk.len() as u64;
                return;
            }
            let (part, rest, ends) = match chunk.iter().position(|&b| b == b'\n') {
                Some(i) => (&chunk[..i], &chunk[i + 1..], true),
                None => (chunk, &[][..], false),
            };
            let room = self.limits.line_bytes - self.line.len();
            let keep = part.len().min(room);
            self.line.extend_from_slice(&part[..keep]);
            if keep < part.len() {
                self.line_cut = true;
                self.dropped += (part.len() - keep) as u64;
            }
            if ends {
                self.end_line(emit);
            }
            chunk = rest;
        }
    }

    fn end_line(&mut self, emit: &mut impl FnMut(&[u8]) -> bool) {
        self.lines += 1;
        self.bytes += self.line.len();
        if !emit(&self.line) {
            self.dropped_lines += 1;
            self.dropped += self.line.len() as u64;
        }
        self.line.clear();
        self.line_cut = false;
    }

    /// The stream ended: a last line without a newline is emitted.
    pub fn finish(&mut self, emit: &mut impl FnMut(&[u8]) -> bool) {
        if !self.line.is_empty() || self.line_cut {
            if self.exhausted() {
                self.dropped_lines += 1;
                self.dropped += self.line.len() as u64;
                self.line.clear();
            } else {
                self.end_line(emit);
            }
        }
    }

    /// Bytes read and not logged.
    pub fn dropped_bytes(&self) -> u64 {
        self.dropped
    }

    /// Lines read and not logged.
    pub fn dropped_lines(&self) -> u64 {
        self.dropped_lines
    }

    /// Capacity of the line buffer (its memory).
    pub fn buffer_capacity(&self) -> usize {
        self.line.capacity()
    }
}

/// A token bucket over the log lines of every script of the process.
#[derive(Debug)]
pub struct LogRate {
    per_second: f64,
    burst: f64,
    state: Mutex<Option<(Instant, f64)>>,
}

impl LogRate {
    /// `per_second` lines on average, up to `burst` at once.
    pub const fn new(per_second: f64, burst: f64) -> Self {
        LogRate {
            per_second,
            burst,
            state: Mutex::new(None),
        }
    }

    /// Whether one more line may be logged now.
    pub fn allow(&self, now: Instant) -> bool {
        let mut g = match self.state.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        let (last, tokens) = g.get_or_insert((now, self.burst));
        let refill = now.saturating_duration_since(*last).as_secs_f64() * self.per_second;
        *tokens = (*tokens + refill).min(self.burst);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// The process-wide rate of script log lines: 20 a second, bursts of 100.
pub static LOG_RATE: LogRate = LogRate::new(20.0, 100.0);

/// Reads `reader` to its end, logging within [`LIMITS`] and [`LOG_RATE`],
/// then one summary line if anything was left out.
pub(crate) async fn log_output<R: AsyncRead + Unpin>(
    mut reader: R,
    program: &str,
    stream: &'static str,
) {
    let mut budget = LineBudget::new(LIMITS);
    let mut emit = |line: &[u8]| {
        if !LOG_RATE.allow(Instant::now()) {
            return false;
        }
        let text = String::from_utf8_lossy(line);
        tracing::info!(script = %program, stream, "{text}");
        true
    };
    let mut buf = [0u8; CHUNK];
    loop {
        match reader.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => budget.feed(&buf[..n], &mut emit),
        }
    }
    budget.finish(&mut emit);
    if budget.dropped_bytes() > 0 || budget.dropped_lines() > 0 {
        tracing::warn!(
            script = %program,
            stream,
            dropped_bytes = budget.dropped_bytes(),
            dropped_lines = budget.dropped_lines(),
            "script output over the log limits ({} lines of {} bytes, {} bytes a run), not logged",
            LIMITS.lines,
            LIMITS.line_bytes,
            LIMITS.bytes,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const SMALL: Limits = Limits {
        line_bytes: 8,
        lines: 3,
        bytes: 100,
    };

    fn run(limits: Limits, chunks: &[&[u8]]) -> (Vec<Vec<u8>>, LineBudget) {
        let mut out = Vec::new();
        let mut b = LineBudget::new(limits);
        let mut emit = |l: &[u8]| {
            out.push(l.to_vec());
            true
        };
        for c in chunks {
            b.feed(c, &mut emit);
        }
        b.finish(&mut emit);
        (out, b)
    }

    #[test]
    fn lines_split_across_chunks_and_a_last_line_without_newline() {
        let (out, b) = run(SMALL, &[b"ab", b"c\nde", b"f\ng"]);
        assert_eq!(out, vec![b"abc".to_vec(), b"def".to_vec(), b"g".to_vec()]);
        assert_eq!(b.dropped_bytes(), 0);
    }

    #[test]
    fn long_lines_are_cut_and_the_buffer_never_grows() {
        let big = vec![0u8; 1 << 20];
        let mut chunks: Vec<&[u8]> = vec![&big; 16];
        chunks.push(b"\nok\n");
        let (out, b) = run(SMALL, &chunks);
        assert_eq!(out, vec![vec![0u8; 8], b"ok".to_vec()]);
        assert_eq!(b.dropped_bytes(), 16 * (1 << 20) - 8);
        assert_eq!(b.buffer_capacity(), 8);
    }

    #[test]
    fn lines_and_bytes_per_run_are_bounded() {
        let (out, b) = run(SMALL, &[b"1\n2\n3\n4\n5\n"]);
        assert_eq!(out.len(), 3);
        assert_eq!(b.dropped_lines(), 2);
        let bytes = Limits {
            line_bytes: 8,
            lines: 100,
            bytes: 10,
        };
        let (out, _) = run(bytes, &[b"12345678\n12345678\n12345678\n"]);
        assert_eq!(out.len(), 2, "the second line reaches 10 bytes");
    }

    #[test]
    fn the_rate_limits_bursts_and_refills() {
        let r = LogRate::new(10.0, 5.0);
        let t0 = Instant::now();
        let first: usize = (0..100).filter(|_| r.allow(t0)).count();
        assert_eq!(first, 5);
        assert!(r.allow(t0 + Duration::from_millis(100)));
        assert!(!r.allow(t0 + Duration::from_millis(100)));
    }
}
