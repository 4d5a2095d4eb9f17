//! A small SMTP client for keepalived's e-mail alerts (`notification_email`,
//! `smtp_server`, ...), with keepalived's dialogue (core/smtp.c): wait for the
//! `220` greeting, `HELO <helo_name>` (default `localhost`), `MAIL FROM:<from>`,
//! one `RCPT TO:<addr>` per recipient, `DATA`, the message, `QUIT`; each reply must
//! carry the expected code (multi-line replies: the last line counts) and each step
//! has `connect_timeout`. No TLS, no AUTH (keepalived has neither).
//!
//! The message (RFC 5322 §3.6) has keepalived's headers: `Date`, `From`, `Subject`,
//! `X-Mailer: Keepalived`, `To` (recipients joined by `, `, smtp.c
//! `build_to_header_rcpt_addrs`), then the body.

use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Where and how alerts are sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    /// `smtp_server IP [PORT]` (port default 25).
    pub server: SocketAddr,
    /// `smtp_helo_name` (keepalived: `localhost` when unset).
    pub helo_name: String,
    /// `notification_email_from`; `Name <addr>` is accepted (the `<addr>` part is used
    /// in MAIL FROM).
    pub from: String,
    /// `notification_email` recipients.
    pub to: Vec<String>,
    /// `smtp_connect_timeout` (keepalived default 30 s): for the connect and each reply.
    pub timeout: Duration,
}

/// Why an alert was not delivered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SmtpError {
    /// The server could not be reached.
    #[error("cannot connect to SMTP server {server}: {source}")]
    Connect {
        /// The server.
        server: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// A step took longer than the timeout.
    #[error("SMTP server {server} timed out at {stage}")]
    Timeout {
        /// The server.
        server: SocketAddr,
        /// Which step (`greeting`, `HELO`, ...).
        stage: &'static str,
    },
    /// Reading or writing failed, or the server closed the connection.
    #[error("SMTP server {server} at {stage}: {source}")]
    Io {
        /// The server.
        server: SocketAddr,
        /// Which step.
        stage: &'static str,
        /// The OS error.
        source: std::io::Error,
    },
    /// The server answered with another code than expected (its fault or our config's).
    #[error("SMTP server {server} refused {stage}: {reply}")]
    Refused {
        /// The server.
        server: SocketAddr,
        /// Which step.
        stage: &'static str,
        /// The reply line.
        reply: String,
    },
}

/// The address part of `Name <addr>`, else the whole string, in angle brackets
/// (keepalived mail_cmd / rcpt_cmd).
fn angle(addr: &str) -> String {
    match (addr.ends_with('>'), addr.rfind('<')) {
        (true, Some(i)) => addr[i..].to_string(),
        _ => format!("<{addr}>"),
    }
}

/// `Date:` value, RFC 5322 §3.3 (`Thu, 27 Nov 2026 01:50:00 +0000`), in UTC.
pub fn rfc5322_date(t: SystemTime) -> String {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = (secs / 86_400) as i64;
    let (h, m, s) = (secs % 86_400 / 3600, secs % 3600 / 60, secs % 60);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    const WD: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MON: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}, {day:02} {} {year} {h:02}:{m:02}:{s:02} +0000",
        WD[days.rem_euclid(7) as usize],
        MON[(month - 1) as usize]
    )
}

/// The DATA part: keepalived's headers, the body, the terminating `.` line. Body
/// lines starting with `.` are dot-stuffed (RFC 5321 §4.5.2).
pub fn message(cfg: &SmtpConfig, subject: &str, body: &str, date: &str) -> String {
    let to = cfg.to.join(", ");
    let body: String = body
        .split('\n')
        .map(|l| {
            let l = l.trim_end_matches('\r');
            if l.starts_with('.') {
                format!(".{l}\r\n")
            } else {
                format!("{l}\r\n")
            }
        })
        .collect();
    format!(
        "Date: {date}\r\nFrom: {}\r\nSubject: {subject}\r\nX-Mailer: Keepalived\r\nTo: {to}\r\n\r\n{body}\r\n.\r\n",
        cfg.from
    )
}

