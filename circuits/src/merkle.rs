//! The access group: an incremental Merkle tree of identity commitments (native).
//!
//! Fixed depth (20 for credentials, [`TREE_DEPTH`]), nodes `hash2(left, right)`, and
//! zero-valued empty subtrees: an empty leaf is the field element 0 and an empty subtree of
//! height `h` is `Z_h`, with `Z_0 = 0` and `Z_{h+1} = hash2(Z_h, Z_h)`. So an empty tree's root
//! is `Z_depth`, and the root does not depend on how many positions are in use, only on their
//! values. Leaves are appended at the next free position and never move; removing a member
//! sets its leaf to 0 (its position is not reused). Zero is never a member: a commitment is
//! `hash1(s)`, which is 0 only with negligible probability.
//!
//! Layout: one vector per level holding the nodes of the used prefix (`ceil(len / 2^level)`
//! nodes), everything to their right being the known `Z_level`. A full 2^20 tree takes about
//! 2·2^20 nodes (64 MiB); building it with [`MerkleTree::from_leaves`] costs about 2^20 hashes.
//!
//! Every mutation records the new root in a window of recent roots ([`RootHistory`]), so a
//! proof made against a slightly older root still verifies.

use std::collections::VecDeque;

use crate::poseidon::hash2;
use crate::{Error, Fr, Result};

/// Depth of the credential circuit's tree: up to 2^20 members.
pub const TREE_DEPTH: usize = 20;
/// Default number of recent roots a group accepts.
pub const DEFAULT_ROOT_HISTORY: usize = 32;
/// The deepest tree supported (leaf positions are `u64`).
const MAX_DEPTH: usize = 32;

/// The recent roots of a group, newest last.
#[derive(Debug, Clone)]
pub struct RootHistory {
    roots: VecDeque<Fr>,
    size: usize,
}

impl RootHistory {
    /// A window of `size` roots (at least 1) starting with `root`.
    pub fn new(size: usize, root: Fr) -> Result<Self> {
        if size == 0 {
            return Err(Error::RootHistorySize);
        }
        let mut roots = VecDeque::with_capacity(size);
        roots.push_back(root);
        Ok(RootHistory { roots, size })
    }

    /// Records `root`, forgetting the oldest one if the window is full.
    pub fn push(&mut self, root: Fr) {
        if self.roots.len() == self.size {
            self.roots.pop_front();
        }
        self.roots.push_back(root);
    }

    /// Whether `root` is one of the recent roots.
    pub fn contains(&self, root: &Fr) -> bool {
        self.roots.contains(root)
    }

    /// The recent roots, oldest first.
    pub fn roots(&self) -> impl Iterator<Item = &Fr> {
        self.roots.iter()
    }
}

/// A membership proof: the siblings from the leaf up and the leaf's position bits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MerkleProof {
    /// `siblings[h]` is the sibling of the path's node at height `h`.
    pub siblings: Vec<Fr>,
    /// `path_bits[h]` is true when the path's node at height `h` is a right child (bit `h`
    /// of the leaf index).
    pub path_bits: Vec<bool>,
}

impl MerkleProof {
    /// The root this path leads to from `leaf` (the native twin of the circuit's path).
    pub fn root(&self, leaf: Fr) -> Fr {
        self.siblings
            .iter()
            .zip(&self.path_bits)
            .fold(leaf, |node, (sibling, right)| {
                if *right {
                    hash2(*sibling, node)
                } else {
                    hash2(node, *sibling)
                }
            })
    }

    /// The leaf position encoded by the path bits.
    pub fn index(&self) -> u64 {
        self.path_bits
            .iter()
            .rev()
            .fold(0, |index, bit| (index << 1) | u64::from(*bit))
    }

    /// Number of levels.
    pub fn depth(&self) -> usize {
        self.siblings.len()
    }
}

/// An incremental Merkle tree with zero-valued empty subtrees (see the module docs).
#[derive(Debug, Clone)]
pub struct MerkleTree {
    depth: usize,
    /// `zeros[h]` = root of an empty subtree of height `h`.
    zeros: Vec<Fr>,
    /// `levels[h]` = the nodes of height `h` of the used prefix; `levels[0]` are the leaves.
    levels: Vec<Vec<Fr>>,
    history: RootHistory,
}

