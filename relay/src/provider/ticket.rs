//! A provider's own checks of a gated or paid job, before anything runs: it does not take the
//! relay's word. The payment must be signed by its payer on the ticket's network, pay this
//! provider at least the quoted price and name the job; a credential must name the job's
//! function, the quoted epoch and a slot below the quota, be bound to this very request,
//! sealed secrets and payment, and verify under the credential verifying key (fetched once
//! from the relay and, with `--zk-key-digest`, pinned). Then the sealed secrets are opened
//! with the provider's HPKE key; they reach the guest as `webfn-secret-<name>` request
//! headers, and headers of that name from anyone else are removed.
//!
//! A provider with a price takes no call without a ticket paying at least that price, and
//! runs each ticketed job id at most once (of the last [`REMEMBERED_JOBS`]), so a relay cannot
//! make it work for free or twice for one payment.

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::OnceCell;
use webfn_circuits::{KeyDigest, PreparedVerifyingKey, VerifyingKey};
use webfn_mina::NetworkId;
use webfn_protocol::{
    CredentialTerms, ErrorBody, ErrorCode, GatedCall, HpkeKeyPair, HttpRequest, Job, PaymentTerms,
    SECRET_HEADER_PREFIX, check_credential, check_payment,
};

use super::BundleFetcher;
use crate::proof_check::ProofCheck;

/// Ticketed job ids a provider remembers having taken.
pub const REMEMBERED_JOBS: usize = 65_536;

/// Checks tickets and opens sealed secrets for one provider.
#[derive(Debug)]
pub struct Gatekeeper {
    public_key: String,
    price: u64,
    hpke: HpkeKeyPair,
    relay: BundleFetcher,
    pin: Option<KeyDigest>,
    verifying: OnceCell<Arc<PreparedVerifyingKey>>,
    taken: Mutex<(HashSet<String>, VecDeque<String>)>,
}

impl Gatekeeper {
    /// The gatekeeper of the provider `public_key` asking `price` per call, with HPKE keys
    /// `hpke`, fetching the verifying key from the relay with `relay` and, if `pin` is given,
    /// accepting only that key.
    pub fn new(
        public_key: String,
        price: u64,
        hpke: HpkeKeyPair,
        relay: BundleFetcher,
        pin: Option<KeyDigest>,
    ) -> Gatekeeper {
        Gatekeeper {
            public_key,
            price,
            hpke,
            relay,
            pin,
            verifying: OnceCell::new(),
            taken: Mutex::default(),
        }
    }

    /// Forgets that `job` was taken: it failed before its guest ran (the bundle could not be
    /// fetched, say), so the relay may send it again.
    pub fn release(&self, job: &str) {
        let mut taken = self.taken.lock().unwrap_or_else(PoisonError::into_inner);
        let (seen, order) = &mut *taken;
        if seen.remove(job) {
            order.retain(|j| j != job);
        }
    }

    /// Records `job` as taken; false if it was taken before.
    fn take(&self, job: &str) -> bool {
        let mut taken = self.taken.lock().unwrap_or_else(PoisonError::into_inner);
        let (seen, order) = &mut *taken;
        if !seen.insert(job.to_owned()) {
            return false;
        }
        order.push_back(job.to_owned());
        if order.len() > REMEMBERED_JOBS
            && let Some(oldest) = order.pop_front()
        {
            seen.remove(&oldest);
        }
        true
    }

    /// The provider's HPKE key pair.
    pub fn hpke(&self) -> &HpkeKeyPair {
        &self.hpke
    }

