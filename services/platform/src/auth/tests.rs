//! The auth layer, the verifier and the key configuration.

use super::*;
use std::path::PathBuf;
use std::time::Duration;

use jsonwebtoken::Header;

use crate::clock::SharedClock;

const SECRET: &str = "0123456789abcdef0123456789abcdef-test";
const TABLE: RoleTable = &[("/pkg.Svc/Do", &[Role::Sales, Role::Admin])];

fn layer() -> AuthLayer {
    let verifier = Verifier::from_config(&AuthConfig::with_secret(SECRET))
        .unwrap_or_else(|error| panic!("{error}"));
    AuthLayer::new(Arc::new(verifier), TABLE)
}

fn headers_with(token: &str) -> http::HeaderMap {
    let mut headers = http::HeaderMap::new();
    if let Ok(value) = http::HeaderValue::from_str(&format!("Bearer {token}")) {
        headers.insert(http::header::AUTHORIZATION, value);
    }
    headers
}

fn token(roles: &[&str]) -> String {
    let roles: Vec<String> = roles.iter().map(|r| (*r).to_owned()).collect();
    mint_hs256(
        &SecretString::from(SECRET.to_owned()),
        "alice",
        &roles,
        Duration::from_secs(60),
    )
    .unwrap_or_else(|error| panic!("{error}"))
}

#[test]
fn a_call_without_a_token_is_unauthenticated() {
    let status = layer()
        .authorize("/pkg.Svc/Do", &http::HeaderMap::new())
        .err();
    assert_eq!(status.map(|s| s.code()), Some(tonic::Code::Unauthenticated));
}

#[test]
fn a_token_signed_with_another_secret_is_unauthenticated() {
    let roles = vec!["sales".to_owned()];
    let forged = mint_hs256(
        &SecretString::from("another-secret-another-secret-xx".to_owned()),
        "mallory",
        &roles,
        Duration::from_secs(60),
    )
    .unwrap_or_default();
    let status = layer()
        .authorize("/pkg.Svc/Do", &headers_with(&forged))
        .err();
    assert_eq!(status.map(|s| s.code()), Some(tonic::Code::Unauthenticated));
}

#[test]
fn a_role_the_rpc_does_not_allow_is_permission_denied() {
    let status = layer()
        .authorize("/pkg.Svc/Do", &headers_with(&token(&["warehouse"])))
        .err();
    assert_eq!(
        status.map(|s| s.code()),
        Some(tonic::Code::PermissionDenied)
    );
}

#[test]
fn an_rpc_missing_from_the_table_is_refused() {
    let status = layer()
        .authorize("/pkg.Svc/Other", &headers_with(&token(&["admin"])))
        .err();
    assert_eq!(
        status.map(|s| s.code()),
        Some(tonic::Code::PermissionDenied)
    );
}

#[test]
fn an_allowed_role_passes_with_its_subject() {
    let caller = layer().authorize("/pkg.Svc/Do", &headers_with(&token(&["sales"])));
    assert_eq!(caller.ok().map(|c| c.subject), Some("alice".to_owned()));
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures")).join(name)
}

fn signed(algorithm: Algorithm, private_key: &str, key_id: Option<&str>) -> String {
    let pem = std::fs::read(fixture(private_key)).unwrap_or_default();
    let key = match algorithm {
        Algorithm::ES256 => EncodingKey::from_ec_pem(&pem),
        _ => EncodingKey::from_rsa_pem(&pem),
    }
    .unwrap_or_else(|error| panic!("{error}"));
    let mut header = Header::new(algorithm);
    header.kid = key_id.map(str::to_owned);
    let claims = Claims {
        sub: "svc-gateway".to_owned(),
        roles: vec!["sales".to_owned()],
        exp: jsonwebtoken::get_current_timestamp() + 60,
        nbf: None,
        iss: None,
        aud: None,
        partner: None,
    };
    jsonwebtoken::encode(&header, &claims, &key).unwrap_or_else(|error| panic!("{error}"))
}

fn verifier_with_public_keys(file: &str) -> Verifier {
    let path = fixture(file).display().to_string();
    let config = AuthConfig {
        public_keys: Some(PublicKeys::from_file(&path).unwrap_or_else(|e| panic!("{e}"))),
        ..AuthConfig::default()
    };
    Verifier::from_config(&config).unwrap_or_else(|error| panic!("{error}"))
}

fn verifier_from_env(pairs: &[(&str, &str)]) -> Result<Verifier, ConfigError> {
    let config = AuthConfig::from_env(&Env::from_pairs(pairs.iter().copied()))?;
    Verifier::from_config(&config)
}

