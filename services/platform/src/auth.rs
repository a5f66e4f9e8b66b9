//! Bearer JWT authentication and per-RPC authorisation (architecture.md §7).
//!
//! Tokens carry `sub` and `roles`. Development signs them with a shared HS256
//! secret (`ORDERFLOW_JWT_SECRET`, or the file `ORDERFLOW_JWT_SECRET_FILE`);
//! production verifies RS256/ES256 signatures against a PEM public key or a
//! JWKS document, given as the variable's value (`ORDERFLOW_JWT_PUBLIC_KEYS`,
//! as a Kubernetes `secretKeyRef` injects it) or as a file
//! (`ORDERFLOW_JWT_PUBLIC_KEYS_FILE`). Key material is parsed when the
//! configuration is read, so a bad key stops a service before it touches its
//! database or NATS.
//!
//! Each service declares which roles may call each RPC in one [`RoleTable`];
//! [`AuthLayer`] checks it in one place: a missing or invalid token is
//! `UNAUTHENTICATED`, a role the RPC does not allow is `PERMISSION_DENIED`,
//! and an RPC missing from the table is refused. Health and reflection need no
//! token. Business checks ("never approve your own request") stay in the
//! domain, which reads the [`Caller`] from the request extensions.

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::config::{ConfigError, Env};

mod identity;
mod role;
pub use identity::{
    ClientInterceptor, SERVICE_TOKEN_LIFETIME, ServiceIdentity, mint_hs256, mint_hs256_for,
};
pub use role::Role;

/// The role that service identities carry.
pub const SERVICE_ROLE: &str = Role::Service.as_str();

/// Method path → roles allowed to call it, e.g.
/// `("/orderflow.orders.v1.OrderService/CreateOrder", &[Role::Sales, Role::Admin])`.
/// One table per service, used by the [`AuthLayer`] and walked whole by the
/// authorisation matrix test.
pub type RoleTable = &'static [(&'static str, &'static [Role])];

#[derive(Clone, Default)]
pub struct AuthConfig {
    pub hs256_secret: Option<SecretString>,
    /// A PEM public key (RSA or EC) or a JWKS document, already checked to
    /// parse.
    pub public_keys: Option<PublicKeys>,
    /// The issuers a token may come from (`ORDERFLOW_JWT_ISSUER`, comma
    /// separated: the identity provider and the services' own); none means
    /// any.
    pub issuers: Vec<String>,
    pub audience: Option<String>,
    /// The key a service signs its own short-lived identity tokens with
    /// (production); its public half is in the verifiers' keys.
    pub service_key: Option<ServiceKey>,
    /// The `iss` of those tokens (`ORDERFLOW_SERVICE_TOKEN_ISSUER`).
    pub service_issuer: String,
    /// A fixed token this service presents to its peers when it can mint
    /// none: it cannot renew itself (kept for operators who issue one).
    pub service_token: Option<SecretString>,
}

/// A private key (EC P-256 or RSA, PEM) a service signs its identity tokens
/// with, from `ORDERFLOW_SERVICE_SIGNING_KEY` (the key) or
/// `ORDERFLOW_SERVICE_SIGNING_KEY_FILE` (a path), and the key id
/// `ORDERFLOW_SERVICE_KEY_ID` that names its public half in a JWKS.
#[derive(Clone)]
pub struct ServiceKey {
    key: EncodingKey,
    algorithm: Algorithm,
    key_id: Option<String>,
}

