//! Trusted publishing on the wire: the owner's signed request that sets (or removes) a
//! function's trusted-publisher policy, and the unsigned deploy body a CI job sends with its
//! OIDC ID token (`Authorization: Bearer …`).
//!
//! The policy travels as a JSON object: this crate runs in browsers and does not know the
//! policy's rules; the relay validates it (`webfn-oidc`'s `TrustedPublisher`).

use serde::{Deserialize, Serialize};
use webfn_mina::PrivateKey;

use crate::auth::{sign_statement, verify_statement};
use crate::{FunctionManifest, FunctionName, ProtocolError, SignatureJson};

/// The first line of the text a [`PublisherRequest`] signs.
pub const PUBLISHER_STATEMENT: &str = "webfn publisher v1";

/// Sets or removes a function's trusted-publisher policy; signed by the function's owner over
/// [`PublisherRequest::message`]. Like a deploy, it must be fresh and newer than the request
/// in force, so an old request cannot be replayed to restore an old policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublisherRequest {
    /// The function.
    pub function: FunctionName,
    /// The policy (its JSON form, see `docs/trusted-publishing.md`), or `null` to remove it.
    pub policy: Option<serde_json::Value>,
    /// The owner's public key (`B62…`); must be the function's owner.
    pub owner: String,
    /// When the request was made, Unix seconds.
    pub issued_at: u64,
    /// Signature of [`PublisherRequest::message`].
    pub signature: SignatureJson,
}

impl PublisherRequest {
    /// Builds and signs a request.
    pub fn sign(
        function: FunctionName,
        policy: Option<serde_json::Value>,
        key: &PrivateKey,
        issued_at: u64,
    ) -> Result<PublisherRequest, ProtocolError> {
        let owner = key.public_key().to_base58();
        let message = publisher_message(&function, policy.as_ref(), &owner, issued_at)?;
        let signature = sign_statement(&message, key)?;
        Ok(PublisherRequest {
            function,
            policy,
            owner,
            issued_at,
            signature,
        })
    }

    /// The signed text: [`PUBLISHER_STATEMENT`], a newline, then the JSON of function, policy,
    /// owner and time (object keys of the policy sorted, as `serde_json` writes a `Value`).
    pub fn message(&self) -> Result<String, ProtocolError> {
        publisher_message(
            &self.function,
            self.policy.as_ref(),
            &self.owner,
            self.issued_at,
        )
    }

    /// Whether the owner's signature is valid.
    pub fn verify(&self) -> bool {
        self.message()
            .is_ok_and(|message| verify_statement(&message, &self.signature, &self.owner))
    }
}

fn publisher_message(
    function: &FunctionName,
    policy: Option<&serde_json::Value>,
    owner: &str,
    issued_at: u64,
) -> Result<String, ProtocolError> {
    #[derive(Serialize)]
    struct Signed<'a> {
        function: &'a FunctionName,
        policy: Option<&'a serde_json::Value>,
        owner: &'a str,
        issued_at: u64,
    }
    let body = serde_json::to_string(&Signed {
        function,
        policy,
        owner,
        issued_at,
    })
    .map_err(|e| ProtocolError::Malformed(e.to_string()))?;
    Ok(format!("{PUBLISHER_STATEMENT}\n{body}"))
}

/// The body of `POST /v1/functions` sent with `Authorization: Bearer <OIDC ID token>`: only
/// the manifest. The token, matched against the function's trusted-publisher policy, stands
/// for the owner's signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenDeployRequest {
    /// What to deploy.
    pub manifest: FunctionManifest,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::DeployRequest;
    use crate::Digest;

    fn key() -> PrivateKey {
        PrivateKey::generate_os().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn publisher_requests_verify_and_resist_tampering() -> Result<(), ProtocolError> {
        let owner = key();
        let policy = json!({"provider": "github", "repository": "octo/app",
            "repository_owner_id": "9919", "workflow": "deploy.yml"});
        let request =
            PublisherRequest::sign("hello".parse()?, Some(policy), &owner, 1_700_000_000)?;
        assert!(request.verify());
        assert!(
            request
                .message()?
                .starts_with("webfn publisher v1\n{\"function\":\"hello\"")
        );
        let mut tampered = request.clone();
        tampered.policy = Some(json!({"provider": "github", "repository": "evil/app",
            "repository_owner_id": "9919", "workflow": "deploy.yml"}));
        assert!(!tampered.verify());
        let mut tampered = request.clone();
        tampered.policy = None;
        assert!(!tampered.verify());
        let mut tampered = request.clone();
        tampered.function = "other".parse()?;
        assert!(!tampered.verify());
        let mut tampered = request.clone();
        tampered.issued_at += 1;
        assert!(!tampered.verify());
        let mut tampered = request.clone();
        tampered.owner = key().public_key().to_base58();
        assert!(!tampered.verify());
        let json =
            serde_json::to_string(&request).map_err(|e| ProtocolError::Malformed(e.to_string()))?;
        let parsed: PublisherRequest =
            serde_json::from_str(&json).map_err(|e| ProtocolError::Malformed(e.to_string()))?;
        assert!(parsed.verify(), "a JSON round trip keeps it valid");
        let removal = PublisherRequest::sign("hello".parse()?, None, &owner, 1_700_000_001)?;
        assert!(removal.verify());
        Ok(())
    }

    #[test]
    fn a_deploy_signature_is_not_a_publisher_signature() -> Result<(), ProtocolError> {
        let owner = key();
        let manifest = FunctionManifest::new("hello".parse()?, Digest::of(b"bundle"));
        let deploy = DeployRequest::sign(manifest, &owner, 1_700_000_000)?;
        let request = PublisherRequest {
            function: "hello".parse()?,
            policy: None,
            owner: deploy.owner.clone(),
            issued_at: deploy.issued_at,
            signature: deploy.signature.clone(),
        };
        assert!(!request.verify());
        Ok(())
    }

    #[test]
    fn token_deploys_carry_only_a_manifest() -> Result<(), ProtocolError> {
        let manifest = FunctionManifest::new("hello".parse()?, Digest::of(b"bundle"));
        let body = json!({"manifest": manifest});
        let parsed: TokenDeployRequest =
            serde_json::from_value(body).map_err(|e| ProtocolError::Malformed(e.to_string()))?;
        assert_eq!(parsed.manifest.name.as_str(), "hello");
        let extra = json!({"manifest": parsed.manifest, "owner": "B62q"});
        assert!(serde_json::from_value::<TokenDeployRequest>(extra).is_err());
        Ok(())
    }
}