#[test]
fn public_keys_given_as_the_variables_value_verify_tokens() {
    // What a Kubernetes secretKeyRef injects: the key itself.
    let pem = std::fs::read_to_string(fixture("es256-public.pem")).unwrap_or_default();
    let verifier = verifier_from_env(&[("ORDERFLOW_JWT_PUBLIC_KEYS", pem.as_str())])
        .unwrap_or_else(|error| panic!("{error}"));
    let caller = verifier.verify(&signed(Algorithm::ES256, "es256-private.pem", None));
    assert_eq!(
        caller.ok().map(|c| c.subject),
        Some("svc-gateway".to_owned())
    );

    let jwks = std::fs::read_to_string(fixture("jwks.json")).unwrap_or_default();
    let verifier = verifier_from_env(&[("ORDERFLOW_JWT_PUBLIC_KEYS", jwks.as_str())])
        .unwrap_or_else(|error| panic!("{error}"));
    let caller = verifier.verify(&signed(
        Algorithm::RS256,
        "rs256-private.pem",
        Some("rsa-1"),
    ));
    assert_eq!(
        caller.ok().map(|c| c.subject),
        Some("svc-gateway".to_owned())
    );
}

#[test]
fn public_keys_given_as_a_file_verify_tokens() {
    let path = fixture("jwks.json").display().to_string();
    let verifier = verifier_from_env(&[("ORDERFLOW_JWT_PUBLIC_KEYS_FILE", path.as_str())])
        .unwrap_or_else(|error| panic!("{error}"));
    let caller = verifier.verify(&signed(Algorithm::ES256, "es256-private.pem", Some("ec-1")));
    assert_eq!(
        caller.ok().map(|c| c.subject),
        Some("svc-gateway".to_owned())
    );
}

#[test]
fn unusable_public_keys_are_refused_when_the_configuration_is_read() {
    let refused = |pairs: &[(&str, &str)]| {
        AuthConfig::from_env(&Env::from_pairs(pairs.iter().copied()))
            .err()
            .map(|error| error.variable)
    };
    let path = fixture("es256-public.pem").display().to_string();
    // A path where the key itself belongs does not parse as a key.
    assert_eq!(
        refused(&[("ORDERFLOW_JWT_PUBLIC_KEYS", path.as_str())]),
        Some("ORDERFLOW_JWT_PUBLIC_KEYS".to_owned())
    );
    assert_eq!(
        refused(&[("ORDERFLOW_JWT_PUBLIC_KEYS_FILE", "/nonexistent/jwks.json")]),
        Some("ORDERFLOW_JWT_PUBLIC_KEYS_FILE".to_owned())
    );
    let not_a_key = fixture("README.md").display().to_string();
    assert_eq!(
        refused(&[("ORDERFLOW_JWT_PUBLIC_KEYS_FILE", not_a_key.as_str())]),
        Some("ORDERFLOW_JWT_PUBLIC_KEYS_FILE".to_owned())
    );
    assert_eq!(
        refused(&[(
            "ORDERFLOW_JWT_PUBLIC_KEYS",
            "{\"keys\": [{\"kty\": \"oct\"}]}"
        )]),
        Some("ORDERFLOW_JWT_PUBLIC_KEYS".to_owned())
    );
    let pem = std::fs::read_to_string(fixture("es256-public.pem")).unwrap_or_default();
    assert_eq!(
        refused(&[
            ("ORDERFLOW_JWT_PUBLIC_KEYS", pem.as_str()),
            ("ORDERFLOW_JWT_PUBLIC_KEYS_FILE", path.as_str()),
        ]),
        Some("ORDERFLOW_JWT_PUBLIC_KEYS".to_owned())
    );
}

#[test]
fn an_es256_token_verifies_against_a_pem_public_key() {
    let verifier = verifier_with_public_keys("es256-public.pem");
    let caller = verifier.verify(&signed(Algorithm::ES256, "es256-private.pem", None));
    assert_eq!(
        caller.ok().map(|c| c.subject),
        Some("svc-gateway".to_owned())
    );
    let rsa = verifier.verify(&signed(Algorithm::RS256, "rs256-private.pem", None));
    assert!(rsa.is_err(), "a key that is not configured");
}