impl std::fmt::Debug for ServiceKey {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("ServiceKey")
            .field("algorithm", &self.algorithm)
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl ServiceKey {
    const VALUE: &'static str = "ORDERFLOW_SERVICE_SIGNING_KEY";
    const FILE: &'static str = "ORDERFLOW_SERVICE_SIGNING_KEY_FILE";

    fn from_env(env: &Env) -> Result<Option<Self>, ConfigError> {
        let Some((pem, variable)) = env.value_or_file(Self::VALUE, Self::FILE)? else {
            return Ok(None);
        };
        let key_id = env.get("ORDERFLOW_SERVICE_KEY_ID").map(str::to_owned);
        Self::from_pem(&pem, key_id)
            .map(Some)
            .map_err(|message| ConfigError::new(variable, message))
    }

    /// An EC (ES256) or RSA (RS256) private key in PEM.
    pub fn from_pem(pem: &[u8], key_id: Option<String>) -> Result<Self, String> {
        if let Ok(key) = EncodingKey::from_ec_pem(pem) {
            return Ok(Self {
                key,
                algorithm: Algorithm::ES256,
                key_id,
            });
        }
        if let Ok(key) = EncodingKey::from_rsa_pem(pem) {
            return Ok(Self {
                key,
                algorithm: Algorithm::RS256,
                key_id,
            });
        }
        Err("neither an EC nor an RSA private key in PEM".to_owned())
    }
}

impl std::fmt::Debug for AuthConfig {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("AuthConfig")
            .field(
                "hs256_secret",
                &self.hs256_secret.as_ref().map(|_| "[redacted]"),
            )
            .field(
                "public_keys",
                &self.public_keys.as_ref().map(|keys| keys.variable),
            )
            .field("issuers", &self.issuers)
            .field("audience", &self.audience)
            .field("service_key", &self.service_key)
            .field("service_issuer", &self.service_issuer)
            .field(
                "service_token",
                &self.service_token.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
}

/// HS256 secrets shorter than this are refused.
pub const MIN_SECRET_BYTES: usize = 32;

impl AuthConfig {
    /// Reads `ORDERFLOW_JWT_SECRET`, `ORDERFLOW_JWT_SECRET_FILE` (default
    /// `data/jwt-secret`, used when it exists), `ORDERFLOW_JWT_PUBLIC_KEYS`
    /// (the keys themselves) or `ORDERFLOW_JWT_PUBLIC_KEYS_FILE` (a path to
    /// them), `ORDERFLOW_JWT_ISSUER`, `ORDERFLOW_JWT_AUDIENCE` and
    /// `ORDERFLOW_SERVICE_TOKEN`. At least a secret or public keys are
    /// required; public keys that do not parse are refused here.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let hs256_secret = match env.secret("ORDERFLOW_JWT_SECRET") {
            Some(secret) => Some(secret),
            None => {
                let path = env.string_or("ORDERFLOW_JWT_SECRET_FILE", "data/jwt-secret");
                match std::fs::read_to_string(&path) {
                    Ok(contents) => Some(SecretString::from(contents.trim().to_owned())),
                    Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
                    Err(error) => {
                        return Err(ConfigError::new(
                            "ORDERFLOW_JWT_SECRET_FILE",
                            format!("cannot read {path}: {error}"),
                        ));
                    }
                }
            }
        };
        if let Some(secret) = &hs256_secret
            && secret.expose_secret().len() < MIN_SECRET_BYTES
        {
            return Err(ConfigError::new(
                "ORDERFLOW_JWT_SECRET",
                format!("must be at least {MIN_SECRET_BYTES} bytes"),
            ));
        }
        let public_keys = PublicKeys::from_env(env)?;
        if hs256_secret.is_none() && public_keys.is_none() {
            return Err(ConfigError::new(
                "ORDERFLOW_JWT_SECRET",
                "set ORDERFLOW_JWT_SECRET (development) or ORDERFLOW_JWT_PUBLIC_KEYS / ORDERFLOW_JWT_PUBLIC_KEYS_FILE (production); `orderflow up` creates data/jwt-secret",
            ));
        }
        Ok(Self {
            hs256_secret,
            public_keys,
            issuers: env
                .get("ORDERFLOW_JWT_ISSUER")
                .map(|issuers| {
                    issuers
                        .split(',')
                        .map(|issuer| issuer.trim().to_owned())
                        .filter(|issuer| !issuer.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            audience: env.get("ORDERFLOW_JWT_AUDIENCE").map(str::to_owned),
            service_key: ServiceKey::from_env(env)?,
            service_issuer: env.string_or("ORDERFLOW_SERVICE_TOKEN_ISSUER", "orderflow"),
            service_token: env.secret("ORDERFLOW_SERVICE_TOKEN"),
        })
    }

    pub fn with_secret(secret: &str) -> Self {
        Self {
            hs256_secret: Some(SecretString::from(secret.to_owned())),
            ..Self::default()
        }
    }
}

/// Verification key material (a PEM public key or a JWKS document) and the
/// variable it came from, for error messages.
#[derive(Clone)]
pub struct PublicKeys {
    contents: Arc<[u8]>,
    variable: &'static str,
}

impl std::fmt::Debug for PublicKeys {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("PublicKeys")
            .field("variable", &self.variable)
            .field("bytes", &self.contents.len())
            .finish()
    }
}

impl PublicKeys {
    const VALUE: &'static str = "ORDERFLOW_JWT_PUBLIC_KEYS";
    const FILE: &'static str = "ORDERFLOW_JWT_PUBLIC_KEYS_FILE";

