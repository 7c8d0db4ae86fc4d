//! Gated and paid calls: `POST /v1/quotes` picks the provider and issues a job id;
//! `POST /v1/calls` checks everything the call carries, admits it atomically (quote used,
//! nullifier spent, payment `signed`, job running), sends it to the quoted provider only, and
//! settles it: `executed`, or — when it failed before execution — payment `failed` and the
//! nullifier released.
//!
//! Checks, all before anything is written: quote known, unused, unexpired and for this
//! function; for a gated function the credential (quoted epoch, slot below the quota, scope,
//! message bound to job, input and payment); the payment (signature on the relay's Mina
//! network, receiver the quoted provider, amount at least the price, memo the job id, amounts
//! within range); the credential's root in the group's window and its nullifier unspent; the
//! payment not used before; the Groth16 proof. The proof, the one expensive check, is verified
//! on a blocking thread from the moment the call is parsed, alongside the others (its verdict
//! comes last); the three database reads of the last checks run at once.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use webfn_circuits::to_decimal;
use webfn_mina::NetworkId;
use webfn_protocol::{
    AccessPolicy, CheckedPayment, CredentialTerms, ErrorCode, GatedCall, HttpResponse, Job,
    MAX_SECRETS_BYTES, PaymentTerms, Quote, QuoteRequest, Ticket, check_credential, check_payment,
    epoch_at,
};

use super::calls::{self, GRACE};
use super::{AppError, AppState, api, now};
use crate::proof_check::ProofCheck;
use crate::store::{Admission, FunctionRecord, QuoteRecord};
use crate::zk_keys::ZkKeys;

/// How long a quote is valid by default, seconds.
pub const DEFAULT_QUOTE_TTL_SECS: u64 = 120;

/// Settings of gated and paid calls, each with a default.
#[derive(Debug, Clone)]
pub struct GateConfig {
    /// The verifying key of credential proofs; without it gated functions cannot be called.
    pub zk: Option<Arc<ZkKeys>>,
    /// The Mina network payments must be signed for (default `testnet`).
    pub network: NetworkId,
    /// How long a quote is valid, seconds (default 120).
    pub quote_ttl_secs: u64,
    /// How many recent roots of a group a proof may be made against (default 32).
    pub root_window: usize,
    /// Proof verifications at once (default: the machine's cores); more calls wait their
    /// turn, so strangers' proofs cannot take every thread.
    pub verifications: Arc<tokio::sync::Semaphore>,
}

impl Default for GateConfig {
    fn default() -> GateConfig {
        GateConfig {
            zk: None,
            network: NetworkId::Testnet,
            quote_ttl_secs: DEFAULT_QUOTE_TTL_SECS,
            root_window: webfn_circuits::DEFAULT_ROOT_HISTORY,
            verifications: Arc::new(tokio::sync::Semaphore::new(default_verifications())),
        }
    }
}

/// One verification per core.
pub fn default_verifications() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

