//! The crate's one error type: every rejection of bad input is one of these variants.

use ark_relations::gr1cs::SynthesisError;

/// Which of the three points of a Groth16 proof an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProofElement {
    /// `A`, in G1 (bytes 0..48).
    A,
    /// `B`, in G2 (bytes 48..144).
    B,
    /// `C`, in G1 (bytes 144..192).
    C,
}

impl std::fmt::Display for ProofElement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ProofElement::A => "A",
            ProofElement::B => "B",
            ProofElement::C => "C",
        })
    }
}

/// Errors of webfn-circuits.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A field element's text is not a canonical decimal number below the field modulus.
    #[error("{what} is not a field element: {reason}")]
    FieldElement {
        /// what was being parsed (`secret`, `root`, `group[3]`, …)
        what: String,
        /// why it was refused
        reason: &'static str,
    },
    /// A tree depth outside 1..=32.
    #[error("tree depth {depth} is not supported (1..=32)")]
    TreeDepth {
        /// the refused depth
        depth: usize,
    },
    /// A root history window of size zero.
    #[error("the root history must keep at least one root")]
    RootHistorySize,
    /// Every leaf position of the tree is used.
    #[error("the tree is full ({capacity} leaves)")]
    TreeFull {
        /// 2^depth
        capacity: u64,
    },
    /// A leaf index that was never appended.
    #[error("leaf index {index} is out of range (the tree has {len} leaves)")]
    IndexOutOfRange {
        /// the refused index
        index: u64,
        /// number of leaf positions in use
        len: u64,
    },
    /// Zero is the empty leaf: it cannot be appended or set as a member.
    #[error("the zero leaf marks an empty position and cannot be a member")]
    ZeroLeaf,
    /// A membership proof was asked for an empty (zero or removed) leaf.
    #[error("leaf {index} is empty (never set or removed)")]
    EmptyLeaf {
        /// the refused index
        index: u64,
    },
    /// A Merkle path of the wrong length for the circuit.
    #[error("the Merkle path has {got} levels, the circuit needs {expected}")]
    PathLength {
        /// the circuit's depth
        expected: usize,
        /// the path's depth
        got: usize,
    },
    /// The commitment of a secret is not a leaf of the group.
    #[error("the identity's commitment is not a member of the group")]
    NotAMember,
    /// The witness does not satisfy the credential circuit: wrong secret, path or inputs.
    #[error(
        "the witness does not satisfy the credential circuit (wrong secret, path or public inputs)"
    )]
    Unsatisfied,
    /// The proof's root is not in the group's recent roots.
    #[error("the proof's root is not a recent root of the group")]
    UnknownRoot,
    /// arkworks failed to synthesize, set up, prove or verify.
    #[error("groth16: {0}")]
    Synthesis(#[from] SynthesisError),
    /// A proof of the wrong length.
    #[error("a proof is {expected} bytes, got {got}")]
    ProofLength {
        /// 192
        expected: usize,
        /// the length received
        got: usize,
    },
    /// A proof's hex text is not valid hex.
    #[error("the proof is not hex: {0}")]
    ProofHex(#[from] hex::FromHexError),
    /// A point's bytes are not a compressed encoding (flags, or a coordinate not below p).
    #[error("proof point {element} is not a valid compressed encoding")]
    PointEncoding {
        /// which point
        element: ProofElement,
    },
    /// A point's x-coordinate has no y on the curve.
    #[error("proof point {element} is not on the curve")]
    NotOnCurve {
        /// which point
        element: ProofElement,
    },
    /// A point on the curve but outside the prime-order subgroup.
    #[error("proof point {element} is not in the prime-order subgroup")]
    NotInSubgroup {
        /// which point
        element: ProofElement,
    },
    /// A point at infinity, refused in proofs.
    #[error("proof point {element} is the identity")]
    Identity {
        /// which point
        element: ProofElement,
    },
    /// A key file whose header or body is malformed.
    #[error("key file: {0}")]
    KeyFormat(String),
    /// A key whose digest is not the expected one.
    #[error("key digest mismatch: expected {expected}, got {got}")]
    KeyDigest {
        /// the pinned digest
        expected: String,
        /// the digest of the bytes received
        got: String,
    },
}

/// Results of webfn-circuits.
pub type Result<T, E = Error> = std::result::Result<T, E>;