    /// The keys from `ORDERFLOW_JWT_PUBLIC_KEYS` (the value is the key) or
    /// `ORDERFLOW_JWT_PUBLIC_KEYS_FILE` (the value is a path), parsed; both
    /// set at once is refused as ambiguous.
    fn from_env(env: &Env) -> Result<Option<Self>, ConfigError> {
        let Some((contents, variable)) = env.value_or_file(Self::VALUE, Self::FILE)? else {
            return Ok(None);
        };
        let keys = Self {
            contents: Arc::from(contents),
            variable,
        };
        keys.parse()?;
        Ok(Some(keys))
    }

    /// Key material read from a file.
    pub fn from_file(path: &str) -> Result<Self, ConfigError> {
        let contents = std::fs::read(path).map_err(|error| {
            ConfigError::new(Self::FILE, format!("cannot read {path}: {error}"))
        })?;
        Ok(Self {
            contents: Arc::from(contents),
            variable: Self::FILE,
        })
    }

    fn parse(&self) -> Result<Vec<VerificationKey>, ConfigError> {
        parse_public_keys(&self.contents, self.variable)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    #[serde(default)]
    pub roles: Vec<String>,
    pub exp: u64,
    /// Not before (seconds since the epoch); refused until then, with the
    /// same 30 s leeway as `exp`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<String>,
    /// The outside partner a `supplier`, `manufacturer` or `store` acts
    /// for (its code): it sees and acts on that partner's business only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner: Option<String>,
}

/// The roles of outside partners' people: they see their partner's business
/// only ([`Caller::partner_scope`]).
pub const PARTNER_ROLES: [Role; 3] = [Role::Supplier, Role::Manufacturer, Role::Store];

/// Who is calling: the token's subject and roles, and the partner an
/// outside party acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub subject: String,
    pub roles: BTreeSet<String>,
    pub partner: Option<String>,
}

impl Caller {
    pub fn new(subject: impl Into<String>, roles: &[&str]) -> Self {
        Self {
            subject: subject.into(),
            roles: roles.iter().map(|role| (*role).to_owned()).collect(),
            partner: None,
        }
    }

    /// The same caller acting for the partner `code`.
    pub fn for_partner(mut self, code: impl Into<String>) -> Self {
        self.partner = Some(code.into());
        self
    }

    /// Whose business the caller may see: the partner's code for a person
    /// of an outside partner (a `supplier`, `manufacturer` or `store` role
    /// with a `partner` claim — whatever other roles the token carries);
    /// `None` for the company's own people and services. A token with only
    /// partner roles and no `partner` claim is refused.
    pub fn partner_scope(&self) -> Result<Option<&str>, String> {
        let is_partner_role =
            |role: &String| PARTNER_ROLES.iter().any(|partner| partner.as_str() == role);
        let partner_roles = self.roles.iter().any(is_partner_role);
        match self.partner.as_deref() {
            Some(partner) if partner_roles => Ok(Some(partner)),
            _ if partner_roles && self.roles.iter().all(is_partner_role) => {
                Err("a partner's person calls with a token naming its partner code".to_owned())
            }
            _ => Ok(None),
        }
    }

    pub fn has_role(&self, role: &str) -> bool {
        self.roles.contains(role)
    }

    pub fn has_any_role(&self, roles: &[Role]) -> bool {
        roles.iter().any(|role| self.is(*role))
    }

