//! systemd service notifications (`Type=notify`, sd_notify(3)) on
//! `$NOTIFY_SOCKET`, through the `sd-notify` crate. Without `$NOTIFY_SOCKET`
//! (not started by systemd) every call does nothing.
//!
//! The daemons send `READY=1` once their configuration is installed,
//! `RELOADING=1` with `MONOTONIC_USEC` when SIGHUP starts a reload and
//! `READY=1` again when it is done, and `STOPPING=1` when they begin to shut
//! down, each with a `STATUS=` line for `systemctl status`.

use sd_notify::NotifyState;
use tracing::warn;

fn send(states: &[NotifyState<'_>]) {
    if let Err(e) = sd_notify::notify(false, states) {
        warn!("sd_notify to $NOTIFY_SOCKET failed: {e}");
    }
}

/// `READY=1` with `STATUS=status`: start-up or a reload has finished.
pub fn ready(status: &str) {
    send(&[NotifyState::Ready, NotifyState::Status(status)]);
}

/// `RELOADING=1`, `MONOTONIC_USEC=now` and `STATUS=status`: a reload begins
/// (systemd 253+ needs the timestamp to match the reload to the request).
pub fn reloading(status: &str) {
    match NotifyState::monotonic_usec_now() {
        Ok(now) => send(&[NotifyState::Reloading, now, NotifyState::Status(status)]),
        Err(e) => {
            warn!("CLOCK_MONOTONIC: {e}");
            send(&[NotifyState::Reloading, NotifyState::Status(status)]);
        }
    }
}

/// `STOPPING=1` with `STATUS=status`: shutdown begins.
pub fn stopping(status: &str) {
    send(&[NotifyState::Stopping, NotifyState::Status(status)]);
}

/// `STATUS=status` alone.
pub fn status(status: &str) {
    send(&[NotifyState::Status(status)]);
}
