//! Does a Postgres answer at this URL? xtask has no database driver (and needs none): it
//! opens a TCP connection, sends the protocol's startup message for the URL's user and
//! database, and reads the answers: "ready for a query" means a Postgres that knows the role
//! and database is there, a request for a password is taken as the same (the URL's password is
//! the tests' driver's business); an error (`database "test" does not exist`) or anything that
//! is not the protocol means this URL will not do.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use anyhow::{Context, Result, bail};

const TIMEOUT: Duration = Duration::from_secs(3);
/// Protocol 3.0 in the startup message.
const PROTOCOL_3_0: u32 = 196_608;

/// Where a `postgres://` URL points, as far as the startup message needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectTarget {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub database: String,
}

impl ConnectTarget {
    /// `postgres://user[:password]@host[:port][/database][?…]` (or `postgresql://`).
    pub fn parse(url: &str) -> Result<ConnectTarget> {
        let rest = url
            .strip_prefix("postgres://")
            .or_else(|| url.strip_prefix("postgresql://"))
            .with_context(|| format!("{} is not a postgres:// URL", redacted(url)))?;
        let rest = rest.split(['?', '#']).next().unwrap_or_default();
        let (authority, database) = rest.split_once('/').unwrap_or((rest, ""));
        let (userinfo, hostport) = authority.rsplit_once('@').unwrap_or(("", authority));
        let user = userinfo.split(':').next().unwrap_or_default();
        let (host, port) = match hostport.strip_prefix('[') {
            // [::1]:5432
            Some(bracketed) => {
                let (host, after) = bracketed
                    .split_once(']')
                    .context("an IPv6 host without its closing bracket")?;
                (host, after.strip_prefix(':').unwrap_or_default())
            }
            None => hostport.split_once(':').unwrap_or((hostport, "")),
        };
        let port = if port.is_empty() {
            5432
        } else {
            port.parse()
                .with_context(|| format!("port {port:?} is not a number"))?
        };
        let user = if user.is_empty() { "postgres" } else { user };
        Ok(ConnectTarget {
            host: if host.is_empty() { "localhost" } else { host }.to_owned(),
            port,
            user: user.to_owned(),
            database: if database.is_empty() { user } else { database }.to_owned(),
        })
    }

    /// What the server answered the startup message, when it is a Postgres that accepts
    /// this user and database (or asks them to authenticate).
    pub fn probe(&self) -> Result<String> {
        let address = (self.host.as_str(), self.port)
            .to_socket_addrs()
            .with_context(|| format!("resolving {}", self.host))?
            .next()
            .with_context(|| format!("{} has no address", self.host))?;
        let mut stream = TcpStream::connect_timeout(&address, TIMEOUT)
            .with_context(|| format!("connecting to {address}"))?;
        stream.set_read_timeout(Some(TIMEOUT))?;
        stream.set_write_timeout(Some(TIMEOUT))?;
        stream.write_all(&self.startup_message())?;
        // Trust authentication says "ok" before the role and database are checked: read on
        // until the server is ready for a query or refuses.
        for round in 0..64 {
            let mut head = [0u8; 5];
            stream
                .read_exact(&mut head)
                .with_context(|| format!("{address} accepted the connection but did not answer"))?;
            if round == 0 && !matches!(head[0], b'R' | b'E') {
                bail!(
                    "{address} does not speak the Postgres protocol (first byte {:#04x})",
                    head[0]
                );
            }
            let length = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize;
            let mut payload = vec![0u8; length.saturating_sub(4).min(64 * 1024)];
            stream.read_exact(&mut payload)?;
            match head[0] {
                b'E' => bail!("Postgres refused: {}", error_message(&payload)),
                b'R' => match payload.get(..4) {
                    Some([0, 0, 0, 0]) => {}
                    // A password the URL may carry: the tests' driver will send it.
                    _ => return Ok("answers, asks for a password".to_owned()),
                },
                b'Z' => {
                    // Be polite: a Terminate message, so the server logs no broken connection.
                    let _ = stream.write_all(&[b'X', 0, 0, 0, 4]);
                    return Ok("connected".to_owned());
                }
                // ParameterStatus, BackendKeyData, notices.
                _ => {}
            }
        }
        bail!("{address} never said it was ready")
    }

