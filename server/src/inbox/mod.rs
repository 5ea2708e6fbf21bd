//! The webhook inbox, one flow end to end: a delivery arrives ([`delivery`]: secret check,
//! parsing, dedupe key), is stored before it is acknowledged ([`store`], intake's group
//! commit) or, verified but unreadable, kept as rejected ([`rejected`]), and is applied to its
//! order later by the [`worker`], which first has Points confirm what would make an order paid
//! ([`verify`]). The [`switch`] turns intake off and on at runtime.
//!
//! The `http` adapter reads the bytes and answers; everything it decides about a delivery it
//! asks [`receive`].

pub mod delivery;
pub mod rejected;
pub mod store;
pub mod switch;
pub mod verify;
pub mod worker;

pub use delivery::{Delivery, UnverifiedWebhook, Verified, VerifiedBody};
pub use store::{Hold, NewDelivery, Release, Stored, Writer};

use crate::{ApiError, AppState, db};

/// Releases held rows (see [`Hold`]) for the worker to try again now, and wakes this
/// process's worker (another process's finds them on its next poll); how many.
pub async fn retry_held(state: &AppState, which: &Release) -> Result<u64, ApiError> {
    let released = {
        let _turn = state.db.write_turn().await;
        store::release(&*state.db, which, &db::now()).await?
    };
    if released > 0 {
        state.inbox_notify.notify_one();
    }
    Ok(released)
}

/// What intake did with an authenticated, readable delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received {
    /// Stored now; the worker has been woken.
    New,
    /// Already in the inbox under the same dedupe key: nothing written.
    Duplicate,
}

/// Verifies `webhook`, parses it and stores it durably, returning once the commit holding it
/// has returned (so the caller may answer 2xx). A missing or wrong secret is a 401 and writes
/// nothing; a verified but unreadable body is a 400 and is kept in `webhook_rejected`.
pub async fn receive(state: &AppState, webhook: UnverifiedWebhook) -> Result<Received, ApiError> {
    let verified = match webhook.verify(&state.webhook_secrets()) {
        Ok(verified) => verified,
        Err(error) => {
            tracing::warn!(status = %error.status(), reason = %error, "webhook rejected");
            return Err(error);
        }
    };
    let delivery = match verified.parse() {
        Ok(delivery) => delivery.into_inner(),
        Err(error) => {
            let reason = error.to_string();
            rejected::insert(
                &*state.db,
                &rejected::Rejected {
                    body: verified.body(),
                    event_header: verified.event_header(),
                    reason: &reason,
                },
                &db::now(),
            )
            .await?;
            tracing::warn!(status = %error.status(), reason, "verified webhook unreadable, kept as rejected");
            return Err(error);
        }
    };
    // Group commit: returns once the transaction holding this delivery has committed.
    let stored = state
        .inbox_writer
        .insert(
            &NewDelivery {
                dedupe_key: &delivery.key,
                event: delivery.event.as_str(),
                order_number: delivery.order_number.as_deref(),
                body: &delivery.body,
            },
            &db::now(),
        )
        .await?;
    let duplicate = stored == Stored::Duplicate;
    if !duplicate {
        state.inbox_notify.notify_one();
    }
    tracing::info!(
        event = %delivery.event,
        order_number = delivery.order_number.as_deref().unwrap_or(""),
        duplicate,
        "webhook stored"
    );
    Ok(if duplicate {
        Received::Duplicate
    } else {
        Received::New
    })
}