impl MerkleTree {
    /// An empty tree of `depth` levels keeping `root_history` recent roots.
    pub fn new(depth: usize, root_history: usize) -> Result<Self> {
        if depth == 0 || depth > MAX_DEPTH {
            return Err(Error::TreeDepth { depth });
        }
        let mut zeros = vec![Fr::from(0u64)];
        for h in 0..depth {
            zeros.push(hash2(zeros[h], zeros[h]));
        }
        let history = RootHistory::new(root_history, zeros[depth])?;
        Ok(MerkleTree {
            depth,
            zeros,
            levels: vec![Vec::new(); depth + 1],
            history,
        })
    }

    /// A tree holding `leaves` in order, built level by level (one hash per inner node);
    /// the history starts with its root. A zero leaf is a removed member's position, as a
    /// group's listing shows it.
    pub fn from_leaves(depth: usize, root_history: usize, leaves: &[Fr]) -> Result<Self> {
        let mut tree = MerkleTree::new(depth, root_history)?;
        if leaves.len() as u64 > tree.capacity() {
            return Err(Error::TreeFull {
                capacity: tree.capacity(),
            });
        }
        tree.levels[0] = leaves.to_vec();
        for h in 0..depth {
            tree.levels[h + 1] = parents(&tree.levels[h], tree.zeros[h]);
        }
        tree.history = RootHistory::new(root_history, tree.root())?;
        Ok(tree)
    }

    /// Number of levels.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// Number of leaf positions: 2^depth.
    pub fn capacity(&self) -> u64 {
        1u64 << self.depth
    }

    /// Number of positions used (appended leaves, removed ones included).
    pub fn len(&self) -> u64 {
        self.levels[0].len() as u64
    }

    /// Whether no leaf was ever appended.
    pub fn is_empty(&self) -> bool {
        self.levels[0].is_empty()
    }

    /// The current root.
    pub fn root(&self) -> Fr {
        self.node(self.depth, 0)
    }

    /// The window of recent roots.
    pub fn history(&self) -> &RootHistory {
        &self.history
    }

    /// Whether `root` is a recent root of this tree.
    pub fn is_known_root(&self, root: &Fr) -> bool {
        self.history.contains(root)
    }

    /// The leaf at `index` (0 if removed), if that position is used.
    pub fn leaf(&self, index: u64) -> Option<Fr> {
        usize::try_from(index)
            .ok()
            .and_then(|i| self.levels[0].get(i).copied())
    }

    /// The first position holding `leaf`.
    pub fn index_of(&self, leaf: &Fr) -> Option<u64> {
        self.levels[0]
            .iter()
            .position(|l| l == leaf)
            .map(|i| i as u64)
    }

    /// Appends `leaf` at the next free position and returns that position.
    pub fn append(&mut self, leaf: Fr) -> Result<u64> {
        if leaf == Fr::from(0u64) {
            return Err(Error::ZeroLeaf);
        }
        let index = self.len();
        if index >= self.capacity() {
            return Err(Error::TreeFull {
                capacity: self.capacity(),
            });
        }
        self.levels[0].push(leaf);
        self.rehash_path(index);
        Ok(index)
    }

    /// Replaces the member at `index` with `leaf`.
    pub fn update(&mut self, index: u64, leaf: Fr) -> Result<()> {
        if leaf == Fr::from(0u64) {
            return Err(Error::ZeroLeaf);
        }
        self.set(index, leaf)
    }

    /// Removes the member at `index`: its leaf becomes 0; the position is not reused.
    pub fn remove(&mut self, index: u64) -> Result<()> {
        self.set(index, Fr::from(0u64))
    }

    /// The membership proof of the leaf at `index`.
    pub fn proof(&self, index: u64) -> Result<MerkleProof> {
        match self.leaf(index) {
            None => Err(Error::IndexOutOfRange {
                index,
                len: self.len(),
            }),
            Some(leaf) if leaf == Fr::from(0u64) => Err(Error::EmptyLeaf { index }),
            Some(_) => Ok(MerkleProof {
                siblings: (0..self.depth)
                    .map(|h| self.node(h, (index >> h) ^ 1))
                    .collect(),
                path_bits: (0..self.depth).map(|h| (index >> h) & 1 == 1).collect(),
            }),
        }
    }

