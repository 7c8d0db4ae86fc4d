//! Gated and paid calls: the quote a caller asks for, the call it then sends (credential
//! proof, Mina payment, sealed secrets), the ticket a provider re-checks, and the bindings
//! that tie them together.
//!
//! - `scope = F("webfn scope v1\n{function}\n{epoch}\n{slot}")`: the nullifier
//!   `Poseidon(scope, s)` is then unique per member, function, epoch and quota slot, so a
//!   member makes at most `quota` calls per epoch and nobody learns which member made them.
//! - `message = F("webfn message v1\n{job_id}\n{input digest}\n{payment digest}")`: the proof
//!   is bound to one job, its input (request and sealed secrets) and its payment.
//! - the input digest is SHA-256 of `"webfn input v1\n"` and the JSON of
//!   `{"request", "sealed"}`; the payment digest is SHA-256 of `"webfn payment v1\n"` and the
//!   JSON of the signed payment, or of `"webfn payment v1\nnone"` without one.
//!
//! `F(text)` is SHA-256 of the text read as a big-endian integer, reduced modulo BLS12-381's
//! scalar field. JSON is what `serde_json` writes for these typed values (fields in
//! declaration order, no spaces), so every side computes the same bytes.

use ark_ff::PrimeField;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use webfn_circuits::{CredentialProof, Fr};
use webfn_mina::NetworkId;
use webfn_mina::client::{self, Kind, PaymentData, Signed};

use crate::{
    AccessPolicy, ErrorBody, ErrorCode, FunctionName, HpkeKey, HttpRequest, JobId, ProtocolError,
    SealedSecrets,
};

/// A Mina payment signed by the caller, in mina-signer's shape
/// (`{signature: {field, scalar}, publicKey, data: {to, from, fee, amount, nonce, memo, validUntil}}`).
pub type SignedPayment = Signed<PaymentData>;

/// Epoch length of a group policy when the manifest names none: one day.
pub const DEFAULT_EPOCH_SECS: u64 = 86_400;
/// Shortest epoch a group policy may have, seconds.
pub const MIN_EPOCH_SECS: u64 = 60;
/// Longest epoch a group policy may have, seconds (a year).
pub const MAX_EPOCH_SECS: u64 = 366 * 86_400;
/// Largest quota of calls per member and epoch.
pub const MAX_QUOTA: u32 = 1_000_000;

/// `POST /v1/quotes`: ask for a quote to call `function`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuoteRequest {
    /// The function to call.
    pub function: FunctionName,
}

/// A quote: the job a gated or paid call will be, the provider chosen to run it, and what
/// the call must carry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quote {
    /// The job; it names the payment (memo) and binds the proof (message).
    pub job_id: JobId,
    /// The function.
    pub function: FunctionName,
    /// The chosen provider's Mina public key: its identity and the payment's receiver.
    pub provider: String,
    /// The provider's HPKE public key for sealed secrets, signed by `provider`.
    pub hpke: HpkeKey,
    /// Nanomina the payment must carry at least (0: no payment needed).
    pub price: u64,
    /// The Mina network id the payment is signed for (`mainnet`, `testnet`, …).
    pub network: String,
    /// Unix seconds after which the quote cannot be used.
    pub expires_at: u64,
    /// The function's access policy.
    pub access: AccessPolicy,
    /// For a group policy: the epoch the credential's scope must name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epoch: Option<u64>,
}

/// A credential proof for one call, with the epoch and quota slot its scope names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credential {
    /// The epoch (`⌊time / epoch_secs⌋`, as quoted).
    pub epoch: u64,
    /// The quota slot, below the policy's quota.
    pub slot: u32,
    /// The Groth16 proof and its public inputs.
    pub proof: CredentialProof,
}

/// `POST /v1/calls`: a quoted call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatedCall {
    /// The quote's job id.
    pub job_id: JobId,
    /// The function (as quoted).
    pub function: FunctionName,
    /// The request.
    pub request: HttpRequest,
    /// Secrets sealed to the quoted provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed: Option<SealedSecrets>,
    /// The payment to the quoted provider (paid functions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<SignedPayment>,
    /// The credential proof (gated functions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<Credential>,
}

impl GatedCall {
    /// The field element the credential's `message` must equal for this call.
    pub fn message(&self) -> Result<Fr, ProtocolError> {
        let input = input_digest(&self.request, self.sealed.as_ref())?;
        let payment = payment_digest(self.payment.as_ref())?;
        Ok(call_message(&self.job_id, &input, &payment))
    }
}

/// What a provider receives with a gated or paid job, to re-check before it runs anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ticket {
    /// The Mina network id of the payment.
    pub network: String,
    /// The quoted price, nanomina.
    pub price: u64,
    /// The group policy's quota, for a gated function.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota: Option<u32>,
    /// The epoch the credential must name, for a gated function.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epoch: Option<u64>,
    /// Sealed secrets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed: Option<SealedSecrets>,
    /// The payment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<SignedPayment>,
    /// The credential proof.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<Credential>,
}

