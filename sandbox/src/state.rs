//! The sandbox's memory: merchants, orders, checkout sessions and the webhook delivery log,
//! behind one mutex.
//!
//! Handlers change the store through [`AppState::update`]. Whatever webhooks a change queues in
//! [`Store::outbox`] are sent after the lock is released, on spawned tasks, so a slow receiver
//! never holds up a shopper or another request.

use std::{
    collections::{HashMap, VecDeque},
    net::IpAddr,
    sync::{Arc, Mutex, MutexGuard, PoisonError},
    time::{Duration, Instant},
};

use protocol::{ApiKey, OrderNumber, OrderUuid, WebhookEvent, WebhookSecret};
use time::OffsetDateTime;
use url::Url;
use uuid::Uuid;

use crate::{
    config::{MerchantConfig, SandboxConfig},
    customers::Customer,
    faults::{DeliveryFaults, Faults},
    order::Order,
    session::Session,
    webhooks::{DeliveryRecord, Notification, WebhookStyle},
};

/// Shared by every handler; cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: Mutex<Store>,
    public_url: String,
    backoff_scale: f64,
    webhook_timeout: Duration,
    otp_resend_after: Duration,
    http: reqwest::Client,
}

/// Everything the sandbox remembers.
#[derive(Debug, Default)]
pub struct Store {
    pub merchants: Vec<Merchant>,
    /// Never removed; an order's `id` is its index + 1.
    pub orders: Vec<Order>,
    pub sessions: HashMap<String, Session>,
    pub deliveries: Vec<DeliveryRecord>,
    /// Webhooks queued by the current change, sent by [`AppState::update`] once it unlocks.
    pub outbox: Vec<Notification>,
    /// Customers seen so far, by normalised phone; the reserved ones of API.md §12 on demand.
    pub customers: HashMap<String, Customer>,
    /// Earnings waiting for their customer to activate (API.md §3.1 pending variant).
    pub pending_earnings: Vec<PendingEarning>,
    /// Ids of pending earnings, counted apart from orders.
    pub next_pending_id: u64,
    /// Injected API faults (control API).
    pub faults: Faults,
    /// Injected webhook delivery faults (control API).
    pub delivery_faults: DeliveryFaults,
}

/// An earning accepted for a customer who has not activated their account yet.
#[derive(Debug, Clone)]
pub struct PendingEarning {
    pub id: u64,
    pub merchant: usize,
    pub phone: String,
    pub order: Order,
}

/// A merchant as the store keeps it.
#[derive(Debug, Clone)]
pub struct Merchant {
    pub name: String,
    pub public_key: String,
    pub private_key: ApiKey,
    pub multiplier: u64,
    /// Verified/published (API.md §12); unverified merchants get `403` on checkout, earning
    /// and webhook writes.
    pub verified: bool,
    /// Earning channels enabled (API.md §12); else `403` on the three earning endpoints.
    pub earning_enabled: bool,
    /// `None`: every IP allowed. `Some(list)`: only these (an empty list blocks everyone).
    pub ip_allow_list: Option<Vec<IpAddr>>,
    /// How long an earning call holds the merchant's lock, so tests can observe the `429`.
    pub earning_delay: Duration,
    /// Whether an earning call of this merchant is in flight (the per-merchant lock).
    pub earning_locked: bool,
    /// Per-product point values overriding the multiplier (API.md §12).
    pub product_points: HashMap<String, u64>,
    /// `integration_active` of the merchant's key (API.md §3.13).
    pub integration_active: bool,
    /// When the recent `/v1/integration/status` calls were made (30 per minute allowed).
    pub integration_calls: VecDeque<Instant>,
    pub webhooks: Vec<Webhook>,
    /// How this merchant's webhook payloads are written (control API: `webhook_timestamps`,
    /// `omit_left_amount`).
    pub webhook_style: WebhookStyle,
}

/// A registered webhook (API.md §3.12).
#[derive(Debug, Clone)]
pub struct Webhook {
    pub uuid: Uuid,
    pub name: String,
    pub url: Url,
    pub secret: WebhookSecret,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// A webhook URL the sandbox cannot deliver to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("The url must be a valid URL.")]
pub struct InvalidWebhookUrl;

impl AppState {
    pub fn new(config: SandboxConfig) -> Self {
        let now = crate::clock::now();
        let mut store = Store::default();
        for merchant in config.merchants {
            store.add_merchant(merchant, now);
        }
        // Redirects are not followed: a 3xx is not the 2xx Points waits for.
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        AppState {
            inner: Arc::new(Inner {
                store: Mutex::new(store),
                public_url: config.public_url.trim_end_matches('/').to_owned(),
                backoff_scale: config.webhook_backoff_scale,
                webhook_timeout: config.webhook_timeout,
                otp_resend_after: config.otp_resend_after,
                http,
            }),
        }
    }

    /// The store, locked. Do not hold it across an `.await`.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        // A panic while holding the lock leaves plain data behind, still usable.
        self.inner
            .store
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `change` on the store, then sends the webhooks it queued, outside the lock.
    pub fn update<T>(&self, change: impl FnOnce(&mut Store) -> T) -> T {
        let (value, outbox) = {
            let mut store = self.store();
            let value = change(&mut store);
            (value, std::mem::take(&mut store.outbox))
        };
        crate::faults::dispatch_all(self, outbox);
        value
    }

