//! `webfn group create | add | remove | show | sync`: a function's access group on a relay,
//! changed by requests signed with the owner's key. Members are identity commitments
//! (decimal, as `webfn zk identity` prints them).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use webfn_mina::PrivateKey;
use webfn_protocol::{
    FunctionName, GroupChange, GroupId, GroupRequest, GroupView, MAX_MEMBERS_PER_REQUEST,
    TokenGroupRequest,
};

use super::http::{RelayUrl, error_text, send, send_authorized};
use super::keys::KeyArg;
use super::oidc::CiTokenArgs;
use crate::keyfile;

/// Largest members file read, bytes (2^20 commitments of 77 digits and a newline).
const MAX_MEMBERS_FILE: u64 = 80 << 20;

#[derive(Debug, Subcommand)]
pub(crate) enum GroupCommand {
    /// Create an empty group; you (the key's owner) own it.
    Create(Target),
    /// Add member commitments (arguments, or --members-file).
    Add(Change),
    /// Remove member commitments (their leaves become zero; positions never move).
    Remove(Change),
    /// Print the group: owner, size, root, recent roots and every member in leaf order.
    Show(Where),
    /// Make the group's members exactly those of a members file: removes the others, adds
    /// the missing ones (in file order), creating the group if needed. In a CI job it uses
    /// the job's OIDC ID token instead of a key (trusted publishing: name the gated
    /// --function whose trusted publisher this job is).
    Sync {
        #[command(flatten)]
        target: Target,
        /// One commitment per line (`#` comments and blank lines ignored).
        #[arg(long, value_name = "FILE")]
        members_file: PathBuf,
        /// With a CI token: the function gated by this group whose trusted publisher acts.
        #[arg(long, value_name = "NAME")]
        function: Option<FunctionName>,
        /// Trusted publishing: sync with the CI job's OIDC ID token.
        #[command(flatten)]
        ci: CiTokenArgs,
    },
}

#[derive(Debug, Args)]
pub(crate) struct Where {
    /// The relay.
    #[command(flatten)]
    relay: RelayUrl,
    /// The group's id.
    #[arg(long)]
    group: GroupId,
}

#[derive(Debug, Args)]
pub(crate) struct Target {
    #[command(flatten)]
    place: Where,
    /// The owner's key file.
    #[command(flatten)]
    key: KeyArg,
}

#[derive(Debug, Args)]
pub(crate) struct Change {
    #[command(flatten)]
    target: Target,
    /// Commitments (decimal).
    members: Vec<String>,
    /// Also read commitments from this file, one per line.
    #[arg(long, value_name = "FILE")]
    members_file: Option<PathBuf>,
}

impl GroupCommand {
    pub(crate) fn run(self) -> anyhow::Result<ExitCode> {
        let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
        runtime.block_on(async {
            match self {
                GroupCommand::Create(target) => {
                    let key = owner_key(&target.key)?;
                    let view = apply(&target.place, GroupChange::Create, &key, None).await?;
                    print(&view)
                }
                GroupCommand::Add(change) => {
                    let members = change.members()?;
                    let key = owner_key(&change.target.key)?;
                    let view = change_in_chunks(&change.target.place, &key, members, true).await?;
                    print(&view)
                }
                GroupCommand::Remove(change) => {
                    let members = change.members()?;
                    let key = owner_key(&change.target.key)?;
                    let view = change_in_chunks(&change.target.place, &key, members, false).await?;
                    print(&view)
                }
                GroupCommand::Show(place) => match fetch(&place).await? {
                    Some(view) => print(&view),
                    None => bail!("no group {} on {}", place.group, place.relay),
                },
                GroupCommand::Sync {
                    target,
                    members_file,
                    function,
                    ci,
                } => {
                    let environment = ci.environment();
                    let with_token =
                        ci.oidc || (!target.key.is_given() && environment.source().is_some());
                    if with_token {
                        let token = ci.token(&environment, target.place.relay.base()).await?;
                        let Some(function) = function else {
                            bail!("syncing with a CI token needs --function NAME (the gated function whose trusted publisher this job is)");
                        };
                        sync_with_token(&target.place, &members_file, function, &token).await
                    } else {
                        sync(&target, &members_file).await
                    }
                }
            }
        })
    }
}

impl Change {
    fn members(&self) -> anyhow::Result<Vec<String>> {
        let mut members = self.members.clone();
        if let Some(path) = &self.members_file {
            members.extend(read_members(path)?);
        }
        if members.is_empty() {
            bail!("no members given (arguments or --members-file)");
        }
        Ok(members)
    }
}

fn owner_key(key: &KeyArg) -> anyhow::Result<PrivateKey> {
    Ok(keyfile::read(&key.resolve()?)?)
}

fn print(view: &GroupView) -> anyhow::Result<ExitCode> {
    println!("{}", serde_json::to_string_pretty(view)?);
    Ok(ExitCode::SUCCESS)
}

