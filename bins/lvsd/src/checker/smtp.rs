//! SMTP_CHECK (docs/keepalived.md §5.3): connect, expect a `220` banner, send `HELO
//! <helo_name>`, expect `250`, send `QUIT`.

use tokio::net::TcpStream;

use super::{Outcome, net};
use crate::model::CheckerSpec;

/// Reads one (possibly multi-line) reply; returns its code.
async fn reply(
    s: &mut TcpStream,
    spec: &CheckerSpec,
    pending: &mut Vec<u8>,
) -> Result<u16, String> {
    let mut buf = [0u8; 1024];
    loop {
        // Complete lines: the last line of a reply is `NNN ` (space, not `-`).
        while let Some(i) = pending.windows(2).position(|w| w == b"\r\n") {
            let line: Vec<u8> = pending.drain(..i + 2).collect();
            if line.len() >= 4 && line[3] != b'-' {
                return std::str::from_utf8(&line[..3])
                    .ok()
                    .and_then(|c| c.parse().ok())
                    .ok_or_else(|| format!("bad reply {:?}", String::from_utf8_lossy(&line)));
            }
        }
        match net::read_timeout(s, &mut buf, spec).await {
            Ok(0) => return Err("connection closed".into()),
            Ok(n) => pending.extend_from_slice(&buf[..n]),
            Err(e) => return Err(e.to_string()),
        }
        if pending.len() > 64 * 1024 {
            return Err("reply too long".into());
        }
    }
}

async fn session(spec: &CheckerSpec, helo: &str) -> Result<(), String> {
    let mut s = net::tcp_connect(spec)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    let mut pending = Vec::new();
    match reply(&mut s, spec, &mut pending).await? {
        220 => {}
        c => return Err(format!("banner {c}")),
    }
    net::write_timeout(&mut s, format!("HELO {helo}\r\n").as_bytes(), spec)
        .await
        .map_err(|e| e.to_string())?;
    match reply(&mut s, spec, &mut pending).await? {
        250 => {}
        c => return Err(format!("HELO reply {c}")),
    }
    net::write_timeout(&mut s, b"QUIT\r\n", spec)
        .await
        .map_err(|e| e.to_string())?;
    let _ = reply(&mut s, spec, &mut pending).await;
    Ok(())
}

/// One SMTP check.
pub async fn check(spec: &CheckerSpec, helo: &str) -> Outcome {
    match session(spec, helo).await {
        Ok(()) => Outcome::pass(),
        Err(e) => Outcome::fail(e),
    }
}
