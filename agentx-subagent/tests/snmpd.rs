//! Debian's snmpd as AgentX master on a unix socket in a temporary
//! directory; the session serves a tiny MIB over a std `UnixStream`, and
//! `snmpget`, `snmpwalk`, `snmpbulkwalk` and `snmpset` through snmpd see it.
//! Skipped (printing `SKIPPED:`) when snmpd or the net-snmp tools are not
//! installed (`apt-get install snmpd snmp`).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

use std::collections::BTreeMap;
use std::io::{ErrorKind, Read, Write};
use std::ops::Bound;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use agentx_subagent::{
    Config, Event, MibView, Oid, Registration, ResError, Session, SetPhase, Value,
};

const ROOT: &str = "1.3.6.1.4.1.9586.100.99";

fn oid(s: &str) -> Oid {
    s.parse().unwrap()
}

struct Mib<'a>(&'a BTreeMap<Oid, Value>);

impl MibView for Mib<'_> {
    fn get(&self, o: &Oid) -> Value {
        match self.0.get(o) {
            Some(v) => v.clone(),
            None if self.0.keys().any(|k| {
                k.0.len() == o.0.len() && k.0[..k.0.len() - 1] == o.0[..o.0.len() - 1]
            }) =>
            {
                Value::NoSuchInstance
            }
            None => Value::NoSuchObject,
        }
    }
    fn get_next(&self, o: &Oid) -> Option<(Oid, Value)> {
        self.0
            .range((Bound::Excluded(o.clone()), Bound::Unbounded))
            .next()
            .map(|(k, v)| (k.clone(), v.clone()))
    }
}

/// Kills and reaps snmpd when the test ends, however it ends.
struct Snmpd(Child);

impl Drop for Snmpd {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn tool(name: &str) -> Option<PathBuf> {
    ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]
        .iter()
        .map(|d| Path::new(d).join(name))
        .find(|p| p.exists())
}

/// Runs a net-snmp tool; its stdout and stderr together.
fn run(tool: &Path, dir: &Path, args: &[&str]) -> String {
    let out = Command::new(tool)
        .args(args)
        .env("SNMP_PERSISTENT_DIR", dir)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("{} {}:\n{text}", tool.display(), args.join(" "));
    text
}

/// Drives the session over the stream until `stop`; reports events.
fn drive(
    mut stream: UnixStream,
    mib: Arc<Mutex<BTreeMap<Oid, Value>>>,
    stop: Arc<AtomicBool>,
    events: mpsc::Sender<Event>,
) {
    let mut cfg = Config::new(oid(ROOT), "agentx-subagent test");
    cfg.registrations.push(Registration::new(oid(ROOT)));
    let mut session = Session::new(cfg, Instant::now());
    let mut staged: Vec<(Oid, Value)> = Vec::new();
    stream
        .set_read_timeout(Some(Duration::from_millis(20)))
        .unwrap();
    let mut buf = [0u8; 4096];
    while !stop.load(Ordering::Relaxed) {
        while let Some(b) = session.poll_transmit() {
            stream.write_all(&b).unwrap();
        }
        match stream.read(&mut buf) {
            Ok(0) => {
                session.connection_lost(Instant::now());
                stop.store(true, Ordering::Relaxed);
            }
            Ok(n) => session.handle_bytes(Instant::now(), &buf[..n], &Mib(&mib.lock().unwrap())),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) => panic!("read: {e}"),
        }
        if session.poll_timeout().is_some_and(|t| t <= Instant::now()) {
            session.handle_timeout(Instant::now());
        }
        while let Some(ev) = session.poll_event() {
            match &ev {
                // Only .2.0 is writable, and only with an Integer.
                Event::Set {
                    transaction_id,
                    phase: SetPhase::Test(vbs),
                } => {
                    let bad = vbs.iter().position(|vb| {
                        vb.name != oid(&format!("{ROOT}.2.0"))
                            || !matches!(vb.value, Value::Integer(_))
                    });
                    let (err, index) = match bad {
                        None => {
                            staged = vbs
                                .iter()
                                .map(|vb| (vb.name.clone(), vb.value.clone()))
                                .collect();
                            (ResError::NO_ERROR, 0)
                        }
                        Some(i) => (ResError::NOT_WRITABLE, u16::try_from(i + 1).unwrap()),
                    };
                    session.answer_set(*transaction_id, err, index).unwrap();
                }
                Event::Set {
                    transaction_id,
                    phase: SetPhase::Commit,
                } => {
                    mib.lock().unwrap().extend(staged.drain(..));
                    session
                        .answer_set(*transaction_id, ResError::NO_ERROR, 0)
                        .unwrap();
                }
                Event::Set {
                    transaction_id,
                    phase: SetPhase::Undo,
                } => {
                    session
                        .answer_set(*transaction_id, ResError::UNDO_FAILED, 0)
                        .unwrap();
                }
                _ => {}
            }
            let _ = events.send(ev);
        }
    }
}

