//! The `Client` class: mina-signer's `Client` for keys, payments, stake delegations, messages
//! and field arrays, each method a call into `webfn_mina::client`.

use js_sys::Reflect;
use serde::Serialize;
use serde_json::Value;
use wasm_bindgen::prelude::*;
use webfn_mina::client::{self, Kind, Signed};
use webfn_mina::{Error, HashVersion, NetworkId, PrivateKey, PublicKey};

use crate::js::{input_error, js_error, string_arg, to_js, to_json};

/// What `new Client` says when it has no usable network.
const NETWORK_HELP: &str =
    "expected 'mainnet', 'testnet', 'devnet', another chain name or { custom: name }";

/// A signer for one network, with the methods of mina-signer's `Client` of the same names.
#[wasm_bindgen]
#[derive(Debug)]
pub struct Client {
    network: NetworkId,
    /// The `network` option as given, which `networkId` returns like mina-signer does.
    network_option: JsValue,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Keypair {
    private_key: String,
    public_key: String,
}

#[wasm_bindgen]
impl Client {
    /// A client for `network`; like mina-signer's there is no default network.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "ClientOptions")] options: JsValue,
    ) -> Result<Client, JsError> {
        let network_option = if options.is_object() {
            Reflect::get(&options, &JsValue::from_str("network")).unwrap_or(JsValue::UNDEFINED)
        } else {
            JsValue::UNDEFINED
        };
        let name = match to_json(&network_option) {
            Ok(Value::String(name)) => name,
            Ok(Value::Object(object)) => match object.get("custom") {
                Some(Value::String(name)) => name.clone(),
                _ => return Err(network_error("{ custom } is not a string")),
            },
            Ok(Value::Null) => return Err(network_error("missing")),
            _ => return Err(network_error("not a name")),
        };
        let network = NetworkId::from_name(&name).map_err(|e| js_error(e.in_field("network")))?;
        Ok(Client {
            network,
            network_option,
        })
    }

    /// The `network` option the client was made with.
    #[wasm_bindgen(getter = networkId, unchecked_return_type = "NetworkId")]
    pub fn network_id(&self) -> JsValue {
        self.network_option.clone()
    }

    /// A fresh key pair from the platform's cryptographic randomness.
    #[wasm_bindgen(js_name = genKeys, unchecked_return_type = "Keypair")]
    pub fn gen_keys(&self) -> Result<JsValue, JsError> {
        let key = PrivateKey::generate_os().map_err(js_error)?;
        to_js(&Keypair {
            private_key: key.to_base58(),
            public_key: key.public_key().to_base58(),
        })
    }

    /// The public key of a private key.
    #[wasm_bindgen(js_name = derivePublicKey, unchecked_return_type = "PublicKey")]
    pub fn derive_public_key(
        &self,
        #[wasm_bindgen(js_name = privateKey, unchecked_param_type = "PrivateKey")]
        private_key: JsValue,
    ) -> Result<JsValue, JsError> {
        let key = private_key_arg(&private_key)?;
        Ok(key.public_key().to_base58().into())
    }

