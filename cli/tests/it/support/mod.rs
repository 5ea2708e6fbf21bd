//! A merchant server on 127.0.0.1 behind real TLS (a test CA's certificate, a self-signed one,
//! or none), with storefront pages beside it, a git repository to scan, secret files outside
//! it, and the production environment preflight is asked to judge.

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use axum::Router;
use axum::response::Html;
use axum::routing::get;
use points_cli::preflight::Inputs;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;
use url::Url;

/// How the server's origin is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tls {
    /// A certificate for `localhost` from a CA the inputs trust (`--ca-file`).
    TrustedCa,
    /// A self-signed certificate nobody trusts.
    SelfSigned,
    /// Plain HTTP.
    None,
}

pub struct Fixture {
    /// Where the storefront and server answer: `https://localhost:PORT` or `http://127.0.0.1:PORT`.
    pub origin: String,
    pub private_key: String,
    pub webhook_secret: String,
    pub admin_token: String,
    /// The deployment's git work tree.
    pub repo: PathBuf,
    /// Secret files and the CA, outside the repository.
    pub outside: PathBuf,
    ca_file: Option<PathBuf>,
    app: Option<server::App>,
    task: JoinHandle<()>,
}

const PRODUCT_PAGE: &str = r##"<!doctype html><html lang="ar"><head>
<script src="https://business.papp.sa/widget-loader-0.1.0-0123456789ab.js" defer
  integrity="sha384-oqVuAfXRKap7fdgcCY5uykM6+R9GqQ8K/uxy9rx7HNQlGYl1kPzQho1wx4JwY8wC"
  crossorigin="anonymous" data-type="points-card" data-container="#w"></script>
</head><body><div id="w"></div></body></html>"##;

const SANDBOX_PAGE: &str = r#"<!doctype html><html><head>
<script src="https://sandbox.papp.sa/widget-loader.js" data-type="points-card"></script>
</head></html>"#;

const NO_SRI_PAGE: &str = r#"<!doctype html><html><head>
<script src="https://business.papp.sa/widget-loader.js" data-type="installments"></script>
</head></html>"#;

impl Fixture {
    pub async fn start(tls: Tls) -> Fixture {
        Fixture::start_with(tls, |_| {}).await
    }

    /// `adjust` changes the running server's configuration (not the environment preflight reads).
    pub async fn start_with(tls: Tls, adjust: impl FnOnce(&mut server::Config)) -> Fixture {
        let root = std::env::temp_dir().join(format!("pk-preflight-{}", uuid::Uuid::new_v4()));
        let (repo, outside) = (root.join("repo"), root.join("secrets"));
        std::fs::create_dir_all(&repo).expect("repo dir");
        std::fs::create_dir_all(&outside).expect("secrets dir");
        git(&repo, &["init", "-q"]);
        let token = || format!("{:032x}", rand_u128());
        let (private_key, webhook_secret, admin_token) = (
            format!("sk_live_{}", token()),
            format!("whsec_{}{}", token(), token()),
            format!("adm_{}{}", token(), token()),
        );
        for (name, value) in [
            ("private.key", &private_key),
            ("webhook.secret", &webhook_secret),
            ("admin.token", &admin_token),
        ] {
            write_private(&outside.join(name), value);
        }
        let catalog = include_str!("../../../../www/catalog.json");
        std::fs::write(outside.join("catalog.json"), catalog).expect("catalog");

        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let origin = match tls {
            Tls::None => format!("http://127.0.0.1:{port}"),
            _ => format!("https://localhost:{port}"),
        };
        let mut config = server::Config {
            ops: server::config::OpsConfig {
                admin_token: Some(server::config::AdminToken::new(admin_token.clone())),
                ..server::config::OpsConfig::default()
            },
            ..server::Config::new(
                format!("sqlite://{}", root.join("server.db").display()),
                server::config::PointsAccount {
                    // Nothing here calls Points: intake and the self-tests are local.
                    base_url: "http://127.0.0.1:9/api".into(),
                    public_key: "pk_live_0123456789".into(),
                    private_key: protocol::ApiKey::new(private_key.clone()),
                },
                protocol::WebhookSecret::new(webhook_secret.clone()),
                origin.clone(),
                server::Catalog::from_json(catalog).expect("catalog"),
            )
        };
        adjust(&mut config);
        let app = server::App::start(config).await.expect("server starts");
        let router = Router::new()
            .route("/product.html", get(|| async { Html(PRODUCT_PAGE) }))
            .route("/return.html", get(|| async { Html(PRODUCT_PAGE) }))
            .route("/sandbox.html", get(|| async { Html(SANDBOX_PAGE) }))
            .route("/no-sri.html", get(|| async { Html(NO_SRI_PAGE) }))
            .merge(app.router());
        let (acceptor, ca_file) = match tls {
            Tls::None => (None, None),
            Tls::TrustedCa => {
                let (acceptor, ca_pem) = trusted_acceptor();
                let ca_file = outside.join("ca.pem");
                std::fs::write(&ca_file, ca_pem).expect("ca file");
                (Some(acceptor), Some(ca_file))
            }
            Tls::SelfSigned => (Some(self_signed_acceptor()), None),
        };
        let task = tokio::spawn(async move {
            match acceptor {
                None => {
                    let _ = axum::serve(listener, router).await;
                }
                Some(acceptor) => {
                    let _ = axum::serve(TlsListener { listener, acceptor }, router).await;
                }
            }
        });
        Fixture {
            origin,
            private_key,
            webhook_secret,
            admin_token,
            repo,
            outside,
            ca_file,
            app: Some(app),
            task,
        }
    }

