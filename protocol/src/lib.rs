//! Points wire types and the typed Points client.
//!
//! Everything that crosses the wire between a merchant and Points (papp.sa) lives here, parsed
//! into newtypes at the edge: [`PhoneNumber`], [`Sar`] (money in halalas), [`OrderNumber`],
//! [`OrderUuid`], [`WebhookSecret`]. The contract is `shared/points/API.md`; section numbers in
//! comments refer to it.
//!
//! The HTTP client ([`client`]) sits behind the `client` feature so the browser widget can use the
//! types without pulling in an HTTP stack.

pub mod api;
pub mod envelope;
pub mod lang;
pub mod money;
pub mod order;
pub mod phone;
pub mod secret;
pub mod webhook;

#[cfg(feature = "client")]
pub mod client;

pub use api::{
    Earned, IntegrationStatus, Page, PageMeta, PaymentMethod, PendingEarning, ShippingStatus,
    WebhookResource, WebhookUuid,
};
pub use envelope::{Envelope, ErrorEnvelope, FieldErrors};
pub use lang::Lang;
pub use money::{ParseMoneyError, Sar};
pub use order::{
    CheckoutRequest, CheckoutSession, OrderNumber, OrderResource, OrderStatus, OrderType,
    OrderUuid, ParseOrderNumberError, ProductLine, ShippingAddress,
};
pub use phone::{ParsePhoneError, PhoneNumber};
pub use secret::{ApiKey, WebhookSecret};
pub use webhook::{WebhookEvent, WebhookOrder, WebhookPayload};
