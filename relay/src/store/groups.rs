//! Access groups: members in leaf order, the window of recent roots, and the owner's signed
//! changes. Each group's Merkle tree is rebuilt from its rows on first use and kept in
//! memory to compute the next root; a change is applied to the tree and written (members,
//! new root, replay guard) in one transaction, and a tree whose write failed is dropped and
//! rebuilt from the rows next time, so memory never runs ahead of the database.

use std::collections::HashMap;
use std::sync::Arc;

use sqlx::{Row, SqliteConnection};
use tokio::sync::Mutex;
use webfn_circuits::{Fr, MerkleTree, TREE_DEPTH, from_decimal, to_decimal};
use webfn_protocol::{
    AccessPolicy, ErrorCode, GateError, GroupChange, GroupId, GroupRequest, GroupView,
};

use super::db::to_i64;
use super::{Store, StoreError};

/// Most members one listing returns.
pub const MAX_MEMBER_LISTING: u64 = 100_000;

/// The in-memory trees, by group id.
pub(super) type GroupTrees = Arc<Mutex<HashMap<String, MerkleTree>>>;

/// A group's owner and size, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
struct GroupRow {
    owner: String,
    issued_at: i64,
    size: i64,
}

impl Store {
    /// Applies an owner's signed group request: signature, freshness (`|now − issued_at| ≤
    /// max_skew`), member rules, ownership, and `issued_at` newer than the group's last
    /// request. Keeps the newest `root_window` roots. Returns the group's first page.
    pub async fn apply_group(
        &self,
        request: &GroupRequest,
        now: u64,
        max_skew: u64,
        root_window: usize,
    ) -> Result<GroupView, StoreError> {
        request.change.validate()?;
        super::check_signed(
            request.issued_at,
            now,
            max_skew,
            || request.verify(),
            &request.owner,
        )?;
        let id = request.group.as_str();
        let mut trees = self.groups.lock().await;
        let mut tx = self.write().await?;
        let existing = group_row(&mut tx, id).await?;
        let tree = match (&request.change, existing) {
            (GroupChange::Create, Some(_)) => {
                return Err(refused(format!("group {id} already exists")));
            }
            (GroupChange::Create, None) => {
                let tree = new_tree(&[])?;
                create(&mut tx, request, &tree, now).await?;
                tree
            }
            (_, None) => return Err(refused(format!("no group {id}"))),
            (_, Some(row)) if row.owner != request.owner => {
                return Err(StoreError::NotOwner {
                    name: format!("group {id}"),
                    owner: row.owner,
                });
            }
            (_, Some(row)) if to_i64(request.issued_at, "issued_at")? <= row.issued_at => {
                return Err(StoreError::Replayed {
                    issued_at: request.issued_at,
                    current: row.issued_at.unsigned_abs(),
                });
            }
            (change, Some(row)) => {
                let tree = trees.remove(id);
                apply_change(
                    &mut tx,
                    id,
                    change,
                    tree,
                    &row,
                    request.issued_at,
                    now,
                    root_window,
                )
                .await?
            }
        };
        tx.commit().await?;
        trees.insert(id.to_owned(), tree);
        drop(trees);
        self.group(&request.group, 0, MAX_MEMBER_LISTING, root_window)
            .await?
            .ok_or_else(|| StoreError::Record(format!("group {id} vanished")))
    }

    /// Applies a change for the group's owner on behalf of a trusted publisher (whose token
    /// the caller has verified against the policy of `function`): `function` must be gated
    /// by the group and owned by the group's owner. The group's `issued_at` becomes at least
    /// `now`, so an owner's request signed before cannot be replayed to undo this one.
    pub async fn apply_group_by_publisher(
        &self,
        group: &GroupId,
        function_owner: &str,
        change: &GroupChange,
        now: u64,
        root_window: usize,
    ) -> Result<GroupView, StoreError> {
        change.validate()?;
        if matches!(change, GroupChange::Create) {
            return Err(refused(
                "a trusted publisher changes members; the owner creates the group".into(),
            ));
        }
        let id = group.as_str();
        let mut trees = self.groups.lock().await;
        let mut tx = self.write().await?;
        let Some(row) = group_row(&mut tx, id).await? else {
            return Err(refused(format!("no group {id}")));
        };
        if row.owner != function_owner {
            return Err(StoreError::NotOwner {
                name: format!("group {id}"),
                owner: row.owner,
            });
        }
        let issued_at = now.max(row.issued_at.unsigned_abs());
        let tree = apply_change(
            &mut tx,
            id,
            change,
            trees.remove(id),
            &row,
            issued_at,
            now,
            root_window,
        )
        .await?;
        tx.commit().await?;
        trees.insert(id.to_owned(), tree);
        drop(trees);
        self.group(group, 0, MAX_MEMBER_LISTING, root_window)
            .await?
            .ok_or_else(|| StoreError::Record(format!("group {id} vanished")))
    }

