//! Checkout sessions: the 30-minute life of a `checkout_url` and what settles its order
//! (API.md §4, §12).

use protocol::{CheckoutRequest, OrderStatus, OrderType, PhoneNumber, Sar, WebhookEvent};
use rand::{Rng, distr::Alphanumeric};
use time::{Duration, OffsetDateTime};

use crate::{
    order::{CheckoutDetails, Order, PaymentStatus, redemption_points},
    state::Store,
};

/// How long a `checkout_url` stays usable (API.md §12).
pub const LIFETIME: Duration = Duration::minutes(30);

pub const REASON_EXPIRED: &str = "Checkout session expired";
pub const REASON_CUSTOMER: &str = "Customer cancelled checkout";
/// The fake card step declined the card (reserved test card, see `hosted::steps::card`).
pub const REASON_PAYMENT_FAILED: &str = "Payment failed: card declined";

/// One `checkout_url`.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: String,
    /// Index of the order in the store.
    pub order: usize,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub state: SessionState,
    /// How far the shopper got through the hosted steps.
    pub journey: Journey,
}

/// The shopper's progress through phone, OTP, redemption and card (API.md §12).
#[derive(Debug, Clone, Default)]
pub struct Journey {
    /// From the checkout request, or entered on the phone page.
    pub phone: Option<PhoneNumber>,
    /// The OTP was entered correctly for `phone`.
    pub verified: bool,
    /// The chosen redemption: SAR covered by points, and the points that costs.
    pub redemption: Option<Redemption>,
    /// The verified phone is new to Points: the onboarding step comes before the balance.
    pub onboarding: bool,
    /// When the last OTP was "sent" by SMS, and how many were sent in this session.
    pub otp_sent_at: Option<OffsetDateTime>,
    pub otp_sends: u32,
}

/// A redemption the shopper chose on the balance page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Redemption {
    pub amount: Sar,
    pub points: u64,
    /// What is left for the card step; zero skips it.
    pub remainder: Sar,
}

/// Why a redemption cannot be taken (shown on the balance page).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedemptionError {
    /// Below the 10 SAR minimum order value.
    BelowMinimum,
    /// More points than the wallet holds.
    InsufficientBalance,
    /// Zero, or more than the order total.
    InvalidAmount,
}

/// The minimum order value for redemption (API.md §12): 10 SAR.
pub const MINIMUM_ORDER: Sar = Sar::from_halalas(1_000);

/// No redemption at all: the whole total goes to the card step.
pub fn card_only(total: Sar) -> Redemption {
    Redemption {
        amount: Sar::ZERO,
        points: 0,
        remainder: total,
    }
}

/// Checks a redemption of `amount` on an order of `total` against a wallet of `balance` points.
pub fn redemption(total: Sar, amount: Sar, balance: u64) -> Result<Redemption, RedemptionError> {
    if total < MINIMUM_ORDER {
        return Err(RedemptionError::BelowMinimum);
    }
    if amount == Sar::ZERO || amount > total {
        return Err(RedemptionError::InvalidAmount);
    }
    let points = redemption_points(amount);
    if points > balance {
        return Err(RedemptionError::InsufficientBalance);
    }
    Ok(Redemption {
        amount,
        points,
        remainder: total.checked_sub(amount).unwrap_or(Sar::ZERO),
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionState {
    Open,
    /// A later checkout for the same order replaced it.
    Superseded,
    Expired,
    /// The shopper approved or cancelled, or the order left `new` some other way.
    Finished,
}

impl SessionState {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionState::Open => "open",
            SessionState::Superseded => "superseded",
            SessionState::Expired => "expired",
            SessionState::Finished => "finished",
        }
    }
}

/// What the shopper finds at a checkout URL. Owned, so it outlives the lock.
#[derive(Debug, Clone)]
pub enum SessionView {
    Open {
        session: Box<Session>,
        order: Box<Order>,
        merchant_name: String,
    },
    Expired {
        order: Box<Order>,
    },
    Finished {
        order: Box<Order>,
    },
    Superseded,
    Unknown,
}

/// The shopper's choice on the hosted page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Cancel,
}

/// The order number belongs to an order that is no longer open (API.md §12).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("The order number has already been taken.")]
pub struct OrderNumberTaken;