    /// The production environment preflight judges: keys from files outside the repository.
    pub fn inputs(&self) -> Inputs {
        let file = |name: &str| self.outside.join(name).display().to_string();
        let env: HashMap<String, String> = [
            ("POINTS_MODE", "production".to_owned()),
            ("POINTS_BASE_URL", "https://business.papp.sa/api".to_owned()),
            ("POINTS_PUBLIC_KEY", "pk_live_0123456789".to_owned()),
            ("POINTS_PRIVATE_KEY_FILE", file("private.key")),
            ("POINTS_WEBHOOK_SECRET_FILE", file("webhook.secret")),
            ("POINTS_ADMIN_TOKEN_FILE", file("admin.token")),
            ("POINTS_PUBLIC_URL", self.origin.clone()),
            ("POINTS_CATALOG", file("catalog.json")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut inputs = Inputs::for_repo(self.repo.clone());
        inputs.env = env;
        inputs.pages = vec![self.page("product.html")];
        inputs.extra_roots = self.ca_file.iter().cloned().collect();
        inputs.alert_rules = workspace.join("server/alerts/points.rules.yml");
        inputs.runbook = workspace.join("docs/runbook.md");
        inputs
    }

    pub fn page(&self, name: &str) -> Url {
        Url::parse(&format!("{}/{name}", self.origin)).expect("page url")
    }

    /// Writes `path` in the repository and adds it to git's index (tracked).
    pub fn commit(&self, path: &str, contents: &str) {
        let full = self.repo.join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).expect("dir");
        }
        std::fs::write(&full, contents).expect("write");
        git(&self.repo, &["add", path]);
    }

    pub fn secrets(&self) -> Vec<String> {
        vec![
            self.private_key.clone(),
            self.webhook_secret.clone(),
            self.admin_token.clone(),
        ]
    }

    pub async fn stop(mut self) {
        self.task.abort();
        if let Some(app) = self.app.take() {
            app.shutdown().await;
        }
        if let Some(root) = self.repo.parent() {
            let _ = std::fs::remove_dir_all(root);
        }
    }
}

fn git(repo: &Path, args: &[&str]) {
    let status = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

fn write_private(path: &Path, value: &str) {
    std::fs::write(path, format!("{value}\n")).expect("secret file");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
}

fn rand_u128() -> u128 {
    let a = uuid::Uuid::new_v4().as_u128();
    let b = uuid::Uuid::new_v4().as_u128();
    a ^ b.rotate_left(64)
}

/// A CA and a `localhost` certificate it signed; the acceptor and the CA's PEM.
fn trusted_acceptor() -> (TlsAcceptor, String) {
    let ca_key = rcgen::KeyPair::generate().expect("ca key");
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "points-kit preflight test CA");
    let ca = ca_params.self_signed(&ca_key).expect("ca cert");
    let leaf_key = rcgen::KeyPair::generate().expect("leaf key");
    let leaf = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
        .expect("leaf params")
        .signed_by(&leaf_key, &ca, &ca_key)
        .expect("leaf cert");
    let acceptor = acceptor(
        vec![leaf.der().clone(), ca.der().clone()],
        leaf_key.serialize_der(),
    );
    (acceptor, ca.pem())
}

fn self_signed_acceptor() -> TlsAcceptor {
    let key = rcgen::KeyPair::generate().expect("key");
    let cert = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
        .expect("params")
        .self_signed(&key)
        .expect("cert");
    acceptor(vec![cert.der().clone()], key.serialize_der())
}

fn acceptor(chain: Vec<CertificateDer<'static>>, key: Vec<u8>) -> TlsAcceptor {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(chain, PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key)))
        .expect("server config");
    TlsAcceptor::from(Arc::new(config))
}

/// `axum::serve` over TLS: accepts TCP, completes the handshake, hands the stream on. A failed
/// handshake (the client refusing our certificate) is dropped and the next connection taken.
struct TlsListener {
    listener: TcpListener,
    acceptor: TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((tcp, addr)) = self.listener.accept().await else {
                continue;
            };
            if let Ok(stream) = self.acceptor.accept(tcp).await {
                return (stream, addr);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.listener.local_addr()
    }
}