#[test]
fn snmpd_serves_the_session_mib() {
    let (Some(snmpd), Some(get), Some(walk), Some(bulkwalk), Some(set)) = (
        tool("snmpd"),
        tool("snmpget"),
        tool("snmpwalk"),
        tool("snmpbulkwalk"),
        tool("snmpset"),
    ) else {
        eprintln!(
            "SKIPPED: snmpd or the net-snmp tools are not installed (apt-get install snmpd snmp)"
        );
        return;
    };
    let dir = std::env::temp_dir().join(format!("agentx-subagent-snmpd-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let port = std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let sock = dir.join("agentx");
    let conf = dir.join("snmpd.conf");
    std::fs::write(
        &conf,
        format!(
            "agentaddress udp:127.0.0.1:{port}\nrocommunity public 127.0.0.1\n\
             rwcommunity private 127.0.0.1\nmaster agentx\nagentxsocket unix:{}\n",
            sock.display()
        ),
    )
    .unwrap();
    let child = Command::new(&snmpd)
        .args(["-f", "-C", "-c"])
        .arg(&conf)
        .arg("-Lf")
        .arg(dir.join("snmpd.log"))
        .arg("-p")
        .arg(dir.join("snmpd.pid"))
        .env("SNMP_PERSISTENT_DIR", &dir)
        .env("MIBS", "")
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let _snmpd = Snmpd(child);

    let deadline = Instant::now() + Duration::from_secs(10);
    let stream = loop {
        match UnixStream::connect(&sock) {
            Ok(s) => break s,
            Err(_) if Instant::now() < deadline => thread::sleep(Duration::from_millis(50)),
            Err(e) => panic!(
                "snmpd did not open {}: {e}; log:\n{}",
                sock.display(),
                std::fs::read_to_string(dir.join("snmpd.log")).unwrap_or_default()
            ),
        }
    };

    let mut vars = BTreeMap::new();
    vars.insert(
        oid(&format!("{ROOT}.1.0")),
        Value::OctetString(b"hello".to_vec()),
    );
    vars.insert(oid(&format!("{ROOT}.2.0")), Value::Integer(42));
    vars.insert(oid(&format!("{ROOT}.3.1")), Value::Counter64(1 << 40));
    vars.insert(
        oid(&format!("{ROOT}.3.2")),
        Value::IpAddress([10, 8, 0, 51]),
    );
    let mib = Arc::new(Mutex::new(vars));
    let stop = Arc::new(AtomicBool::new(false));
    let (tx, rx) = mpsc::channel();
    let driver = {
        let (mib, stop) = (mib.clone(), stop.clone());
        thread::spawn(move || drive(stream, mib, stop, tx))
    };

    let mut seen = Vec::new();
    let registered = loop {
        match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(Event::Registered { error, .. }) => break error,
            Ok(ev) => seen.push(ev),
            Err(e) => panic!("no Registered event ({e}); events: {seen:?}"),
        }
    };
    assert!(matches!(seen[..], [Event::Opened { .. }]), "{seen:?}");
    assert_eq!(registered, ResError::NO_ERROR);

    let agent = format!("127.0.0.1:{port}");
    let common = ["-v2c", "-On", "-t", "2", "-r", "1", "-m", ""];
    let args = |community: &'static str, rest: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = common.iter().map(|s| s.to_string()).collect();
        v.extend(["-c".to_string(), community.to_string(), agent.clone()]);
        v.extend(rest.iter().map(|s| s.to_string()));
        v
    };
    let call = |t: &Path, community: &'static str, rest: &[&str]| {
        let a = args(community, rest);
        run(t, &dir, &a.iter().map(String::as_str).collect::<Vec<_>>())
    };

    let out = call(
        &get,
        "public",
        &[&format!(".{ROOT}.1.0"), &format!(".{ROOT}.9.0")],
    );
    assert!(
        out.contains(&format!(".{ROOT}.1.0 = STRING: \"hello\"")),
        "{out}"
    );
    assert!(
        out.contains(&format!(".{ROOT}.9.0 = No Such Object")),
        "{out}"
    );

    let expected = [
        format!(".{ROOT}.1.0 = STRING: \"hello\""),
        format!(".{ROOT}.2.0 = INTEGER: 42"),
        format!(".{ROOT}.3.1 = Counter64: 1099511627776"),
        format!(".{ROOT}.3.2 = IpAddress: 10.8.0.51"),
    ];
    for t in [&walk, &bulkwalk] {
        let out = call(t, "public", &[&format!(".{ROOT}")]);
        let lines: Vec<&str> = out.lines().filter(|l| !l.is_empty()).collect();
        assert_eq!(lines, expected, "{}", t.display());
    }

    let out = call(&set, "private", &[&format!(".{ROOT}.2.0"), "i", "250"]);
    assert!(
        out.contains(&format!(".{ROOT}.2.0 = INTEGER: 250")),
        "{out}"
    );
    let out = call(&get, "public", &[&format!(".{ROOT}.2.0")]);
    assert!(
        out.contains(&format!(".{ROOT}.2.0 = INTEGER: 250")),
        "{out}"
    );
    // Not writable: the TestSet answer makes snmpd refuse the whole Set.
    let out = call(&set, "private", &[&format!(".{ROOT}.1.0"), "s", "x"]);
    assert!(out.contains("notWritable"), "{out}");
    let out = call(&get, "public", &[&format!(".{ROOT}.1.0")]);
    assert!(out.contains("STRING: \"hello\""), "{out}");

    stop.store(true, Ordering::Relaxed);
    driver.join().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