    /// A group's public view: owner, size, current root, the window of recent roots
    /// (newest first), and up to `limit` leaves from `offset`.
    pub async fn group(
        &self,
        group: &GroupId,
        offset: u64,
        limit: u64,
        root_window: usize,
    ) -> Result<Option<GroupView>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let Some(row) = group_row(&mut conn, group.as_str()).await? else {
            return Ok(None);
        };
        let roots: Vec<String> = sqlx::query_scalar(
            "SELECT root FROM group_roots WHERE group_id = ? ORDER BY seq DESC LIMIT ?",
        )
        .bind(group.as_str())
        .bind(to_i64(root_window.max(1) as u64, "root window")?)
        .fetch_all(&mut *conn)
        .await?;
        let members: Vec<String> = sqlx::query_scalar(
            "SELECT commitment FROM group_members WHERE group_id = ? AND leaf >= ? ORDER BY leaf LIMIT ?",
        )
        .bind(group.as_str())
        .bind(i64::try_from(offset).unwrap_or(i64::MAX))
        .bind(to_i64(limit.min(MAX_MEMBER_LISTING), "limit")?)
        .fetch_all(&mut *conn)
        .await?;
        let root = roots
            .first()
            .cloned()
            .ok_or_else(|| StoreError::Record(format!("group {group} has no root")))?;
        Ok(Some(GroupView {
            group: group.clone(),
            owner: row.owner,
            size: row.size.unsigned_abs(),
            issued_at: row.issued_at.unsigned_abs(),
            root,
            roots,
            members,
            offset,
        }))
    }

    /// Whether the group exists.
    pub async fn has_group(&self, group: &GroupId) -> Result<bool, StoreError> {
        let mut conn = self.pool.acquire().await?;
        Ok(group_row(&mut conn, group.as_str()).await?.is_some())
    }

    /// Whether `root` is one of the group's newest `root_window` roots.
    pub async fn is_recent_root(
        &self,
        group: &GroupId,
        root: &Fr,
        root_window: usize,
    ) -> Result<bool, StoreError> {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM group_roots WHERE group_id = ?1 AND root = ?2
               AND seq > (SELECT MAX(seq) FROM group_roots WHERE group_id = ?1) - ?3",
        )
        .bind(group.as_str())
        .bind(to_decimal(root))
        .bind(to_i64(root_window.max(1) as u64, "root window")?)
        .fetch_optional(&self.pool)
        .await?;
        Ok(found.is_some())
    }
}

/// Refuses a manifest gated by a group the relay does not have.
pub(super) async fn check_group_exists(
    conn: &mut SqliteConnection,
    access: &AccessPolicy,
) -> Result<(), StoreError> {
    let AccessPolicy::Group { group, .. } = access else {
        return Ok(());
    };
    match group_row(conn, group.as_str()).await? {
        Some(_) => Ok(()),
        None => Err(StoreError::MissingGroup(group.to_string())),
    }
}

/// Changes the members of an existing group (in memory and in its rows), records the new root
/// and the request's `issued_at`; returns the tree (the one in memory, or rebuilt).
#[allow(clippy::too_many_arguments)]
async fn apply_change(
    conn: &mut SqliteConnection,
    id: &str,
    change: &GroupChange,
    tree: Option<MerkleTree>,
    row: &GroupRow,
    issued_at: u64,
    now: u64,
    root_window: usize,
) -> Result<MerkleTree, StoreError> {
    let mut tree = match tree {
        Some(tree) => tree,
        None => new_tree(&leaves(conn, id).await?)?,
    };
    change_members(conn, id, change, &mut tree, row.size).await?;
    record_root(conn, id, &tree, now, root_window).await?;
    sqlx::query("UPDATE groups SET issued_at = ?, size = ?, updated_at = ? WHERE id = ?")
        .bind(to_i64(issued_at, "issued_at")?)
        .bind(to_i64(tree.len(), "size")?)
        .bind(to_i64(now, "time")?)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(tree)
}

fn refused(message: String) -> StoreError {
    StoreError::Refused(GateError::new(ErrorCode::BadRequest, message))
}

fn new_tree(leaves: &[Fr]) -> Result<MerkleTree, StoreError> {
    // the relay keeps its window of roots in the database; the tree's own history is unused
    MerkleTree::from_leaves(TREE_DEPTH, 1, leaves)
        .map_err(|e| refused(format!("the group's tree: {e}")))
}

async fn group_row(conn: &mut SqliteConnection, id: &str) -> Result<Option<GroupRow>, StoreError> {
    let row = sqlx::query("SELECT owner, issued_at, size FROM groups WHERE id = ?")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(match row {
        Some(row) => Some(GroupRow {
            owner: row.try_get("owner")?,
            issued_at: row.try_get("issued_at")?,
            size: row.try_get("size")?,
        }),
        None => None,
    })
}

/// The group's leaves in order, from its rows.
async fn leaves(conn: &mut SqliteConnection, id: &str) -> Result<Vec<Fr>, StoreError> {
    let rows: Vec<String> =
        sqlx::query_scalar("SELECT commitment FROM group_members WHERE group_id = ? ORDER BY leaf")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
    rows.iter()
        .map(|c| from_decimal(c, "stored member").map_err(|e| StoreError::Record(e.to_string())))
        .collect()
}

