//! DNS_CHECK (docs/keepalived.md §5.3): a UDP query with RD=1 for `name`/`type`;
//! success is a response with the same ID, QR=1 and RCODE 0 (answers are not
//! inspected). Port 53 when the checker has none.

use super::{Outcome, net};
use crate::model::CheckerSpec;

/// Encodes a query (RFC 1035 §4.1).
pub fn query(id: u16, name: &str, qtype: u16) -> Vec<u8> {
    let mut q = Vec::with_capacity(32 + name.len());
    q.extend_from_slice(&id.to_be_bytes());
    q.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]); // RD; QDCOUNT 1
    for label in name.split('.').filter(|l| !l.is_empty()) {
        let l = &label.as_bytes()[..label.len().min(63)];
        q.push(l.len() as u8);
        q.extend_from_slice(l);
    }
    q.push(0);
    q.extend_from_slice(&qtype.to_be_bytes());
    q.extend_from_slice(&1u16.to_be_bytes()); // IN
    q
}

/// Judges a response to query `id`.
pub fn judge(id: u16, resp: &[u8]) -> Result<(), String> {
    if resp.len() < 12 {
        return Err("short response".into());
    }
    if u16::from_be_bytes([resp[0], resp[1]]) != id {
        return Err("ID mismatch".into());
    }
    if resp[2] & 0x80 == 0 {
        return Err("not a response".into());
    }
    match resp[3] & 0x0f {
        0 => Ok(()),
        r => Err(format!("RCODE {r}")),
    }
}

/// One DNS check.
pub async fn check(spec: &CheckerSpec, qtype: u16, name: &str) -> Outcome {
    let id = (std::process::id() as u16)
        ^ (std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0) as u16);
    let sock = match net::udp_connect(spec, 53).await {
        Ok(s) => s,
        Err(e) => return Outcome::fail(format!("socket: {e}")),
    };
    if let Err(e) = sock.send(&query(id, name, qtype)).await {
        return Outcome::fail(format!("send: {e}"));
    }
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + spec.timing.connect_timeout;
    loop {
        match tokio::time::timeout_at(deadline, sock.recv(&mut buf)).await {
            Err(_) => return Outcome::fail("no response"),
            Ok(Err(e)) => return Outcome::fail(format!("recv: {e}")),
            Ok(Ok(n)) => match judge(id, &buf[..n]) {
                Err(e) if e == "ID mismatch" => continue,
                Err(e) => return Outcome::fail(e),
                Ok(()) => return Outcome::pass(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_layout_and_judgement() {
        let q = query(0x1234, "example.org.", 6);
        assert_eq!(&q[..12], &[0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
        assert_eq!(&q[12..], b"\x07example\x03org\x00\x00\x06\x00\x01");
        assert_eq!(query(1, "", 2)[12..], [0, 0, 2, 0, 1]);
        let mut r = q.clone();
        r[2] |= 0x80;
        assert_eq!(judge(0x1234, &r), Ok(()));
        assert!(judge(0x1235, &r).is_err());
        assert!(judge(0x1234, &q).is_err(), "QR=0");
        r[3] = 0x83;
        assert_eq!(judge(0x1234, &r), Err("RCODE 3".into()));
    }
}
