//! HTTP_GET and SSL_GET (docs/keepalived.md §5.3): `GET <path> HTTP/1.0|1.1` with
//! `User-Agent: KeepAliveClient` and `Host`, the status code must be in the
//! accepted ranges, and with `digest` the MD5 of the body (what follows the
//! header, up to Content-Length when given) must match. SSL_GET does not
//! verify the server's certificate, as keepalived does not by default.
//! The response is judged as it streams ([`super::http_response`]).

use std::io;
use std::sync::Arc;

use md5::{Digest, Md5};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls;
use tokio_rustls::rustls::client::danger::{
    HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier,
};
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName, UnixTime};

use super::Outcome;
use super::net;
use crate::model::{CheckerSpec, HttpSpec, UrlSpec};

pub use super::http_response::MAX_RESPONSE;
use super::http_response::{ResponseError, ResponseReader, Step};

/// The request keepalived sends for `url` (`Connection: close` for 1.0C and 1.1).
pub fn request(spec: &CheckerSpec, proto: &str, url: &UrlSpec) -> String {
    let host = match &url.virtualhost {
        Some(h) => h.clone(),
        None => match spec.target.addr {
            std::net::IpAddr::V4(a) => format!("{a}:{}", spec.target.port),
            std::net::IpAddr::V6(a) => format!("[{a}]:{}", spec.target.port),
        },
    };
    let version = if proto == "1.1" { "1.1" } else { "1.0" };
    let close = if proto == "1.0" {
        ""
    } else {
        "Connection: close\r\n"
    };
    format!(
        "GET {} HTTP/{version}\r\nUser-Agent: KeepAliveClient\r\n{close}Host: {host}\r\n\r\n",
        url.path
    )
}

/// Lowercase hex MD5.
pub fn md5_hex(data: &[u8]) -> String {
    super::http_response::hex(&Md5::digest(data))
}

/// Judges one complete response against its url.
pub fn judge(url: &UrlSpec, raw: &[u8]) -> Result<(), ResponseError> {
    let mut r = ResponseReader::new(url);
    r.feed(raw);
    r.finish()
}

/// Why an HTTP_GET or SSL_GET of one url failed, split by who is at fault:
/// this host (TLS setup), the configuration (`sni`), reaching the server, or
/// its response.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// The TLS client could not be set up here.
    #[error("{0}")]
    TlsSetup(#[source] rustls::Error),
    /// `sni` is not a valid server name.
    #[error("{0}")]
    ServerName(#[source] rustls::pki_types::InvalidDnsNameError),
    /// The connection could not be made.
    #[error("connect: {0}")]
    Connect(#[source] io::Error),
    /// The TLS handshake failed.
    #[error("TLS handshake: {0}")]
    Handshake(#[source] io::Error),
    /// The TLS handshake did not finish within `connect_timeout`.
    #[error("TLS handshake timed out")]
    HandshakeTimeout,
    /// Sending the request failed.
    #[error("send: {0}")]
    Send(#[source] io::Error),
    /// Reading the response failed.
    #[error("read: {0}")]
    Read(#[source] io::Error),
    /// The response fails the check (status, digest, size).
    #[error("{0}")]
    Response(#[from] ResponseError),
}

/// Sends the request and reads the response through a [`ResponseReader`]
/// until it has its verdict; nothing of the body is kept.
async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    s: &mut S,
    spec: &CheckerSpec,
    url: &UrlSpec,
    req: &str,
) -> Result<(), FetchError> {
    net::write_timeout(s, req.as_bytes(), spec)
        .await
        .map_err(FetchError::Send)?;
    let mut reader = ResponseReader::new(url);
    let mut got_any = false;
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        match net::read_timeout(s, &mut buf, spec).await {
            Ok(0) => break,
            Ok(n) => {
                got_any = true;
                if reader.feed(&buf[..n]) == Step::Done {
                    break;
                }
            }
            // A TLS peer that closes without close_notify: keep what came.
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && got_any => break,
            Err(e) => return Err(FetchError::Read(e)),
        }
    }
    Ok(reader.finish()?)
}

#[derive(Debug)]
struct NoVerify(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for NoVerify {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

fn tls_connector() -> Result<TlsConnector, FetchError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(FetchError::TlsSetup)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(NoVerify(provider)))
        .with_no_client_auth();
    Ok(TlsConnector::from(Arc::new(config)))
}

async fn fetch(spec: &CheckerSpec, h: &HttpSpec, url: &UrlSpec) -> Result<(), FetchError> {
    let req = request(spec, &h.protocol, url);
    let mut tcp = net::tcp_connect(spec).await.map_err(FetchError::Connect)?;
    if !h.tls {
        return exchange(&mut tcp, spec, url, &req).await;
    }
    let name = match &h.sni {
        Some(n) => ServerName::try_from(n.clone()).map_err(FetchError::ServerName)?,
        None => ServerName::IpAddress(spec.target.addr.into()),
    };
    let connector = tls_connector()?;
    let mut tls =
        match tokio::time::timeout(spec.timing.connect_timeout, connector.connect(name, tcp)).await
        {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => return Err(FetchError::Handshake(e)),
            Err(_) => return Err(FetchError::HandshakeTimeout),
        };
    exchange(&mut tls, spec, url, &req).await
}

/// Checks every url in turn; the first failure fails the check.
pub async fn check(spec: &CheckerSpec, h: &HttpSpec) -> Outcome {
    for i in 0..h.urls.len() {
        let o = check_url(spec, h, i).await;
        if !o.ok {
            return o;
        }
    }
    Outcome::pass()
}

/// Checks URL number `idx` only (HTTP_GET walks its URLs one per check; see
/// [`super::url_cycle`]).
pub async fn check_url(spec: &CheckerSpec, h: &HttpSpec, idx: usize) -> Outcome {
    let Some(url) = h.urls.get(idx) else {
        return Outcome::pass();
    };
    match fetch(spec, h, url).await {
        Ok(()) => Outcome::pass(),
        Err(e) => Outcome::fail(format!("{}: {e}", url.path)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(digest: Option<&str>) -> UrlSpec {
        UrlSpec {
            path: "/x".into(),
            digest: digest.map(String::from),
            status: vec![(200, 299)],
            virtualhost: None,
        }
    }

    #[test]
    fn md5_matches_known_vectors() {
        assert_eq!(md5_hex(b""), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(md5_hex(b"hello\n"), "b1946ac92492d2347c6235b4d2611184");
    }

    #[test]
    fn judges_status_and_digest_of_the_body_only() {
        let raw = b"HTTP/1.0 200 OK\r\nContent-Length: 6\r\n\r\nhello\ntrailing";
        assert_eq!(
            judge(&url(Some("b1946ac92492d2347c6235b4d2611184")), raw),
            Ok(())
        );
        assert!(judge(&url(Some("00000000000000000000000000000000")), raw).is_err());
        assert_eq!(
            judge(&url(None), b"HTTP/1.1 503 x\r\n\r\n"),
            Err(ResponseError::Status(503))
        );
        assert!(judge(&url(None), b"").is_err());
        assert!(judge(&url(None), b"garbage").is_err());
    }
}