    /// Checks `job`'s ticket (if it has one) and rewrites its request headers: every
    /// `webfn-secret-*` header removed, then one per opened secret added.
    pub async fn admit(&self, job: &mut Job) -> Result<(), ErrorBody> {
        let Some(ticket) = job.ticket.take() else {
            if self.price > 0 {
                return Err(ErrorBody::new(
                    ErrorCode::PaymentRequired,
                    format!(
                        "this provider asks {} nanomina per call and the job carries no payment",
                        self.price
                    ),
                ));
            }
            strip_secret_headers(job);
            return Ok(());
        };
        if ticket.price < self.price {
            return Err(ErrorBody::new(
                ErrorCode::PaymentRequired,
                format!(
                    "the job pays {} nanomina, this provider asks {}",
                    ticket.price, self.price
                ),
            ));
        }
        let network = NetworkId::from_name(&ticket.network)
            .map_err(|e| ErrorBody::new(ErrorCode::BadRequest, format!("ticket network: {e}")))?;
        // the request moves into the call for the checks and back afterwards (no copy of
        // its body); on a refusal the job is dropped anyway
        let mut call = GatedCall {
            job_id: job.job_id.clone(),
            function: job.function.clone(),
            request: std::mem::replace(&mut job.request, empty_request()),
            sealed: ticket.sealed,
            payment: ticket.payment,
            credential: ticket.credential,
        };
        // the proof is verified on a blocking thread from here on, while its bindings and the
        // payment are checked and the secrets opened; nothing runs before its verdict
        let proof_check = match (ticket.quota, ticket.epoch) {
            (Some(quota), Some(epoch)) => {
                let verdict = match &call.credential {
                    Some(credential) => {
                        Some(self.start_verification(credential.proof.clone()).await?)
                    }
                    None => None,
                };
                // refuses a missing credential, or one not bound to this job
                check_credential(&call, CredentialTerms { quota, epoch })
                    .map_err(|e| e.to_body())?;
                verdict
            }
            _ => None,
        };
        check_payment(
            call.payment.as_ref(),
            PaymentTerms {
                receiver: &self.public_key,
                price: ticket.price,
                job: &job.job_id,
                network: &network,
            },
        )
        .map_err(|e| e.to_body())?;
        let secrets = match &call.sealed {
            Some(sealed) => self
                .hpke
                .open(&job.job_id, sealed)
                .map_err(|e| ErrorBody::new(ErrorCode::BadSecrets, e.to_string()))?,
            None => Default::default(),
        };
        if let Some(verdict) = proof_check {
            verdict.verdict("the provider's check: ").await?;
        }
        job.request = std::mem::replace(&mut call.request, empty_request());
        strip_secret_headers(job);
        for (name, value) in secrets {
            job.request
                .headers
                .push((format!("{SECRET_HEADER_PREFIX}{name}"), value));
        }
        if !self.take(job.job_id.as_str()) {
            return Err(ErrorBody::new(
                ErrorCode::QuoteUsed,
                format!("this provider already took job {}", job.job_id),
            ));
        }
        Ok(())
    }

    /// Starts verifying `proof` on a blocking thread (the key is fetched first if need be).
    async fn start_verification(
        &self,
        proof: webfn_circuits::CredentialProof,
    ) -> Result<ProofCheck, ErrorBody> {
        let key = self
            .verifying
            .get_or_try_init(|| self.fetch_key())
            .await?
            .clone();
        Ok(ProofCheck::start(key, proof, None))
    }

    async fn fetch_key(&self) -> Result<Arc<PreparedVerifyingKey>, ErrorBody> {
        let unavailable = |message: String| ErrorBody::new(ErrorCode::Unavailable, message);
        let bytes = self
            .relay
            .get("/v1/zk/verifying-key")
            .await
            .map_err(|e| unavailable(format!("the credential verifying key: {e}")))?;
        let digest = KeyDigest::of(&bytes);
        if let Some(pin) = self.pin
            && pin != digest
        {
            return Err(unavailable(format!(
                "the relay's verifying key has digest {digest}, this provider accepts only {pin}"
            )));
        }
        let key = VerifyingKey::from_bytes(&bytes)
            .map_err(|e| unavailable(format!("the relay's verifying key: {e}")))?;
        Ok(Arc::new(key.prepare()))
    }
}

/// A placeholder request, while the job's request is lent to the checks.
fn empty_request() -> HttpRequest {
    HttpRequest {
        method: String::new(),
        path: String::new(),
        headers: Vec::new(),
        body: Vec::new(),
    }
}

/// Removes every `webfn-secret-*` header: only opened secrets may carry that name.
fn strip_secret_headers(job: &mut Job) {
    job.request
        .headers
        .retain(|(name, _)| !name.starts_with(SECRET_HEADER_PREFIX));
}
