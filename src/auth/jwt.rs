//! Access tokens: HS256 only, with issuer, expiry and not-before checked.

use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Role;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    /// The user.
    pub sub: Uuid,
    /// The user's company.
    pub cid: Uuid,
    pub role: Role,
    /// For CUSTOMER users, the customer they sign in for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cus: Option<Uuid>,
    /// The session; revoking it stops this token at once.
    pub sid: Uuid,
    pub iss: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
}

pub struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    access_ttl: Duration,
}

impl Keys {
    pub fn new(secret: &[u8], issuer: &str, access_ttl: Duration) -> Self {
        // Pinning the algorithm list is what refuses `alg: none` and RS/HS confusion.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[issuer]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = 5;
        Keys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            issuer: issuer.to_owned(),
            access_ttl,
        }
    }

    pub fn access_ttl(&self) -> Duration {
        self.access_ttl
    }

    pub fn issue(
        &self,
        user_id: Uuid,
        company_id: Uuid,
        role: Role,
        customer_id: Option<Uuid>,
        session_id: Uuid,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: user_id,
            cid: company_id,
            role,
            cus: customer_id,
            sid: session_id,
            iss: self.issuer.clone(),
            iat: now,
            nbf: now,
            exp: now + self.access_ttl.as_secs() as i64,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
    }

    pub fn verify(&self, token: &str) -> Result<Claims, jsonwebtoken::errors::Error> {
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)?.claims;
        // A customer token without its customer (or a staff token with one) was
        // not issued by us.
        let consistent = (claims.role == Role::Customer) == claims.cus.is_some();
        if !consistent {
            return Err(jsonwebtoken::errors::ErrorKind::InvalidToken.into());
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};

    fn keys() -> Keys {
        Keys::new(b"0123456789abcdef0123456789abcdef", "fieldops", Duration::from_secs(900))
    }

    fn token() -> String {
        keys().issue(Uuid::new_v4(), Uuid::new_v4(), Role::Admin, None, Uuid::new_v4()).expect("issue")
    }

    #[test]
    fn round_trips() {
        let token = token();
        let claims = keys().verify(&token).expect("verify");
        assert_eq!(claims.role, Role::Admin);
    }

    #[test]
    fn rejects_alg_none() {
        let token = token();
        let mut parts = token.split('.');
        let _header = parts.next();
        let payload = parts.next().expect("payload");
        let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        assert!(keys().verify(&format!("{none_header}.{payload}.")).is_err());
    }

    #[test]
    fn rejects_other_secret_and_issuer() {
        let other = Keys::new(b"another-secret-another-secret-xx", "fieldops", Duration::from_secs(900));
        let forged =
            other.issue(Uuid::new_v4(), Uuid::new_v4(), Role::Admin, None, Uuid::new_v4()).expect("issue");
        assert!(keys().verify(&forged).is_err());

        let wrong_issuer = Keys::new(b"0123456789abcdef0123456789abcdef", "evil", Duration::from_secs(900))
            .issue(Uuid::new_v4(), Uuid::new_v4(), Role::Admin, None, Uuid::new_v4())
            .expect("issue");
        assert!(keys().verify(&wrong_issuer).is_err());
    }

    #[test]
    fn rejects_tampered_payload() {
        let token = token();
        let parts: Vec<&str> = token.split('.').collect();
        let mut payload: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).expect("b64")).expect("json");
        payload["role"] = serde_json::json!("ADMIN");
        payload["cid"] = serde_json::json!(Uuid::new_v4());
        let tampered = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&payload).expect("json"));
        assert!(keys().verify(&format!("{}.{}.{}", parts[0], tampered, parts[2])).is_err());
    }

    #[test]
    fn rejects_customer_token_without_customer() {
        let token = keys()
            .issue(Uuid::new_v4(), Uuid::new_v4(), Role::Customer, None, Uuid::new_v4())
            .expect("issue");
        assert!(keys().verify(&token).is_err());
    }
}
