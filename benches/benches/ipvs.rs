//! Criterion benches of ipvs-sys message encoding and reply decoding (no
//! kernel). Results in BENCHMARKING.md.
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use ipvs_sys::{
    AddressFamily, Destination, ForwardMethod, IpvsCmd, Protocol, Reply, Request, Service,
    ServiceKey, parse_replies,
};

fn service(i: u32) -> Service {
    let addr = std::net::Ipv4Addr::from(0x0a64_0000 + i);
    Service::new(
        ServiceKey::Inet {
            protocol: Protocol::Tcp,
            addr: addr.into(),
            port: 80,
        },
        "wrr",
    )
}

fn dest(i: u32) -> Destination {
    let mut d = Destination::new(
        std::net::Ipv4Addr::from(0x0ac8_0000 + i).into(),
        8080,
        ForwardMethod::Masq,
    );
    d.weight = 5;
    d
}

/// A dump reply datagram of `n` NEW_DEST messages with stats, as the kernel sends.
fn dest_dump(n: u32) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..n {
        let mut d = dest(i).to_nlas();
        d.push(ipvs_sys::nla::DestNla::ActiveConns(i));
        d.push(ipvs_sys::nla::DestNla::Stats64(
            ipvs_sys::Stats::default().to_nlas64(),
        ));
        let msg = ipvs_sys::IpvsMessage {
            cmd: IpvsCmd::NewDest,
            nlas: vec![ipvs_sys::nla::IpvsNla::Dest(d)],
        };
        ipvs_sys::emit_message(&msg, 0x20, 1, 0x2, &mut out);
    }
    out
}

fn bench(c: &mut Criterion) {
    let svc = service(1);
    let d = dest(1);
    c.bench_function("ipvs encode NEW_DEST request", |b| {
        let mut buf = Vec::with_capacity(512);
        b.iter(|| {
            buf.clear();
            Request::NewDest(svc.clone(), d.clone()).emit(0x20, 7, &mut buf);
            black_box(buf.len())
        })
    });
    let reqs: Vec<Request> = (0..1000)
        .flat_map(|i| {
            let s = service(i);
            std::iter::once(Request::NewService(s.clone()))
                .chain((0..10).map(move |j| Request::NewDest(s.clone(), dest(i * 10 + j))))
        })
        .collect();
    c.bench_function("ipvs encode restore batch 1000x10 (11000 requests)", |b| {
        let mut buf = Vec::with_capacity(4 << 20);
        b.iter(|| {
            buf.clear();
            for (seq, r) in reqs.iter().enumerate() {
                r.emit(0x20, seq as u32, &mut buf);
            }
            black_box(buf.len())
        })
    });
    let dump = dest_dump(100);
    c.bench_function("ipvs decode GET_DEST dump of 100 destinations", |b| {
        b.iter(|| {
            let replies = parse_replies(black_box(&dump)).unwrap_or_default();
            let n = replies
                .iter()
                .filter_map(|r| match r {
                    Reply::Message { message, .. } => message.destination(AddressFamily::Inet).ok(),
                    _ => None,
                })
                .count();
            black_box(n)
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
