//! mina-signer's client API over JSON values: the same inputs (`signPayment`,
//! `signStakeDelegation`, `signMessage`, `signFields`), the same signed objects, field for field
//! and in the same key order, and verification that answers `false` for anything malformed.
//!
//! Deliberate differences, all refusals of input mina-signer would sign into something useless:
//! a `from` that is not the signer's key, field elements ≥ p, memos that are not strings.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::command::{Command, Common, DEFAULT_VALID_UNTIL};
use ark_ff::PrimeField;

use crate::curve::Field;
use crate::error::Context;
use crate::keys::{PrivateKey, PublicKey};
use crate::memo::Memo;
use crate::network::NetworkId;
use crate::numeric::{json_type, u256_from_json, uint_from_json};
use crate::signature::{self, Signature};
use crate::tx_hash::{HashVersion, transaction_hash};
use crate::{Error, Result};

/// What is being signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// `signPayment`
    Payment,
    /// `signStakeDelegation`
    Delegation,
    /// `signMessage`
    Message,
    /// `signFields`
    Fields,
}

impl std::str::FromStr for Kind {
    type Err = Error;
    fn from_str(text: &str) -> Result<Kind> {
        match text {
            "payment" => Ok(Kind::Payment),
            "delegation" => Ok(Kind::Delegation),
            "message" => Ok(Kind::Message),
            "fields" => Ok(Kind::Fields),
            other => Err(Error::Kind(other.to_owned())),
        }
    }
}

/// A legacy signature as JSON: decimal `field` (r) and `scalar` (s).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureJson {
    /// r in decimal.
    pub field: String,
    /// s in decimal.
    pub scalar: String,
}

impl From<&Signature> for SignatureJson {
    fn from(signature: &Signature) -> SignatureJson {
        SignatureJson {
            field: signature.field_decimal(),
            scalar: signature.scalar_decimal(),
        }
    }
}

/// The `data` of a signed payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentData {
    /// Receiver, `B62…`.
    pub to: String,
    /// Sender and fee payer, `B62…`.
    pub from: String,
    /// Fee in nanomina, decimal.
    pub fee: String,
    /// Amount in nanomina, as given.
    pub amount: String,
    /// Account nonce, decimal.
    pub nonce: String,
    /// Memo text (`null` only when `null` was given, which signs the memo "null").
    pub memo: Option<String>,
    /// Last valid global slot, decimal.
    pub valid_until: String,
}

/// The `data` of a signed stake delegation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DelegationData {
    /// New delegate, `B62…`.
    pub to: String,
    /// Delegator and fee payer, `B62…`.
    pub from: String,
    /// Fee in nanomina, decimal.
    pub fee: String,
    /// Account nonce, decimal.
    pub nonce: String,
    /// Memo text.
    pub memo: Option<String>,
    /// Last valid global slot, decimal.
    pub valid_until: String,
}

/// A signed object in mina-signer's shape: `{ signature, publicKey, data }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Signed<D, S = SignatureJson> {
    /// The signature: `{field, scalar}`, or base58 text for fields.
    pub signature: S,
    /// The signer, `B62…`.
    pub public_key: String,
    /// What was signed.
    pub data: D,
}

/// Any of the four signed objects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum SignedObject {
    /// From `signPayment`.
    Payment(Signed<PaymentData>),
    /// From `signStakeDelegation`.
    Delegation(Signed<DelegationData>),
    /// From `signMessage`.
    Message(Signed<String>),
    /// From `signFields`: base58 signature, fields as decimal strings.
    Fields(Signed<Vec<String>, String>),
}

/// Signs `input` (exactly what mina-signer's method of that kind takes) with a base58 private
/// key.
pub fn sign(
    kind: Kind,
    input: &Value,
    private_key: &str,
    network: &NetworkId,
) -> Result<SignedObject> {
    let key = PrivateKey::from_base58(private_key).field("privateKey")?;
    match kind {
        Kind::Payment => sign_payment(input, &key, network).map(SignedObject::Payment),
        Kind::Delegation => sign_delegation(input, &key, network).map(SignedObject::Delegation),
        Kind::Message => sign_message(input, &key, network).map(SignedObject::Message),
        Kind::Fields => sign_fields(input, &key).map(SignedObject::Fields),
    }
}

