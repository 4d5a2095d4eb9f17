//! Where this crate follows keepalived rather than the RFCs, and where it
//! differs from keepalived. Sources: RFC 9568 (VRRPv3), RFC 3768 (VRRPv2),
//! keepalived 2.x as summarised in docs/keepalived.md §3.
//!
//! # keepalived behaviour followed instead of the RFC
//!
//! 1. **Equal priority in Backup.** RFC 9568 §6.4.2 only says "greater than
//!    or equal" → reset the timer; keepalived never tie-breaks on the address
//!    in Backup, so an equal-priority advert is always accepted. Same here.
//!    The address tie-break (higher primary address wins, unsigned compare
//!    in network order) applies only in Master (RFC 9568 §6.4.3).
//! 2. **v2 interval mismatch.** RFC 3768 §7.1 says discard, and so does
//!    keepalived; keepalived does *not* increment its interval-error counter,
//!    we count it in `adv_interval_errors`.
//! 3. **v3 interval.** A v3 Backup adopts the Master's interval as
//!    Master_Adver_Interval (RFC 9568 §6.4.2, as keepalived); a v3 interval
//!    of 0 is dropped and counted as an interval error.
//! 4. **`state MASTER` below priority 255** only clears `nopreempt` and
//!    `preempt_delay` (keepalived `vrrp_complete_instance`); the instance
//!    still starts in Backup and waits the full Master_Down_Interval. The
//!    RFC has no such hint.
//! 5. **`preempt_delay`** (not in the RFC): the first lower-priority advert
//!    heard in Backup starts a timer; until it expires lower adverts are
//!    still accepted; an advert of higher or equal priority cancels it. The
//!    delay therefore adds to Master_Down_Interval (docs/keepalived.md §3.5).
//!    Unlike keepalived, the preempt timer is also cleared when the
//!    instance leaves Backup, so a later stint in Backup starts afresh.
//! 6. **`nopreempt`** (RFC 9568 §6.1 `Preempt_Mode` = false): every
//!    non-zero advert is accepted in Backup.
//! 7. **A Master hearing a lower priority** answers with an advert at once
//!    (RFC 9568 §6.4.3 says discard; keepalived sends unless
//!    `lower_prio_no_advert`), restarts its Adver_Timer, sends
//!    `garp_lower_prio_repeat` GARP/NA rounds now and again after
//!    `garp_lower_prio_delay`, and reports
//!    [`Action::MasterRxLowerPriority`](crate::Action::MasterRxLowerPriority).
//! 8. **A Master hearing priority 0** sends an advert at once and stays
//!    Master (keepalived; the RFC says nothing).
//! 9. **`higher_prio_send_advert`**: an optional advert before yielding.
//! 10. **Skew_Time** uses the effective priority (255 for an owner) and
//!     truncates to whole microseconds, as keepalived's `VRRP_TIMER_SKEW`.
//!     `down_timer_adverts` replaces the RFC's constant 3.
//! 11. **Fault and Stop** are keepalived states: interface down, a weight-0
//!     tracker failing or an external fault → Fault (a Master sends
//!     priority 0 and removes its VIPs); adverts are ignored in Fault;
//!     recovery returns to Backup with a full Master_Down_Interval, or
//!     Advert_Interval + Skew_Time for an owner that wants Master.
//!     Shutdown of a Master sends priority 0 (RFC 9568 §6.4.3 too).
//! 12. **Effective priority** = base + tracker adjustments clamped to
//!     1..=254; an owner stays 255 and loses its weighted trackers
//!     (docs/keepalived.md §3.15).
//! 13. **Address list mismatch** is counted (`address_list_errors`) and the
//!     advert is still processed (RFC 3768 §7.1 says discard for v2; RFC 9568
//!     says log). keepalived behaviour.
//! 14. **Unicast**: with `unicast_peers` set, adverts from any other source
//!     are dropped (keepalived with `check_unicast_src`, which we always do).
//! 15. **Notify order**: [`Action::StateChanged`](crate::Action::StateChanged)
//!     comes after the advert, VIP and GARP actions of a transition, so a
//!     notify script runs with the VIPs in place (keepalived order).
//! 16. **A VIP deleted under a Master** ([`Event::VipRemoved`](crate::Event::VipRemoved);
//!     the RFC has no such input): priority 0, Backup, and Master again after
//!     Skew_Time unless another router answers first (keepalived
//!     `set_vrrp_backup`, docs/keepalived.md §3.24).
//!
//! # Differences from keepalived
//!
//! * **Owner start-up**: keepalived enters Backup with a 1 µs down timer and
//!   then Master; we go Initialize → Master directly (the wire effect is the
//!   same, the timeline has one transition less).
//! * **Two owners** (docs/keepalived.md §3.6): the lower-address owner yields
//!   through the Master tie-break. The higher-address owner, while Master
//!   and hearing another priority-255 advert, counts its own adverts sent
//!   since the first one (periodic adverts and replies; keepalived's exact
//!   counting is not specified in our notes) and, on a 255 advert heard once
//!   it has sent 2 and 1.2 × max(own, received advert interval) has passed,
//!   drops its effective priority to 254 ([`Action::PriorityChanged`](crate::Action::PriorityChanged)); the
//!   next 255 advert then makes it Backup. Our choice for "the other owner
//!   disappeared": no 255 advert from another owner for Master_Down_Interval
//!   (at priority 255); then 255 is restored (in Backup just before the
//!   down timer, so it takes over at 255). Fault and Stop end the episode
//!   silently. Timer priority (Skew_Time) stays 255 throughout, as for any
//!   owner.
//! * **A priority change in Backup** keeps the running Master_Down_Timer; the
//!   new Skew_Time applies from the next accepted advert.
//! * **Sync group start-up**: like keepalived, an owner that wants Master
//!   and is in a sync group starts in Backup with `adver_int + Skew(255)`;
//!   when that fires it only wants Master and the group decides (the timer
//!   is then re-armed with the normal Master_Down_Interval). Difference: a
//!   group made only of such owners also waits that short time, where
//!   keepalived (group state Master at start) goes Master at once.
//!   Converting weighted trackers of sync-group members to weight 0 (or
//!   dropping them) is a config-mapping step left to the caller.
//! * **Not modelled**: `timer_expired_backup`, AH sequence numbers,
//!   `auth_hmac`, the GARP for the source address of a unicast instance
//!   leaving Fault, `garp_extra_if`, `vrrp_garp_interval` spacing (the IO
//!   layer's job), `unicast_fault_no_peer`.
//! * **Reload** ([`Instance::reconfigure`](crate::Instance::reconfigure)) keeps
//!   the state; keepalived demotes a preempting Master whose base priority
//!   changed to Backup, we keep it Master and let the new priority compete.
