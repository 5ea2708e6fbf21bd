//! Points customers as the sandbox imagines them: the reserved phones of API.md §8.4 and §12,
//! and any other well-formed phone as a new active customer with no points.

use crate::state::Store;

/// `500000001`: active, 10,000 points (redemption flow).
pub const WITH_BALANCE: &str = "500000001";
/// `500000002`: active, no points (earning flow).
pub const ZERO_BALANCE: &str = "500000002";
/// `500000003`: no Points account at all.
pub const NO_ACCOUNT: &str = "500000003";
/// `500000004`: has not activated their account; earnings wait for activation.
pub const NOT_ACTIVATED: &str = "500000004";

/// A customer's wallet and account state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    pub points: u64,
    pub account: Account,
    /// The name given on the hosted onboarding, if any.
    pub name: Option<String>,
}

/// Whether `phone` is one of the reserved phones of API.md §12.
pub fn is_reserved(phone: &str) -> bool {
    [WITH_BALANCE, ZERO_BALANCE, NO_ACCOUNT, NOT_ACTIVATED].contains(&phone)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Account {
    Active,
    NotActivated,
    Missing,
}

impl Account {
    pub fn as_str(self) -> &'static str {
        match self {
            Account::Active => "active",
            Account::NotActivated => "not_activated",
            Account::Missing => "no_account",
        }
    }
}

impl Customer {
    /// How a phone first looks to the sandbox.
    pub fn initial(phone: &str) -> Self {
        let (points, account) = match phone {
            WITH_BALANCE => (10_000, Account::Active),
            NO_ACCOUNT => (0, Account::Missing),
            NOT_ACTIVATED => (0, Account::NotActivated),
            ZERO_BALANCE => (0, Account::Active),
            _ => (0, Account::Active),
        };
        Customer {
            points,
            account,
            name: None,
        }
    }
}

impl Store {
    /// The customer behind a normalised phone, created on first sight.
    pub fn customer_mut(&mut self, phone: &str) -> &mut Customer {
        self.customers
            .entry(phone.to_owned())
            .or_insert_with(|| Customer::initial(phone))
    }

    /// Whether Points knows `phone`: a reserved phone, or one seen before (an earning, a
    /// finished onboarding). Any other phone lands on the hosted onboarding (API.md §4.4).
    pub fn knows(&self, phone: &str) -> bool {
        is_reserved(phone) || self.customers.contains_key(phone)
    }

    /// The customer behind a phone without remembering it.
    pub fn customer(&self, phone: &str) -> Customer {
        self.customers
            .get(phone)
            .cloned()
            .unwrap_or_else(|| Customer::initial(phone))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_phones_start_as_documented() {
        assert_eq!(Customer::initial(WITH_BALANCE).points, 10_000);
        assert_eq!(Customer::initial(ZERO_BALANCE).points, 0);
        assert_eq!(Customer::initial(NO_ACCOUNT).account, Account::Missing);
        assert_eq!(
            Customer::initial(NOT_ACTIVATED).account,
            Account::NotActivated
        );
        assert_eq!(Customer::initial("512345678").account, Account::Active);
        assert!(is_reserved(NO_ACCOUNT) && !is_reserved("512345678"));
    }
}
