//! A real TLS handshake with a host, validating its certificate chain against the system's
//! roots (plus any the caller trusts explicitly), as Points' webhook delivery would.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// What a successful handshake showed.
#[derive(Debug, Clone)]
pub struct Handshake {
    pub version: String,
    /// The leaf certificate's size, as evidence a certificate was read.
    pub leaf_bytes: usize,
}

/// The system's root certificates and those in `extra` (PEM files).
pub fn roots(extra: &[PathBuf]) -> Result<rustls::RootCertStore> {
    let mut store = rustls::RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    for cert in native.certs {
        // A system root rustls cannot parse is skipped, as browsers do.
        let _ = store.add(cert);
    }
    for path in extra {
        for cert in read_pem(path)? {
            store
                .add(cert)
                .with_context(|| format!("adding a root from {}", path.display()))?;
        }
    }
    if store.is_empty() {
        bail!("no root certificates: neither the system's nor --ca-file");
    }
    Ok(store)
}

fn read_pem(path: &PathBuf) -> Result<Vec<CertificateDer<'static>>> {
    let text = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let certs: Vec<_> = rustls_pemfile::certs(&mut text.as_slice())
        .collect::<Result<_, _>>()
        .with_context(|| format!("parsing PEM in {}", path.display()))?;
    if certs.is_empty() {
        bail!("{} holds no certificate", path.display());
    }
    Ok(certs)
}

/// Connects to `host:port` and completes a TLS handshake for `host`, TLS 1.2 at least.
pub async fn handshake(host: &str, port: u16, roots: rustls::RootCertStore) -> Result<Handshake> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .context("TLS versions")?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = ServerName::try_from(host.trim_matches(['[', ']']).to_owned())
        .with_context(|| format!("{host} is not a valid TLS server name"))?;
    let tcp = tokio::time::timeout(Duration::from_secs(10), TcpStream::connect((host, port)))
        .await
        .with_context(|| format!("connecting to {host}:{port} timed out"))?
        .with_context(|| format!("connecting to {host}:{port}"))?;
    let stream = tokio::time::timeout(
        Duration::from_secs(10),
        TlsConnector::from(Arc::new(config)).connect(name, tcp),
    )
    .await
    .context("the TLS handshake timed out")?
    .context("the TLS handshake failed")?;
    let (_, session) = stream.get_ref();
    Ok(Handshake {
        version: session
            .protocol_version()
            .map(|v| format!("{v:?}"))
            .unwrap_or_else(|| "unknown".into()),
        leaf_bytes: session
            .peer_certificates()
            .and_then(|c| c.first())
            .map(|c| c.len())
            .unwrap_or(0),
    })
}