/// Runs one IO step with the timeout, naming the step in errors.
async fn timed<T>(
    server: SocketAddr,
    stage: &'static str,
    timeout: Duration,
    io: impl std::future::Future<Output = std::io::Result<T>>,
) -> Result<T, SmtpError> {
    match tokio::time::timeout(timeout, io).await {
        Err(_) => Err(SmtpError::Timeout { server, stage }),
        Ok(Err(source)) => Err(SmtpError::Io {
            server,
            stage,
            source,
        }),
        Ok(Ok(v)) => Ok(v),
    }
}

/// Longest reply line accepted (RFC 5321 §4.5.3.1.5 allows 512 octets; some
/// servers send more).
const MAX_REPLY_LINE: usize = 4096;

struct Conn {
    stream: BufReader<TcpStream>,
    cfg: SmtpConfig,
}

impl Conn {
    async fn reply(&mut self, stage: &'static str, want: u16) -> Result<(), SmtpError> {
        let server = self.cfg.server;
        let read = async {
            let mut line = String::new();
            loop {
                line.clear();
                // Bounded: a server sending an endless line must not grow memory.
                let n = (&mut self.stream)
                    .take(MAX_REPLY_LINE as u64 + 1)
                    .read_line(&mut line)
                    .await?;
                if n == 0 {
                    return Err(std::io::Error::from(std::io::ErrorKind::UnexpectedEof));
                }
                if n > MAX_REPLY_LINE {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        format!("reply line longer than {MAX_REPLY_LINE} bytes"),
                    ));
                }
                // "250-..." continues, "250 ..." (or "250") ends a reply.
                if line.as_bytes().get(3) != Some(&b'-') {
                    return Ok(line.trim_end().to_string());
                }
            }
        };
        let line = timed(server, stage, self.cfg.timeout, read).await?;
        if line.get(..3).and_then(|c| c.parse::<u16>().ok()) == Some(want) {
            Ok(())
        } else {
            Err(SmtpError::Refused {
                server,
                stage,
                reply: line,
            })
        }
    }

    async fn command(
        &mut self,
        stage: &'static str,
        text: &str,
        want: u16,
    ) -> Result<(), SmtpError> {
        let server = self.cfg.server;
        let w = self.stream.get_mut().write_all(text.as_bytes());
        timed(server, stage, self.cfg.timeout, w).await?;
        self.reply(stage, want).await
    }
}

