//! The nftables rules keepalived 2.2.7 installs for VRRP Accept_Mode = False
//! (RFC 9568 §6.1: a Master that is not the address owner does not accept
//! packets addressed to the VIPs), as netlink batches, without the `nft`
//! binary or libnftnl.
//!
//! - [`ruleset`]: the objects (table, chains `in`/`out`, set `vips`, drop
//!   rules) as nf_tables messages, in keepalived's order, shaped by
//!   [`Settings`] (`nftables`, `nftables_priority`, `nftables_counters`);
//! - [`netlink`]: batch encoding and answers (no socket), and
//!   [`NftSocket`], a blocking NETLINK_NETFILTER socket implementing
//!   [`Transport`];
//! - [`Firewall`]: the drop sets kept in step with the instances that are
//!   Master, with keepalived's table life cycle (stale table deleted at
//!   start, table kept with an emptied set on demotion, deleted at exit).
//!
//! Not built yet: link-local IPv6 VIPs ([`Firewall::add`] refuses them with
//! [`NftError::LinkLocalUnsupported`]; keepalived drops them per interface
//! through the `vips_link_local` set, `nftables_ifindex`), and the VMAC rules
//! (IGMP/MLD reports re-sent from the parent, router solicitations dropped
//! on the macvlan).
//!
//! ```no_run
//! use keepalived_nft::{Firewall, NftSocket, Settings};
//! let mut fw = Firewall::new(Settings::default(), NftSocket::new()?);
//! fw.remove_stale()?;
//! fw.add(&["10.0.0.100".parse()?])?; // becoming Master, before adding the VIP
//! fw.remove(&["10.0.0.100".parse()?])?; // after removing it
//! fw.shutdown()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod error;
pub mod firewall;
pub mod netlink;
pub mod ruleset;

pub use error::NftError;
pub use firewall::Firewall;
pub use netlink::{NftSocket, Transport};
pub use ruleset::{Family, Settings};

/// The crate README's example, compiled as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
