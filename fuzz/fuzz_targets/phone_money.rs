//! Phone and money parsing (`protocol`): never a panic; what parses round-trips, a phone's
//! masked form never holds the whole number, and an amount is never negative or over the cap.
#![no_main]

use libfuzzer_sys::fuzz_target;
use protocol::{PhoneNumber, Sar};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(phone) = PhoneNumber::parse(text) {
        let full = phone.expose().to_owned();
        assert_eq!(full.len(), 9);
        assert!(full.starts_with('5'));
        assert_eq!(PhoneNumber::parse(&full).ok(), Some(phone.clone()));
        assert!(!phone.to_string().contains(&full));
        assert!(!format!("{phone:?}").contains(&full));
    }
    if let Ok(amount) = Sar::parse(text) {
        let shown = amount.to_string();
        assert_eq!(Sar::parse(&shown), Ok(amount), "{shown}");
        assert_eq!(Sar::from_f64(amount.as_f64()), Ok(amount));
    }
    if let Ok(value) = text.trim().parse::<f64>()
        && let Ok(amount) = Sar::from_f64(value)
    {
        assert!((amount.as_f64() - value).abs() <= 0.005 + value.abs() * 1e-12);
    }
});
