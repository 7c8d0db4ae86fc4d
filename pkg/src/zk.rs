//! Zero-knowledge credentials for JavaScript: identities, membership proofs and their
//! verification, each a call into `webfn-circuits`. Inputs and outputs have the JSON shapes of
//! `webfn zk identity | prove | verify` (`docs/zk.md`): field elements are canonical decimal
//! strings (bigints are accepted on input), a proof is `{proof: "<384 hex>", publicInputs:
//! {root, nullifier, message, scope}}`.
//!
//! A proving key is loaded once into a [`ZkProvingKey`] and proves many times: loading is
//! where the time goes in WebAssembly unless the caller pins the key's digest.

use js_sys::{Reflect, Uint8Array};
use rand_core::OsRng;
use serde::Serialize;
use serde_json::Value;
use wasm_bindgen::prelude::*;
use webfn_circuits::{
    CredentialProof, DEFAULT_ROOT_HISTORY, Fr, Identity, KeyDigest, MerkleTree, ProvingKey,
    TREE_DEPTH, VerifyingKey, from_decimal, to_decimal,
};

use crate::js::{to_js, to_json};

#[derive(Serialize)]
struct IdentityJson {
    secret: String,
    commitment: String,
}

fn zk_error(error: webfn_circuits::Error) -> JsError {
    JsError::new(&error.to_string())
}

/// Reads a field element given as a decimal string, a bigint or a safe integer; the message
/// of the error names `what`.
pub(crate) fn read_field(value: &JsValue, what: &str) -> Result<Fr, String> {
    let text = match to_json(value) {
        Ok(Value::String(text)) => text,
        Ok(Value::Number(number)) if number.is_u64() => number.to_string(),
        _ => {
            return Err(format!(
                "{what} is not a field element: expected a decimal string or a bigint"
            ));
        }
    };
    from_decimal(&text, what).map_err(|e| e.to_string())
}

fn field(value: &JsValue, what: &str) -> Result<Fr, JsError> {
    read_field(value, what).map_err(|e| JsError::new(&e))
}

/// Reads a group's leaves (commitments, in order) from an array named `what`.
pub(crate) fn read_group(group: &JsValue, what: &str) -> Result<Vec<Fr>, String> {
    if !js_sys::Array::is_array(group) {
        return Err(format!(
            "{what} is not an array of commitments (decimal strings or bigints)"
        ));
    }
    js_sys::Array::from(group)
        .iter()
        .enumerate()
        .map(|(i, c)| read_field(&c, &format!("{what}[{i}]")))
        .collect()
}

