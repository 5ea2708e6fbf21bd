//! The mark `points preflight` puts on the deliveries it sends with a missing or wrong secret
//! to check that intake refuses them. They are refused like any other (401, nothing stored),
//! but counted under `reason="probe"` instead of `reason="secret"`, so a go-live check does not
//! page someone with `WebhookSecretVerificationFailures`.
//!
//! The mark must not be a way to hide real wrong-secret attempts, so only someone holding the
//! webhook secret can make one: [`PROBE_HEADER`] is `t=<unix seconds>,v1=<hex>`, where `<hex>`
//! is HMAC-SHA256 under the secret of the time, the `X-Webhook-Secret` the delivery presents
//! and its body. A mark without the secret is a forgery and counts as a real failure; one
//! copied from a probe is bound to that probe's wrong secret and body (guessing other secrets
//! under it changes the MAC) and expires after [`PROBE_MAX_AGE`]. The secret itself never
//! travels: the MAC does not reveal it.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::HeaderMap;
use protocol::WebhookSecret;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The header holding the mark.
pub const PROBE_HEADER: &str = "x-pointskit-probe";
/// How far a mark's time may be from the server's clock, either way.
pub const PROBE_MAX_AGE: Duration = Duration::from_secs(300);

/// The mark for a probe sent at `at`, presenting `presented` as its `X-Webhook-Secret`
/// (`None`: no header), with `body`; made with the real `secret`.
pub fn marker(
    secret: &WebhookSecret,
    at: SystemTime,
    presented: Option<&str>,
    body: &[u8],
) -> String {
    let seconds = at.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    let mac = mac(
        secret,
        seconds,
        presented.unwrap_or_default().as_bytes(),
        body,
    );
    format!("t={seconds},v1={}", hex(&mac))
}

/// Whether `headers` carry a mark that one of `secrets` made for this presented secret and
/// `body`, no further than [`PROBE_MAX_AGE`] from `now`. Every secret is compared, in
/// constant time.
pub fn is_signed_probe(
    headers: &HeaderMap,
    body: &[u8],
    secrets: &[&WebhookSecret],
    now: SystemTime,
) -> bool {
    let Some((seconds, claimed)) = headers
        .get(PROBE_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(parse)
    else {
        return false;
    };
    let now = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    if now.abs_diff(seconds) > PROBE_MAX_AGE.as_secs() {
        return false;
    }
    let presented = headers
        .get(super::SECRET_HEADER)
        .map_or(&[][..], |v| v.as_bytes());
    secrets.iter().fold(false, |found, secret| {
        let expected = hex(&mac(secret, seconds, presented, body));
        found | bool::from(expected.as_bytes().ct_eq(claimed.as_bytes()))
    })
}

/// `t=<seconds>,v1=<hex>`.
fn parse(value: &str) -> Option<(u64, &str)> {
    let (time, mac) = value.trim().split_once(',')?;
    let seconds = time.strip_prefix("t=")?.parse().ok()?;
    Some((seconds, mac.strip_prefix("v1=")?))
}

fn mac(secret: &WebhookSecret, seconds: u64, presented: &[u8], body: &[u8]) -> [u8; 32] {
    let seconds = seconds.to_string();
    // Lengths first, so no two (time, secret, body) triples make the same message.
    let presented_len = presented.len().to_string();
    hmac_sha256(
        secret.expose().as_bytes(),
        &[
            b"pointskit-probe.v1\n",
            seconds.as_bytes(),
            b"\n",
            presented_len.as_bytes(),
            b"\n",
            presented,
            body,
        ],
    )
}

/// HMAC-SHA256 (RFC 2104) over the concatenation of `parts`.
fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.map(|b| b ^ byte);
    let mut inner = Sha256::new();
    inner.update(pad(0x36));
    for part in parts {
        inner.update(part);
    }
    let mut outer = Sha256::new();
    outer.update(pad(0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn hmac_matches_rfc_4231() {
        let check = |key: &[u8], data: &[u8], expect: &str| {
            assert_eq!(hex(&hmac_sha256(key, &[data])), expect);
        };
        check(
            b"Jefe",
            b"what do ya want for nothing?",
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
        );
        // A key longer than the block is hashed first (test case 6).
        check(
            &[0xaa; 131],
            b"Test Using Larger Than Block-Size Key - Hash Key First",
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
        );
    }

    fn headers(presented: Option<&str>, mark: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Some(presented) = presented {
            headers.insert(
                super::super::SECRET_HEADER,
                HeaderValue::from_str(presented).expect("value"),
            );
        }
        headers.insert(PROBE_HEADER, HeaderValue::from_str(mark).expect("value"));
        headers
    }

    #[test]
    fn only_a_fresh_mark_made_with_an_active_secret_for_this_delivery_is_a_probe() {
        let secret = WebhookSecret::new("whsec_real_one");
        let previous = WebhookSecret::new("whsec_previous");
        let other = WebhookSecret::new("whsec_someone_elses");
        let now = UNIX_EPOCH + Duration::from_secs(1_900_000_000);
        let body = br#"{"event":"approved"}"#;
        let probe = |presented: Option<&str>, mark: &str, body: &[u8]| {
            is_signed_probe(&headers(presented, mark), body, &[&secret, &previous], now)
        };
        let wrong = Some("xxxxxxxx");

        // Made with the current or the previous secret: a probe, missing or wrong secret alike.
        assert!(probe(wrong, &marker(&secret, now, wrong, body), body));
        assert!(probe(None, &marker(&secret, now, None, body), body));
        assert!(probe(wrong, &marker(&previous, now, wrong, body), body));
        let skewed = now - Duration::from_secs(299);
        assert!(probe(wrong, &marker(&secret, skewed, wrong, body), body));

        // Without the secret, for another delivery, or too old: a real failure.
        assert!(!probe(wrong, &marker(&other, now, wrong, body), body));
        assert!(!probe(
            Some("yyyyyyyy"),
            &marker(&secret, now, wrong, body),
            body
        ));
        assert!(!probe(None, &marker(&secret, now, wrong, body), body));
        assert!(!probe(wrong, &marker(&secret, now, wrong, body), b"{}"));
        let stale = now - Duration::from_secs(301);
        assert!(!probe(wrong, &marker(&secret, stale, wrong, body), body));
        let future = now + Duration::from_secs(301);
        assert!(!probe(wrong, &marker(&secret, future, wrong, body), body));
        for forged in [
            "",
            "t=1900000000",
            "t=x,v1=00",
            "t=1900000000,v1=",
            "v1=ab,t=1",
        ] {
            assert!(!probe(wrong, forged, body), "{forged:?}");
        }
        assert!(!is_signed_probe(&HeaderMap::new(), body, &[&secret], now));
    }
}