    /// The origin shoppers reach the sandbox at, without a trailing `/`.
    pub fn public_url(&self) -> &str {
        &self.inner.public_url
    }

    pub fn backoff_scale(&self) -> f64 {
        self.inner.backoff_scale
    }

    /// How long one webhook delivery attempt may take (API.md §6.2: 10 s).
    pub fn webhook_timeout(&self) -> Duration {
        self.inner.webhook_timeout
    }

    /// How long the hosted OTP page waits before it sends another code.
    pub fn otp_resend_after(&self) -> Duration {
        self.inner.otp_resend_after
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }
}

impl Store {
    pub fn add_merchant(&mut self, config: MerchantConfig, now: OffsetDateTime) {
        let mut merchant = Merchant {
            name: config.name,
            public_key: config.public_key,
            private_key: ApiKey::new(config.private_key),
            multiplier: config.multiplier,
            verified: config.verified,
            earning_enabled: config.earning_enabled,
            ip_allow_list: config.ip_allow_list,
            earning_delay: Duration::ZERO,
            earning_locked: false,
            product_points: config.product_points,
            integration_active: true,
            integration_calls: VecDeque::new(),
            webhooks: Vec::new(),
            webhook_style: config.webhook_style,
        };
        for hook in config.webhooks {
            match Url::parse(&hook.url) {
                Ok(url) => merchant.webhooks.push(Webhook::new(url, hook.secret, now)),
                Err(_) => {
                    tracing::warn!(url = %hook.url, "ignoring a configured webhook with an invalid URL")
                }
            }
        }
        self.merchants.push(merchant);
    }

    pub fn merchant_by_public_key(&self, public_key: &str) -> Option<usize> {
        self.merchants
            .iter()
            .position(|m| m.public_key == public_key)
    }

    /// The merchant whose private key was presented, compared in constant time.
    pub fn merchant_by_private_key(&self, presented: &str) -> Option<usize> {
        self.merchants
            .iter()
            .position(|m| m.private_key.matches(presented))
    }

    /// One of `merchant`'s orders; another merchant's is as good as unknown (API.md §2).
    pub fn order_of(&self, merchant: usize, uuid: &OrderUuid) -> Option<&Order> {
        self.orders
            .iter()
            .find(|o| o.merchant == merchant && &o.uuid == uuid)
    }

    pub fn order_index_by_number(&self, merchant: usize, number: &OrderNumber) -> Option<usize> {
        self.orders
            .iter()
            .position(|o| o.merchant == merchant && &o.order_number == number)
    }

    /// Registers a webhook; `secret` is generated when not given.
    pub fn add_webhook(
        &mut self,
        merchant: usize,
        url: &str,
        secret: Option<String>,
        now: OffsetDateTime,
    ) -> Result<Webhook, InvalidWebhookUrl> {
        let url = Url::parse(url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
            .ok_or(InvalidWebhookUrl)?;
        let secret = secret.unwrap_or_else(crate::config::generate_secret);
        let webhook = Webhook::new(url, secret, now);
        self.merchants[merchant].webhooks.push(webhook.clone());
        Ok(webhook)
    }

    /// Queues `event` about `orders[order]` for every webhook of its merchant.
    pub fn notify(&mut self, event: WebhookEvent, order: usize, now: OffsetDateTime) {
        self.notify_with(event, order, serde_json::Map::new(), now);
    }

    /// Like [`Store::notify`], with per-event extras added to the payload's `order`.
    pub fn notify_with(
        &mut self,
        event: WebhookEvent,
        order: usize,
        extras: serde_json::Map<String, serde_json::Value>,
        now: OffsetDateTime,
    ) {
        let order = &self.orders[order];
        let merchant = &self.merchants[order.merchant];
        let hooks = &merchant.webhooks;
        if !hooks.is_empty() {
            let notification =
                Notification::new(event, order, extras, hooks, merchant.webhook_style, now);
            self.outbox.push(notification);
        }
    }

    /// Appends an order and returns its index; its `id` is the index + 1.
    pub fn push_order(&mut self, mut order: Order) -> usize {
        order.id = self.orders.len() as u64 + 1;
        order.reference_number = format!("REF-{}-{:06}", order.created_at.year(), order.id);
        self.orders.push(order);
        self.orders.len() - 1
    }

    /// A merchant's webhook by uuid; another merchant's is as good as unknown.
    pub fn webhook_index(&self, merchant: usize, uuid: Uuid) -> Option<usize> {
        self.merchants[merchant]
            .webhooks
            .iter()
            .position(|w| w.uuid == uuid)
    }
}

impl Webhook {
    pub fn new(url: Url, secret: String, now: OffsetDateTime) -> Self {
        Webhook {
            uuid: Uuid::new_v4(),
            name: format!("Webhook {}", url.host_str().unwrap_or("local")),
            url,
            secret: WebhookSecret::new(secret),
            created_at: now,
            updated_at: now,
        }
    }
}
