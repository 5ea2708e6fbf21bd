//! The merchant's products and their prices: the only source of prices the server trusts.
//!
//! The storefront sends SKUs and quantities; every amount sent to Points is computed here, so a
//! shopper editing the page cannot change what they pay.

use std::collections::BTreeMap;

use anyhow::{Context, bail, ensure};
pub use protocol::Lang;
use protocol::Sar;
use serde::Deserialize;

/// All products, keyed by SKU.
#[derive(Debug, Clone)]
pub struct Catalog {
    products: BTreeMap<String, Product>,
}

/// One sellable product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    pub sku: String,
    pub name: LocalizedName,
    pub price: Sar,
}

/// A product name in both storefront languages.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct LocalizedName {
    pub ar: String,
    pub en: String,
}

impl Catalog {
    /// Reads `{"products":[{"sku":"oud-50","name":{"ar":"…","en":"…"},"price":"150.75"}]}`.
    /// Prices are decimal strings so they never pass through a float.
    pub fn from_json(text: &str) -> anyhow::Result<Self> {
        let raw: RawCatalog = serde_json::from_str(text).context("parsing the catalog JSON")?;
        let mut products = BTreeMap::new();
        for (index, entry) in raw.products.into_iter().enumerate() {
            let sku = entry.sku.trim().to_owned();
            ensure!(!sku.is_empty(), "catalog product {index} has an empty sku");
            ensure!(
                !entry.name.ar.trim().is_empty() && !entry.name.en.trim().is_empty(),
                "catalog product {sku:?} needs a name in both ar and en"
            );
            let price = Sar::parse(&entry.price)
                .with_context(|| format!("catalog product {sku:?} has an invalid price"))?;
            let product = Product {
                sku: sku.clone(),
                name: entry.name,
                price,
            };
            if products.insert(sku.clone(), product).is_some() {
                bail!("catalog lists sku {sku:?} twice");
            }
        }
        ensure!(!products.is_empty(), "the catalog has no products");
        Ok(Catalog { products })
    }

    pub fn get(&self, sku: &str) -> Option<&Product> {
        self.products.get(sku)
    }

    pub fn products(&self) -> impl Iterator<Item = &Product> {
        self.products.values()
    }
}

impl LocalizedName {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ar => &self.ar,
            Lang::En => &self.en,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalog {
    products: Vec<RawProduct>,
}

#[derive(Deserialize)]
struct RawProduct {
    sku: String,
    name: LocalizedName,
    price: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str =
        r#"{"products":[{"sku":"oud-50","name":{"ar":"عود","en":"Oud"},"price":"150.75"}]}"#;

    #[test]
    fn reads_prices_exactly_from_decimal_strings() {
        let catalog = Catalog::from_json(ONE).expect("valid catalog");
        let oud = catalog.get("oud-50").expect("listed");
        assert_eq!(oud.price, Sar::from_halalas(15075));
        assert_eq!(oud.name.get(Lang::En), "Oud");
        assert!(catalog.get("nope").is_none());
    }

    #[test]
    fn rejects_catalogs_that_would_misprice() {
        let check = |text: &str| assert!(Catalog::from_json(text).is_err(), "{text}");
        check(r#"{"products":[]}"#);
        check(r#"{"products":[{"sku":"a","name":{"ar":"x","en":"x"},"price":150.75}]}"#);
        check(r#"{"products":[{"sku":"a","name":{"ar":"x","en":"x"},"price":"1.234"}]}"#);
        check(r#"{"products":[{"sku":"","name":{"ar":"x","en":"x"},"price":"1"}]}"#);
        check(r#"{"products":[{"sku":"a","name":{"ar":"","en":"x"},"price":"1"}]}"#);
        check(
            r#"{"products":[{"sku":"a","name":{"ar":"x","en":"x"},"price":"1"},
                            {"sku":"a","name":{"ar":"y","en":"y"},"price":"2"}]}"#,
        );
    }
}
