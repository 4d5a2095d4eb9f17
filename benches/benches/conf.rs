//! Criterion bench `conf`: keepalived-conf parsing throughput.
//!
//! * `parse/vs1000x4`: 1,000 virtual_servers x 4 real_servers (TCP_CHECK) + 25
//!   vrrp_instances (~34,000 lines) through the whole pipeline (preprocess, tree,
//!   typed model, validation), from memory;
//! * `parse/seq_expansion`: a `~SEQ` line and a multi-line `$DEF` producing 2,000
//!   vrrp_instances (preprocessor cost);
//! * `format/vs1000x4`: `format_source` of the same text.
//!
//! The end-to-end comparison with keepalived (10,000 x 4 + 250, files on disk, peak RSS)
//! is benches/conf-vs-keepalived.sh; its numbers are in BENCHMARKING.md.
use std::fmt::Write as _;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use keepalived_conf::{LoadOptions, format_source, parse_str};

fn generated(vs: usize, vi: usize) -> String {
    let mut s = String::from("global_defs {\n    router_id bench\n}\n");
    for i in 0..vi {
        let _ = write!(
            s,
            "vrrp_instance VI_{i} {{\n    state BACKUP\n    interface eth0\n    virtual_router_id {}\n    priority 100\n    advert_int 1\n    virtual_ipaddress {{\n        10.100.{}.1/24\n    }}\n}}\n",
            i % 255 + 1,
            i % 250
        );
    }
    for v in 0..vs {
        let _ = write!(
            s,
            "virtual_server 10.{}.{}.10 80 {{\n    delay_loop 6\n    lb_algo wrr\n    lb_kind NAT\n    protocol TCP\n",
            v / 250,
            v % 250
        );
        for r in 1..=4 {
            let _ = write!(
                s,
                "    real_server 172.16.{}.{} 8080 {{\n        weight {r}\n        TCP_CHECK {{\n            connect_timeout 3\n            connect_port 8080\n        }}\n    }}\n",
                v % 250,
                r * 10
            );
        }
        s.push_str("}\n");
    }
    s
}

fn bench(c: &mut Criterion) {
    let opts = LoadOptions {
        config_id: Some("bench".into()),
        ..LoadOptions::default()
    };
    let text = generated(1000, 25);
    let lines = text.lines().count() as u64;
    let mut g = c.benchmark_group("parse");
    g.throughput(Throughput::Elements(lines));
    g.bench_function("vs1000x4", |b| {
        b.iter(|| {
            let p = parse_str("bench.conf", black_box(&text), &opts);
            assert!(!p.has_errors());
            p.config.virtual_servers.len()
        })
    });
    let seq = "$VI= \\\nvrrp_instance VI_${N} { \\\n    interface eth0 \\\n    virtual_router_id ${ID} \\\n    virtual_ipaddress { \\\n        10.${N}.${ID}.1/24 \\\n    } \\\n}\n~SEQ(N, 0, 7) ~SEQ(ID, 1, 250) $VI\n";
    g.throughput(Throughput::Elements(2000));
    g.bench_function("seq_expansion", |b| {
        b.iter(|| {
            let p = parse_str("seq.conf", black_box(seq), &opts);
            assert_eq!(p.config.vrrp_instances.len(), 2000);
        })
    });
    g.finish();
    let mut f = c.benchmark_group("format");
    f.throughput(Throughput::Elements(lines));
    f.bench_function("vs1000x4", |b| {
        b.iter(|| format_source(black_box(&text)).len())
    });
    f.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
