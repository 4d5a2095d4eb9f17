//! SMTP_CHECK (docs/keepalived.md §5.3): connect, expect a `220` banner, send `HELO
//! <helo_name>`, expect `250`, send `QUIT`.

use std::io;

use tokio::net::TcpStream;

use super::{Outcome, net};
use crate::model::CheckerSpec;

/// Why an SMTP check failed, split by who is at fault: reaching the server
/// (connect, read, write) or what it answered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SmtpCheckError {
    /// The connection could not be made.
    #[error("connect: {0}")]
    Connect(#[source] io::Error),
    /// Reading or writing failed (including the checker's timeout).
    #[error("{0}")]
    Io(#[source] io::Error),
    /// The server closed the connection before its reply was complete.
    #[error("connection closed")]
    Closed,
    /// A reply went on past 64 KiB.
    #[error("reply too long")]
    TooLong,
    /// A reply line without a three-digit code.
    #[error("bad reply {0:?}")]
    BadReply(String),
    /// The greeting was not `220`.
    #[error("banner {0}")]
    Banner(u16),
    /// `HELO` was not answered with `250`.
    #[error("HELO reply {0}")]
    Helo(u16),
}

/// Reads one (possibly multi-line) reply; returns its code.
async fn reply(
    s: &mut TcpStream,
    spec: &CheckerSpec,
    pending: &mut Vec<u8>,
) -> Result<u16, SmtpCheckError> {
    let mut buf = [0u8; 1024];
    loop {
        // Complete lines: the last line of a reply is `NNN ` (space, not `-`).
        while let Some(i) = pending.windows(2).position(|w| w == b"\r\n") {
            let line: Vec<u8> = pending.drain(..i + 2).collect();
            if line.len() >= 4 && line[3] != b'-' {
                return std::str::from_utf8(&line[..3])
                    .ok()
                    .and_then(|c| c.parse().ok())
                    .ok_or_else(|| {
                        SmtpCheckError::BadReply(String::from_utf8_lossy(&line).into_owned())
                    });
            }
        }
        match net::read_timeout(s, &mut buf, spec).await {
            Ok(0) => return Err(SmtpCheckError::Closed),
            Ok(n) => pending.extend_from_slice(&buf[..n]),
            Err(e) => return Err(SmtpCheckError::Io(e)),
        }
        if pending.len() > 64 * 1024 {
            return Err(SmtpCheckError::TooLong);
        }
    }
}

async fn session(spec: &CheckerSpec, helo: &str) -> Result<(), SmtpCheckError> {
    let mut s = net::tcp_connect(spec)
        .await
        .map_err(SmtpCheckError::Connect)?;
    let mut pending = Vec::new();
    match reply(&mut s, spec, &mut pending).await? {
        220 => {}
        c => return Err(SmtpCheckError::Banner(c)),
    }
    net::write_timeout(&mut s, format!("HELO {helo}\r\n").as_bytes(), spec)
        .await
        .map_err(SmtpCheckError::Io)?;
    match reply(&mut s, spec, &mut pending).await? {
        250 => {}
        c => return Err(SmtpCheckError::Helo(c)),
    }
    net::write_timeout(&mut s, b"QUIT\r\n", spec)
        .await
        .map_err(SmtpCheckError::Io)?;
    let _ = reply(&mut s, spec, &mut pending).await;
    Ok(())
}

/// One SMTP check.
pub async fn check(spec: &CheckerSpec, helo: &str) -> Outcome {
    match session(spec, helo).await {
        Ok(()) => Outcome::pass(),
        Err(e) => Outcome::fail(e.to_string()),
    }
}