/// Verifies a signed object of the given kind; `false` for anything malformed.
pub fn verify(kind: Kind, signed: &Value, network: &NetworkId) -> bool {
    check(kind, signed, network).unwrap_or(false)
}

/// Like [`verify`], but says why a malformed object cannot be verified.
pub fn check(kind: Kind, signed: &Value, network: &NetworkId) -> Result<bool> {
    let object = as_object(signed)?;
    let public_key = public_key_at(object, "publicKey")?;
    let data = get(object, "data")?;
    let signature = get(object, "signature")?;
    match kind {
        Kind::Payment | Kind::Delegation => {
            let (command, _) = command_from_json(kind, data).field("data")?;
            let signature = signature_from_json(signature).field("signature")?;
            Ok(command.verify(&signature, &public_key, network))
        }
        Kind::Message => {
            let message = string_at(object, "data")?;
            let signature = signature_from_json(signature).field("signature")?;
            Ok(signature::verify_legacy(
                &crate::command::message_input(message),
                &signature,
                &public_key,
                network,
            ))
        }
        Kind::Fields => {
            let fields = fields_from_json(data).field("data")?;
            let text = signature
                .as_str()
                .ok_or_else(|| type_error("a base58 string", signature))
                .field("signature")?;
            let signature = Signature::from_base58(text).field("signature")?;
            Ok(signature::verify_fields(
                &fields,
                &signature,
                &public_key,
                &NetworkId::Testnet,
            ))
        }
    }
}

/// The `5J…` transaction hash of a signed payment or delegation (`hashPayment` /
/// `hashStakeDelegation`; `Berkeley` = `{ berkeley: true }`).
pub fn hash(kind: Kind, signed: &Value, version: HashVersion) -> Result<String> {
    let object = as_object(signed)?;
    let (command, _) = match kind {
        Kind::Payment | Kind::Delegation => {
            command_from_json(kind, get(object, "data")?).field("data")?
        }
        other => return Err(Error::Kind(format!("{other:?}").to_lowercase())),
    };
    let signature = match version {
        HashVersion::V1 => signature_from_json(get(object, "signature")?).field("signature")?,
        HashVersion::Berkeley => Signature {
            r: Field::from(1u8),
            s: 1u8.into(),
        },
    };
    Ok(transaction_hash(&command, &signature, version))
}

