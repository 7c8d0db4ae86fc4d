//! Signed statements: a provider proving its key to a relay, an owner deploying a function.
//! Both are Mina message signatures (legacy scheme) on the `webfn` network id, so they can
//! never be mistaken for a payment or a signature on a Mina network.

use serde::{Deserialize, Serialize};
use webfn_mina::client::{self, Kind};
use webfn_mina::{NetworkId, PrivateKey};

use crate::{FunctionManifest, ProtocolError, SignatureJson};

/// The network id of WebFunctions' own signatures.
pub const AUTH_NETWORK: &str = "webfn";

fn network() -> NetworkId {
    NetworkId::Custom(AUTH_NETWORK.to_owned())
}

/// The text a provider signs to answer a relay's challenge.
pub fn provider_auth_message(relay: &str, nonce: &str) -> String {
    format!("webfn provider auth v1\nrelay: {relay}\nnonce: {nonce}")
}

/// Signs `message` as a Mina message on the `webfn` network.
pub fn sign_statement(message: &str, key: &PrivateKey) -> Result<SignatureJson, ProtocolError> {
    let signed = client::sign(
        Kind::Message,
        &serde_json::Value::from(message),
        &key.to_base58(),
        &network(),
    )
    .map_err(|e| ProtocolError::Invalid {
        field: "signature",
        reason: e.to_string(),
    })?;
    match signed {
        client::SignedObject::Message(signed) => Ok(signed.signature),
        _ => Err(ProtocolError::Invalid {
            field: "signature",
            reason: "unexpected signature kind".into(),
        }),
    }
}

/// Whether `signature` is `public_key`'s signature of `message` on the `webfn` network.
pub fn verify_statement(message: &str, signature: &SignatureJson, public_key: &str) -> bool {
    let signed =
        serde_json::json!({ "data": message, "signature": signature, "publicKey": public_key });
    client::verify(Kind::Message, &signed, &network())
}

/// A deploy request: the manifest, signed by the owner's key over [`DeployRequest::message`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeployRequest {
    /// What to deploy.
    pub manifest: FunctionManifest,
    /// The owner's public key (`B62…`); the first deployer of a name owns it.
    pub owner: String,
    /// When the request was made, Unix seconds (the relay refuses stale requests).
    pub issued_at: u64,
    /// Signature of [`DeployRequest::message`].
    pub signature: SignatureJson,
}

impl DeployRequest {
    /// Builds and signs a deploy request.
    pub fn sign(
        manifest: FunctionManifest,
        key: &PrivateKey,
        issued_at: u64,
    ) -> Result<DeployRequest, ProtocolError> {
        let owner = key.public_key().to_base58();
        let message = deploy_message(&manifest, &owner, issued_at)?;
        let signature = sign_statement(&message, key)?;
        Ok(DeployRequest {
            manifest,
            owner,
            issued_at,
            signature,
        })
    }

    /// The signed text: a header line, then the canonical JSON of manifest, owner and time.
    pub fn message(&self) -> Result<String, ProtocolError> {
        deploy_message(&self.manifest, &self.owner, self.issued_at)
    }

    /// Whether the owner's signature is valid.
    pub fn verify(&self) -> bool {
        self.message()
            .is_ok_and(|message| verify_statement(&message, &self.signature, &self.owner))
    }
}

fn deploy_message(
    manifest: &FunctionManifest,
    owner: &str,
    issued_at: u64,
) -> Result<String, ProtocolError> {
    #[derive(Serialize)]
    struct Signed<'a> {
        manifest: &'a FunctionManifest,
        owner: &'a str,
        issued_at: u64,
    }
    let body = serde_json::to_string(&Signed {
        manifest,
        owner,
        issued_at,
    })
    .map_err(|e| ProtocolError::Malformed(e.to_string()))?;
    Ok(format!("webfn deploy v1\n{body}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Digest;

    fn key() -> PrivateKey {
        PrivateKey::generate_os().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn deploy_requests_verify_and_resist_tampering() -> Result<(), ProtocolError> {
        let owner = key();
        let manifest = FunctionManifest::new("hello".parse()?, Digest::of(b"bundle"));
        let request = DeployRequest::sign(manifest, &owner, 1_700_000_000)?;
        assert!(request.verify());
        let mut tampered = request.clone();
        tampered.manifest.price = 1;
        assert!(!tampered.verify());
        let mut tampered = request.clone();
        tampered.issued_at += 1;
        assert!(!tampered.verify());
        let mut tampered = request.clone();
        tampered.owner = key().public_key().to_base58();
        assert!(!tampered.verify());
        // round trip through JSON keeps it valid
        let json =
            serde_json::to_string(&request).map_err(|e| ProtocolError::Malformed(e.to_string()))?;
        let parsed: DeployRequest =
            serde_json::from_str(&json).map_err(|e| ProtocolError::Malformed(e.to_string()))?;
        assert!(parsed.verify());
        Ok(())
    }

    #[test]
    fn provider_auth_is_bound_to_relay_and_nonce() -> Result<(), ProtocolError> {
        let provider = key();
        let pk = provider.public_key().to_base58();
        let signature = sign_statement(&provider_auth_message("ws://relay", "00ff"), &provider)?;
        assert!(verify_statement(
            &provider_auth_message("ws://relay", "00ff"),
            &signature,
            &pk
        ));
        assert!(!verify_statement(
            &provider_auth_message("ws://other", "00ff"),
            &signature,
            &pk
        ));
        assert!(!verify_statement(
            &provider_auth_message("ws://relay", "00fe"),
            &signature,
            &pk
        ));
        assert!(!verify_statement(
            &provider_auth_message("ws://relay", "00ff"),
            &signature,
            "B62qgarbage"
        ));
        // a signature for Mina's testnet does not count here
        let mina = client::sign(
            Kind::Message,
            &serde_json::Value::from(provider_auth_message("ws://relay", "00ff")),
            &provider.to_base58(),
            &NetworkId::Testnet,
        )
        .map_err(|e| ProtocolError::Malformed(e.to_string()))?;
        if let client::SignedObject::Message(m) = mina {
            assert!(!verify_statement(
                &provider_auth_message("ws://relay", "00ff"),
                &m.signature,
                &pk
            ));
        }
        Ok(())
    }
}
