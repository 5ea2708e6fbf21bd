//! The return page's parameters: `GET /api/orders/{order_number}?{query}` reads the order
//! number from the path and only `uuid` from the query (never `status`). Whatever the URL,
//! reading them never panics, and a hint that parses is a canonical uuid that parses to itself.
#![no_main]

use axum::extract::Query;
use axum::http::Uri;
use libfuzzer_sys::fuzz_target;
use protocol::{OrderNumber, OrderUuid};
use server::http::orders::StatusQuery;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (number, query) = text.split_once('?').unwrap_or((text, ""));
    if let Ok(number) = OrderNumber::parse(number) {
        assert_eq!(OrderNumber::parse(number.as_str()).ok(), Some(number));
    }
    let Ok(uri) = format!("/api/orders/PK-1?{query}").parse::<Uri>() else {
        return;
    };
    let Ok(Query(parsed)) = Query::<StatusQuery>::try_from_uri(&uri) else {
        return;
    };
    if let Some(uuid) = parsed
        .uuid
        .as_deref()
        .and_then(|h| OrderUuid::parse(h.trim()))
    {
        let canonical = uuid.to_string();
        assert_eq!(canonical.len(), 36, "{canonical}");
        assert_eq!(canonical, canonical.to_ascii_lowercase());
        assert_eq!(OrderUuid::parse(&canonical), Some(uuid));
    }
});
