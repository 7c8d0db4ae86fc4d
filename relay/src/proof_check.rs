//! A credential proof verified on a blocking thread while its caller goes on with cheaper
//! checks: the relay admitting a gated call and the provider checking a ticket both start one,
//! make their other checks, then read its verdict before writing or running anything.

use std::sync::Arc;

use tokio::sync::OwnedSemaphorePermit;
use tokio::task::JoinHandle;
use webfn_circuits::{CredentialProof, PreparedVerifyingKey};
use webfn_protocol::{ErrorBody, ErrorCode};

/// A verification under way.
#[derive(Debug)]
pub struct ProofCheck(JoinHandle<webfn_circuits::Result<bool>>);

impl ProofCheck {
    /// Starts verifying `proof` under `key`. `turn`, if given, is held until the verification
    /// ends, even if the verdict is never read (a call refused meanwhile).
    pub fn start(
        key: Arc<PreparedVerifyingKey>,
        proof: CredentialProof,
        turn: Option<OwnedSemaphorePermit>,
    ) -> ProofCheck {
        ProofCheck(tokio::task::spawn_blocking(move || {
            let verdict = webfn_circuits::verify(&key, &proof);
            drop(turn);
            verdict
        }))
    }

    /// Waits for the verdict: `bad_proof` if the proof does not verify or is invalid, its
    /// message starting with `who` (`""`, or `"the provider's check: "`).
    pub async fn verdict(self, who: &str) -> Result<(), ErrorBody> {
        let verdict = self
            .0
            .await
            .map_err(|e| ErrorBody::new(ErrorCode::Internal, e.to_string()))?;
        match verdict {
            Ok(true) => Ok(()),
            Ok(false) => Err(ErrorBody::new(
                ErrorCode::BadProof,
                format!("{who}the credential proof does not verify"),
            )),
            Err(e) => Err(ErrorBody::new(
                ErrorCode::BadProof,
                format!("{who}the credential proof is invalid: {e}"),
            )),
        }
    }
}