fn sign_payment(
    input: &Value,
    key: &PrivateKey,
    network: &NetworkId,
) -> Result<Signed<PaymentData>> {
    let (command, data) = command_from_json(Kind::Payment, input)?;
    let signature = command.sign(key, network)?;
    let amount = match get(as_object(input)?, "amount")? {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    Ok(Signed {
        signature: SignatureJson::from(&signature),
        public_key: data.from.clone(),
        data: PaymentData {
            to: data.to,
            from: data.from,
            fee: data.fee,
            amount,
            nonce: data.nonce,
            memo: data.memo,
            valid_until: data.valid_until,
        },
    })
}

fn sign_delegation(
    input: &Value,
    key: &PrivateKey,
    network: &NetworkId,
) -> Result<Signed<DelegationData>> {
    let (command, data) = command_from_json(Kind::Delegation, input)?;
    let signature = command.sign(key, network)?;
    Ok(Signed {
        signature: SignatureJson::from(&signature),
        public_key: data.from.clone(),
        data,
    })
}

fn sign_message(input: &Value, key: &PrivateKey, network: &NetworkId) -> Result<Signed<String>> {
    let message = input
        .as_str()
        .ok_or_else(|| type_error("a string", input))
        .field("input")?;
    let signature = signature::sign_legacy(&crate::command::message_input(message), key, network)?;
    Ok(Signed {
        signature: SignatureJson::from(&signature),
        public_key: key.public_key().to_base58(),
        data: message.to_owned(),
    })
}

fn sign_fields(input: &Value, key: &PrivateKey) -> Result<Signed<Vec<String>, String>> {
    let fields = fields_from_json(input).field("input")?;
    // mina-signer signs fields for devnet whatever the client's network
    let signature = signature::sign_fields(&fields, key, &NetworkId::Testnet)?;
    Ok(Signed {
        signature: signature.to_base58(),
        public_key: key.public_key().to_base58(),
        data: fields.iter().map(|x| x.into_bigint().to_string()).collect(),
    })
}

/// Reads a payment or delegation (`{to, from, fee, nonce, memo?, validUntil?, amount}`),
/// returning the command and the normalized data mina-signer echoes back.
pub fn command_from_json(kind: Kind, input: &Value) -> Result<(Command, DelegationData)> {
    let object = as_object(input)?;
    let to = public_key_at(object, "to")?;
    let from = public_key_at(object, "from")?;
    let fee = uint_from_json(get(object, "fee")?, u64::MAX).field("fee")?;
    let nonce = uint_from_json(get(object, "nonce")?, u32::MAX.into()).field("nonce")?;
    let valid_until = match object.get("validUntil") {
        None | Some(Value::Null) => u64::from(DEFAULT_VALID_UNTIL),
        Some(value) => uint_from_json(value, u32::MAX.into()).field("validUntil")?,
    };
    let (memo_text, memo_echo) = match object.get("memo") {
        None => (String::new(), Some(String::new())),
        Some(Value::Null) => ("null".to_owned(), None),
        Some(Value::String(text)) => (text.clone(), Some(text.clone())),
        Some(other) => return Err(type_error("a string", other).in_field("memo")),
    };
    let memo = Memo::new(&memo_text).field("memo")?;
    let common = Common {
        from,
        fee,
        nonce: nonce as u32,
        valid_until: valid_until as u32,
        memo,
    };
    let command = match kind {
        Kind::Payment => {
            let amount_value = get(object, "amount")?;
            if amount_value
                .as_str()
                .is_some_and(|text| text.trim().is_empty())
            {
                return Err(Error::NotAnInteger(String::new()).in_field("amount"));
            }
            let amount = uint_from_json(amount_value, u64::MAX).field("amount")?;
            Command::payment(common, to, amount)
        }
        _ => Command::delegation(common, to),
    };
    // a key that decodes is in its one base58check form (the encoding is a bijection): echo the
    // text instead of encoding the key again
    let data = DelegationData {
        to: string_at(object, "to")?.to_owned(),
        from: string_at(object, "from")?.to_owned(),
        fee: fee.to_string(),
        nonce: nonce.to_string(),
        memo: memo_echo,
        valid_until: valid_until.to_string(),
    };
    Ok((command, data))
}

/// Reads a legacy signature `{field, scalar}`.
pub fn signature_from_json(value: &Value) -> Result<Signature> {
    let object = as_object(value)?;
    let element = |name: &str| -> Result<String> {
        match get(object, name)? {
            Value::String(text) => Ok(text.clone()),
            Value::Number(n) => Ok(n.to_string()),
            other => Err(type_error("a decimal string", other).in_field(name)),
        }
    };
    Signature::from_decimal(&element("field")?, &element("scalar")?)
}

/// Reads an array of field elements (decimal strings or numbers); elements ≥ p are refused.
pub fn fields_from_json(value: &Value) -> Result<Vec<Field>> {
    let items = value
        .as_array()
        .ok_or_else(|| type_error("an array of field elements", value))?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let limbs = u256_from_json(item).map_err(|e| match e {
                Error::Overflow { .. } => Error::FieldRange,
                other => other,
            });
            limbs
                .and_then(|l| Field::from_bigint(ark_ff::BigInt(l)).ok_or(Error::FieldRange))
                .map_err(|e| e.in_field(format!("[{i}]")))
        })
        .collect()
}

fn as_object(value: &Value) -> Result<&Map<String, Value>> {
    value
        .as_object()
        .ok_or_else(|| type_error("an object", value))
}

fn get<'a>(object: &'a Map<String, Value>, name: &str) -> Result<&'a Value> {
    object
        .get(name)
        .ok_or_else(|| Error::Missing.in_field(name))
}

fn string_at<'a>(object: &'a Map<String, Value>, name: &str) -> Result<&'a str> {
    let value = get(object, name)?;
    value
        .as_str()
        .ok_or_else(|| type_error("a string", value).in_field(name))
}

fn public_key_at(object: &Map<String, Value>, name: &str) -> Result<PublicKey> {
    PublicKey::from_base58(string_at(object, name)?).field(name)
}

fn type_error(expected: &'static str, found: &Value) -> Error {
    Error::JsonType {
        expected,
        found: json_type(found),
    }
}
