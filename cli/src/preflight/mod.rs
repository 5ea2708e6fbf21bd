//! `points preflight`: the go-live checklist (API.md §8.3) as checks.
//!
//! Every item of the checklist becomes one [`Item`] with a [`Status`] and the evidence it rests
//! on, grouped as the checklist is. What can be checked is checked: the configuration the server
//! would load (the same layers: `POINTS_CONFIG`, `POINTS_*`), the git repository it is deployed
//! from, the public webhook URL (a real TLS handshake), the running server (its
//! `/admin/selftest` routes and its webhook intake, with signed and forged test deliveries), and
//! the storefront pages that load the widget. What cannot be checked is `MANUAL`, saying what a
//! person must confirm. Any `FAIL` makes the command exit non-zero.
//!
//! A configuration that does not even load is reported item by item where possible (the loader
//! skips validation, see [`server::Config::from_lookup_unchecked`]), never by stopping at the first
//! problem.

mod credentials;
mod observability;
mod render;
mod storefront;
mod webhooks;

use std::collections::HashMap;
use std::path::PathBuf;

use serde::Serialize;
use url::Url;

pub use render::{human, json};

/// The production Points API base (API.md §3).
pub const PRODUCTION_BASE_URL: &str = "https://business.papp.sa/api";
/// Where the production widget loader is served from (API.md §7.1).
pub const PRODUCTION_WIDGET_ORIGIN: &str = "https://business.papp.sa";

/// What preflight looks at.
#[derive(Debug, Clone)]
pub struct Inputs {
    /// The environment, as the server would see it (`POINTS_CONFIG` and `POINTS_*`).
    pub env: HashMap<String, String>,
    /// The git work tree the server is deployed from; scanned for secrets.
    pub repo: PathBuf,
    /// The running server's base URL for the self-tests; default: the configured public URL.
    pub server: Option<Url>,
    /// Storefront pages whose widget script tags are inspected.
    pub pages: Vec<Url>,
    /// The origin the widget loader must come from.
    pub widget_origin: String,
    /// PEM files with CA certificates trusted besides the system's roots (a private PKI).
    pub extra_roots: Vec<PathBuf>,
    /// The Prometheus alert rules deployed with the server.
    pub alert_rules: PathBuf,
    /// The runbook (key rotation, webhook disablement, rollback).
    pub runbook: PathBuf,
}

impl Inputs {
    /// The defaults for a repository checked out at `repo`: the process environment, the
    /// repository's alert rules and runbook, the production widget origin.
    pub fn for_repo(repo: PathBuf) -> Inputs {
        Inputs {
            env: std::env::vars().collect(),
            alert_rules: repo.join("server/alerts/points.rules.yml"),
            runbook: repo.join("docs/runbook.md"),
            repo,
            server: None,
            pages: Vec::new(),
            widget_origin: PRODUCTION_WIDGET_ORIGIN.to_owned(),
            extra_roots: Vec::new(),
        }
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.env
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }
}

/// The checklist's sections, in its order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    Credentials,
    Webhooks,
    OrderOperations,
    Widgets,
    Observability,
    SmokeTests,
    LaunchDay,
}

impl Group {
    pub fn title(self) -> &'static str {
        match self {
            Group::Credentials => "Credentials and environments",
            Group::Webhooks => "Webhooks and callbacks",
            Group::OrderOperations => "Order operations",
            Group::Widgets => "Widgets Messaging",
            Group::Observability => "Logging and observability",
            Group::SmokeTests => "Mandatory smoke tests",
            Group::LaunchDay => "Launch day",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    Pass,
    Fail,
    Manual,
}

/// One checklist item's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub group: Group,
    /// Stable, for scripts: `credentials.private-key-not-in-git`.
    pub id: &'static str,
    /// The checklist's wording, shortened.
    pub title: &'static str,
    pub status: Status,
    /// What the status rests on: a file, a status code, a handshake's outcome. Never a secret.
    pub evidence: String,
}

/// Every item, in checklist order.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub items: Vec<Item>,
}

impl Report {
    pub fn count(&self, status: Status) -> usize {
        self.items.iter().filter(|i| i.status == status).count()
    }

    pub fn passed(&self) -> bool {
        self.count(Status::Fail) == 0
    }

    /// The item with this id.
    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.id == id)
    }
}

/// Collects items as the checks run.
#[derive(Debug, Default)]
struct Items(Vec<Item>);

impl Items {
    fn push(
        &mut self,
        group: Group,
        id: &'static str,
        title: &'static str,
        outcome: (Status, String),
    ) {
        self.0.push(Item {
            group,
            id,
            title,
            status: outcome.0,
            evidence: outcome.1,
        });
    }
}

fn pass(evidence: impl Into<String>) -> (Status, String) {
    (Status::Pass, evidence.into())
}

fn fail(evidence: impl Into<String>) -> (Status, String) {
    (Status::Fail, evidence.into())
}

fn manual(evidence: impl Into<String>) -> (Status, String) {
    (Status::Manual, evidence.into())
}

/// Runs every check.
pub async fn run(inputs: &Inputs) -> Report {
    let mut items = Items::default();
    // The same layers the server loads: the file named by POINTS_CONFIG under the environment.
    let lookup = server::config::layered(|name| inputs.env.get(name).cloned());
    let config = match &lookup {
        Ok(lookup) => server::Config::from_lookup_unchecked(lookup).map_err(|e| format!("{e:#}")),
        Err(e) => Err(format!("{e:#}")),
    };
    let config_error = config.as_ref().err().cloned();
    items.push(
        Group::Credentials,
        "credentials.config-loads",
        "The server's configuration loads and validates",
        match &config {
            Err(e) => fail(format!("does not load: {e}")),
            Ok(config) => match config.validate() {
                Ok(()) => pass(format!("loads and validates in {:?} mode", config.mode)),
                Err(e) => fail(format!("refused at start-up: {e:#}")),
            },
        },
    );
    let config = config.ok();
    let lookup = lookup.ok();
    credentials::check(inputs, lookup.as_ref(), config.as_ref(), &mut items);
    webhooks::check(inputs, config.as_ref(), config_error.as_deref(), &mut items).await;
    order_operations(&mut items);
    storefront::check(inputs, config.as_ref(), &mut items).await;
    observability::check(inputs, config.as_ref(), &mut items).await;
    launch(&mut items);
    let mut items = items.0;
    // Stable: the sort keeps each group's items in the order they were checked.
    items.sort_by_key(|i| i.group);
    Report { items }
}

fn order_operations(items: &mut Items) {
    let smoke = "run `points smoke` against the sandbox, then once in production";
    items.push(
        Group::OrderOperations,
        "orders.uuid-stored",
        "Points' uuid stored for every order; unique, stable order_number",
        manual(format!(
            "points-kit's schema keeps both (orders.points_uuid, orders.order_number UNIQUE); {smoke}"
        )),
    );
    items.push(
        Group::OrderOperations,
        "orders.flows-tested",
        "Refund, cancel and shipping-status flows tested",
        manual(smoke),
    );
    items.push(
        Group::SmokeTests,
        "smoke.per-flow",
        "Sandbox end to end per flow; first production orders verified and reconciled",
        manual(smoke),
    );
}

fn launch(items: &mut Items) {
    items.push(
        Group::LaunchDay,
        "launch.controlled-orders",
        "A few controlled orders, webhook logs watched live, settlement confirmed in both systems",
        manual("on launch day"),
    );
    items.push(
        Group::Credentials,
        "credentials.capabilities",
        "Merchant capabilities confirmed (earning, checkout, refunds, shipping updates)",
        manual("ask Points or check the Business dashboard"),
    );
}
