//! Tokens this side mints: a service's own identity for its calls to its
//! peers (renewing itself), and development tokens signed with the shared
//! secret.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use secrecy::{ExposeSecret, SecretString};

use super::{AuthConfig, Claims, SERVICE_ROLE, ServiceKey};
use crate::clock::SharedClock;

/// Signs a development token with the shared HS256 secret.
pub fn mint_hs256(
    secret: &SecretString,
    subject: &str,
    roles: &[String],
    lifetime: Duration,
) -> anyhow::Result<String> {
    mint_hs256_for(secret, subject, roles, None, lifetime)
}

/// Signs a development token with the shared HS256 secret, for a partner's
/// person when `partner` is given.
pub fn mint_hs256_for(
    secret: &SecretString,
    subject: &str,
    roles: &[String],
    partner: Option<&str>,
    lifetime: Duration,
) -> anyhow::Result<String> {
    let claims = Claims {
        nbf: None,
        sub: subject.to_owned(),
        roles: roles.to_vec(),
        exp: jsonwebtoken::get_current_timestamp() + lifetime.as_secs(),
        iss: None,
        aud: None,
        partner: partner.map(str::to_owned),
    };
    Ok(jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.expose_secret().as_bytes()),
    )?)
}

/// The identity a service presents when it calls its peers: minted from the
/// shared secret in development, or the configured `ORDERFLOW_SERVICE_TOKEN`.
#[derive(Clone)]
pub struct ServiceIdentity {
    subject: String,
    key: Option<ServiceKey>,
    issuer: String,
    audience: Option<String>,
    secret: Option<SecretString>,
    fixed_token: Option<SecretString>,
    clock: SharedClock,
    cached: Arc<Mutex<Option<Minted>>>,
}

/// A token and when it was minted.
type Minted = (String, DateTime<Utc>);

impl std::fmt::Debug for ServiceIdentity {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("ServiceIdentity")
            .field("subject", &self.subject)
            .finish()
    }
}

/// How long a signed service token lives; it is renewed at half its life.
pub const SERVICE_TOKEN_LIFETIME: Duration = Duration::from_secs(300);

impl ServiceIdentity {
    pub fn new(service: &str, config: &AuthConfig) -> Self {
        Self {
            subject: format!("service:{service}"),
            key: config.service_key.clone(),
            issuer: config.service_issuer.clone(),
            audience: config.audience.clone(),
            secret: config.hs256_secret.clone(),
            fixed_token: config.service_token.clone(),
            clock: crate::clock::system(),
            cached: Arc::new(Mutex::new(None)),
        }
    }

    /// The same identity on another clock (tests advance it).
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// A bearer token that renews itself: signed with the service's key
    /// (production: RS256/ES256, `iss` and `aud` set, five minutes) or the
    /// development secret (HS256, an hour), minted again at half its life;
    /// a configured fixed token only when neither is there.
    pub fn token(&self) -> anyhow::Result<String> {
        let lifetime = match (&self.key, &self.secret, &self.fixed_token) {
            (Some(_), _, _) => SERVICE_TOKEN_LIFETIME,
            (None, Some(_), _) => Duration::from_secs(3600),
            (None, None, Some(token)) => return Ok(token.expose_secret().to_owned()),
            (None, None, None) => anyhow::bail!(
                "no ORDERFLOW_SERVICE_SIGNING_KEY, no secret and no ORDERFLOW_SERVICE_TOKEN: this service cannot identify itself to its peers"
            ),
        };
        let now = self.clock.now();
        let mut cached = self
            .cached
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((token, minted_at)) = cached.as_ref()
            && now < *minted_at + lifetime / 2
            && now >= *minted_at
        {
            return Ok(token.clone());
        }
        let token = match (&self.key, &self.secret) {
            (Some(key), _) => {
                let claims = Claims {
                    nbf: None,
                    sub: self.subject.clone(),
                    roles: vec![SERVICE_ROLE.to_owned()],
                    exp: u64::try_from(now.timestamp()).unwrap_or_default() + lifetime.as_secs(),
                    iss: Some(self.issuer.clone()),
                    aud: self.audience.clone(),
                    partner: None,
                };
                let mut header = Header::new(key.algorithm);
                header.kid = key.key_id.clone();
                jsonwebtoken::encode(&header, &claims, &key.key)?
            }
            (None, Some(secret)) => {
                mint_hs256(secret, &self.subject, &[SERVICE_ROLE.to_owned()], lifetime)?
            }
            (None, None) => anyhow::bail!("no key to sign with"),
        };
        *cached = Some((token.clone(), now));
        Ok(token)
    }
}

/// A tonic client interceptor: the service identity's bearer token and the
/// current trace context on every outgoing call.
#[derive(Debug, Clone)]
pub struct ClientInterceptor {
    identity: ServiceIdentity,
}

impl ClientInterceptor {
    pub fn new(identity: ServiceIdentity) -> Self {
        Self { identity }
    }
}

impl tonic::service::Interceptor for ClientInterceptor {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        let token = self
            .identity
            .token()
            .map_err(|error| tonic::Status::unauthenticated(error.to_string()))?;
        let value = tonic::metadata::MetadataValue::try_from(format!("Bearer {token}"))
            .map_err(|_| tonic::Status::internal("service token is not a valid header"))?;
        request.metadata_mut().insert("authorization", value);
        crate::telemetry::inject_into_metadata(request.metadata_mut());
        Ok(request)
    }
}