impl Store {
    /// Creates the order (or reuses its open one) and a fresh session; returns the session id.
    pub fn begin_checkout(
        &mut self,
        merchant: usize,
        request: CheckoutRequest,
        callback_url: Option<url::Url>,
        now: OffsetDateTime,
    ) -> Result<String, OrderNumberTaken> {
        let order = match self.order_index_by_number(merchant, &request.order_number) {
            Some(existing) if self.orders[existing].status == OrderStatus::New => {
                // A safe retry: the old links stop working so only one can settle the order.
                for session in self.sessions.values_mut() {
                    if session.order == existing && session.state == SessionState::Open {
                        session.state = SessionState::Superseded;
                    }
                }
                existing
            }
            Some(_) => return Err(OrderNumberTaken),
            None => self.create_order(merchant, request, callback_url, now),
        };
        let id = new_session_id();
        let session = Session {
            id: id.clone(),
            order,
            created_at: now,
            expires_at: now + LIFETIME,
            state: SessionState::Open,
            journey: Journey {
                phone: self.orders[order].checkout.phone_number.clone(),
                ..Journey::default()
            },
        };
        self.sessions.insert(id.clone(), session);
        Ok(id)
    }

    /// What the session shows now, expiring it first if its time is up.
    pub fn session_view(&mut self, id: &str, now: OffsetDateTime) -> SessionView {
        self.expire_if_due(id, now);
        let Some(session) = self.sessions.get(id) else {
            return SessionView::Unknown;
        };
        let order = Box::new(self.orders[session.order].clone());
        match session.state {
            SessionState::Superseded => SessionView::Superseded,
            SessionState::Expired => SessionView::Expired { order },
            SessionState::Finished => SessionView::Finished { order },
            SessionState::Open if order.status != OrderStatus::New => {
                SessionView::Finished { order }
            }
            SessionState::Open => SessionView::Open {
                session: Box::new(session.clone()),
                merchant_name: self.merchants[order.merchant].name.clone(),
                order,
            },
        }
    }

    /// Settles an open session's order; any other session comes back as what it shows.
    pub fn decide(
        &mut self,
        id: &str,
        decision: Decision,
        now: OffsetDateTime,
    ) -> Result<Order, SessionView> {
        let session = match self.session_view(id, now) {
            SessionView::Open { session, .. } => session,
            other => return Err(other),
        };
        let order = &mut self.orders[session.order];
        let event = match decision {
            Decision::Approve => {
                // This slice redeems the whole total in points (API.md §12: fully paid).
                order.status = OrderStatus::Approved;
                order.payment_status = PaymentStatus::FullyPaid;
                order.total_points = redemption_points(order.total_price);
                WebhookEvent::Approved
            }
            Decision::Cancel => {
                order.status = OrderStatus::Cancelled;
                order.cancel_reason = Some(REASON_CUSTOMER.to_owned());
                WebhookEvent::Cancelled
            }
        };
        order.updated_at = now;
        let settled = order.clone();
        self.finish(id);
        self.notify(event, session.order, now);
        Ok(settled)
    }

    /// Changes an open session's journey; any other session comes back as what it shows.
    pub fn journey_mut(
        &mut self,
        id: &str,
        now: OffsetDateTime,
        change: impl FnOnce(&mut Journey),
    ) -> Result<(), SessionView> {
        match self.session_view(id, now) {
            SessionView::Open { .. } => {}
            other => return Err(other),
        }
        if let Some(session) = self.sessions.get_mut(id) {
            change(&mut session.journey);
        }
        Ok(())
    }

    /// Settles the redemption the shopper confirmed (and, for a remainder, paid by card):
    /// points leave the wallet, the order is `approved` and `approved` fires.
    pub fn settle_redemption(
        &mut self,
        id: &str,
        now: OffsetDateTime,
    ) -> Result<Order, SessionView> {
        let session = match self.session_view(id, now) {
            SessionView::Open { session, .. } => session,
            other => return Err(other),
        };
        let (Some(phone), Some(redemption)) = (&session.journey.phone, session.journey.redemption)
        else {
            return Err(SessionView::Open {
                merchant_name: String::new(),
                order: Box::new(self.orders[session.order].clone()),
                session,
            });
        };
        let customer = self.customer_mut(phone.expose());
        customer.points = customer.points.saturating_sub(redemption.points);
        let order = &mut self.orders[session.order];
        // Refunds give the points back to the wallet they came from.
        order.checkout.phone_number = Some(phone.clone());
        order.status = OrderStatus::Approved;
        order.total_points = redemption.points;
        order.payment_status = if redemption.remainder == Sar::ZERO {
            PaymentStatus::FullyPaid
        } else {
            PaymentStatus::PartiallyPaid
        };
        order.updated_at = now;
        let settled = order.clone();
        self.finish(id);
        self.notify(WebhookEvent::Approved, session.order, now);
        Ok(settled)
    }