    /// Whether the caller holds `role`.
    pub fn is(&self, role: Role) -> bool {
        self.has_role(role.as_str())
    }

    /// The caller of a request that passed the [`AuthLayer`].
    pub fn of<T>(request: &tonic::Request<T>) -> Result<Self, tonic::Status> {
        request
            .extensions()
            .get::<Caller>()
            .cloned()
            .ok_or_else(|| tonic::Status::unauthenticated("no authenticated caller"))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("missing bearer token")]
    MissingToken,
    #[error("invalid token: {0}")]
    InvalidToken(String),
}

struct VerificationKey {
    key: DecodingKey,
    algorithm: Algorithm,
    key_id: Option<String>,
}

/// Verifies bearer tokens against the configured keys.
pub struct Verifier {
    keys: Vec<VerificationKey>,
    issuers: Vec<String>,
    audience: Option<String>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Verifier")
            .field("keys", &self.keys.len())
            .finish()
    }
}

impl Verifier {
    pub fn from_config(config: &AuthConfig) -> Result<Self, ConfigError> {
        let mut keys = Vec::new();
        if let Some(secret) = &config.hs256_secret {
            keys.push(VerificationKey {
                key: DecodingKey::from_secret(secret.expose_secret().as_bytes()),
                algorithm: Algorithm::HS256,
                key_id: None,
            });
        }
        if let Some(public_keys) = &config.public_keys {
            keys.extend(public_keys.parse()?);
        }
        Ok(Self {
            keys,
            issuers: config.issuers.clone(),
            audience: config.audience.clone(),
        })
    }

    pub fn verify(&self, token: &str) -> Result<Caller, AuthError> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|error| AuthError::InvalidToken(error.to_string()))?;
        let mut last_error =
            AuthError::InvalidToken(format!("no key for algorithm {:?}", header.alg));
        let candidates = self.keys.iter().filter(|candidate| {
            candidate.algorithm == header.alg
                && (header.kid.is_none()
                    || candidate.key_id.is_none()
                    || candidate.key_id == header.kid)
        });
        for candidate in candidates {
            let mut validation = Validation::new(candidate.algorithm);
            validation.leeway = 30;
            // D9 (issue 17): a token that is not valid yet is refused.
            validation.validate_nbf = true;
            match &self.audience {
                Some(audience) => validation.set_audience(&[audience]),
                None => validation.validate_aud = false,
            }
            if !self.issuers.is_empty() {
                validation.set_issuer(&self.issuers);
                validation.set_required_spec_claims(&["exp", "iss"]);
            }
            match jsonwebtoken::decode::<Claims>(token, &candidate.key, &validation) {
                Ok(data) => {
                    if data.claims.sub.trim().is_empty() {
                        return Err(AuthError::InvalidToken("empty sub".to_owned()));
                    }
                    return Ok(Caller {
                        subject: data.claims.sub,
                        roles: data.claims.roles.into_iter().collect(),
                        partner: data
                            .claims
                            .partner
                            .filter(|partner| !partner.trim().is_empty()),
                    });
                }
                Err(error) => last_error = AuthError::InvalidToken(error.to_string()),
            }
        }
        Err(last_error)
    }
}