#[test]
fn rs256_and_es256_tokens_verify_against_a_jwks_document() {
    let verifier = verifier_with_public_keys("jwks.json");
    for (algorithm, key, kid) in [
        (Algorithm::RS256, "rs256-private.pem", "rsa-1"),
        (Algorithm::ES256, "es256-private.pem", "ec-1"),
    ] {
        let caller = verifier.verify(&signed(algorithm, key, Some(kid)));
        assert_eq!(
            caller.map(|c| c.roles.contains("sales")).ok(),
            Some(true),
            "{algorithm:?}"
        );
    }
}

#[test]
fn an_hs256_token_is_refused_when_only_public_keys_are_configured() {
    let verifier = verifier_with_public_keys("jwks.json");
    let roles = vec!["admin".to_owned()];
    let forged = mint_hs256(
        &SecretString::from(SECRET.to_owned()),
        "mallory",
        &roles,
        Duration::from_secs(60),
    )
    .unwrap_or_default();
    assert!(verifier.verify(&forged).is_err());
}

#[test]
fn a_service_identity_mints_a_service_token() {
    let identity = ServiceIdentity::new("orders", &AuthConfig::with_secret(SECRET));
    let token = identity.token().unwrap_or_default();
    let verifier =
        Verifier::from_config(&AuthConfig::with_secret(SECRET)).unwrap_or_else(|e| panic!("{e}"));
    let caller = verifier.verify(&token).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(caller.subject, "service:orders");
    assert!(caller.has_role(SERVICE_ROLE));
    assert_eq!(
        identity.token().ok(),
        Some(token),
        "cached until half its life"
    );
}

#[test]
fn a_short_secret_is_refused_naming_the_variable() {
    let env = Env::from_pairs([("ORDERFLOW_JWT_SECRET", "short")]);
    let error = AuthConfig::from_env(&env).err();
    assert_eq!(
        error.map(|e| e.variable),
        Some("ORDERFLOW_JWT_SECRET".to_owned())
    );
}

#[test]
fn no_key_at_all_is_refused_naming_the_variable() {
    let env = Env::from_pairs([("ORDERFLOW_JWT_SECRET_FILE", "/nonexistent/secret")]);
    let error = AuthConfig::from_env(&env).err();
    assert_eq!(
        error.map(|e| e.variable),
        Some("ORDERFLOW_JWT_SECRET".to_owned())
    );
}

fn signing_identity(clock: SharedClock) -> ServiceIdentity {
    let pem = std::fs::read_to_string(fixture("es256-private.pem")).unwrap_or_default();
    let public = std::fs::read_to_string(fixture("es256-public.pem")).unwrap_or_default();
    let config = AuthConfig::from_env(&Env::from_pairs([
        ("ORDERFLOW_SERVICE_SIGNING_KEY", pem.as_str()),
        ("ORDERFLOW_JWT_PUBLIC_KEYS", public.as_str()),
        ("ORDERFLOW_JWT_AUDIENCE", "orderflow-services"),
        ("ORDERFLOW_SERVICE_TOKEN_ISSUER", "orderflow"),
    ]))
    .unwrap_or_else(|error| panic!("{error}"));
    ServiceIdentity::new("finance", &config).with_clock(clock)
}

fn verifier_for(issuers: &str, audience: &str) -> Verifier {
    let public = std::fs::read_to_string(fixture("es256-public.pem")).unwrap_or_default();
    let config = AuthConfig::from_env(&Env::from_pairs([
        ("ORDERFLOW_JWT_PUBLIC_KEYS", public.as_str()),
        ("ORDERFLOW_JWT_ISSUER", issuers),
        ("ORDERFLOW_JWT_AUDIENCE", audience),
    ]))
    .unwrap_or_else(|error| panic!("{error}"));
    Verifier::from_config(&config).unwrap_or_else(|error| panic!("{error}"))
}

fn expiry(token: &str) -> u64 {
    let public = std::fs::read(fixture("es256-public.pem")).unwrap_or_default();
    let key = DecodingKey::from_ec_pem(&public).unwrap_or_else(|error| panic!("{error}"));
    let mut validation = Validation::new(Algorithm::ES256);
    validation.validate_aud = false;
    validation.validate_exp = false;
    jsonwebtoken::decode::<Claims>(token, &key, &validation)
        .map(|data| data.claims.exp)
        .unwrap_or_else(|error| panic!("{error}"))
}