/// Sends one alert. Does nothing when there are no recipients.
pub async fn send(cfg: &SmtpConfig, subject: &str, body: &str) -> Result<(), SmtpError> {
    if cfg.to.is_empty() {
        return Ok(());
    }
    let server = cfg.server;
    let stream = match tokio::time::timeout(cfg.timeout, TcpStream::connect(server)).await {
        Err(_) => {
            return Err(SmtpError::Timeout {
                server,
                stage: "connect",
            });
        }
        Ok(Err(source)) => return Err(SmtpError::Connect { server, source }),
        Ok(Ok(s)) => s,
    };
    let mut c = Conn {
        stream: BufReader::new(stream),
        cfg: cfg.clone(),
    };
    c.reply("greeting", 220).await?;
    c.command("HELO", &format!("HELO {}\r\n", cfg.helo_name), 250)
        .await?;
    c.command(
        "MAIL FROM",
        &format!("MAIL FROM:{}\r\n", angle(&cfg.from)),
        250,
    )
    .await?;
    for to in &cfg.to {
        c.command("RCPT TO", &format!("RCPT TO:{}\r\n", angle(to)), 250)
            .await?;
    }
    c.command("DATA", "DATA\r\n", 354).await?;
    let msg = message(cfg, subject, body, &rfc5322_date(SystemTime::now()));
    c.command("message", &msg, 250).await?;
    // keepalived ends on the 221 reply to QUIT; a server that just closes is fine too.
    let _ = c.command("QUIT", "QUIT\r\n", 221).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;

    fn cfg(server: SocketAddr) -> SmtpConfig {
        SmtpConfig {
            server,
            helo_name: "lb1.example".into(),
            from: "Keepalived <ka@example.com>".into(),
            to: vec!["ops@example.com".into(), "<noc@example.com>".into()],
            timeout: Duration::from_secs(5),
        }
    }

    /// A one-shot SMTP listener that records what the client sent.
    async fn server(
        replies: &'static [&'static str],
    ) -> (SocketAddr, tokio::task::JoinHandle<String>) {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        let h = tokio::spawn(async move {
            let (s, _) = l.accept().await.unwrap();
            let mut s = BufReader::new(s);
            let mut seen = String::new();
            s.get_mut().write_all(b"220 test ESMTP\r\n").await.unwrap();
            for r in replies {
                // One command (or, after DATA, the whole message up to ".\r\n").
                let mut line = String::new();
                if seen.ends_with("DATA\r\n") {
                    while !line.ends_with("\r\n.\r\n") {
                        if s.read_line(&mut line).await.unwrap() == 0 {
                            break;
                        }
                    }
                } else if s.read_line(&mut line).await.unwrap() == 0 {
                    break;
                }
                seen += &line;
                s.get_mut().write_all(r.as_bytes()).await.unwrap();
            }
            let mut rest = String::new();
            let _ = s.read_to_string(&mut rest).await;
            seen + &rest
        });
        (addr, h)
    }

    #[tokio::test]
    async fn keepalived_dialogue_and_message() {
        let (addr, h) = server(&[
            "250-test\r\n250 HELP\r\n",
            "250 ok\r\n",
            "250 ok\r\n",
            "250 ok\r\n",
            "354 go\r\n",
            "250 queued\r\n",
            "221 bye\r\n",
        ])
        .await;
        send(
            &cfg(addr),
            "[lb1] Realserver up",
            "=> CHECK succeed <=\n.dot",
        )
        .await
        .unwrap();
        let seen = h.await.unwrap();
        let (dialogue, data) = seen.split_once("DATA\r\n").unwrap();
        assert_eq!(
            dialogue,
            "HELO lb1.example\r\nMAIL FROM:<ka@example.com>\r\nRCPT TO:<ops@example.com>\r\nRCPT TO:<noc@example.com>\r\n"
        );
        assert!(data.starts_with("Date: "), "{data}");
        assert!(data.contains(
            "\r\nFrom: Keepalived <ka@example.com>\r\nSubject: [lb1] Realserver up\r\nX-Mailer: Keepalived\r\nTo: ops@example.com, <noc@example.com>\r\n\r\n=> CHECK succeed <=\r\n..dot\r\n\r\n.\r\nQUIT\r\n"
        ), "{data}");
    }

    #[tokio::test]
    async fn a_refused_recipient_is_an_error() {
        let (addr, h) = server(&[
            "250 hi\r\n",
            "250 ok\r\n",
            "550 no such user\r\n",
            "221 bye\r\n",
        ])
        .await;
        let e = send(&cfg(addr), "s", "b").await.unwrap_err();
        assert!(
            matches!(&e, SmtpError::Refused { stage: "RCPT TO", reply, .. } if reply == "550 no such user"),
            "{e}"
        );
        drop(h);
    }

    #[tokio::test]
    async fn an_endless_reply_line_is_an_error_not_unbounded_memory() {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        let h = tokio::spawn(async move {
            let (mut s, _) = l.accept().await.unwrap();
            let chunk = [b'2'; 1024];
            // Without a newline, until the client gives up.
            while s.write_all(&chunk).await.is_ok() {}
        });
        let mut c = cfg(addr);
        c.timeout = Duration::from_secs(20);
        let e = send(&c, "s", "b").await.unwrap_err();
        assert!(
            matches!(&e, SmtpError::Io { stage: "greeting", source, .. }
                if source.kind() == std::io::ErrorKind::InvalidData),
            "{e}"
        );
        h.await.unwrap();
    }

    #[test]
    fn dates_are_rfc5322() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_744_200);
        assert_eq!(rfc5322_date(t), "Fri, 27 Nov 2026 01:50:00 +0000");
        assert_eq!(
            rfc5322_date(SystemTime::UNIX_EPOCH),
            "Thu, 01 Jan 1970 00:00:00 +0000"
        );
    }
}