    /// `true` if `publicKey` is the public key of `privateKey` and the key signs; throws
    /// otherwise.
    #[wasm_bindgen(js_name = verifyKeypair)]
    pub fn verify_keypair(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Keypair")] keypair: JsValue,
    ) -> Result<bool, JsError> {
        let field = |name: &str| {
            let value = if keypair.is_object() {
                Reflect::get(&keypair, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
            } else {
                JsValue::UNDEFINED
            };
            string_arg(&value, name)
        };
        let private_key = PrivateKey::from_base58(&field("privateKey")?)
            .map_err(|e| js_error(e.in_field("privateKey")))?;
        let public_key = PublicKey::from_base58(&field("publicKey")?)
            .map_err(|e| js_error(e.in_field("publicKey")))?;
        if private_key.public_key() != public_key {
            return Err(JsError::new("Public key not derivable from private key"));
        }
        let probe = webfn_mina::message_input("");
        let signature =
            webfn_mina::sign_legacy(&probe, &private_key, &self.network).map_err(js_error)?;
        if !webfn_mina::verify_legacy(&probe, &signature, &public_key, &self.network) {
            return Err(JsError::new(
                "Could not sign a transaction with private key",
            ));
        }
        Ok(true)
    }

    /// Signs a payment; `from` must be the key's public key.
    #[wasm_bindgen(js_name = signPayment, unchecked_return_type = "SignedLegacy<PaymentJson>")]
    pub fn sign_payment(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Payment")] payment: JsValue,
        #[wasm_bindgen(js_name = privateKey, unchecked_param_type = "PrivateKey")]
        private_key: JsValue,
    ) -> Result<JsValue, JsError> {
        self.sign(Kind::Payment, &payment, "payment", &private_key)
    }

    /// Whether a signed payment is valid on this network; `false` for anything malformed.
    #[wasm_bindgen(js_name = verifyPayment)]
    pub fn verify_payment(
        &self,
        #[wasm_bindgen(unchecked_param_type = "SignedLegacy<Payment>")] signed: JsValue,
    ) -> bool {
        self.verify(Kind::Payment, &signed)
    }

    /// Signs a stake delegation to `to`; `from` must be the key's public key.
    #[wasm_bindgen(
        js_name = signStakeDelegation,
        unchecked_return_type = "SignedLegacy<StakeDelegationJson>"
    )]
    pub fn sign_stake_delegation(
        &self,
        #[wasm_bindgen(unchecked_param_type = "StakeDelegation")] delegation: JsValue,
        #[wasm_bindgen(js_name = privateKey, unchecked_param_type = "PrivateKey")]
        private_key: JsValue,
    ) -> Result<JsValue, JsError> {
        self.sign(Kind::Delegation, &delegation, "delegation", &private_key)
    }

    /// Whether a signed stake delegation is valid on this network; `false` for anything
    /// malformed.
    #[wasm_bindgen(js_name = verifyStakeDelegation)]
    pub fn verify_stake_delegation(
        &self,
        #[wasm_bindgen(unchecked_param_type = "SignedLegacy<StakeDelegation>")] signed: JsValue,
    ) -> bool {
        self.verify(Kind::Delegation, &signed)
    }

    /// Signs a text message.
    #[wasm_bindgen(js_name = signMessage, unchecked_return_type = "SignedLegacy<string>")]
    pub fn sign_message(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] message: JsValue,
        #[wasm_bindgen(js_name = privateKey, unchecked_param_type = "PrivateKey")]
        private_key: JsValue,
    ) -> Result<JsValue, JsError> {
        self.sign(Kind::Message, &message, "message", &private_key)
    }

    /// Whether a signed message is valid on this network; `false` for anything malformed.
    #[wasm_bindgen(js_name = verifyMessage)]
    pub fn verify_message(
        &self,
        #[wasm_bindgen(unchecked_param_type = "SignedLegacy<string>")] signed: JsValue,
    ) -> bool {
        self.verify(Kind::Message, &signed)
    }

    /// Signs field elements (each below the Pallas modulus p) as o1js verifies them; as in
    /// mina-signer the signature is for devnet whatever the client's network, and `data` is
    /// the array that was passed.
    #[wasm_bindgen(js_name = signFields, unchecked_return_type = "Signed<Field[]>")]
    pub fn sign_fields(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Field[]")] fields: JsValue,
        #[wasm_bindgen(js_name = privateKey, unchecked_param_type = "PrivateKey")]
        private_key: JsValue,
    ) -> Result<JsValue, JsError> {
        let input = to_json(&fields).map_err(|e| js_error(e.in_field("fields")))?;
        let private_key = string_arg(&private_key, "privateKey")?;
        let signed = match client::sign(Kind::Fields, &input, &private_key, &self.network) {
            Ok(client::SignedObject::Fields(signed)) => signed,
            Ok(_) => return Err(JsError::new("signFields: unexpected kind of result")),
            Err(e) => return Err(input_error(e, "fields")),
        };
        to_js(&Signed {
            signature: signed.signature,
            public_key: signed.public_key,
            data: Preserved(fields),
        })
    }

    /// Whether signed field elements (bigints or decimal text) are valid; `false` for
    /// anything malformed.
    #[wasm_bindgen(js_name = verifyFields)]
    pub fn verify_fields(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Signed<Field[]>")] signed: JsValue,
    ) -> bool {
        self.verify(Kind::Fields, &signed)
    }

    /// Signs a message (a string), a payment (an object with `amount`) or a stake delegation
    /// (`to`, `from`, `fee` and `nonce` without `amount`).
    #[wasm_bindgen(
        js_name = signTransaction,
        unchecked_return_type = "SignedLegacy<string> | SignedLegacy<PaymentJson> | SignedLegacy<StakeDelegationJson>"
    )]
    pub fn sign_transaction(
        &self,
        #[wasm_bindgen(unchecked_param_type = "SignableData")] payload: JsValue,
        #[wasm_bindgen(js_name = privateKey, unchecked_param_type = "PrivateKey")]
        private_key: JsValue,
    ) -> Result<JsValue, JsError> {
        let payload = to_json(&payload).map_err(|e| name_argument(e, "payload"))?;
        let kind = match &payload {
            Value::String(_) => Kind::Message,
            Value::Object(object) if has_common(object) => {
                if object.contains_key("amount") {
                    Kind::Payment
                } else {
                    Kind::Delegation
                }
            }
            Value::Object(object) if is_zkapp(object) => return Err(zkapp_error()),
            _ => return Err(payload_error()),
        };
        self.sign_json(kind, &payload, "payload", &private_key)
    }

    /// Verifies what `signTransaction` signed; throws if it is neither a signed message,
    /// payment nor stake delegation.
    #[wasm_bindgen(js_name = verifyTransaction)]
    pub fn verify_transaction(
        &self,
        #[wasm_bindgen(
            unchecked_param_type = "SignedLegacy<string> | SignedLegacy<Payment> | SignedLegacy<StakeDelegation>"
        )]
        signed: JsValue,
    ) -> Result<bool, JsError> {
        let value = to_json(&signed).map_err(|e| js_error(e.in_field("signed")))?;
        let legacy = value
            .get("signature")
            .and_then(Value::as_object)
            .is_some_and(|s| s.contains_key("field") && s.contains_key("scalar"));
        let kind = match value.get("data") {
            Some(Value::String(_)) if legacy => Kind::Message,
            Some(Value::Object(data)) if legacy && has_common(data) => {
                if data.contains_key("amount") {
                    Kind::Payment
                } else {
                    Kind::Delegation
                }
            }
            Some(Value::Object(data)) if is_zkapp(data) => return Err(zkapp_error()),
            _ => {
                return Err(JsError::new(
                    "signed: expected a signed message, payment or stake delegation \
                     ({ signature: { field, scalar }, publicKey, data })",
                ));
            }
        };
        Ok(client::verify(kind, &value, &self.network))
    }

    /// The `5J…` hash of a signed payment; `{ berkeley: true }` for the hash Mina uses since
    /// the Berkeley upgrade.
    #[wasm_bindgen(js_name = hashPayment)]
    pub fn hash_payment(
        &self,
        #[wasm_bindgen(unchecked_param_type = "SignedLegacy<Payment>")] signed: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "HashOptions")] options: JsValue,
    ) -> Result<String, JsError> {
        hash(Kind::Payment, &signed, &options)
    }

    /// The `5J…` hash of a signed stake delegation; `{ berkeley: true }` for the hash Mina
    /// uses since the Berkeley upgrade.
    #[wasm_bindgen(js_name = hashStakeDelegation)]
    pub fn hash_stake_delegation(
        &self,
        #[wasm_bindgen(unchecked_param_type = "SignedLegacy<StakeDelegation>")] signed: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "HashOptions")] options: JsValue,
    ) -> Result<String, JsError> {
        hash(Kind::Delegation, &signed, &options)
    }
}

