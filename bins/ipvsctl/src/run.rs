//! Executing invocations against the kernel, with ipvsadm's messages and
//! exit codes (0 ok, 1 listing failed, 2 bad arguments, 255 the kernel
//! refused a command).

use std::io::{BufRead, Write};

use ipvs_sys::{Error, IpvsClient, Request, Service, SyncDaemon};

use crate::cli::{Cmd, Format, Invocation, Stop, opt, parse, split_line};
use crate::output::{self, Entry};

/// Where the table comes from and where requests go: the kernel, or a
/// recording fake in tests.
pub trait Backend {
    /// Runs one request; returns its reply messages.
    fn execute(&mut self, req: &Request) -> Result<Vec<ipvs_sys::IpvsMessage>, Error>;
    /// Runs many non-dump requests; one result each.
    fn execute_batch(&mut self, reqs: &[Request]) -> Result<Vec<Result<(), Error>>, Error>;
}

impl Backend for IpvsClient {
    fn execute(&mut self, req: &Request) -> Result<Vec<ipvs_sys::IpvsMessage>, Error> {
        IpvsClient::execute(self, req)
    }
    fn execute_batch(&mut self, reqs: &[Request]) -> Result<Vec<Result<(), Error>>, Error> {
        IpvsClient::execute_batch(self, reqs)
    }
}

/// Output streams and program name.
pub struct Io<'a> {
    /// `argv[0]` as shown in messages.
    pub prog: &'a str,
    /// Standard output.
    pub out: &'a mut dyn Write,
    /// Standard error.
    pub err: &'a mut dyn Write,
}

/// How a step ended.
enum Flow {
    /// Go on; the step's result (0 or -1).
    Result(i32),
    /// Exit now with this code.
    Exit(i32),
}

/// libipvs `ipvs_strerror`: the message ipvsadm prints for a failed command.
pub fn strerror(cmd: Cmd, errno: i32) -> String {
    use Cmd::*;
    let specific = match (cmd, errno) {
        (Add, libc::EEXIST) => Some("Service already exists"),
        (Add, libc::ENOENT) | (Edit, libc::ENOENT) => {
            Some("Scheduler or persistence engine not found")
        }
        (Edit, libc::ESRCH) | (Del, libc::ESRCH) | (Zero, libc::ESRCH) | (List, libc::ESRCH) => {
            Some("No such service")
        }
        (AddDest, libc::ESRCH) | (EditDest, libc::ESRCH) | (DelDest, libc::ESRCH) => {
            Some("Service not defined")
        }
        (AddDest, libc::EEXIST) => Some("Destination already exists"),
        (EditDest, libc::ENOENT) | (DelDest, libc::ENOENT) => Some("No such destination"),
        (StartDaemon, libc::EEXIST) => Some("Daemon has already run"),
        (StopDaemon, libc::ESRCH) => Some("No daemon is running"),
        _ => None,
    };
    if let Some(s) = specific {
        return s.to_string();
    }
    match errno {
        libc::EPERM => "Permission denied (you must be root)".into(),
        libc::EINVAL => {
            "Invalid operation.  Possibly wrong module version, address not unicast, ...".into()
        }
        libc::ENOPROTOOPT => "Protocol not available".into(),
        libc::ENOMEM => "Memory allocation problem".into(),
        libc::EOPNOTSUPP => "Operation not supported with IPv6".into(),
        libc::EAFNOSUPPORT => "Operation not supported with specified address family".into(),
        libc::EMSGSIZE => "Module is wrong version".into(),
        e => c_strerror(e),
    }
}