#[test]
fn a_service_signs_its_own_identity_with_issuer_and_audience() {
    let identity = signing_identity(crate::clock::system());
    let token = identity.token().unwrap_or_else(|error| panic!("{error}"));
    // The identity provider's issuer and the services' own are both accepted.
    let caller = verifier_for("https://id.example.com, orderflow", "orderflow-services")
        .verify(&token)
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(caller.subject, "service:finance");
    assert!(caller.is(Role::Service));
    // Another audience, or an issuer list without the services', refuses it.
    assert!(
        verifier_for("orderflow", "another-audience")
            .verify(&token)
            .is_err()
    );
    assert!(
        verifier_for("https://id.example.com", "orderflow-services")
            .verify(&token)
            .is_err()
    );
}

#[test]
fn a_service_identity_renews_itself_before_it_expires() {
    let clock = crate::clock::ManualClock::new(chrono::Utc::now());
    let identity = signing_identity(clock.clone());
    let first = identity.token().unwrap_or_else(|error| panic!("{error}"));
    clock.advance(chrono::Duration::minutes(2));
    assert_eq!(
        identity.token().unwrap_or_default(),
        first,
        "kept for half its life"
    );
    // Past half of its five minutes: a new token, expiring later.
    clock.advance(chrono::Duration::minutes(1));
    let second = identity.token().unwrap_or_else(|error| panic!("{error}"));
    assert_ne!(second, first);
    assert_eq!(expiry(&second), expiry(&first) + 180);
    // Long after the first one expired, the identity still has a valid one.
    clock.advance(chrono::Duration::hours(5));
    let later = identity.token().unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(expiry(&later), expiry(&first) + 180 + 5 * 3600);
}

#[test]
fn a_bad_service_signing_key_is_refused_naming_the_variable() {
    let error = AuthConfig::from_env(&Env::from_pairs([
        (
            "ORDERFLOW_JWT_SECRET",
            "0123456789abcdef0123456789abcdef-test",
        ),
        ("ORDERFLOW_SERVICE_SIGNING_KEY", "not a key"),
    ]))
    .err()
    .map(|error| error.variable);
    assert_eq!(error, Some("ORDERFLOW_SERVICE_SIGNING_KEY".to_owned()));
}

#[test]
fn d9_a_token_not_valid_before_tomorrow_is_refused_today() {
    let now = jsonwebtoken::get_current_timestamp();
    let mint = |nbf: u64| {
        let claims = Claims {
            sub: "alice".to_owned(),
            roles: vec!["sales".to_owned()],
            exp: now + 2 * 86_400,
            nbf: Some(nbf),
            iss: None,
            aud: None,
            partner: None,
        };
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(SECRET.as_bytes()),
        )
        .unwrap_or_else(|error| panic!("{error}"))
    };
    let tomorrow = layer()
        .authorize("/pkg.Svc/Do", &headers_with(&mint(now + 86_400)))
        .err();
    assert_eq!(
        tomorrow.map(|s| s.code()),
        Some(tonic::Code::Unauthenticated)
    );
    assert!(
        layer()
            .authorize("/pkg.Svc/Do", &headers_with(&mint(now - 60)))
            .is_ok(),
        "valid since a minute ago"
    );
}

#[test]
fn a_partner_token_names_the_partner_its_person_acts_for() {
    let verifier = Verifier::from_config(&AuthConfig::with_secret(SECRET))
        .unwrap_or_else(|error| panic!("{error}"));
    let secret = SecretString::from(SECRET.to_owned());
    let roles = vec!["supplier".to_owned()];
    let ms_li = mint_hs256_for(
        &secret,
        "ms-li",
        &roles,
        Some("ACME"),
        Duration::from_secs(60),
    )
    .unwrap_or_default();
    let caller = verifier
        .verify(&ms_li)
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(caller.partner.as_deref(), Some("ACME"));
    let staff = mint_hs256(&secret, "pat", &roles, Duration::from_secs(60)).unwrap_or_default();
    let caller = verifier
        .verify(&staff)
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(caller.partner, None);
}

#[test]
fn only_a_partners_person_is_scoped_to_its_partner() {
    let staff = Caller::new("pat", &["purchaser", "supplier"]);
    assert_eq!(staff.partner_scope(), Ok(None));
    // Another role on a partner's token lifts nothing.
    let mixed = Caller::new("ms-wang", &["store", "sales"]).for_partner("NANJING-1");
    assert_eq!(mixed.partner_scope(), Ok(Some("NANJING-1")));
    let ms_li = Caller::new("ms-li", &["supplier"]).for_partner("WOOLCO");
    assert_eq!(ms_li.partner_scope(), Ok(Some("WOOLCO")));
    assert!(Caller::new("x", &["store"]).partner_scope().is_err());
}
