//! Access groups on the wire: the owner's signed requests that create a group and add or
//! remove member commitments, and the public view callers build their Merkle path from.
//!
//! A member is an identity commitment `C = Poseidon(s)`, a BLS12-381 scalar written in
//! decimal (see `docs/zk.md`). The relay keeps the members in leaf order; a removed member's
//! leaf becomes zero, so the positions of the others never move.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use webfn_mina::PrivateKey;

use crate::auth::{sign_statement, verify_statement};
use crate::{FunctionName, ProtocolError, SignatureJson};

/// The first line of the text a [`GroupRequest`] signs.
pub const GROUP_STATEMENT: &str = "webfn group v1";

/// Most member commitments one request may add or remove.
pub const MAX_MEMBERS_PER_REQUEST: usize = 10_000;

/// A group's id: the same alphabet as function names (1–63 characters of `a-z`, `0-9` and
/// `-`, not starting or ending with `-`).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupId(String);

impl GroupId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for GroupId {
    type Err = ProtocolError;
    fn from_str(text: &str) -> Result<GroupId, ProtocolError> {
        match text.parse::<FunctionName>() {
            Ok(name) => Ok(GroupId(name.as_str().to_owned())),
            Err(_) => Err(ProtocolError::Invalid {
                field: "group",
                reason: format!(
                    "{:?} is not a group id (1 to 63 characters: a-z, 0-9 and '-', not starting or ending with '-')",
                    text.chars().take(80).collect::<String>()
                ),
            }),
        }
    }
}

impl fmt::Display for GroupId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for GroupId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GroupId({})", self.0)
    }
}

impl Serialize for GroupId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for GroupId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<GroupId, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// What a [`GroupRequest`] does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum GroupChange {
    /// Create the group, empty; the signer becomes its owner.
    Create,
    /// Append these commitments (decimal), in order.
    Add {
        /// The new members' commitments.
        members: Vec<String>,
    },
    /// Zero the leaves of these commitments (decimal).
    Remove {
        /// The members' commitments.
        members: Vec<String>,
    },
    /// Make the members exactly these (decimal): zero the leaves of the others, append the
    /// missing ones in order. What a repository's members file syncs with.
    Set {
        /// Every member's commitment (0 to [`MAX_MEMBERS_PER_REQUEST`]).
        members: Vec<String>,
    },
}

impl GroupChange {
    /// Checks the member lists: canonical decimal commitments, nonzero, no duplicates; 1 to
    /// [`MAX_MEMBERS_PER_REQUEST`] of them (0 allowed for `set`, which empties the group).
    pub fn validate(&self) -> Result<(), ProtocolError> {
        let (members, least) = match self {
            GroupChange::Create => return Ok(()),
            GroupChange::Add { members } | GroupChange::Remove { members } => (members, 1),
            GroupChange::Set { members } => (members, 0),
        };
        if members.len() < least || members.len() > MAX_MEMBERS_PER_REQUEST {
            return Err(ProtocolError::Invalid {
                field: "members",
                reason: format!("{least} to {MAX_MEMBERS_PER_REQUEST} commitments per request"),
            });
        }
        let mut seen = std::collections::HashSet::new();
        for member in members {
            let value = webfn_circuits::from_decimal(member, "member").map_err(|e| {
                ProtocolError::Invalid {
                    field: "members",
                    reason: e.to_string(),
                }
            })?;
            if value == webfn_circuits::Fr::from(0u64) {
                return Err(ProtocolError::Invalid {
                    field: "members",
                    reason: "0 marks an empty leaf and cannot be a member".into(),
                });
            }
            if !seen.insert(member.as_str()) {
                return Err(ProtocolError::Invalid {
                    field: "members",
                    reason: format!("{member} appears twice"),
                });
            }
        }
        Ok(())
    }
}

/// Creates a group or changes its members; signed by the owner over
/// [`GroupRequest::message`]. Like a deploy it must be fresh and newer than the group's last
/// request, so an old request cannot be replayed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupRequest {
    /// The group.
    pub group: GroupId,
    /// What to do.
    pub change: GroupChange,
    /// The owner's public key (`B62…`).
    pub owner: String,
    /// When the request was made, Unix seconds.
    pub issued_at: u64,
    /// Signature of [`GroupRequest::message`].
    pub signature: SignatureJson,
}

