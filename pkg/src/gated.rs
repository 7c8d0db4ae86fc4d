//! The caller's side of gated and paid calls, for JavaScript: from the relay's quote, the call
//! to send to `POST /v1/calls`, built by `webfn_protocol::prepare_call` (it checks the quoted
//! HPKE key's signature, seals the secrets to the quoted provider, signs the Mina payment to
//! it with the job id as memo, and proves membership bound to this very call); and a
//! provider's signed HPKE key, for providers written in JavaScript.
//!
//! Inputs have the JSON shapes of `docs/protocol.md` (the quote as the relay answers it), and
//! every refusal is an `Error` whose `code` is the protocol's stable error code (its message
//! starts with the code too): `bad_request` for a malformed input, and the codes of
//! `prepare_call` (`bad_signature`, `payment_required`, `unauthorized`).

use js_sys::{Reflect, Uint8Array};
use rand_core::OsRng;
use serde::de::DeserializeOwned;
use serde_json::Value;
use wasm_bindgen::prelude::*;
use webfn_circuits::{Fr, Identity};
use webfn_mina::PrivateKey;
use webfn_protocol::{
    ErrorCode, GateError, HpkeKeyPair, HttpRequest, Member, Payer, Quote, Secrets,
};

use crate::js::{to_js, to_json};
use crate::zk::{ZkProvingKey, property, read_field, read_group};

/// The JavaScript `Error` of a refusal: message `code: what is wrong`, and the property
/// `code`.
fn gate_error(error: GateError) -> JsValue {
    let js = js_sys::Error::new(&error.to_string());
    // setting a property on a fresh Error cannot fail
    let _ = Reflect::set(&js, &"code".into(), &error.code.as_str().into());
    js.into()
}

fn bad_request(message: impl Into<String>) -> GateError {
    GateError::new(ErrorCode::BadRequest, message)
}

/// `prepareCall(quote, request, options)` for a call without `options.member`; the package's
/// entry points call [`ZkProvingKey::prepare_call`] instead when `options.member.provingKey`
/// is a loaded key (an exported class cannot be borrowed out of a plain object, and taking
/// it would free the caller's cached key).
#[wasm_bindgen(js_name = gatedPrepareCall, unchecked_return_type = "GatedCall")]
pub fn prepare_call(
    #[wasm_bindgen(unchecked_param_type = "Quote")] quote: JsValue,
    #[wasm_bindgen(unchecked_param_type = "CallRequest")] request: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "PrepareCallOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    build(&quote, &request, &options, None).map_err(gate_error)
}

#[wasm_bindgen(js_class = ZkProvingKey)]
impl ZkProvingKey {
    /// `prepareCall(quote, request, options)`, proving membership (`options.member`) with this
    /// key; `options.member.provingKey` is not read.
    #[wasm_bindgen(js_name = prepareCall, unchecked_return_type = "GatedCall")]
    pub fn prepare_call(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Quote")] quote: JsValue,
        #[wasm_bindgen(unchecked_param_type = "CallRequest")] request: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "PrepareCallOptions")] options: JsValue,
    ) -> Result<JsValue, JsValue> {
        build(&quote, &request, &options, Some(self)).map_err(gate_error)
    }
}

fn build(
    quote: &JsValue,
    request: &JsValue,
    options: &JsValue,
    proving_key: Option<&ZkProvingKey>,
) -> Result<JsValue, GateError> {
    let quote: Quote = from_js(quote, "quote")?;
    let request = http_request(request)?;
    let secrets = secrets(&property(options, "secrets"))?;
    let payer = payer(&property(options, "payer"))?;
    let member = member(&property(options, "member"), proving_key)?;
    let payer = payer.as_ref().map(|p| Payer {
        key: &p.key,
        fee: p.fee,
        nonce: p.nonce,
        amount: p.amount,
    });
    let member = member.as_ref().map(|m| Member {
        identity: &m.identity,
        group: &m.group,
        proving_key: m.proving_key.key(),
        slot: m.slot,
    });
    let call = webfn_protocol::prepare_call(
        &quote,
        request,
        &secrets,
        payer.as_ref(),
        member.as_ref(),
        &mut OsRng,
    )?;
    to_js(&call).map_err(|_| GateError::new(ErrorCode::Internal, "cannot write the call"))
}

/// A provider's HPKE public key for sealed secrets with its signature vouching for it,
/// `{public_key, signature: {field, scalar}}`, as the relay quotes it: the key pair derived
/// from the provider's Mina private key (`docs/protocol.md`, Sealed secrets).
#[wasm_bindgen(js_name = hpkeAnnounce, unchecked_return_type = "HpkeKey")]
pub fn hpke_announce(
    #[wasm_bindgen(js_name = privateKey, unchecked_param_type = "PrivateKey")] private_key: JsValue,
) -> Result<JsValue, JsValue> {
    let key = private_key_arg(&private_key, "privateKey").map_err(gate_error)?;
    let announced = HpkeKeyPair::derive(&key)
        .announce(&key)
        .map_err(|e| gate_error(e.into()))?;
    to_js(&announced).map_err(JsValue::from)
}

/// Reads a typed JSON value (unknown fields refused, as the relay does).
fn from_js<T: DeserializeOwned>(value: &JsValue, what: &str) -> Result<T, GateError> {
    let json = to_json(value).map_err(|e| bad_request(format!("{what}: {e}")))?;
    serde_json::from_value(json).map_err(|e| bad_request(format!("{what}: {e}")))
}

