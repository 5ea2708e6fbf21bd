//! `cargo xtask layers`: the layering inside a crate, checked on the source.
//!
//! A crate listed in [`CRATES`] is a core with adapters on top (ARCHITECTURE.md draws the
//! server's). The rule: no module of the core names an adapter (`crate::http::…`,
//! `use crate::{http, …}`), and no adapter names another. Only the crate roots (`lib.rs`,
//! `main.rs`) wire adapters together. Comments are not code: a doc line may mention an adapter.
//!
//! A text scan rather than a compiler pass keeps the check instant and dependency-free; it reads
//! every path that starts with `crate::`, which is the only way the server's modules refer to
//! one another across folders (`super::super` never leaves a folder there).

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// A crate with adapters: where its sources are, which top-level modules are adapters, and
/// which files may name them.
pub struct Layered {
    pub src: &'static str,
    pub adapters: &'static [&'static str],
    pub roots: &'static [&'static str],
}

/// Every crate whose insides are layered.
pub const CRATES: &[Layered] = &[Layered {
    src: "server/src",
    adapters: &["http", "commands"],
    roots: &["lib.rs", "main.rs"],
}];

/// One line that crosses a layer the wrong way.
#[derive(Debug, PartialEq, Eq)]
pub struct Violation {
    pub file: PathBuf,
    pub line: usize,
    pub module: String,
    pub names: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: `{}` imports the adapter `crate::{}`",
            self.file.display(),
            self.line,
            self.module,
            self.names
        )
    }
}

/// The task: checks every crate in [`CRATES`] and fails listing each violation.
pub fn layers(root: &Path) -> Result<()> {
    let mut all = Vec::new();
    let mut files = 0;
    for layered in CRATES {
        let (checked, found) = check(root, layered)?;
        files += checked;
        all.extend(found);
    }
    if !all.is_empty() {
        let lines: Vec<String> = all.iter().map(ToString::to_string).collect();
        bail!(
            "layering broken ({} import(s)); see ARCHITECTURE.md:\n{}",
            all.len(),
            lines.join("\n")
        );
    }
    eprintln!("xtask: layers hold ({files} files checked)");
    Ok(())
}

/// Checks one crate; answers how many files were read and what crossed.
pub fn check(root: &Path, layered: &Layered) -> Result<(usize, Vec<Violation>)> {
    let src = root.join(layered.src);
    let mut files = Vec::new();
    collect(&src, &mut files)?;
    if files.is_empty() {
        bail!("no Rust sources under {}", src.display());
    }
    let mut found = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(&src).unwrap_or(file);
        let rel_text = rel.to_string_lossy().replace('\\', "/");
        if layered.roots.contains(&rel_text.as_str()) {
            continue;
        }
        let module = top_module(&rel_text);
        let forbidden: Vec<&str> = layered
            .adapters
            .iter()
            .copied()
            .filter(|a| *a != module)
            .collect();
        let text =
            std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
        for (index, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            for name in crate_paths(code) {
                if forbidden.contains(&name.as_str()) {
                    found.push(Violation {
                        file: Path::new(layered.src).join(rel),
                        line: index + 1,
                        module: module.to_string(),
                        names: name,
                    });
                }
            }
        }
    }
    Ok((files.len(), found))
}

fn collect(dir: &Path, into: &mut Vec<PathBuf>) -> Result<()> {
    let entries = std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<_>>()?;
    paths.sort();
    for path in paths {
        if path.is_dir() {
            collect(&path, into)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            into.push(path);
        }
    }
    Ok(())
}

/// `http/webhooks.rs` → `http`; `apply.rs` → `apply`.
fn top_module(rel: &str) -> &str {
    let first = rel.split('/').next().unwrap_or(rel);
    first.strip_suffix(".rs").unwrap_or(first)
}

/// The first segment of every `crate::` path on a line, grouped imports included:
/// `use crate::{http::x, db};` → `["http", "db"]`.
fn crate_paths(line: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // `mycrate::`, not ours
        }
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0usize;
            let mut start = 0;
            let mut end = group.len();
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        end = i;
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        names.push(ident(&group[start..i]));
                        start = i + 1;
                    }
                    _ => {}
                }
            }
            names.push(ident(&group[start..end]));
            rest = &group[end..];
        } else {
            names.push(ident(rest));
        }
    }
    names.retain(|n| !n.is_empty());
    names
}

fn ident(text: &str) -> String {
    text.trim_start()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_plain_grouped_and_nested_paths() {
        assert_eq!(crate_paths("use crate::http::AppState;"), ["http"]);
        assert_eq!(
            crate_paths("use crate::{db, http::{a, b}, commands};"),
            ["db", "http", "commands"]
        );
        assert_eq!(
            crate_paths("let x = crate::apply::run(crate::db::x);"),
            ["apply", "db"]
        );
        assert!(crate_paths("use mycrate::http;").is_empty());
        assert!(crate_paths("use super::http;").is_empty());
    }

    fn fixture(files: &[(&str, &str)]) -> PathBuf {
        let root = std::env::temp_dir().join(format!(
            "xtask-layers-{}-{}",
            std::process::id(),
            files.len()
        ));
        let _ = std::fs::remove_dir_all(&root);
        for (path, text) in files {
            let path = root.join("server/src").join(path);
            std::fs::create_dir_all(path.parent().expect("fixture")).expect("fixture");
            std::fs::write(path, text).expect("fixture");
        }
        root
    }

    #[test]
    fn a_core_module_importing_an_adapter_is_named_with_its_line() {
        let root = fixture(&[
            (
                "lib.rs",
                "pub mod http;\npub mod commands;\nuse crate::http::router;\n",
            ),
            (
                "apply.rs",
                "// see crate::http::webhooks\nuse crate::db;\nuse crate::{db::x, http::AppState};\n",
            ),
            (
                "http/mod.rs",
                "use crate::apply;\nuse crate::http::error;\n",
            ),
            ("commands/orders.rs", "use crate::http::admin;\n"),
            ("inbox/worker.rs", "use crate::inbox::store;\n"),
        ]);
        let (files, found) = check(&root, &CRATES[0]).expect("fixture");
        assert_eq!(files, 5);
        let seen: Vec<String> = found
            .iter()
            .map(|v| format!("{}:{}:{}", v.module, v.line, v.names))
            .collect();
        assert_eq!(seen, ["apply:3:http", "commands:1:http"]);
        std::fs::remove_dir_all(root).expect("fixture");
    }

    #[test]
    fn the_real_tree_holds() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("fixture");
        let (files, found) = check(root, &CRATES[0]).expect("fixture");
        assert!(files > 40, "only {files} server files found");
        assert!(found.is_empty(), "{found:?}");
    }
}