impl GroupRequest {
    /// Builds and signs a request.
    pub fn sign(
        group: GroupId,
        change: GroupChange,
        key: &PrivateKey,
        issued_at: u64,
    ) -> Result<GroupRequest, ProtocolError> {
        let owner = key.public_key().to_base58();
        let message = group_message(&group, &change, &owner, issued_at)?;
        let signature = sign_statement(&message, key)?;
        Ok(GroupRequest {
            group,
            change,
            owner,
            issued_at,
            signature,
        })
    }

    /// The signed text: [`GROUP_STATEMENT`], a newline, then the JSON of group, change,
    /// owner and time.
    pub fn message(&self) -> Result<String, ProtocolError> {
        group_message(&self.group, &self.change, &self.owner, self.issued_at)
    }

    /// Whether the owner's signature is valid.
    pub fn verify(&self) -> bool {
        self.message()
            .is_ok_and(|message| verify_statement(&message, &self.signature, &self.owner))
    }
}

fn group_message(
    group: &GroupId,
    change: &GroupChange,
    owner: &str,
    issued_at: u64,
) -> Result<String, ProtocolError> {
    #[derive(Serialize)]
    struct Signed<'a> {
        group: &'a GroupId,
        change: &'a GroupChange,
        owner: &'a str,
        issued_at: u64,
    }
    let body = serde_json::to_string(&Signed {
        group,
        change,
        owner,
        issued_at,
    })
    .map_err(|e| ProtocolError::Malformed(e.to_string()))?;
    Ok(format!("{GROUP_STATEMENT}\n{body}"))
}

/// A group change by a function's trusted publisher: a CI job presents its OIDC ID token
/// (`Authorization: Bearer …`) with this unsigned body. The token must match the trusted
/// publisher of `function`, a function gated by `group` and owned by the group's owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenGroupRequest {
    /// The group.
    pub group: GroupId,
    /// The function whose trusted publisher acts.
    pub function: FunctionName,
    /// What to do (not `create`).
    pub change: GroupChange,
}

/// A group as the relay shows it to anyone: `GET /v1/groups/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupView {
    /// The group.
    pub group: GroupId,
    /// Its owner.
    pub owner: String,
    /// Leaves used so far (removed members included, as zero leaves).
    pub size: u64,
    /// `issued_at` of the last request applied: the next one must be newer.
    pub issued_at: u64,
    /// The current root (decimal).
    pub root: String,
    /// The window of recent roots a proof may be made against, newest first (decimal).
    pub roots: Vec<String>,
    /// Leaves from `offset` on, in order (decimal; `"0"` for a removed member).
    pub members: Vec<String>,
    /// Index of the first leaf in `members`.
    pub offset: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> PrivateKey {
        PrivateKey::generate_os().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn requests_verify_and_resist_tampering() -> Result<(), ProtocolError> {
        let owner = key();
        let change = GroupChange::Add {
            members: vec!["12345".into()],
        };
        let request = GroupRequest::sign("team".parse()?, change, &owner, 1_700_000_000)?;
        assert!(request.verify());
        let mut tampered = request.clone();
        tampered.change = GroupChange::Remove {
            members: vec!["12345".into()],
        };
        assert!(!tampered.verify());
        let mut tampered = request.clone();
        tampered.group = "other".parse()?;
        assert!(!tampered.verify());
        let mut tampered = request;
        tampered.issued_at += 1;
        assert!(!tampered.verify());
        Ok(())
    }

    #[test]
    fn member_lists_are_checked() {
        let add = |members: &[&str]| GroupChange::Add {
            members: members.iter().map(|m| (*m).to_owned()).collect(),
        };
        assert!(add(&["1", "2"]).validate().is_ok());
        for bad in [
            add(&[]),
            add(&["0"]),
            add(&["1", "1"]),
            add(&["x"]),
            add(&["-1"]),
            add(&["01"]),
            // the field's modulus is not a field element
            add(&["52435875175126190479447740508185965837690552500527637822603658699938581184513"]),
        ] {
            assert!(bad.validate().is_err(), "{bad:?}");
        }
        assert!("Team".parse::<GroupId>().is_err());
    }
}
