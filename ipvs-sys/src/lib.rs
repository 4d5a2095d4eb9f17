//! Linux IPVS generic-netlink family: messages and a blocking client
#![warn(missing_docs)]