    fn set(&mut self, index: u64, leaf: Fr) -> Result<()> {
        let len = self.len();
        let slot = usize::try_from(index)
            .ok()
            .and_then(|i| self.levels[0].get_mut(i))
            .ok_or(Error::IndexOutOfRange { index, len })?;
        *slot = leaf;
        self.rehash_path(index);
        Ok(())
    }

    /// The node of height `h` at position `index` of its level.
    fn node(&self, h: usize, index: u64) -> Fr {
        usize::try_from(index)
            .ok()
            .and_then(|i| self.levels[h].get(i).copied())
            .unwrap_or(self.zeros[h])
    }

    /// Recomputes the ancestors of leaf `index` and records the new root.
    fn rehash_path(&mut self, index: u64) {
        for h in 0..self.depth {
            let parent = index >> (h + 1);
            let value = hash2(self.node(h, parent << 1), self.node(h, (parent << 1) | 1));
            let level = &mut self.levels[h + 1];
            match usize::try_from(parent) {
                Ok(p) if p < level.len() => level[p] = value,
                _ => level.push(value),
            }
        }
        self.history.push(self.root());
    }
}

/// The nodes above `level` (a last odd node's sibling is `zero`): with `threads`, hashed on
/// the current rayon pool.
fn parents(level: &[Fr], zero: Fr) -> Vec<Fr> {
    let parent = |pair: &[Fr]| hash2(pair[0], pair.get(1).copied().unwrap_or(zero));
    #[cfg(feature = "threads")]
    {
        use rayon::prelude::*;
        level.par_chunks(2).map(parent).collect()
    }
    #[cfg(not(feature = "threads"))]
    level.chunks(2).map(parent).collect()
}

#[cfg(test)]
mod tests {
    use ark_ff::UniformRand;
    use proptest::prelude::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    use super::*;

    fn leaves(n: usize, seed: u64) -> Vec<Fr> {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        (0..n).map(|_| Fr::rand(&mut rng)).collect()
    }

    /// The root recomputed from scratch over all 2^depth positions.
    fn naive_root(depth: usize, leaves: &[Fr]) -> Fr {
        let mut level: Vec<Fr> = (0..1usize << depth)
            .map(|i| leaves.get(i).copied().unwrap_or(Fr::from(0u64)))
            .collect();
        while level.len() > 1 {
            level = level.chunks(2).map(|p| hash2(p[0], p[1])).collect();
        }
        level[0]
    }

    #[test]
    fn empty_roots_are_the_zero_chain() {
        let tree = MerkleTree::new(TREE_DEPTH, 4).expect("tree");
        let mut z = Fr::from(0u64);
        for _ in 0..TREE_DEPTH {
            z = hash2(z, z);
        }
        assert_eq!(tree.root(), z);
        assert!(tree.is_known_root(&z));
        assert!(tree.is_empty());
    }

    #[test]
    fn refuses_bad_shapes() {
        assert!(matches!(
            MerkleTree::new(0, 1),
            Err(Error::TreeDepth { depth: 0 })
        ));
        assert!(matches!(
            MerkleTree::new(33, 1),
            Err(Error::TreeDepth { depth: 33 })
        ));
        assert!(matches!(MerkleTree::new(4, 0), Err(Error::RootHistorySize)));
    }

    #[test]
    fn full_tree_and_out_of_range_are_typed_errors() {
        let mut tree = MerkleTree::new(2, 8).expect("tree");
        for leaf in leaves(4, 1) {
            tree.append(leaf).expect("room");
        }
        assert!(matches!(
            tree.append(Fr::from(9u64)),
            Err(Error::TreeFull { capacity: 4 })
        ));
        assert!(matches!(
            MerkleTree::from_leaves(2, 8, &leaves(5, 1)),
            Err(Error::TreeFull { capacity: 4 })
        ));
        let mut small = MerkleTree::new(3, 8).expect("tree");
        small.append(Fr::from(5u64)).expect("append");
        assert!(matches!(
            small.update(1, Fr::from(6u64)),
            Err(Error::IndexOutOfRange { index: 1, len: 1 })
        ));
        assert!(matches!(
            small.remove(7),
            Err(Error::IndexOutOfRange { .. })
        ));
        assert!(matches!(
            small.proof(u64::MAX),
            Err(Error::IndexOutOfRange { .. })
        ));
        assert!(matches!(small.append(Fr::from(0u64)), Err(Error::ZeroLeaf)));
        assert!(matches!(
            small.update(0, Fr::from(0u64)),
            Err(Error::ZeroLeaf)
        ));
    }