/// A refused gated or paid call: a stable code and a clear message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct GateError {
    /// The stable code.
    pub code: ErrorCode,
    /// What is wrong.
    pub message: String,
}

impl GateError {
    /// A refusal.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> GateError {
        GateError {
            code,
            message: message.into(),
        }
    }

    /// The wire error object.
    pub fn to_body(&self) -> ErrorBody {
        ErrorBody::new(self.code, self.message.clone())
    }
}

impl From<ProtocolError> for GateError {
    fn from(error: ProtocolError) -> GateError {
        GateError::new(error.code(), error.to_string())
    }
}

fn to_field(text: &[u8]) -> Fr {
    Fr::from_be_bytes_mod_order(&Sha256::digest(text))
}

/// The scope a credential for `function`, `epoch` and quota `slot` names.
pub fn call_scope(function: &FunctionName, epoch: u64, slot: u32) -> Fr {
    to_field(format!("webfn scope v1\n{function}\n{epoch}\n{slot}").as_bytes())
}

/// The message a credential for job `job` with these digests names.
pub fn call_message(job: &JobId, input: &[u8; 32], payment: &[u8; 32]) -> Fr {
    let text = format!(
        "webfn message v1\n{job}\n{}\n{}",
        hex::encode(input),
        hex::encode(payment)
    );
    to_field(text.as_bytes())
}

/// SHA-256 of the call's input: its request and sealed secrets.
pub fn input_digest(
    request: &HttpRequest,
    sealed: Option<&SealedSecrets>,
) -> Result<[u8; 32], ProtocolError> {
    #[derive(Serialize)]
    struct Input<'a> {
        request: &'a HttpRequest,
        sealed: Option<&'a SealedSecrets>,
    }
    let json = serde_json::to_vec(&Input { request, sealed })
        .map_err(|e| ProtocolError::Malformed(e.to_string()))?;
    let mut hash = Sha256::new();
    hash.update(b"webfn input v1\n");
    hash.update(&json);
    Ok(hash.finalize().into())
}

/// SHA-256 of the call's payment (or of its absence).
pub fn payment_digest(payment: Option<&SignedPayment>) -> Result<[u8; 32], ProtocolError> {
    let mut hash = Sha256::new();
    hash.update(b"webfn payment v1\n");
    match payment {
        Some(payment) => hash.update(
            serde_json::to_vec(payment).map_err(|e| ProtocolError::Malformed(e.to_string()))?,
        ),
        None => hash.update(b"none"),
    }
    Ok(hash.finalize().into())
}

/// The epoch `now` falls in for epochs of `epoch_secs` seconds.
pub fn epoch_at(now: u64, epoch_secs: u64) -> u64 {
    now / epoch_secs.max(1)
}

/// A payment that passed [`check_payment`], with the facts the ledger keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedPayment {
    /// Mina's transaction hash of the payment (post-Berkeley form, `5J…`): its id.
    pub hash: String,
    /// The payer (`from`).
    pub payer: String,
    /// The receiver (`to`).
    pub receiver: String,
    /// Amount, nanomina.
    pub amount: u64,
    /// Fee, nanomina.
    pub fee: u64,
    /// The payer's account nonce.
    pub nonce: u32,
}

/// What a payment must satisfy.
#[derive(Debug, Clone, Copy)]
pub struct PaymentTerms<'a> {
    /// The quoted provider (`B62…`).
    pub receiver: &'a str,
    /// The quoted price, nanomina.
    pub price: u64,
    /// The job its memo must name.
    pub job: &'a JobId,
    /// The network it must be signed for.
    pub network: &'a NetworkId,
}