/// The property `name` of an object argument (`undefined` when absent).
pub(crate) fn property(object: &JsValue, name: &str) -> JsValue {
    if object.is_object() {
        Reflect::get(object, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    }
}

/// A new identity from the platform's cryptographic randomness: `{secret, commitment}` as
/// decimal strings, like `webfn zk identity`. Keep the secret; groups hold the commitment.
#[wasm_bindgen(js_name = zkCreateIdentity, unchecked_return_type = "ZkIdentity")]
pub fn create_identity() -> Result<JsValue, JsError> {
    identity_json(&Identity::generate(&mut OsRng))
}

/// The identity of a known secret: `{secret, commitment}`.
#[wasm_bindgen(js_name = zkIdentity, unchecked_return_type = "ZkIdentity")]
pub fn identity(
    #[wasm_bindgen(unchecked_param_type = "ZkField")] secret: JsValue,
) -> Result<JsValue, JsError> {
    identity_json(&Identity::from_secret(field(&secret, "secret")?))
}

fn identity_json(identity: &Identity) -> Result<JsValue, JsError> {
    to_js(&IdentityJson {
        secret: to_decimal(&identity.secret()),
        commitment: to_decimal(&identity.commitment()),
    })
}

/// A Groth16 proving key of the credential circuit, loaded once to prove many times.
#[wasm_bindgen(js_name = ZkProvingKey)]
#[derive(Debug)]
pub struct ZkProvingKey {
    key: ProvingKey,
    digest: KeyDigest,
}

#[wasm_bindgen(js_class = ZkProvingKey)]
impl ZkProvingKey {
    /// Loads a `proving.key` written by `webfn zk setup`. With `digest` (`sha256:…`, from
    /// `keys.json`) the bytes must have that digest and the curve points are not checked
    /// again (milliseconds); without it every point is checked (seconds in WebAssembly).
    pub fn load(bytes: &[u8], digest: Option<String>) -> Result<ZkProvingKey, JsError> {
        let key = match digest {
            Some(text) => {
                let expected: KeyDigest = text.parse().map_err(zk_error)?;
                ProvingKey::from_bytes_pinned(bytes, &expected)
            }
            None => ProvingKey::from_bytes(bytes),
        }
        .map_err(zk_error)?;
        Ok(ZkProvingKey {
            digest: KeyDigest::of(bytes),
            key,
        })
    }

    /// The key's digest, `sha256:<64 hex digits>`.
    #[wasm_bindgen(getter)]
    pub fn digest(&self) -> String {
        self.digest.to_string()
    }

    /// The matching verifying key, as the bytes of a `verifying.key` file.
    #[wasm_bindgen(js_name = verifyingKey)]
    pub fn verifying_key(&self) -> Uint8Array {
        Uint8Array::from(self.key.verifying_key().to_bytes().as_slice())
    }

    /// Proves membership as `webfn zk prove` does: reads `{secret, group, scope, message}`,
    /// builds the depth-20 tree from `group` in order, finds the secret's commitment in it and
    /// returns `{proof, publicInputs: {root, nullifier, message, scope}}`.
    #[wasm_bindgen(unchecked_return_type = "ZkCredentialProof")]
    pub fn prove(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ZkProveRequest")] request: JsValue,
    ) -> Result<JsValue, JsError> {
        let identity = Identity::from_secret(field(&property(&request, "secret"), "secret")?);
        let scope = field(&property(&request, "scope"), "scope")?;
        let message = field(&property(&request, "message"), "message")?;
        let leaves =
            read_group(&property(&request, "group"), "group").map_err(|e| JsError::new(&e))?;
        let tree =
            MerkleTree::from_leaves(TREE_DEPTH, DEFAULT_ROOT_HISTORY, &leaves).map_err(zk_error)?;
        let commitment = identity.commitment();
        let index = tree.index_of(&commitment).ok_or_else(|| {
            JsError::new(&format!(
                "the secret's commitment {} is not in the group: cannot prove membership",
                to_decimal(&commitment)
            ))
        })?;
        let path = tree.proof(index).map_err(zk_error)?;
        let credential =
            webfn_circuits::prove(&self.key, &identity, &path, scope, message, &mut OsRng)
                .map_err(zk_error)?;
        to_js(&credential)
    }
}

impl ZkProvingKey {
    /// The loaded key, for the other modules of this crate.
    pub(crate) fn key(&self) -> &ProvingKey {
        &self.key
    }
}

/// Checks `{proof, publicInputs}` against a `verifying.key` (fully validated): `true` if the
/// proof verifies for these public inputs, `false` if not; throws for a malformed key or
/// proof object (bad hex, a point off the curve or outside the subgroup, a field element out
/// of range, unknown fields), naming what is wrong.
#[wasm_bindgen(js_name = zkVerify)]
pub fn verify(
    #[wasm_bindgen(js_name = verifyingKey)] verifying_key: &[u8],
    #[wasm_bindgen(unchecked_param_type = "ZkCredentialProof")] credential: JsValue,
) -> Result<bool, JsError> {
    let key = VerifyingKey::from_bytes(verifying_key).map_err(zk_error)?;
    let json = to_json(&credential).map_err(|e| JsError::new(&e.to_string()))?;
    let credential: CredentialProof = serde_json::from_value(json)
        .map_err(|e| JsError::new(&format!("malformed proof object: {e}")))?;
    webfn_circuits::verify(&key.prepare(), &credential).map_err(zk_error)
}
