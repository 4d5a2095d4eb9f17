//! HTTP_GET / SSL_GET walk their `url`s one per check, as keepalived's check_http.c
//! does (docs/keepalived.md §5.3): after a URL passes, the next one is fetched `delay_loop`
//! later, so N URLs take N × delay_loop for a full pass. A failing URL is retried
//! (the retry cycle of [`super::Fsm`]) and stays the current URL. A checker that is
//! DOWN comes UP only after every URL has passed in a row.

/// Which URL comes next, and whether a result counts for the retry cycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlCycle {
    n: usize,
    idx: usize,
    streak: usize,
}

impl UrlCycle {
    /// A cycle over `n` URLs, starting at the first.
    pub fn new(n: usize) -> Self {
        UrlCycle {
            n: n.max(1),
            idx: 0,
            streak: 0,
        }
    }

    /// The URL to check now (index into the checker's `url` list).
    pub fn current(&self) -> usize {
        self.idx
    }

    /// Records the result for the current URL while the checker is `up`; returns
    /// whether the result goes to the retry cycle: failures always do, successes do
    /// while UP (they reset the retry counter) or once a DOWN checker has seen every
    /// URL pass in a row. A success moves on to the next URL.
    pub fn feed(&mut self, ok: bool, up: bool) -> bool {
        if !ok {
            self.streak = 0;
            return true;
        }
        self.streak += 1;
        self.idx = (self.idx + 1) % self.n;
        up || self.streak >= self.n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_urls_and_needs_a_full_pass_to_come_up() {
        let mut c = UrlCycle::new(3);
        // UP: every success counts and moves on; a failure keeps the URL.
        assert!(c.feed(true, true));
        assert_eq!(c.current(), 1);
        assert!(c.feed(false, true));
        assert_eq!(c.current(), 1);
        // DOWN: two passes are not enough with three URLs, the third is.
        assert!(!c.feed(true, false));
        assert!(!c.feed(true, false));
        assert_eq!(c.current(), 0);
        assert!(c.feed(true, false));
        assert_eq!(c.current(), 1);
        // A failure restarts the streak.
        assert!(c.feed(false, false));
        assert!(!c.feed(true, false));
    }

    #[test]
    fn one_url_behaves_like_any_checker() {
        let mut c = UrlCycle::new(1);
        assert!(c.feed(true, false));
        assert!(c.feed(false, true));
        assert_eq!(c.current(), 0);
    }
}
