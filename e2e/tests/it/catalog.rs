//! The storefront's static pages against the catalogue the server prices from (no browser):
//! every variant a page offers is a catalogue SKU with the same price, in both languages, so
//! the price a shopper sees is the price they are charged.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context, Result};
use serde_json::Value;

fn www() -> PathBuf {
    std::env::var_os("POINTS_KIT_WWW_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../www"))
}

/// `sku → price` offered by a product page: its `<input name="sku" value=… data-price=…>`.
fn offered(html: &str) -> BTreeMap<String, String> {
    let attribute = |tag: &str, name: &str| -> Option<String> {
        let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        Some(tag[start..].split('"').next()?.to_owned())
    };
    html.split("<input")
        .skip(1)
        .filter_map(|rest| rest.split('>').next())
        .filter(|tag| tag.contains(r#"name="sku""#))
        .filter_map(|tag| Some((attribute(tag, "value")?, attribute(tag, "data-price")?)))
        .collect()
}

#[test]
fn every_variant_on_every_page_is_priced_as_in_the_catalogue() -> Result<()> {
    let root = www();
    let catalog: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("catalog.json"))?)?;
    let prices: BTreeMap<String, String> = catalog["products"]
        .as_array()
        .context("products")?
        .iter()
        .filter_map(|p| {
            Some((
                p["sku"].as_str()?.to_owned(),
                p["price"].as_str()?.to_owned(),
            ))
        })
        .collect();

    let mut seen = BTreeMap::new();
    for entry in std::fs::read_dir(&root)? {
        let path = entry?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        if !name.ends_with(".html") {
            continue;
        }
        let arabic = std::fs::read_to_string(&path)?;
        let english = std::fs::read_to_string(root.join("en").join(&name))
            .with_context(|| format!("{name} has no English twin in www/en/"))?;
        let (ar, en) = (offered(&arabic), offered(&english));
        assert_eq!(ar, en, "{name}: the languages offer different variants");
        for (sku, price) in &ar {
            assert_eq!(
                prices.get(sku),
                Some(price),
                "{name} offers {sku} at {price}, the catalogue says otherwise"
            );
        }
        seen.extend(ar);
    }
    assert_eq!(
        seen, prices,
        "every catalogue product has a page, and no page sells what is not in it"
    );
    Ok(())
}
