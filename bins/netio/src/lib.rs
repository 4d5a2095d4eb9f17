//! Linux IO for the rust-ha daemons: raw VRRP sockets, rtnetlink, GARP/NA, VMAC
#![warn(missing_docs)]
