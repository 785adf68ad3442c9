//! The server's TLS identity: a self-signed CA and a server certificate for 127.0.0.1 and
//! localhost, generated at start.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls::ServerConfig;
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

/// A freshly generated CA and the server configuration using a certificate it signed.
pub(crate) struct Identity {
    /// The CA certificate, PEM-encoded: what clients must trust.
    pub ca_pem: String,
    /// TLS server configuration (ring provider, HTTP/1.1 by ALPN).
    pub config: Arc<ServerConfig>,
}

/// Generates a CA and a server certificate with SANs 127.0.0.1 and localhost.
pub(crate) fn generate() -> Result<Identity, String> {
    let text = |e: rcgen::Error| e.to_string();

    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(text)?;
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "test-apiserver CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().map_err(text)?)
        .map_err(text)?;

    let server_key = KeyPair::generate().map_err(text)?;
    let mut params = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
        .map_err(text)?;
    params
        .distinguished_name
        .push(DnType::CommonName, "test-apiserver");
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let server_cert = params.signed_by(&server_key, &ca).map_err(text)?;

    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(vec![server_cert.der().clone()], key)
        .map_err(|e| e.to_string())?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];

    Ok(Identity {
        ca_pem: ca.pem(),
        config: Arc::new(config),
    })
}