impl Client {
    fn sign(
        &self,
        kind: Kind,
        input: &JsValue,
        argument: &str,
        private_key: &JsValue,
    ) -> Result<JsValue, JsError> {
        let input = to_json(input).map_err(|e| name_argument(e, argument))?;
        self.sign_json(kind, &input, argument, private_key)
    }

    fn sign_json(
        &self,
        kind: Kind,
        input: &Value,
        argument: &str,
        private_key: &JsValue,
    ) -> Result<JsValue, JsError> {
        let private_key = string_arg(private_key, "privateKey")?;
        let signed = client::sign(kind, input, &private_key, &self.network)
            .map_err(|e| name_argument(e, argument))?;
        to_js(&signed)
    }

    fn verify(&self, kind: Kind, signed: &JsValue) -> bool {
        to_json(signed).is_ok_and(|signed| client::verify(kind, &signed, &self.network))
    }
}

fn hash(kind: Kind, signed: &JsValue, options: &JsValue) -> Result<String, JsError> {
    let berkeley = options.is_object()
        && Reflect::get(options, &JsValue::from_str("berkeley")).is_ok_and(|b| b.is_truthy());
    let version = if berkeley {
        HashVersion::Berkeley
    } else {
        HashVersion::V1
    };
    let signed = to_json(signed).map_err(|e| name_argument(e, "signed"))?;
    client::hash(kind, &signed, version).map_err(|e| name_argument(e, "signed"))
}

/// Parses a base58 private key argument.
fn private_key_arg(value: &JsValue) -> Result<PrivateKey, JsError> {
    PrivateKey::from_base58(&string_arg(value, "privateKey")?)
        .map_err(|e| js_error(e.in_field("privateKey")))
}

/// Errors about the whole argument (not one of its fields) get the argument's name; the
/// crate's `input` becomes the argument's name too.
fn name_argument(error: Error, argument: &str) -> JsError {
    match error {
        Error::InField { .. } => input_error(error, argument),
        other => js_error(other.in_field(argument)),
    }
}

fn network_error(problem: &str) -> JsError {
    JsError::new(&format!("network: {problem} ({NETWORK_HELP})"))
}

/// mina-signer's test for payments and delegations: `to`, `from`, `fee` and `nonce` present.
fn has_common(object: &serde_json::Map<String, Value>) -> bool {
    ["to", "from", "fee", "nonce"]
        .iter()
        .all(|key| object.contains_key(*key))
}

fn is_zkapp(object: &serde_json::Map<String, Value>) -> bool {
    object.contains_key("zkappCommand") && object.contains_key("feePayer")
}

fn zkapp_error() -> JsError {
    JsError::new("zkApp commands are not supported by @webfunctions/client (use mina-signer)")
}

fn payload_error() -> JsError {
    JsError::new(
        "payload: expected a message (string), a payment ({ to, from, fee, nonce, amount }) \
         or a stake delegation ({ to, from, fee, nonce })",
    )
}

/// A JavaScript value written into the output as it is (the caller's own `fields` array).
struct Preserved(JsValue);

impl Serialize for Preserved {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serde_wasm_bindgen::preserve::serialize(&self.0, serializer)
    }
}