    #[test]
    fn removed_members_have_no_proof_and_keep_their_position() {
        let mut tree = MerkleTree::from_leaves(4, 8, &leaves(3, 2)).expect("tree");
        tree.remove(1).expect("remove");
        assert!(matches!(tree.proof(1), Err(Error::EmptyLeaf { index: 1 })));
        // a listing with the removed position as 0 rebuilds the same tree
        let mut listed = leaves(3, 2);
        listed[1] = Fr::from(0u64);
        let rebuilt = MerkleTree::from_leaves(4, 8, &listed).expect("rebuilt");
        assert_eq!(rebuilt.root(), tree.root());
        assert_eq!(tree.leaf(1), Some(Fr::from(0u64)));
        assert_eq!(tree.append(Fr::from(77u64)).expect("append"), 3);
        let proof = tree.proof(2).expect("proof");
        assert_eq!(proof.root(tree.leaf(2).expect("leaf")), tree.root());
    }

    #[test]
    fn root_history_keeps_a_window() {
        let mut tree = MerkleTree::new(5, 3).expect("tree");
        let mut roots = vec![tree.root()];
        for leaf in leaves(4, 3) {
            tree.append(leaf).expect("append");
            roots.push(tree.root());
        }
        assert!(!tree.is_known_root(&roots[0]));
        assert!(!tree.is_known_root(&roots[1]));
        for root in &roots[2..] {
            assert!(tree.is_known_root(root));
        }
        assert_eq!(tree.history().roots().count(), 3);
    }

    #[test]
    fn depth_20_proofs_verify() {
        let members = leaves(5, 4);
        let tree = MerkleTree::from_leaves(TREE_DEPTH, 4, &members).expect("tree");
        for (i, leaf) in members.iter().enumerate() {
            let proof = tree.proof(i as u64).expect("proof");
            assert_eq!(proof.depth(), TREE_DEPTH);
            assert_eq!(proof.index(), i as u64);
            assert_eq!(proof.root(*leaf), tree.root());
            assert_ne!(proof.root(*leaf + Fr::from(1u64)), tree.root());
        }
        assert_eq!(tree.index_of(&members[3]), Some(3));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// Appends, updates and removals agree with a from-scratch computation, and every
        /// member's proof leads to the root.
        #[test]
        fn operations_agree_with_naive_roots(
            seed in any::<u64>(),
            n in 1usize..=16,
            ops in proptest::collection::vec((any::<u8>(), any::<bool>()), 0..8),
        ) {
            let depth = 4;
            let mut model = leaves(n, seed);
            let mut tree = MerkleTree::new(depth, 64).expect("tree");
            for leaf in &model {
                tree.append(*leaf).expect("append");
            }
            let bulk = MerkleTree::from_leaves(depth, 1, &model).expect("bulk");
            prop_assert_eq!(bulk.root(), tree.root());
            for (k, (pick, remove)) in ops.iter().enumerate() {
                let index = usize::from(*pick) % n;
                if *remove {
                    tree.remove(index as u64).expect("remove");
                    model[index] = Fr::from(0u64);
                } else {
                    let leaf = Fr::from(1000 + k as u64);
                    tree.update(index as u64, leaf).expect("update");
                    model[index] = leaf;
                }
                prop_assert!(tree.is_known_root(&tree.root()));
            }
            prop_assert_eq!(tree.root(), naive_root(depth, &model));
            for (i, leaf) in model.iter().enumerate() {
                if *leaf != Fr::from(0u64) {
                    let proof = tree.proof(i as u64).expect("proof");
                    prop_assert_eq!(proof.root(*leaf), tree.root());
                }
            }
        }
    }
}
