//! The intake switch: whether webhook intake accepts deliveries, flipped at runtime by
//! `/admin/webhooks/disable|enable` during an incident (a leaked webhook secret, a database
//! migration). While it is off the `http` adapter answers every delivery 503 before reading it,
//! so nothing is stored and Points' retries deliver it later. Per process; `docs/runbook.md`
//! says how to flip it on every instance.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::db;

/// Whether webhook intake accepts deliveries, and since when.
#[derive(Debug)]
pub struct IntakeSwitch {
    enabled: AtomicBool,
    changed_at: Mutex<Option<String>>,
}

/// What the switch says now.
#[derive(Debug, Clone, serde::Serialize)]
pub struct IntakeState {
    pub webhooks_enabled: bool,
    /// When it was last flipped at runtime; `null` if it is still as configured.
    pub changed_at: Option<String>,
}

impl IntakeSwitch {
    /// On at start-up.
    pub fn enabled() -> Self {
        Self::starting(true)
    }

    /// Off at start-up (`webhooks_enabled = false`).
    pub fn disabled() -> Self {
        Self::starting(false)
    }

    fn starting(enabled: bool) -> Self {
        IntakeSwitch {
            enabled: AtomicBool::new(enabled),
            changed_at: Mutex::new(None),
        }
    }

    pub fn is_enabled(&self) -> bool {
        self.enabled.load(Ordering::SeqCst)
    }

    /// Turns intake on; `true` if it was off.
    pub fn enable(&self) -> bool {
        self.flip_to(true)
    }

    /// Turns intake off; `true` if it was on.
    pub fn disable(&self) -> bool {
        self.flip_to(false)
    }

    pub fn state(&self) -> IntakeState {
        IntakeState {
            webhooks_enabled: self.is_enabled(),
            changed_at: self
                .changed_at
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clone(),
        }
    }

    fn flip_to(&self, enabled: bool) -> bool {
        let changed = self.enabled.swap(enabled, Ordering::SeqCst) != enabled;
        if changed {
            *self
                .changed_at
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(db::now());
        }
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_switch_reports_real_changes_only() {
        let switch = IntakeSwitch::enabled();
        assert!(!switch.enable(), "already on");
        assert!(switch.state().changed_at.is_none());
        assert!(switch.disable());
        assert!(!switch.is_enabled());
        assert!(switch.state().changed_at.is_some());
        assert!(!switch.disable(), "already off");
        assert!(switch.enable());
        assert!(IntakeSwitch::disabled().enable());
    }
}
