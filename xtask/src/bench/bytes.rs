//! Bytes on the wire per page type, gzip (level 9) and brotli (quality 11), for the release
//! and for the reference iframe loader.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use serde_json::{Value, json};

/// Compressed sizes of `bytes`: `(gzip, brotli)`.
pub fn compressed(bytes: &[u8]) -> Result<(u64, u64)> {
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gzip.write_all(bytes)?;
    let gzip = gzip.finish()?.len() as u64;
    let mut brotli = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut brotli, 4096, 11, 22);
        writer.write_all(bytes)?;
    }
    Ok((gzip, brotli.len() as u64))
}

/// Sums raw, gzip and brotli bytes of `files` (each compressed on its own, as served).
pub fn weigh(files: &[std::path::PathBuf]) -> Result<Value> {
    let (mut raw, mut gzip, mut brotli) = (0u64, 0u64, 0u64);
    let mut names = Vec::new();
    for file in files {
        let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
        let (g, b) = compressed(&bytes)?;
        raw += bytes.len() as u64;
        gzip += g;
        brotli += b;
        names.push(
            file.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        );
    }
    Ok(json!({ "files": names, "bytes": raw, "gzip": gzip, "brotli": brotli }))
}

/// Per page type: what points-kit's release downloads (from its manifest) and what the
/// reference downloads (its loader and the type's iframe document, from `reference_dir`).
pub fn pages(release: &Path, reference_dir: Option<&Path>) -> Result<Value> {
    let manifest: Value = serde_json::from_slice(
        &std::fs::read(release.join("manifest.json")).context("reading the release manifest")?,
    )?;
    let ours = |page: &str| -> Result<Value> {
        let files: Vec<std::path::PathBuf> = manifest["pages"][page]["files"]
            .as_array()
            .context("manifest pages")?
            .iter()
            .filter_map(Value::as_str)
            .map(|name| release.join(name))
            .collect();
        weigh(&files)
    };
    let reference = |kind: &str| -> Result<Value> {
        match reference_dir {
            Some(dir) => weigh(&[
                dir.join("widget-loader.js"),
                dir.join(format!("embed-{kind}.html")),
            ]),
            None => Ok(Value::Null),
        }
    };
    Ok(json!({
        "product (points-card)": { "ours": ours("product")?, "reference": reference("points-card")? },
        "cart (points-alert)": { "ours": ours("product")?, "reference": reference("points-alert")? },
        "checkout (installments)": { "ours": ours("product")?, "reference": reference("installments")? },
        "return": { "ours": ours("return")?, "reference": Value::Null },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repetitive_text_compresses_and_brotli_beats_gzip_on_it() {
        let text = "points-kit ".repeat(1000);
        let (gzip, brotli) = compressed(text.as_bytes()).expect("compress");
        assert!(gzip < 200, "{gzip}");
        assert!(brotli <= gzip, "{brotli} vs {gzip}");
        assert!(brotli > 0);
    }
}
