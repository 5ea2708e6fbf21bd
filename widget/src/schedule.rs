//! When the return widget asks the merchant server again: 500 ms, then ×1.5 up to 5 s, and never
//! after 10 minutes from the first request.
//!
//! Pure: the caller passes the clock in, so the schedule is tested without waiting.

/// The first delay, in milliseconds.
pub const FIRST_DELAY_MS: u32 = 500;
/// No delay is longer than this.
pub const MAX_DELAY_MS: u32 = 5_000;
/// After this much time since the start the widget stops asking and says "still processing".
pub const GIVE_UP_AFTER_MS: f64 = 10.0 * 60.0 * 1000.0;

/// A back-off schedule started at one instant (milliseconds, any monotonic-enough clock).
#[derive(Debug, Clone)]
pub struct PollSchedule {
    started_ms: f64,
    next_delay_ms: u32,
}

impl PollSchedule {
    /// A schedule whose 10-minute budget starts at `now_ms`.
    pub fn starting_at(now_ms: f64) -> Self {
        PollSchedule {
            started_ms: now_ms,
            next_delay_ms: FIRST_DELAY_MS,
        }
    }

    /// How long to wait before the next request, or `None` when that request would start after
    /// the budget: time to stop.
    pub fn next_delay(&mut self, now_ms: f64) -> Option<u32> {
        let delay = self.next_delay_ms;
        if now_ms + f64::from(delay) - self.started_ms > GIVE_UP_AFTER_MS {
            return None;
        }
        self.next_delay_ms = (delay.saturating_mul(3) / 2).min(MAX_DELAY_MS);
        Some(delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_by_half_and_cap_at_five_seconds() {
        let mut schedule = PollSchedule::starting_at(0.0);
        let delays: Vec<u32> = (0..9).filter_map(|_| schedule.next_delay(0.0)).collect();
        assert_eq!(delays, [500, 750, 1125, 1687, 2530, 3795, 5000, 5000, 5000]);
    }

    #[test]
    fn stops_once_the_next_request_would_be_past_ten_minutes() {
        let mut schedule = PollSchedule::starting_at(1_000.0);
        let mut now = 1_000.0;
        let mut requests = 0;
        while let Some(delay) = schedule.next_delay(now) {
            now += f64::from(delay);
            requests += 1;
        }
        assert!(
            now - 1_000.0 <= GIVE_UP_AFTER_MS,
            "waited past the budget: {now}"
        );
        assert!(now - 1_000.0 > GIVE_UP_AFTER_MS - f64::from(MAX_DELAY_MS));
        // 6 growing delays (about 10 s) then about 118 capped ones.
        assert!((120..130).contains(&requests), "{requests} requests");
    }

    #[test]
    fn a_slow_clock_jump_ends_the_schedule_at_once() {
        let mut schedule = PollSchedule::starting_at(0.0);
        assert_eq!(schedule.next_delay(0.0), Some(500));
        assert_eq!(schedule.next_delay(GIVE_UP_AFTER_MS), None);
    }
}