/// `POST /v1/quotes`.
pub(super) async fn quote(
    State(state): State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Quote>, AppError> {
    let bytes = api::body(body, state.limits.json_bytes)?;
    let request: QuoteRequest = serde_json::from_slice(&bytes)
        .map_err(|e| AppError::new(ErrorCode::BadRequest, format!("invalid quote request: {e}")))?;
    let name = request.function;
    let manifest = function(&state, name.as_str()).await?.manifest;
    if !manifest.needs_quote() {
        return Err(AppError::new(
            ErrorCode::BadRequest,
            format!("{name} is open and free: call it at /fn/{name}/ without a quote"),
        ));
    }
    if manifest.access.is_gated() && state.gate.zk.is_none() {
        return Err(no_verifying_key());
    }
    let Some((provider, hpke)) = state.dispatcher.quote(manifest.price) else {
        return Err(AppError::new(
            ErrorCode::NoProvider,
            format!(
                "no provider with room, an HPKE key and a price of at most {} nanomina can take this call now",
                manifest.price
            ),
        ));
    };
    let now = now();
    let epoch = match &manifest.access {
        AccessPolicy::Group { epoch_secs, .. } => Some(epoch_at(now, *epoch_secs)),
        AccessPolicy::Open => None,
    };
    let quote = Quote {
        job_id: calls::new_job_id(),
        function: name,
        provider,
        hpke,
        price: manifest.price,
        network: state.gate.network.to_string(),
        expires_at: now.saturating_add(state.gate.quote_ttl_secs),
        access: manifest.access,
        epoch,
    };
    state
        .store
        .put_quote(
            &QuoteRecord {
                job_id: quote.job_id.to_string(),
                function: quote.function.to_string(),
                provider: quote.provider.clone(),
                price: quote.price,
                epoch,
                expires_at: quote.expires_at,
                used: false,
            },
            now,
        )
        .await?;
    Ok(Json(quote))
}

/// `POST /v1/calls`: answers the function's response as `{status, headers, body}` (body in
/// base64), or a typed error.
pub(super) async fn call(
    State(state): State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<HttpResponse>, AppError> {
    let started = Instant::now();
    let parsed = api::body(body, call_body_limit(&state)).and_then(|bytes| {
        serde_json::from_slice::<GatedCall>(&bytes)
            .map_err(|e| AppError::new(ErrorCode::BadRequest, format!("invalid call: {e}")))
    });
    match parsed {
        Ok(call) => run(&state, call).await.map(Json),
        Err(error) => Err(calls::refused(&state, started, error)),
    }
}

/// Runs a quoted call, from either door (`POST /v1/calls` or the caller WebSocket's `call`
/// frame): checks and admission, dispatch to the quoted provider, settlement, metrics and
/// journal.
pub async fn run(state: &AppState, call: GatedCall) -> Result<HttpResponse, AppError> {
    let started = Instant::now();
    let created_at = now();
    let admitted = match admit(state, call).await {
        Ok(admitted) => admitted,
        Err(error) => return Err(calls::refused(state, started, error)),
    };
    let Admitted {
        job,
        provider,
        paid,
        wall_ms,
    } = admitted;
    let job_id = job.job_id.to_string();
    let function = job.function.to_string();
    let deadline = Duration::from_millis(wall_ms).saturating_add(GRACE);
    let (sent, outcome) = state.dispatcher.dispatch_to(job, &provider);
    let delivered = async {
        if paid
            && sent
            && let Err(error) = state.store.payment_delivered(&job_id, now()).await
        {
            eprintln!("relay: marking the payment of job {job_id} delivered: {error}");
        }
    };
    let (outcome, ()) = tokio::join!(calls::await_outcome(outcome, deadline), delivered);
    let executed = match &outcome.result {
        Ok(_) => true,
        Err(error) => outcome.provider.is_some() && error.code.is_execution_failure(),
    };
    if let Err(error) = state.store.settle(&job_id, executed, now()).await {
        eprintln!("relay: settling job {job_id}: {error}");
    }
    calls::record(state, job_id, function, started, created_at, outcome)
}

/// A call that passed every check and was recorded.
struct Admitted {
    job: Job,
    provider: String,
    paid: bool,
    wall_ms: u64,
}

fn no_verifying_key() -> AppError {
    AppError::new(
        ErrorCode::Unavailable,
        "this relay has no verifying key for credential proofs (webfn relay --zk-keys DIR)",
    )
}

async fn function(state: &AppState, name: &str) -> Result<FunctionRecord, AppError> {
    state
        .store
        .function(name)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::UnknownFunction, format!("no function {name:?}")))
}

