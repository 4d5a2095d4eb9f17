#![no_main]
//! Fuzz target `ipvs_parse`: kernel reply parsing of ipvs-sys. Any bytes go
//! through `parse_replies`, and every IPVS message that decodes goes through
//! the typed conversions (service, destination, daemon, timeouts, info) and
//! is re-encoded; nothing may panic.
use ipvs_sys::{AddressFamily, Reply, parse_replies};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = ipvs_sys::capture::read_nlmon_pcap(data);
    let Ok(replies) = parse_replies(data) else {
        return;
    };
    for reply in replies {
        if let Reply::Message { message, .. } = reply {
            let _ = message.service();
            let _ = message.destination(AddressFamily::Inet);
            let _ = message.destination(AddressFamily::Inet6);
            let _ = message.daemon();
            let _ = message.timeouts();
            let _ = message.info();
            let _ = message.encode_attributes();
        }
    }
});