async fn create(
    conn: &mut SqliteConnection,
    request: &GroupRequest,
    tree: &MerkleTree,
    now: u64,
) -> Result<(), StoreError> {
    let now = to_i64(now, "time")?;
    sqlx::query(
        "INSERT INTO groups (id, owner, issued_at, size, created_at, updated_at) VALUES (?, ?, ?, 0, ?, ?)",
    )
    .bind(request.group.as_str())
    .bind(&request.owner)
    .bind(to_i64(request.issued_at, "issued_at")?)
    .bind(now)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query("INSERT INTO group_roots (group_id, seq, root, created_at) VALUES (?, 1, ?, ?)")
        .bind(request.group.as_str())
        .bind(to_decimal(&tree.root()))
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Appends or zeroes members, in the tree and in the rows.
async fn change_members(
    conn: &mut SqliteConnection,
    id: &str,
    change: &GroupChange,
    tree: &mut MerkleTree,
    size: i64,
) -> Result<(), StoreError> {
    if u64::try_from(size).ok() != Some(tree.len()) {
        return Err(StoreError::Record(format!(
            "group {id}: {size} leaves stored, {} in memory",
            tree.len()
        )));
    }
    match change {
        GroupChange::Create => Ok(()),
        GroupChange::Add { members } => {
            for member in members {
                if leaf_of(conn, id, member).await?.is_some() {
                    return Err(refused(format!("{member} is already a member of {id}")));
                }
                let value = from_decimal(member, "member").map_err(|e| refused(e.to_string()))?;
                let leaf = tree.append(value).map_err(|e| refused(e.to_string()))?;
                sqlx::query(
                    "INSERT INTO group_members (group_id, leaf, commitment) VALUES (?, ?, ?)",
                )
                .bind(id)
                .bind(to_i64(leaf, "leaf")?)
                .bind(member)
                .execute(&mut *conn)
                .await?;
            }
            Ok(())
        }
        GroupChange::Set { members } => {
            let wanted: std::collections::HashSet<&str> =
                members.iter().map(String::as_str).collect();
            let current: Vec<(i64, String)> = sqlx::query_as(
                "SELECT leaf, commitment FROM group_members WHERE group_id = ? AND commitment != '0' ORDER BY leaf",
            )
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
            let present: std::collections::HashSet<&str> =
                current.iter().map(|(_, c)| c.as_str()).collect();
            let gone: Vec<String> = current
                .iter()
                .filter(|(_, c)| !wanted.contains(c.as_str()))
                .map(|(_, c)| c.clone())
                .collect();
            let new: Vec<String> = members
                .iter()
                .filter(|m| !present.contains(m.as_str()))
                .cloned()
                .collect();
            if !gone.is_empty() {
                let remove = GroupChange::Remove { members: gone };
                Box::pin(change_members(conn, id, &remove, tree, size)).await?;
            }
            if !new.is_empty() {
                let size = i64::try_from(tree.len()).unwrap_or(i64::MAX);
                let add = GroupChange::Add { members: new };
                Box::pin(change_members(conn, id, &add, tree, size)).await?;
            }
            Ok(())
        }
        GroupChange::Remove { members } => {
            for member in members {
                let Some(leaf) = leaf_of(conn, id, member).await? else {
                    return Err(refused(format!("{member} is not a member of {id}")));
                };
                tree.remove(leaf).map_err(|e| refused(e.to_string()))?;
                sqlx::query(
                    "UPDATE group_members SET commitment = '0' WHERE group_id = ? AND leaf = ?",
                )
                .bind(id)
                .bind(to_i64(leaf, "leaf")?)
                .execute(&mut *conn)
                .await?;
            }
            Ok(())
        }
    }
}

async fn leaf_of(
    conn: &mut SqliteConnection,
    id: &str,
    member: &str,
) -> Result<Option<u64>, StoreError> {
    let leaf: Option<i64> = sqlx::query_scalar(
        "SELECT leaf FROM group_members WHERE group_id = ? AND commitment = ? LIMIT 1",
    )
    .bind(id)
    .bind(member)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(leaf.map(i64::unsigned_abs))
}

/// Records the tree's root as the group's newest and forgets roots outside the window.
async fn record_root(
    conn: &mut SqliteConnection,
    id: &str,
    tree: &MerkleTree,
    now: u64,
    root_window: usize,
) -> Result<(), StoreError> {
    let seq: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) + 1 FROM group_roots WHERE group_id = ?")
            .bind(id)
            .fetch_one(&mut *conn)
            .await?;
    sqlx::query("INSERT INTO group_roots (group_id, seq, root, created_at) VALUES (?, ?, ?, ?)")
        .bind(id)
        .bind(seq)
        .bind(to_decimal(&tree.root()))
        .bind(to_i64(now, "time")?)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM group_roots WHERE group_id = ? AND seq <= ?")
        .bind(id)
        .bind(seq - to_i64(root_window.max(1) as u64, "root window")?)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