fn parse_public_keys(
    contents: &[u8],
    variable: &'static str,
) -> Result<Vec<VerificationKey>, ConfigError> {
    let text = String::from_utf8_lossy(contents);
    if text.trim_start().starts_with('{') {
        let set: JwkSet = serde_json::from_slice(contents)
            .map_err(|error| ConfigError::new(variable, format!("not a JWKS document: {error}")))?;
        let mut keys = Vec::new();
        for jwk in &set.keys {
            let key = DecodingKey::from_jwk(jwk)
                .map_err(|error| ConfigError::new(variable, format!("unusable key: {error}")))?;
            let algorithm = match jwk.common.key_algorithm {
                Some(jsonwebtoken::jwk::KeyAlgorithm::ES256) => Algorithm::ES256,
                Some(jsonwebtoken::jwk::KeyAlgorithm::RS256) | None => match &jwk.algorithm {
                    jsonwebtoken::jwk::AlgorithmParameters::EllipticCurve(_) => Algorithm::ES256,
                    _ => Algorithm::RS256,
                },
                Some(other) => {
                    return Err(ConfigError::new(
                        variable,
                        format!("unsupported key algorithm {other:?}; use RS256 or ES256"),
                    ));
                }
            };
            keys.push(VerificationKey {
                key,
                algorithm,
                key_id: jwk.common.key_id.clone(),
            });
        }
        return Ok(keys);
    }
    if let Ok(key) = DecodingKey::from_rsa_pem(contents) {
        return Ok(vec![VerificationKey {
            key,
            algorithm: Algorithm::RS256,
            key_id: None,
        }]);
    }
    if let Ok(key) = DecodingKey::from_ec_pem(contents) {
        return Ok(vec![VerificationKey {
            key,
            algorithm: Algorithm::ES256,
            key_id: None,
        }]);
    }
    Err(ConfigError::new(
        variable,
        "neither a JWKS document nor an RSA or EC public key in PEM",
    ))
}

/// Paths that need no token: probes and grpcurl use them.
fn is_public(path: &str) -> bool {
    path.starts_with("/grpc.health.v1.") || path.starts_with("/grpc.reflection.")
}

/// The tower layer that authenticates every call and checks the role table.
#[derive(Clone)]
pub struct AuthLayer {
    verifier: Arc<Verifier>,
    table: Arc<HashMap<&'static str, &'static [Role]>>,
}

impl std::fmt::Debug for AuthLayer {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("AuthLayer")
            .field("rpcs", &self.table.len())
            .finish()
    }
}

impl AuthLayer {
    pub fn new(verifier: Arc<Verifier>, table: RoleTable) -> Self {
        Self {
            verifier,
            table: Arc::new(table.iter().copied().collect()),
        }
    }

    /// The caller of `path` with these headers, or the status to answer with.
    pub fn authorize(
        &self,
        path: &str,
        headers: &http::HeaderMap,
    ) -> Result<Caller, tonic::Status> {
        let token = bearer_token(headers)
            .ok_or_else(|| tonic::Status::unauthenticated(AuthError::MissingToken.to_string()))?;
        let caller = self
            .verifier
            .verify(token)
            .map_err(|error| tonic::Status::unauthenticated(error.to_string()))?;
        let Some(allowed) = self.table.get(path) else {
            return Err(tonic::Status::permission_denied(format!(
                "{path} is not open to any role"
            )));
        };
        if !caller.has_any_role(allowed) {
            return Err(tonic::Status::permission_denied(format!(
                "{} may not call {path}; allowed roles: {}",
                caller.subject,
                allowed
                    .iter()
                    .map(|role| role.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        Ok(caller)
    }
}

fn bearer_token(headers: &http::HeaderMap) -> Option<&str> {
    let value = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|token| !token.is_empty())
}

impl<S> tower::Layer<S> for AuthLayer {
    type Service = Authenticated<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Authenticated {
            inner,
            layer: self.clone(),
        }
    }
}

#[derive(Clone)]
pub struct Authenticated<S> {
    inner: S,
    layer: AuthLayer,
}

impl<S> std::fmt::Debug for Authenticated<S> {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Authenticated")
            .finish_non_exhaustive()
    }
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S, ReqBody, ResBody> tower::Service<http::Request<ReqBody>> for Authenticated<S>
where
    S: tower::Service<http::Request<ReqBody>, Response = http::Response<ResBody>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    ReqBody: Send + 'static,
    ResBody: Default + Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<ReqBody>) -> Self::Future {
        let path = request.uri().path().to_owned();
        if !is_public(&path) {
            match self.layer.authorize(&path, request.headers()) {
                Ok(caller) => {
                    tracing::Span::current().record("enduser.id", caller.subject.as_str());
                    request.extensions_mut().insert(caller);
                }
                Err(status) => {
                    tracing::info!(path = %path, code = ?status.code(), message = status.message(), "call refused");
                    return Box::pin(async move { Ok(status.into_http()) });
                }
            }
        }
        // The service that polled ready is the one that must be called.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(inner.call(request))
    }
}

#[cfg(test)]
mod tests;