/// The C library's text for an errno (without Rust's " (os error N)").
pub fn c_strerror(errno: i32) -> String {
    let s = std::io::Error::from_raw_os_error(errno).to_string();
    match s.rfind(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

fn error_text(cmd: Cmd, e: &Error) -> String {
    match e.errno() {
        Some(errno) => strerror(cmd, errno),
        None => e.to_string(),
    }
}

/// The request a modifying command sends, if it is one.
pub fn request_for(inv: &Invocation) -> Option<Request> {
    let svc = inv.service.clone();
    Some(match inv.cmd {
        Cmd::Flush => Request::Flush,
        Cmd::Add => Request::NewService(svc),
        Cmd::Edit => Request::SetService(svc),
        Cmd::Del => Request::DelService(svc),
        Cmd::Zero => Request::Zero(inv.has(opt::SERVICE).then_some(svc)),
        Cmd::AddDest => Request::NewDest(svc, inv.dest.clone()),
        Cmd::EditDest => Request::SetDest(svc, inv.dest.clone()),
        Cmd::DelDest => Request::DelDest(svc, inv.dest.clone()),
        Cmd::Timeout => Request::SetTimeouts(inv.timeouts),
        Cmd::StartDaemon => Request::NewDaemon(inv.daemon.clone()),
        Cmd::StopDaemon => {
            let mut d = SyncDaemon::new(inv.daemon.state, "", inv.daemon.syncid);
            d.mcast_ifn.clear();
            Request::DelDaemon(d)
        }
        Cmd::List | Cmd::Restore | Cmd::Save => return None,
    })
}

/// Reads the whole table.
pub fn read_table(b: &mut dyn Backend) -> Result<Vec<Entry>, Error> {
    let msgs = b.execute(&Request::DumpServices)?;
    let mut entries = Vec::with_capacity(msgs.len());
    for m in &msgs {
        let service = m.service()?;
        let dests = read_dests(b, &service)?;
        entries.push(Entry { service, dests });
    }
    Ok(entries)
}

fn read_dests(b: &mut dyn Backend, s: &Service) -> Result<Vec<ipvs_sys::Destination>, Error> {
    let af = s.key.af();
    let msgs = b.execute(&Request::DumpDests(s.clone()))?;
    Ok(msgs
        .iter()
        .map(|m| m.destination(af))
        .collect::<Result<_, _>>()?)
}

fn read_info(b: &mut dyn Backend) -> Result<ipvs_sys::Info, Error> {
    let msgs = b.execute(&Request::GetInfo)?;
    let m = msgs
        .first()
        .ok_or(ipvs_sys::ParseError::Missing("GET_INFO reply"))?;
    Ok(m.info()?)
}

fn list_all(b: &mut dyn Backend, io: &mut Io<'_>, f: &Format) -> Flow {
    let res = (|| {
        let info = if f.rule {
            ipvs_sys::Info::default()
        } else {
            read_info(b)?
        };
        let mut entries = read_table(b)?;
        if !f.nosort {
            output::sort_entries(&mut entries);
        }
        Ok::<_, Error>(output::list_all(&info, &entries, f))
    })();
    match res {
        Ok(text) => {
            let _ = io.out.write_all(text.as_bytes());
            Flow::Result(0)
        }
        Err(e) => {
            let _ = writeln!(io.err, "{}", error_text(Cmd::List, &e));
            Flow::Exit(1)
        }
    }
}

fn list(b: &mut dyn Backend, io: &mut Io<'_>, inv: &Invocation) -> Flow {
    let o = inv.options;
    let conflict = |a: &[u32], c: &[u32]| {
        a.iter().any(|x| o & (1 << x) != 0) && c.iter().any(|x| o & (1 << x) != 0)
    };
    if conflict(
        &[opt::CONNECTION, opt::TIMEOUT, opt::DAEMON],
        &[opt::STATS, opt::RATE, opt::THRESHOLDS],
    ) || conflict(&[opt::TIMEOUT, opt::DAEMON], &[opt::PERSISTENTCONN])
    {
        let _ = writeln!(io.err, "options conflicts in the list command");
        return Flow::Exit(2);
    }
    if inv.has(opt::CONNECTION) {
        let _ = writeln!(
            io.err,
            "{}: listing connections (-c) is not supported",
            io.prog
        );
        return Flow::Exit(1);
    }
    if inv.has(opt::SERVICE) {
        // ipvsadm names the service with a zeroed entry: no scheduler, netmask 0.
        let mut key = Service::new(inv.service.key, "");
        key.netmask = 0;
        let res = (|| {
            let msgs = b.execute(&Request::GetService(key))?;
            let m = msgs
                .first()
                .ok_or(ipvs_sys::ParseError::Missing("GET_SERVICE reply"))?;
            let service = m.service()?;
            let mut dests = read_dests(b, &service)?;
            if !inv.format.nosort {
                output::msort(&mut dests, &|a, b| output::cmp_dests(a, b));
            }
            Ok::<_, Error>(Entry { service, dests })
        })();
        return match res {
            Ok(e) => {
                let mut text = String::new();
                output::title(&mut text, &inv.format);
                output::service_entry(&mut text, &e, &inv.format);
                let _ = io.out.write_all(text.as_bytes());
                Flow::Result(0)
            }
            Err(e) => {
                let _ = writeln!(io.err, "{}", error_text(Cmd::List, &e));
                Flow::Exit(1)
            }
        };
    }
    if inv.has(opt::TIMEOUT) {
        return match b.execute(&Request::GetTimeouts) {
            Ok(msgs) => {
                let t = msgs.first().map(|m| m.timeouts()).unwrap_or_default();
                let _ = io.out.write_all(output::timeouts(&t).as_bytes());
                Flow::Result(0)
            }
            Err(_) => Flow::Exit(1),
        };
    }
    if inv.has(opt::DAEMON) {
        return match b.execute(&Request::DumpDaemons) {
            Ok(msgs) => match msgs
                .iter()
                .map(|m| m.daemon())
                .collect::<Result<Vec<_>, _>>()
            {
                Ok(ds) => {
                    let _ = io.out.write_all(output::daemons(&ds).as_bytes());
                    Flow::Result(0)
                }
                Err(_) => Flow::Exit(1),
            },
            Err(_) => Flow::Exit(1),
        };
    }
    list_all(b, io, &inv.format)
}

/// Handles a parse stop; returns the flow.
fn stopped(io: &mut Io<'_>, stop: Stop) -> Flow {
    match stop {
        Stop::Fail(msg) => {
            let _ = writeln!(io.err, "{msg}");
            Flow::Exit(2)
        }
        Stop::TryHelp => {
            let _ = writeln!(
                io.err,
                "Try `{p} -h' or '{p} --help' for more information.",
                p = io.prog
            );
            Flow::Exit(255)
        }
        Stop::Popt(msg) => {
            let _ = writeln!(io.err, "{msg}");
            Flow::Result(-1)
        }
        Stop::Help => {
            let _ = io.out.write_all(crate::help::usage(io.prog).as_bytes());
            Flow::Exit(0)
        }
        Stop::Version => {
            let _ = writeln!(io.out, "{}", crate::help::version());
            Flow::Exit(0)
        }
    }
}

fn one(
    b: &mut dyn Backend,
    io: &mut Io<'_>,
    args: &[String],
    stdin: Option<&mut dyn BufRead>,
) -> Flow {
    let inv = match parse(args) {
        Ok(inv) => inv,
        Err(stop) => return stopped(io, stop),
    };
    match inv.cmd {
        Cmd::List => list(b, io, &inv),
        Cmd::Save => {
            let mut f = inv.format;
            f.rule = true;
            list_all(b, io, &f)
        }
        Cmd::Restore => match stdin {
            Some(input) => restore(b, io, input),
            None => stopped(io, Stop::TryHelp),
        },
        _ => {
            let Some(req) = request_for(&inv) else {
                return Flow::Result(0);
            };
            match b.execute(&req) {
                Ok(_) => Flow::Result(0),
                Err(e) => {
                    let _ = writeln!(io.err, "{}", error_text(inv.cmd, &e));
                    Flow::Result(-1)
                }
            }
        }
    }
}

/// `-R`: every line of stdin as a command. Modifying commands are sent in
/// batches (many per system call); anything else, or an argument error,
/// first sends what is pending, so effects and messages keep their order.
fn restore(b: &mut dyn Backend, io: &mut Io<'_>, input: &mut dyn BufRead) -> Flow {
    let mut pending: Vec<(Cmd, Request)> = Vec::new();
    let mut result = 0;
    let flush = |b: &mut dyn Backend,
                 io: &mut Io<'_>,
                 pending: &mut Vec<(Cmd, Request)>|
     -> Result<i32, Flow> {
        if pending.is_empty() {
            return Ok(0);
        }
        let reqs: Vec<Request> = pending.iter().map(|(_, r)| r.clone()).collect();
        let results = match b.execute_batch(&reqs) {
            Ok(r) => r,
            Err(e) => {
                let _ = writeln!(io.err, "{}", error_text(pending[0].0, &e));
                return Err(Flow::Exit(255));
            }
        };
        let mut last = 0;
        for ((cmd, _), r) in pending.iter().zip(results) {
            last = match r {
                Ok(()) => 0,
                Err(e) => {
                    let _ = writeln!(io.err, "{}", error_text(*cmd, &e));
                    -1
                }
            };
        }
        pending.clear();
        Ok(last)
    };
    let mut line = String::new();
    loop {
        line.clear();
        match input.read_line(&mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(_) => break,
        }
        let words = split_line(&line);
        if words.is_empty() {
            continue;
        }
        match parse(&words) {
            Ok(inv) if !matches!(inv.cmd, Cmd::List | Cmd::Save | Cmd::Restore) => {
                if let Some(req) = request_for(&inv) {
                    pending.push((inv.cmd, req));
                }
            }
            Ok(inv) if inv.cmd == Cmd::Restore => {
                // ipvsadm: -R while reading stdin is refused.
                match flush(b, io, &mut pending) {
                    Ok(_) => {}
                    Err(flow) => return flow,
                }
                return stopped(io, Stop::TryHelp);
            }
            _ => {
                match flush(b, io, &mut pending) {
                    Ok(_) => {}
                    Err(flow) => return flow,
                }
                match one(b, io, &words, None) {
                    Flow::Exit(c) => return Flow::Exit(c),
                    Flow::Result(r) => {
                        result = r;
                        continue;
                    }
                }
            }
        }
        // A pending request's result is known only after the batch; the
        // last line's result decides the exit code.
        result = 0;
    }
    match flush(b, io, &mut pending) {
        Ok(r) => {
            if r != 0 {
                result = r;
            }
            Flow::Result(result)
        }
        Err(flow) => flow,
    }
}

/// Runs ipvsctl with `args` (without the program name) against a backend.
pub fn run_with(
    b: &mut dyn Backend,
    io: &mut Io<'_>,
    args: &[String],
    stdin: &mut dyn BufRead,
) -> i32 {
    if args.is_empty() {
        return match list_all(b, io, &Format::default()) {
            Flow::Exit(c) => c,
            Flow::Result(r) => r & 0xff,
        };
    }
    match one(b, io, args, Some(stdin)) {
        Flow::Exit(c) => c,
        Flow::Result(r) => r & 0xff,
    }
}

/// Opens the kernel client as ipvsadm does (trying `modprobe ip_vs` once).
pub fn connect(io: &mut Io<'_>) -> Result<IpvsClient, i32> {
    let first = IpvsClient::new();
    let res = match first {
        Ok(c) => Ok(c),
        Err(Error::FamilyNotFound) => {
            let _ = std::process::Command::new("/sbin/modprobe")
                .args(["--", "ip_vs"])
                .stderr(std::process::Stdio::null())
                .status();
            IpvsClient::new()
        }
        Err(e) => Err(e),
    };
    res.map_err(|e| {
        let why = match e {
            Error::FamilyNotFound => strerror(Cmd::List, libc::ENOPROTOOPT),
            other => error_text(Cmd::List, &other),
        };
        let _ = writeln!(
            io.err,
            "Can't initialize ipvs: {why}\nAre you sure that IP Virtual Server is built in the kernel or as module?"
        );
        2
    })
}
