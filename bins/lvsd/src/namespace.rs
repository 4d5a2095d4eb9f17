//! Where lvsd runs: the configuration's top-level `net_namespace NAME`,
//! entered before anything else as keepalived does (main.c after reading the
//! configuration, namespaces.c `set_namespaces`: `/run/netns/NAME` is opened
//! and entered; one that does not exist is not created, keepalived exits
//! with "Unable to set network namespace NAME - exiting"), and the top-level
//! `instance NAME` its default files are named after. The namespace code is
//! [`vrrp_linux::netns`], shared with vrrpd.

use std::path::Path;

use keepalived_conf::{GlobalDefs, LoadOptions};
use vrrp_linux::NetnsError;

/// What lvsd reads from the configuration before it starts.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Startup {
    /// `net_namespace NAME` (the first one written).
    pub namespace: Option<String>,
    /// `instance NAME` (the first one written).
    pub instance: Option<String>,
}

impl Startup {
    /// The settings of a parsed configuration.
    pub fn of(g: &GlobalDefs) -> Startup {
        Startup {
            namespace: g.net_namespace.as_ref().map(|n| n.value.clone()),
            instance: g.instance.as_ref().map(|i| i.value.clone()),
        }
    }

    /// The settings of the configuration at `path` (the daemon reports the
    /// file's errors when it loads it again).
    pub fn load(path: &Path, config_id: Option<String>) -> Startup {
        let opts = LoadOptions {
            config_id,
            ..Default::default()
        };
        Startup::of(&keepalived_conf::load(path, &opts).config.global_defs)
    }
}

/// The configured namespace could not be entered.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum NamespaceError {
    /// keepalived's words for it, then why.
    #[error("Unable to set network namespace {name} - exiting: {source}")]
    Enter {
        /// The namespace.
        name: String,
        /// Why.
        source: NetnsError,
    },
}

/// Moves the calling thread into the configured namespace, if any (the
/// daemon calls it on its main thread before it starts its runtime, so that
/// every socket and thread it makes belongs to the namespace). Returns the
/// namespace entered.
pub fn enter(s: &Startup) -> Result<Option<&str>, NamespaceError> {
    let Some(name) = s.namespace.as_deref() else {
        return Ok(None);
    };
    vrrp_linux::netns::enter_netns(name).map_err(|source| NamespaceError::Enter {
        name: name.to_string(),
        source,
    })?;
    Ok(Some(name))
}