    fn startup_message(&self) -> Vec<u8> {
        let mut body = PROTOCOL_3_0.to_be_bytes().to_vec();
        for (key, value) in [("user", &self.user), ("database", &self.database)] {
            body.extend_from_slice(key.as_bytes());
            body.push(0);
            body.extend_from_slice(value.as_bytes());
            body.push(0);
        }
        body.push(0);
        let mut message = u32::try_from(body.len() + 4)
            .expect("a short message")
            .to_be_bytes()
            .to_vec();
        message.extend(body);
        message
    }
}

/// The `M` (message) field of an ErrorResponse, with its `C` (SQLSTATE) code.
fn error_message(payload: &[u8]) -> String {
    let mut message = String::new();
    let mut code = String::new();
    for field in payload.split(|b| *b == 0) {
        match field.split_first() {
            Some((b'M', text)) => message = String::from_utf8_lossy(text).into_owned(),
            Some((b'C', text)) => code = String::from_utf8_lossy(text).into_owned(),
            _ => {}
        }
    }
    format!("{message} (SQLSTATE {code})")
}

/// `url` with any password replaced, for log lines.
pub fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) if userinfo.contains(':') => {
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:[redacted]@{host}{path}")
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_parse_into_host_port_user_and_database() {
        let check = |url: &str, expect: (&str, u16, &str, &str)| {
            let target = ConnectTarget::parse(url).expect(url);
            let got = (
                target.host.as_str(),
                target.port,
                target.user.as_str(),
                target.database.as_str(),
            );
            assert_eq!(got, expect, "{url}");
        };
        check(
            "postgres://postgres@127.0.0.1:5432/test",
            ("127.0.0.1", 5432, "postgres", "test"),
        );
        check(
            "postgresql://app:s3cr@t@db.internal/shop?sslmode=disable",
            ("db.internal", 5432, "app", "shop"),
        );
        check("postgres://u@[::1]:6543/x", ("::1", 6543, "u", "x"));
        check(
            "postgres://localhost",
            ("localhost", 5432, "postgres", "postgres"),
        );
        assert!(ConnectTarget::parse("mysql://h/db").is_err());
        assert!(ConnectTarget::parse("postgres://h:port/db").is_err());
    }

    #[test]
    fn passwords_never_reach_a_log_line() {
        assert_eq!(
            redacted("postgres://app:hunter2@db:5432/shop"),
            "postgres://app:[redacted]@db:5432/shop"
        );
        assert_eq!(
            redacted("postgres://postgres@127.0.0.1:5432/test"),
            "postgres://postgres@127.0.0.1:5432/test"
        );
    }

    #[test]
    fn an_error_answer_reads_as_its_message_and_code() {
        let payload = b"SFATAL\0VFATAL\0C3D000\0Mdatabase \"test\" does not exist\0\0";
        assert_eq!(
            error_message(payload),
            "database \"test\" does not exist (SQLSTATE 3D000)"
        );
    }

    #[test]
    fn a_closed_port_is_not_a_postgres() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("port")
            .port();
        let target = ConnectTarget::parse(&format!("postgres://postgres@127.0.0.1:{port}/test"))
            .expect("url");
        assert!(target.probe().is_err());
    }

    #[test]
    fn a_listener_that_is_not_postgres_is_refused() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let server = std::thread::spawn(move || {
            let (mut socket, _) = listener.accept().expect("accept");
            let _ = socket.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n");
        });
        let target = ConnectTarget::parse(&format!("postgres://postgres@127.0.0.1:{port}/test"))
            .expect("url");
        let error = target.probe().expect_err("not Postgres");
        assert!(format!("{error:#}").contains("does not speak"), "{error:#}");
        server.join().expect("server");
    }
}
