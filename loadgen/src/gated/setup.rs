//! The stage, on a fresh relay: the component uploaded once and deployed twice, open and free
//! ([`OPEN`]) and gated by an access group and priced ([`GATED`]), the group's members added
//! in one signed request, and the group's leaves read back as the relay lists them (what a
//! caller proves against).

use anyhow::{Context, bail};
use bytes::Bytes;
use http::Method;
use webfn_circuits::{Fr, Identity, from_decimal, to_decimal};
use webfn_mina::PrivateKey;
use webfn_protocol::{
    AccessPolicy, DeployRequest, Digest, FunctionManifest, GroupChange, GroupId, GroupRequest,
    GroupView,
};

use crate::client::Client;

/// The open, free deployment (called at `/fn/hmac-open/…`).
pub const OPEN: &str = "hmac-open";
/// The gated, priced deployment (called through `/v1/quotes` and `/v1/calls`).
pub const GATED: &str = "hmac-gated";
/// The access group of [`GATED`].
const GROUP: &str = "bench";
/// Price of a gated call, nanomina.
pub const PRICE: u64 = 1_000_000;
/// Epoch length of the group policy: a day, so that a run stays in one epoch.
const EPOCH_SECS: u64 = 86_400;

/// Unix seconds.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Uploads `component`, creates the group with `members` (quota 1 each), deploys both
/// functions, and answers the group's leaves.
pub async fn stage(
    client: &mut Client,
    owner: &PrivateKey,
    component: &[u8],
    members: &[Identity],
) -> anyhow::Result<Vec<Fr>> {
    let answer = client
        .send(
            Method::POST,
            "/v1/bundles",
            Some("application/wasm"),
            Bytes::copy_from_slice(component),
        )
        .await?;
    if !answer.status.is_success() {
        bail!(
            "uploading the component: HTTP {}: {}",
            answer.status,
            answer.text()
        );
    }
    let digest = Digest::of(component);
    let group: GroupId = GROUP.parse()?;
    // group requests must each be newer than the last
    let issued_at = now();
    let commitments = members
        .iter()
        .map(|m| to_decimal(&m.commitment()))
        .collect();
    for (change, at) in [
        (GroupChange::Create, issued_at),
        (
            GroupChange::Add {
                members: commitments,
            },
            issued_at + 1,
        ),
    ] {
        let request = GroupRequest::sign(group.clone(), change, owner, at)?;
        let answer = client.post_json("/v1/groups", &request).await?;
        answer.decode::<serde_json::Value>("changing the group")?;
    }
    let open = FunctionManifest::new(OPEN.parse()?, digest);
    let mut gated = FunctionManifest::new(GATED.parse()?, digest);
    gated.price = PRICE;
    gated.access = AccessPolicy::Group {
        group: group.clone(),
        quota: 1,
        epoch_secs: EPOCH_SECS,
    };
    for manifest in [open, gated] {
        let request = DeployRequest::sign(manifest, owner, issued_at)?;
        let answer = client.post_json("/v1/functions", &request).await?;
        answer.decode::<serde_json::Value>("deploying")?;
    }
    let path = format!("/v1/groups/{GROUP}?limit={}", members.len());
    let view: GroupView = client
        .send(Method::GET, &path, None, Bytes::new())
        .await?
        .decode("reading the group")?;
    if view.offset != 0 || view.members.len() as u64 != view.size {
        bail!(
            "the relay listed {} of the group's {} leaves",
            view.members.len(),
            view.size
        );
    }
    view.members
        .iter()
        .map(|leaf| from_decimal(leaf, "leaf").context("a leaf of the group"))
        .collect()
}