/// Commitments in a members file: one per line, `#` comments and blank lines ignored.
fn read_members(path: &Path) -> anyhow::Result<Vec<String>> {
    let size = std::fs::metadata(path)
        .with_context(|| format!("reading {}", path.display()))?
        .len();
    if size > MAX_MEMBERS_FILE {
        bail!("{} is larger than {MAX_MEMBERS_FILE} bytes", path.display());
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(text
        .lines()
        .map(|line| line.split('#').next().unwrap_or("").trim())
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect())
}

/// The whole group (every page of members), or `None` if it does not exist.
async fn fetch(place: &Where) -> anyhow::Result<Option<GroupView>> {
    let base = place.relay.base();
    let mut whole: Option<GroupView> = None;
    loop {
        let offset = whole.as_ref().map_or(0, |v| v.members.len());
        let url = format!("{base}/v1/groups/{}?offset={offset}", place.group);
        let (status, body) = send("GET", &url, Vec::new(), "application/json").await?;
        if status == 404 {
            return Ok(None);
        }
        if !(200..300).contains(&status) {
            bail!(
                "reading group {}: HTTP {status}: {}",
                place.group,
                error_text(&body)
            );
        }
        let page: GroupView = serde_json::from_slice(&body).context("reading the group")?;
        let done = page.members.is_empty() || (offset + page.members.len()) as u64 >= page.size;
        whole = Some(match whole {
            None => page,
            Some(mut view) => {
                view.members.extend(page.members);
                view
            }
        });
        if done {
            return Ok(whole);
        }
    }
}

/// Signs and sends one change; `last` is the `issued_at` of the group's last request.
async fn apply(
    place: &Where,
    change: GroupChange,
    key: &PrivateKey,
    last: Option<u64>,
) -> anyhow::Result<GroupView> {
    let issued_at = super::now_secs().max(last.map_or(0, |t| t + 1));
    let request = GroupRequest::sign(place.group.clone(), change, key, issued_at)?;
    let url = format!("{}/v1/groups", place.relay.base());
    let (status, body) = send(
        "POST",
        &url,
        serde_json::to_vec(&request)?,
        "application/json",
    )
    .await?;
    if !(200..300).contains(&status) {
        bail!(
            "changing group {}: HTTP {status}: {}",
            place.group,
            error_text(&body)
        );
    }
    serde_json::from_slice(&body).context("reading the group")
}

/// Adds or removes `members`, at most [`MAX_MEMBERS_PER_REQUEST`] per request.
async fn change_in_chunks(
    place: &Where,
    key: &PrivateKey,
    members: Vec<String>,
    add: bool,
) -> anyhow::Result<GroupView> {
    let Some(mut view) = fetch(place).await? else {
        bail!(
            "no group {} on {} (webfn group create)",
            place.group,
            place.relay
        );
    };
    for chunk in members.chunks(MAX_MEMBERS_PER_REQUEST) {
        let members = chunk.to_vec();
        let change = if add {
            GroupChange::Add { members }
        } else {
            GroupChange::Remove { members }
        };
        view = apply(place, change, key, Some(view.issued_at)).await?;
    }
    Ok(view)
}

/// The members file's commitments, refusing duplicates.
fn wanted_members(members_file: &Path) -> anyhow::Result<Vec<String>> {
    let wanted = read_members(members_file)?;
    let mut seen = HashSet::new();
    if let Some(twice) = wanted.iter().find(|m| !seen.insert(m.as_str())) {
        bail!("{} lists {twice} twice", members_file.display());
    }
    Ok(wanted)
}

/// One `set` request with the CI job's token: the relay makes the group match.
async fn sync_with_token(
    place: &Where,
    members_file: &Path,
    function: FunctionName,
    token: &str,
) -> anyhow::Result<ExitCode> {
    let members = wanted_members(members_file)?;
    if members.len() > MAX_MEMBERS_PER_REQUEST {
        bail!(
            "{} lists {} members; a trusted publisher syncs at most {MAX_MEMBERS_PER_REQUEST} (sync larger groups with the owner's key)",
            members_file.display(),
            members.len()
        );
    }
    let count = members.len();
    let request = TokenGroupRequest {
        group: place.group.clone(),
        function,
        change: GroupChange::Set { members },
    };
    let url = format!("{}/v1/groups", place.relay.base());
    let (status, body) = send_authorized(
        "POST",
        &url,
        serde_json::to_vec(&request)?,
        "application/json",
        Some(token),
    )
    .await?;
    if !(200..300).contains(&status) {
        bail!(
            "syncing group {}: HTTP {status}: {}",
            place.group,
            error_text(&body)
        );
    }
    let view: GroupView = serde_json::from_slice(&body).context("reading the group")?;
    eprintln!(
        "group {}: synced to {count} members with the CI job's token, root {}",
        place.group, view.root
    );
    print(&view)
}

async fn sync(target: &Target, members_file: &Path) -> anyhow::Result<ExitCode> {
    let wanted = wanted_members(members_file)?;
    let key = owner_key(&target.key)?;
    let place = &target.place;
    let current = match fetch(place).await? {
        Some(view) => view,
        None => apply(place, GroupChange::Create, &key, None).await?,
    };
    let present: HashSet<&str> = current
        .members
        .iter()
        .map(String::as_str)
        .filter(|m| *m != "0")
        .collect();
    let wanted_set: HashSet<&str> = wanted.iter().map(String::as_str).collect();
    let to_remove: Vec<String> = current
        .members
        .iter()
        .filter(|m| *m != "0" && !wanted_set.contains(m.as_str()))
        .cloned()
        .collect();
    let to_add: Vec<String> = wanted
        .iter()
        .filter(|m| !present.contains(m.as_str()))
        .cloned()
        .collect();
    let (removed, added) = (to_remove.len(), to_add.len());
    if !to_remove.is_empty() {
        change_in_chunks(place, &key, to_remove, false).await?;
    }
    if !to_add.is_empty() {
        change_in_chunks(place, &key, to_add, true).await?;
    }
    let view = fetch(place)
        .await?
        .context("the group vanished while it was synced")?;
    eprintln!(
        "group {}: {added} added, {removed} removed, root {}",
        place.group, view.root
    );
    print(&view)
}
