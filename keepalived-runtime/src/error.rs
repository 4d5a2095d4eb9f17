//! Errors of running scripts, split by who is at fault: the script (it ran too
//! long) or this process (it could not start or wait for it).

use std::io;
use std::time::Duration;

/// Errors of the notify-script runner.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScriptError {
    /// The argument vector was empty.
    #[error("empty command")]
    EmptyCommand,
    /// The program could not be started (not found, not executable).
    #[error("cannot start {program}: {source}")]
    Spawn {
        /// argv\[0\].
        program: String,
        /// The OS error.
        source: io::Error,
    },
    /// Waiting for the child failed.
    #[error("waiting for {program}: {source}")]
    Wait {
        /// argv\[0\].
        program: String,
        /// The OS error.
        source: io::Error,
    },
    /// The script ran longer than its timeout and was killed.
    #[error("{program} timed out after {timeout:?} and was killed")]
    Timeout {
        /// argv\[0\].
        program: String,
        /// The limit.
        timeout: Duration,
    },
}

impl ScriptError {
    /// Whether the script could not run because this process is out of
    /// descriptors or memory ([`crate::fd_limit::is_local_shortage`]): the
    /// daemon's trouble, not a verdict of the script.
    pub fn is_local_shortage(&self) -> bool {
        match self {
            ScriptError::Spawn { source, .. } | ScriptError::Wait { source, .. } => {
                crate::fd_limit::is_local_shortage(source)
            }
            _ => false,
        }
    }
}