/// `{method, path, headers?: [[name, value], …], body?: Uint8Array | string}`; header names
/// are lowercased, a text body is its UTF-8 bytes.
fn http_request(request: &JsValue) -> Result<HttpRequest, GateError> {
    if !request.is_object() {
        return Err(bad_request(
            "request: expected {method, path, headers?, body?}",
        ));
    }
    let text = |name: &str| {
        property(request, name)
            .as_string()
            .ok_or_else(|| bad_request(format!("request.{name}: expected a string")))
    };
    let method = text("method")?;
    let path = text("path")?;
    let headers = match to_json(&property(request, "headers")) {
        Ok(Value::Null) => Vec::new(),
        Ok(Value::Array(pairs)) => pairs
            .into_iter()
            .enumerate()
            .map(|(i, pair)| match pair {
                Value::Array(pair) => match <[Value; 2]>::try_from(pair) {
                    Ok([Value::String(name), Value::String(value)]) => {
                        Ok((name.to_ascii_lowercase(), value))
                    }
                    _ => Err(i),
                },
                _ => Err(i),
            })
            .collect::<Result<_, _>>()
            .map_err(|i| {
                bad_request(format!(
                    "request.headers[{i}]: expected a [name, value] pair of strings"
                ))
            })?,
        _ => {
            return Err(bad_request(
                "request.headers: expected an array of [name, value] pairs",
            ));
        }
    };
    let body = property(request, "body");
    let body = if body.is_undefined() || body.is_null() {
        Vec::new()
    } else if let Some(text) = body.as_string() {
        text.into_bytes()
    } else if let Some(bytes) = body.dyn_ref::<Uint8Array>() {
        bytes.to_vec()
    } else {
        return Err(bad_request(
            "request.body: expected a Uint8Array or a string",
        ));
    };
    let request = HttpRequest {
        method,
        path,
        headers,
        body,
    };
    request.validate()?;
    Ok(request)
}

/// `{name: value, …}`, all strings.
fn secrets(value: &JsValue) -> Result<Secrets, GateError> {
    let refuse = || bad_request("secrets: expected an object of names to string values");
    match to_json(value) {
        Ok(Value::Null) => Ok(Secrets::new()),
        Ok(Value::Object(map)) => map
            .into_iter()
            .map(|(name, value)| match value {
                Value::String(value) => Ok((name, value)),
                _ => Err(bad_request(format!("secrets.{name}: expected a string"))),
            })
            .collect(),
        _ => Err(refuse()),
    }
}

/// What `options.payer` holds.
struct PayerArgs {
    key: PrivateKey,
    fee: u64,
    nonce: u32,
    amount: Option<u64>,
}

fn payer(value: &JsValue) -> Result<Option<PayerArgs>, GateError> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    if !value.is_object() {
        return Err(bad_request(
            "payer: expected {privateKey, fee, nonce, amount?}",
        ));
    }
    let amount = property(value, "amount");
    Ok(Some(PayerArgs {
        key: private_key_arg(&property(value, "privateKey"), "payer.privateKey")?,
        fee: uint(&property(value, "fee"), "payer.fee")?,
        nonce: uint(&property(value, "nonce"), "payer.nonce")?,
        amount: if amount.is_undefined() || amount.is_null() {
            None
        } else {
            Some(uint(&amount, "payer.amount")?)
        },
    }))
}

/// What `options.member` holds.
struct MemberArgs<'a> {
    identity: Identity,
    group: Vec<Fr>,
    proving_key: &'a ZkProvingKey,
    slot: u32,
}

fn member<'a>(
    value: &JsValue,
    proving_key: Option<&'a ZkProvingKey>,
) -> Result<Option<MemberArgs<'a>>, GateError> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    if !value.is_object() {
        return Err(bad_request(
            "member: expected {secret, group, provingKey, slot}",
        ));
    }
    let secret = read_field(&property(value, "secret"), "member.secret").map_err(bad_request)?;
    Ok(Some(MemberArgs {
        identity: Identity::from_secret(secret),
        group: read_group(&property(value, "group"), "member.group").map_err(bad_request)?,
        proving_key: proving_key.ok_or_else(|| {
            bad_request(
                "member.provingKey: expected a ZkProvingKey (ZkProvingKey.load(bytes, digest))",
            )
        })?,
        slot: uint(&property(value, "slot"), "member.slot")?,
    }))
}

fn private_key_arg(value: &JsValue, what: &str) -> Result<PrivateKey, GateError> {
    let text = value
        .as_string()
        .ok_or_else(|| bad_request(format!("{what}: expected a base58 private key (EK…)")))?;
    PrivateKey::from_base58(&text).map_err(|e| bad_request(format!("{what}: {e}")))
}

/// An unsigned integer given as a safe integer, a bigint or its decimal text.
fn uint<T: TryFrom<u64>>(value: &JsValue, what: &str) -> Result<T, GateError> {
    let refuse = |problem: &str| bad_request(format!("{what}: {problem}"));
    let number = match to_json(value) {
        Ok(Value::Number(number)) => number
            .as_u64()
            .ok_or_else(|| refuse("expected a non-negative integer"))?,
        Ok(Value::String(text)) if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => {
            text.parse()
                .map_err(|_| refuse(&format!("{text} exceeds {}", u64::MAX)))?
        }
        Ok(Value::Null) => return Err(refuse("missing")),
        _ => {
            return Err(refuse(
                "expected a non-negative integer (number, bigint or decimal text)",
            ));
        }
    };
    T::try_from(number).map_err(|_| refuse(&format!("{number} is too large")))
}