/// Checks a call and records it; nothing is written unless every check passes.
async fn admit(state: &AppState, call: GatedCall) -> Result<Admitted, AppError> {
    call.request.validate()?;
    if call
        .sealed
        .as_ref()
        .is_some_and(|s| s.enc.len() > 64 || s.ciphertext.len() > MAX_SECRETS_BYTES * 2)
    {
        return Err(AppError::new(
            ErrorCode::TooLarge,
            "the sealed secrets exceed their limit",
        ));
    }
    // A proof is verified on a blocking thread while everything else is checked here (its
    // verdict is awaited before anything is written). It needs nothing but itself, so it starts
    // first; a call refused meanwhile only wastes its turn of `--max-verifications`.
    let proof_check = match (&call.credential, &state.gate.zk) {
        (Some(credential), Some(_)) => {
            Some(start_verification(state, credential.proof.clone()).await?)
        }
        _ => None,
    };
    let (quote, function) = tokio::join!(
        live_quote(state, &call),
        function(state, call.function.as_str())
    );
    let (quote, manifest) = (quote?, function?.manifest);
    let (nullifier, quota, group) = match &manifest.access {
        AccessPolicy::Open => (None, None, None),
        AccessPolicy::Group { group, quota, .. } => {
            let Some(epoch) = quote.epoch else {
                return Err(AppError::new(
                    ErrorCode::QuoteExpired,
                    "the function became gated after this quote; ask for a new quote",
                ));
            };
            let terms = CredentialTerms {
                quota: *quota,
                epoch,
            };
            let credential =
                check_credential(&call, terms).map_err(|e| AppError::new(e.code, e.message))?;
            if proof_check.is_none() {
                return Err(no_verifying_key());
            }
            let inputs = credential.proof.public_inputs;
            let nullifier = (to_decimal(&inputs.nullifier), to_decimal(&inputs.scope));
            (Some(nullifier), Some(*quota), Some((group, inputs.root)))
        }
    };
    let payment = check_payment(
        call.payment.as_ref(),
        PaymentTerms {
            receiver: &quote.provider,
            price: quote.price,
            job: &call.job_id,
            network: &state.gate.network,
        },
    )
    .map_err(|e| AppError::new(e.code, e.message))?;
    if let Some(payment) = &payment {
        check_amounts(payment)?;
    }
    // the three reads at once; their refusals in this order
    let (root_known, nullifier_spent, payment_known) = tokio::join!(
        async {
            match group {
                Some((group, root)) => {
                    let window = state.gate.root_window;
                    state.store.is_recent_root(group, &root, window).await
                }
                None => Ok(true),
            }
        },
        async {
            match &nullifier {
                Some((nullifier, _)) => state.store.nullifier_spent(nullifier).await,
                None => Ok(false),
            }
        },
        async {
            match &payment {
                Some(payment) => {
                    state
                        .store
                        .payment_known(payment, call.job_id.as_str())
                        .await
                }
                None => Ok(false),
            }
        },
    );
    if let Some((group, _)) = group
        && !root_known?
    {
        return Err(AppError::new(
            ErrorCode::UnknownRoot,
            format!(
                "the proof's root is not one of group {group}'s {} most recent roots",
                state.gate.root_window
            ),
        ));
    }
    if nullifier_spent? {
        return Err(AppError::new(
            ErrorCode::NullifierUsed,
            "this credential's nullifier was already used: the quota slot is spent",
        ));
    }
    if payment_known? {
        return Err(AppError::new(
            ErrorCode::PaymentUsed,
            "this payment (or another live one with the same account nonce) was already used",
        ));
    }
    if group.is_some()
        && let Some(verdict) = proof_check
    {
        verdict.verdict("").await.map_err(AppError::from)?;
    }
    let signed = call
        .payment
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
    state
        .store
        .admit(&Admission {
            job_id: call.job_id.as_str(),
            function: call.function.as_str(),
            provider: &quote.provider,
            nullifier,
            payment: payment.as_ref().zip(signed),
            now: now(),
        })
        .await?;
    let ticket = Ticket {
        network: state.gate.network.to_string(),
        price: quote.price,
        quota,
        epoch: quote.epoch,
        sealed: call.sealed,
        payment: call.payment,
        credential: call.credential,
    };
    Ok(Admitted {
        job: Job {
            job_id: call.job_id,
            function: manifest.name,
            digest: manifest.digest,
            limits: manifest.limits,
            outbound_hosts: manifest.outbound_hosts,
            request: call.request,
            ticket: Some(Box::new(ticket)),
        },
        provider: quote.provider,
        paid: payment.is_some(),
        wall_ms: manifest.limits.wall_ms,
    })
}

/// A call's body holds a request (its body in base64), a proof, a payment and sealed
/// secrets: the gateway's body limit, in base64, plus room for the rest.
fn call_body_limit(state: &AppState) -> usize {
    state
        .limits
        .gateway_body_bytes
        .saturating_mul(4)
        .div_ceil(3)
        .saturating_add(state.limits.json_bytes)
}

/// The call's quote: known, unused, unexpired, for this function.
async fn live_quote(state: &AppState, call: &GatedCall) -> Result<QuoteRecord, AppError> {
    let Some(quote) = state.store.quote(call.job_id.as_str()).await? else {
        return Err(AppError::new(
            ErrorCode::QuoteExpired,
            format!(
                "no quote for job {} (expired or never issued); ask POST /v1/quotes",
                call.job_id
            ),
        ));
    };
    if quote.used {
        return Err(AppError::new(
            ErrorCode::QuoteUsed,
            format!("quote {} was already used", call.job_id),
        ));
    }
    if now() > quote.expires_at {
        return Err(AppError::new(
            ErrorCode::QuoteExpired,
            format!("quote {} expired at {}", call.job_id, quote.expires_at),
        ));
    }
    if quote.function != call.function.as_str() {
        return Err(AppError::new(
            ErrorCode::BadRequest,
            format!(
                "quote {} is for {}, not {}",
                call.job_id, quote.function, call.function
            ),
        ));
    }
    Ok(quote)
}

/// Amounts the ledger can hold exactly (far above Mina's total supply).
fn check_amounts(payment: &CheckedPayment) -> Result<(), AppError> {
    let max = i64::MAX.unsigned_abs();
    if payment.amount > max || payment.fee > max {
        return Err(AppError::new(
            ErrorCode::PaymentRequired,
            "the payment's amount or fee exceeds Mina's supply",
        ));
    }
    Ok(())
}

/// Starts verifying a Groth16 proof on a blocking thread, once one of the
/// `--max-verifications` turns is free; the turn is held until the verification ends, even if
/// the call is refused meanwhile and the verdict never read.
async fn start_verification(
    state: &AppState,
    proof: webfn_circuits::CredentialProof,
) -> Result<ProofCheck, AppError> {
    let keys = state.gate.zk.as_ref().ok_or_else(no_verifying_key)?;
    let turn = Arc::clone(&state.gate.verifications)
        .acquire_owned()
        .await
        .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
    Ok(ProofCheck::start(
        Arc::clone(&keys.verifying),
        proof,
        Some(turn),
    ))
}