    /// The card step declined the card: the order is `cancelled` (API.md §6.1: "payment
    /// failed"), no points leave the wallet, `cancelled` fires and the session is over.
    pub fn fail_payment(&mut self, id: &str, now: OffsetDateTime) -> Result<Order, SessionView> {
        let session = match self.session_view(id, now) {
            SessionView::Open { session, .. } => session,
            other => return Err(other),
        };
        let order = &mut self.orders[session.order];
        order.status = OrderStatus::Cancelled;
        order.cancel_reason = Some(REASON_PAYMENT_FAILED.to_owned());
        order.updated_at = now;
        let failed = order.clone();
        self.finish(id);
        self.notify(WebhookEvent::Cancelled, session.order, now);
        Ok(failed)
    }

    /// Expires an open session at once (the control API's clock shortcut).
    pub fn expire_now(&mut self, id: &str, now: OffsetDateTime) -> SessionView {
        if let Some(session) = self.sessions.get_mut(id) {
            session.expires_at = session.expires_at.min(now);
        }
        self.session_view(id, now)
    }

    /// Expires every open session whose time is up (the background sweep).
    pub fn expire_due(&mut self, now: OffsetDateTime) {
        let due: Vec<String> = self
            .sessions
            .values()
            .filter(|s| s.state == SessionState::Open && s.expires_at <= now)
            .map(|s| s.id.clone())
            .collect();
        for id in due {
            self.expire_if_due(&id, now);
        }
    }

    fn expire_if_due(&mut self, id: &str, now: OffsetDateTime) {
        let Some(session) = self.sessions.get_mut(id) else {
            return;
        };
        if session.state != SessionState::Open || session.expires_at > now {
            return;
        }
        session.state = SessionState::Expired;
        let index = session.order;
        let order = &mut self.orders[index];
        if order.status == OrderStatus::New {
            order.status = OrderStatus::Cancelled;
            order.cancel_reason = Some(REASON_EXPIRED.to_owned());
            order.updated_at = now;
            self.notify(WebhookEvent::Cancelled, index, now);
        }
    }

    fn finish(&mut self, id: &str) {
        if let Some(session) = self.sessions.get_mut(id) {
            session.state = SessionState::Finished;
        }
    }

    fn create_order(
        &mut self,
        merchant: usize,
        request: CheckoutRequest,
        callback_url: Option<url::Url>,
        now: OffsetDateTime,
    ) -> usize {
        let mut order = Order::new(
            merchant,
            OrderType::Replacing,
            request.order_number,
            request.total_price,
            now,
        );
        order.metadata = request.metadata;
        order.items = request.products;
        order.checkout = CheckoutDetails {
            phone_number: request.phone_number,
            name: request.name,
            shipping_amount: request.shipping_amount,
            tax_amount: request.tax_amount,
            discount_amount: request.discount_amount,
            shipping_address: request.shipping_address,
            callback_url,
        };
        self.push_order(order)
    }
}

/// 32 characters of `[A-Za-z0-9]`: unguessable, and safe in a path.
fn new_session_id() -> String {
    rand::rng()
        .sample_iter(Alphanumeric)
        .take(32)
        .map(char::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sar(riyals: u64) -> Sar {
        Sar::from_halalas(riyals * 100)
    }

    #[test]
    fn redemption_follows_the_sandbox_rules() {
        let full = redemption(sar(224), sar(224), 10_000).expect("full");
        assert_eq!((full.points, full.remainder), (7_467, Sar::ZERO));
        let part = redemption(sar(224), sar(150), 10_000).expect("partial");
        assert_eq!((part.points, part.remainder), (5_000, sar(74)));
        assert_eq!(
            redemption(sar(9), sar(9), 10_000),
            Err(RedemptionError::BelowMinimum)
        );
        assert_eq!(
            redemption(sar(400), sar(400), 10_000),
            Err(RedemptionError::InsufficientBalance)
        );
        assert_eq!(
            redemption(sar(100), sar(101), 10_000),
            Err(RedemptionError::InvalidAmount)
        );
        assert_eq!(
            redemption(sar(100), Sar::ZERO, 10_000),
            Err(RedemptionError::InvalidAmount)
        );
    }
}
