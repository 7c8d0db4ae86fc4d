//! The caller's side of a gated or paid call: from a quote, seal the secrets to the quoted
//! provider, sign the payment to it, and prove membership bound to this very call. Runs
//! wherever the caller runs (the command line, a browser).

use rand_core::{CryptoRng, RngCore};
use webfn_circuits::{Fr, Identity, MerkleTree, ProvingKey, TREE_DEPTH, to_decimal};
use webfn_mina::client::{self, Kind, SignedObject};
use webfn_mina::{NetworkId, PrivateKey};

use crate::{
    AccessPolicy, Credential, ErrorCode, GateError, GatedCall, HttpRequest, Quote, Secrets,
    call_scope, seal,
};

/// How the caller pays.
#[derive(Debug, Clone)]
pub struct Payer<'a> {
    /// The paying account's key (`from`).
    pub key: &'a PrivateKey,
    /// The fee, nanomina.
    pub fee: u64,
    /// The paying account's nonce.
    pub nonce: u32,
    /// The amount, nanomina; `None`: the quoted price.
    pub amount: Option<u64>,
}

/// How the caller proves membership.
#[derive(Debug, Clone, Copy)]
pub struct Member<'a> {
    /// The caller's identity.
    pub identity: &'a Identity,
    /// The group's leaves in order (zero for removed members), as the relay lists them.
    pub group: &'a [Fr],
    /// The credential proving key.
    pub proving_key: &'a ProvingKey,
    /// The quota slot to spend.
    pub slot: u32,
}

/// Builds the call for `quote`: checks that the quoted HPKE key is signed by the quoted
/// provider, seals `secrets` to it, signs the payment (when the quote has a price, or when a
/// payer is given), then proves membership (gated functions) with the call's message.
pub fn prepare_call<R: RngCore + CryptoRng>(
    quote: &Quote,
    request: HttpRequest,
    secrets: &Secrets,
    payer: Option<&Payer<'_>>,
    member: Option<&Member<'_>>,
    rng: &mut R,
) -> Result<GatedCall, GateError> {
    let refuse = |message: String| GateError::new(ErrorCode::BadRequest, message);
    request.validate()?;
    if !quote.hpke.verify(&quote.provider) {
        return Err(GateError::new(
            ErrorCode::BadSignature,
            format!(
                "the quoted HPKE key is not signed by the quoted provider {}",
                quote.provider
            ),
        ));
    }
    let sealed = if secrets.is_empty() {
        None
    } else {
        Some(seal(&quote.hpke.public_key, &quote.job_id, secrets, rng)?)
    };
    let payment = match payer {
        Some(payer) => Some(sign_payment(quote, payer)?),
        None if quote.price > 0 => {
            return Err(GateError::new(
                ErrorCode::PaymentRequired,
                format!(
                    "{} costs {} nanomina: a payer is needed",
                    quote.function, quote.price
                ),
            ));
        }
        None => None,
    };
    let mut call = GatedCall {
        job_id: quote.job_id.clone(),
        function: quote.function.clone(),
        request,
        sealed,
        payment,
        credential: None,
    };
    if let AccessPolicy::Group { .. } = quote.access {
        let Some(member) = member else {
            return Err(GateError::new(
                ErrorCode::Unauthorized,
                format!(
                    "{} is gated: an identity in its group is needed",
                    quote.function
                ),
            ));
        };
        let epoch = quote
            .epoch
            .ok_or_else(|| refuse("the quote of a gated function names no epoch".into()))?;
        call.credential = Some(prove(&call, member, epoch, rng)?);
    }
    Ok(call)
}

fn sign_payment(quote: &Quote, payer: &Payer<'_>) -> Result<crate::SignedPayment, GateError> {
    let refuse = |message: String| GateError::new(ErrorCode::PaymentRequired, message);
    let network = NetworkId::from_name(&quote.network).map_err(|e| refuse(e.to_string()))?;
    let input = serde_json::json!({
        "to": quote.provider,
        "from": payer.key.public_key().to_base58(),
        "amount": payer.amount.unwrap_or(quote.price).to_string(),
        "fee": payer.fee.to_string(),
        "nonce": payer.nonce.to_string(),
        "memo": quote.job_id.as_str(),
    });
    match client::sign(Kind::Payment, &input, &payer.key.to_base58(), &network) {
        Ok(SignedObject::Payment(signed)) => Ok(signed),
        Ok(_) => Err(refuse("signing gave something other than a payment".into())),
        Err(e) => Err(refuse(format!("signing the payment: {e}"))),
    }
}

fn prove<R: RngCore + CryptoRng>(
    call: &GatedCall,
    member: &Member<'_>,
    epoch: u64,
    rng: &mut R,
) -> Result<Credential, GateError> {
    let refuse = |message: String| GateError::new(ErrorCode::Unauthorized, message);
    let tree = MerkleTree::from_leaves(TREE_DEPTH, 1, member.group)
        .map_err(|e| refuse(format!("the group's tree: {e}")))?;
    let commitment = member.identity.commitment();
    let index = tree.index_of(&commitment).ok_or_else(|| {
        refuse(format!(
            "the identity's commitment {} is not a member of the group",
            to_decimal(&commitment)
        ))
    })?;
    let path = tree.proof(index).map_err(|e| refuse(e.to_string()))?;
    let scope = call_scope(&call.function, epoch, member.slot);
    let proof = webfn_circuits::prove(
        member.proving_key,
        member.identity,
        &path,
        scope,
        call.message()?,
        rng,
    )
    .map_err(|e| refuse(format!("proving membership: {e}")))?;
    Ok(Credential {
        epoch,
        slot: member.slot,
        proof,
    })
}
