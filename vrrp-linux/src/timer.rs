//! A microsecond-precise one-shot timer on `CLOCK_MONOTONIC` for tokio: a
//! timerfd armed with an absolute deadline (`TFD_TIMER_ABSTIME`) and awaited
//! through [`AsyncFd`].
//!
//! tokio's own timer wheel has a 1 ms tick and rounds every deadline up to
//! the next tick, and its `epoll_wait` timeout is in whole milliseconds, so a
//! VRRP timer (Skew_Time, Master_Down_Interval) fired 0–2 ms late. A timerfd
//! expires on the kernel's hrtimer at the deadline (keepalived's scheduler
//! uses one timerfd the same way).

use std::io;
use std::os::fd::OwnedFd;
use std::time::Duration;

use rustix::time::{
    ClockId, Itimerspec, TimerfdClockId, TimerfdFlags, TimerfdTimerFlags, Timespec,
};
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;

/// Now on `CLOCK_MONOTONIC`, as a duration since the clock's (boot-time) zero.
pub fn monotonic_now() -> Duration {
    to_duration(rustix::time::clock_gettime(ClockId::Monotonic))
}

fn to_duration(t: Timespec) -> Duration {
    let secs = u64::try_from(t.tv_sec).unwrap_or(0);
    let nanos = u32::try_from(t.tv_nsec).unwrap_or(0);
    Duration::new(secs, nanos)
}

fn to_timespec(d: Duration) -> Timespec {
    Timespec {
        tv_sec: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        tv_nsec: d.subsec_nanos().into(),
    }
}

/// The `it_value` for an absolute deadline: never all-zero, which would
/// disarm the timer instead of firing it at once.
fn deadline_spec(deadline: Duration) -> Itimerspec {
    let value = if deadline.is_zero() {
        Duration::from_nanos(1)
    } else {
        deadline
    };
    Itimerspec {
        it_interval: to_timespec(Duration::ZERO),
        it_value: to_timespec(value),
    }
}

/// A one-shot timer on `CLOCK_MONOTONIC` with nanosecond deadlines.
///
/// [`PreciseTimer::set`] arms it for an absolute deadline (as returned by
/// [`monotonic_now`] plus an offset) or disarms it;
/// [`PreciseTimer::expired`] waits until the armed deadline has passed.
/// Re-arming with the same deadline costs no system call.
#[derive(Debug)]
pub struct PreciseTimer {
    fd: AsyncFd<OwnedFd>,
    armed: Option<Duration>,
}

impl PreciseTimer {
    /// Creates the timerfd (non-blocking, close-on-exec) and registers it
    /// with the current tokio runtime.
    pub fn new() -> io::Result<Self> {
        let fd = rustix::time::timerfd_create(
            TimerfdClockId::Monotonic,
            TimerfdFlags::NONBLOCK | TimerfdFlags::CLOEXEC,
        )?;
        // SAFETY: the OwnedFd is moved into the AsyncFd, which owns it (and
        // so keeps the descriptor open and unchanged) while it is registered.
        #[allow(unsafe_code)]
        let fd = unsafe { AsyncFd::register_with_interest(fd, Interest::READABLE) }
            .map_err(|e| e.into_parts().1)?;
        Ok(PreciseTimer { fd, armed: None })
    }

    /// The deadline the timer is armed for, if any.
    pub fn deadline(&self) -> Option<Duration> {
        self.armed
    }

    /// Arms the timer for the absolute monotonic `deadline` (a deadline in
    /// the past expires at once), or disarms it with `None`.
    pub fn set(&mut self, deadline: Option<Duration>) -> io::Result<()> {
        if deadline == self.armed {
            return Ok(());
        }
        let spec = match deadline {
            Some(d) => deadline_spec(d),
            None => Itimerspec {
                it_interval: to_timespec(Duration::ZERO),
                it_value: to_timespec(Duration::ZERO),
            },
        };
        rustix::time::timerfd_settime(self.fd.get_ref(), TimerfdTimerFlags::ABSTIME, &spec)?;
        self.armed = deadline;
        Ok(())
    }

    /// Waits until the armed deadline has passed, then leaves the timer
    /// disarmed. Never returns while disarmed. Cancel-safe (for
    /// `tokio::select!`): dropping the future loses nothing.
    pub async fn expired(&mut self) -> io::Result<()> {
        loop {
            if self.armed.is_none() {
                std::future::pending::<()>().await;
            }
            let mut guard = self.fd.readable().await?;
            let mut count = [0u8; 8];
            match guard
                .try_io(|fd| rustix::io::read(fd.get_ref(), &mut count).map_err(io::Error::from))
            {
                Ok(Ok(_)) => {
                    self.armed = None;
                    return Ok(());
                }
                Ok(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
                Ok(Err(e)) => return Err(e),
                // Re-armed since the last expiry (the count was reset): wait on.
                Err(_would_block) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_deadline_is_never_the_disarm_value() {
        let s = deadline_spec(Duration::ZERO);
        assert_eq!((s.it_value.tv_sec, s.it_value.tv_nsec), (0, 1));
        let s = deadline_spec(Duration::new(5, 7));
        assert_eq!((s.it_value.tv_sec, s.it_value.tv_nsec), (5, 7));
        assert_eq!((s.it_interval.tv_sec, s.it_interval.tv_nsec), (0, 0));
    }

    #[test]
    fn monotonic_clock_advances() {
        let a = monotonic_now();
        let b = monotonic_now();
        assert!(b >= a);
        assert!(a > Duration::ZERO);
    }

    #[tokio::test]
    async fn fires_at_the_deadline_not_before() {
        let mut t = PreciseTimer::new().expect("timerfd");
        let deadline = monotonic_now() + Duration::from_micros(2_500);
        t.set(Some(deadline)).expect("arm");
        assert_eq!(t.deadline(), Some(deadline));
        t.expired().await.expect("expiry");
        assert!(monotonic_now() >= deadline);
        assert_eq!(t.deadline(), None);
    }

    #[tokio::test]
    async fn past_deadline_fires_at_once_and_rearming_moves_it() {
        let mut t = PreciseTimer::new().expect("timerfd");
        t.set(Some(Duration::ZERO)).expect("arm in the past");
        t.expired().await.expect("expiry");
        // Armed far away, then moved closer: the closer deadline wins.
        let far = monotonic_now() + Duration::from_secs(3600);
        t.set(Some(far)).expect("arm far");
        let near = monotonic_now() + Duration::from_millis(1);
        t.set(Some(near)).expect("re-arm near");
        tokio::time::timeout(Duration::from_secs(10), t.expired())
            .await
            .expect("the re-armed deadline fired")
            .expect("expiry");
        assert!(monotonic_now() >= near);
    }

    #[tokio::test]
    async fn disarmed_timer_never_fires() {
        let mut t = PreciseTimer::new().expect("timerfd");
        let soon = monotonic_now() + Duration::from_millis(1);
        t.set(Some(soon)).expect("arm");
        t.set(None).expect("disarm");
        let r = tokio::time::timeout(Duration::from_millis(30), t.expired()).await;
        assert!(r.is_err(), "a disarmed timer fired");
    }
}
