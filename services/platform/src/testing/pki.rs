//! Certificates for the TLS tests (gRPC and NATS).

use std::path::PathBuf;

/// A throw-away certificate authority for TLS tests: its certificate and
/// the certificates it signs, as PEM files in a temporary directory.
pub struct TestPki {
    directory: tempfile::TempDir,
    /// The CA's certificate (PEM file).
    pub ca: PathBuf,
    issuer: rcgen::Issuer<'static, rcgen::KeyPair>,
}

impl Default for TestPki {
    fn default() -> Self {
        Self::new()
    }
}

impl TestPki {
    pub fn new() -> Self {
        let directory = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
        let key = rcgen::KeyPair::generate().unwrap_or_else(|error| panic!("{error}"));
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new())
            .unwrap_or_else(|error| panic!("{error}"));
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Orderflow test CA");
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::DigitalSignature,
        ];
        let certificate = params
            .self_signed(&key)
            .unwrap_or_else(|error| panic!("{error}"));
        let ca = directory.path().join("ca.pem");
        std::fs::write(&ca, certificate.pem()).unwrap_or_else(|error| panic!("{error}"));
        Self {
            directory,
            ca,
            issuer: rcgen::Issuer::new(params, key),
        }
    }

    /// A certificate for `names` (DNS names or IP addresses; a server's and
    /// a client's at once) signed by the CA: its certificate and key files.
    pub fn issue(&self, file_stem: &str, names: &[&str]) -> (PathBuf, PathBuf) {
        let key = rcgen::KeyPair::generate().unwrap_or_else(|error| panic!("{error}"));
        let mut params = rcgen::CertificateParams::new(
            names
                .iter()
                .map(|name| (*name).to_owned())
                .collect::<Vec<_>>(),
        )
        .unwrap_or_else(|error| panic!("{error}"));
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, file_stem);
        params.extended_key_usages = vec![
            rcgen::ExtendedKeyUsagePurpose::ServerAuth,
            rcgen::ExtendedKeyUsagePurpose::ClientAuth,
        ];
        let certificate = params
            .signed_by(&key, &self.issuer)
            .unwrap_or_else(|error| panic!("{error}"));
        let cert_file = self.directory.path().join(format!("{file_stem}.pem"));
        let key_file = self.directory.path().join(format!("{file_stem}-key.pem"));
        std::fs::write(&cert_file, certificate.pem()).unwrap_or_else(|error| panic!("{error}"));
        std::fs::write(&key_file, key.serialize_pem()).unwrap_or_else(|error| panic!("{error}"));
        (cert_file, key_file)
    }
}
