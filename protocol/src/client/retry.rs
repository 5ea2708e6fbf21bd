//! Retry strategy: exponential back-off with jitter on 429, 5xx, timeouts and network errors,
//! honouring a numeric `Retry-After` (API.md §10) on 429 and 5xx, capped at `max_delay`.

use std::time::Duration;

use super::ClientError;

#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    /// The SDK's schedule: 250 ms · 2^n, capped at 10 s, three retries.
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// Never retry; for callers that retry at a higher level (an outbox worker).
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// How long to wait before retry number `attempt + 1`, or `None` to give up.
    ///
    /// A request that is not idempotent is retried only when it certainly did not take effect:
    /// the connection never opened, or Points' lock answered 429.
    pub fn delay_for(
        &self,
        attempt: u32,
        error: &ClientError,
        idempotent: bool,
    ) -> Option<Duration> {
        if attempt >= self.max_retries || !error.is_transient() {
            return None;
        }
        let safe = idempotent
            || matches!(
                error,
                ClientError::Connect(_) | ClientError::RateLimited { .. }
            );
        if !safe {
            return None;
        }
        if let Some(wait) = error.retry_after() {
            return Some(wait.min(self.max_delay));
        }
        let exponential = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(attempt))
            .min(self.max_delay);
        // Full jitter over the upper half keeps concurrent clients apart without ever retrying
        // instantly.
        let half = exponential / 2;
        let jitter = half.mul_f64(rand::random::<f64>());
        Some(half + jitter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backs_off_exponentially_within_bounds() {
        let policy = RetryPolicy::default();
        let error = ClientError::Timeout;
        for attempt in 0..3 {
            let delay = policy
                .delay_for(attempt, &error, true)
                .expect("retries left");
            let ceiling = Duration::from_millis(250 * 2u64.pow(attempt));
            assert!(
                delay >= ceiling / 2 && delay <= ceiling,
                "attempt {attempt}: {delay:?}"
            );
        }
        assert_eq!(policy.delay_for(3, &error, true), None);
    }

    #[test]
    fn does_not_retry_what_cannot_succeed_or_may_double_apply() {
        let policy = RetryPolicy::default();
        assert_eq!(
            policy.delay_for(0, &ClientError::NotFound("x".into()), true),
            None
        );
        assert_eq!(policy.delay_for(0, &ClientError::Timeout, false), None);
        assert!(
            policy
                .delay_for(0, &ClientError::Connect("refused".into()), false)
                .is_some()
        );
    }

    #[test]
    fn a_non_idempotent_request_is_retried_only_when_it_cannot_have_taken_effect() {
        let policy = RetryPolicy::default();
        let server = ClientError::Server {
            status: 500,
            message: String::new(),
            retry_after: None,
        };
        assert_eq!(policy.delay_for(0, &server, false), None);
        assert!(policy.delay_for(0, &server, true).is_some());
        assert_eq!(
            policy.delay_for(0, &ClientError::Network("reset".into()), false),
            None
        );
        let locked = ClientError::RateLimited { retry_after: None };
        assert!(policy.delay_for(0, &locked, false).is_some());
        for error in [
            ClientError::Auth("x".into()),
            ClientError::Forbidden("x".into()),
            ClientError::BadRequest("x".into()),
            ClientError::Decode("x".into()),
        ] {
            assert_eq!(policy.delay_for(0, &error, true), None, "{error}");
        }
    }

    #[test]
    fn jitter_spreads_delays_and_caps_hold() {
        let policy = RetryPolicy {
            max_retries: 20,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(400),
        };
        let delays: std::collections::HashSet<_> = (0..20)
            .filter_map(|_| policy.delay_for(1, &ClientError::Timeout, true))
            .collect();
        assert!(delays.len() > 1, "jitter varies the delay: {delays:?}");
        let late = policy
            .delay_for(15, &ClientError::Timeout, true)
            .expect("retries left");
        assert!(late <= Duration::from_millis(400), "{late:?}");
        assert_eq!(
            RetryPolicy::none().delay_for(0, &ClientError::Timeout, true),
            None
        );
    }

    #[test]
    fn honours_retry_after_on_5xx_too_but_not_beyond_the_cap() {
        let policy = RetryPolicy::default();
        let error = ClientError::Server {
            status: 503,
            message: String::new(),
            retry_after: Some(Duration::from_secs(1)),
        };
        assert_eq!(
            policy.delay_for(0, &error, true),
            Some(Duration::from_secs(1))
        );
        let long = ClientError::RateLimited {
            retry_after: Some(Duration::from_secs(3600)),
        };
        assert_eq!(policy.delay_for(0, &long, true), Some(policy.max_delay));
    }

    #[test]
    fn honours_retry_after() {
        let policy = RetryPolicy::default();
        let error = ClientError::RateLimited {
            retry_after: Some(Duration::from_secs(2)),
        };
        assert_eq!(
            policy.delay_for(0, &error, false),
            Some(Duration::from_secs(2))
        );
    }
}