/// Checks a call's payment: present when the price is above zero; a valid signature by its
/// `from` on `network`; `to` the quoted provider; `amount` at least the price; memo the job
/// id; amount plus fee within a u64.
pub fn check_payment(
    payment: Option<&SignedPayment>,
    terms: PaymentTerms<'_>,
) -> Result<Option<CheckedPayment>, GateError> {
    let refuse = |message: String| GateError::new(ErrorCode::PaymentRequired, message);
    let Some(payment) = payment else {
        return if terms.price == 0 {
            Ok(None)
        } else {
            Err(refuse(format!(
                "this call costs {} nanomina: it needs a payment to {}",
                terms.price, terms.receiver
            )))
        };
    };
    let value = serde_json::to_value(payment).map_err(|e| refuse(e.to_string()))?;
    match client::check(Kind::Payment, &value, terms.network) {
        Ok(true) => {}
        Ok(false) => {
            return Err(refuse(format!(
                "the payment's signature does not verify for {} on network {}",
                payment.public_key, terms.network
            )));
        }
        Err(e) => return Err(refuse(format!("the payment is malformed: {e}"))),
    }
    let data = value.get("data").cloned().unwrap_or_default();
    let (command, normalized) =
        client::command_from_json(Kind::Payment, &data).map_err(|e| refuse(e.to_string()))?;
    if normalized.to != terms.receiver {
        return Err(refuse(format!(
            "the payment goes to {}, not to the quoted provider {}",
            normalized.to, terms.receiver
        )));
    }
    if normalized.from != payment.public_key {
        return Err(refuse("the payment is not signed by its payer".into()));
    }
    let amount = command.amount();
    if amount < terms.price {
        return Err(refuse(format!(
            "the payment of {amount} nanomina is below the price of {} nanomina",
            terms.price
        )));
    }
    if command.total_cost().is_none() {
        return Err(refuse("amount plus fee overflows".into()));
    }
    if normalized.memo.as_deref() != Some(terms.job.as_str()) {
        return Err(refuse(format!(
            "the payment's memo must be the job id {}",
            terms.job
        )));
    }
    let hash = client::hash(Kind::Payment, &value, webfn_mina::HashVersion::Berkeley)
        .map_err(|e| refuse(e.to_string()))?;
    Ok(Some(CheckedPayment {
        hash,
        payer: normalized.from,
        receiver: normalized.to,
        amount,
        fee: command.common.fee,
        nonce: command.common.nonce,
    }))
}

/// What a credential must name.
#[derive(Debug, Clone, Copy)]
pub struct CredentialTerms {
    /// The group policy's quota.
    pub quota: u32,
    /// The quoted epoch.
    pub epoch: u64,
}

/// Checks that a gated call's credential names this call: the quoted epoch, a slot below the
/// quota, the scope of function, epoch and slot, and the call's message. The proof itself
/// (and the root) are checked by the caller of this function.
pub fn check_credential(
    call: &GatedCall,
    terms: CredentialTerms,
) -> Result<&Credential, GateError> {
    let refuse = |message: String| GateError::new(ErrorCode::BadProof, message);
    let Some(credential) = call.credential.as_ref() else {
        return Err(GateError::new(
            ErrorCode::Unauthorized,
            format!(
                "{} is gated: the call needs a credential proof of membership",
                call.function
            ),
        ));
    };
    if credential.epoch != terms.epoch {
        return Err(refuse(format!(
            "the credential is for epoch {}, the quote for epoch {}",
            credential.epoch, terms.epoch
        )));
    }
    if credential.slot >= terms.quota {
        return Err(refuse(format!(
            "quota slot {} is not below the quota of {} calls per epoch",
            credential.slot, terms.quota
        )));
    }
    let inputs = &credential.proof.public_inputs;
    if inputs.scope != call_scope(&call.function, credential.epoch, credential.slot) {
        return Err(refuse(format!(
            "the proof's scope is not {}'s for epoch {} slot {}",
            call.function, credential.epoch, credential.slot
        )));
    }
    if inputs.message != call.message()? {
        return Err(refuse(
            "the proof's message does not match this call (job, request, secrets or payment differ)"
                .into(),
        ));
    }
    Ok(credential)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_differ_by_function_epoch_and_slot() -> Result<(), ProtocolError> {
        let hello: FunctionName = "hello".parse()?;
        let other: FunctionName = "other".parse()?;
        let base = call_scope(&hello, 7, 0);
        assert_eq!(base, call_scope(&hello, 7, 0));
        assert_ne!(base, call_scope(&other, 7, 0));
        assert_ne!(base, call_scope(&hello, 8, 0));
        assert_ne!(base, call_scope(&hello, 7, 1));
        // "1\n23" and "12\n3" must not collide: the separators are part of the text
        assert_ne!(call_scope(&hello, 1, 23), call_scope(&hello, 12, 3));
        Ok(())
    }

    #[test]
    fn the_message_binds_job_input_and_payment() -> Result<(), ProtocolError> {
        let job = JobId::try_from("job".to_owned())?;
        let request = HttpRequest {
            method: "GET".into(),
            path: "/".into(),
            headers: vec![],
            body: vec![],
        };
        let input = input_digest(&request, None)?;
        let none = payment_digest(None)?;
        let base = call_message(&job, &input, &none);
        let mut changed = request.clone();
        changed.body = b"x".to_vec();
        assert_ne!(
            base,
            call_message(&job, &input_digest(&changed, None)?, &none)
        );
        let other_job = JobId::try_from("job2".to_owned())?;
        assert_ne!(base, call_message(&other_job, &input, &none));
        assert_ne!(base, call_message(&job, &input, &[0u8; 32]));
        Ok(())
    }
}
