//! The crate's error type: one variant per way an input can be wrong, each with a message that
//! says what was expected.

/// Everything that can go wrong while decoding, signing or hashing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An error inside a named field of a larger input (`fee`, `signature.scalar`, `data[3]`…).
    #[error("{field}: {error}")]
    InField {
        /// Path of the offending field, as it appears in the JSON input.
        field: String,
        /// What is wrong with it (part of this error's message, so not a `source`).
        error: Box<Error>,
    },
    /// A character outside the base58 (bitcoin) alphabet.
    #[error("invalid base58 character")]
    Base58Character,
    /// The 4-byte base58check checksum does not match.
    #[error("invalid base58 checksum")]
    Checksum,
    /// The base58check version byte names another kind of object.
    #[error("wrong version byte {found} (expected {expected}, {kind})")]
    VersionByte {
        /// The version byte of the expected kind.
        expected: u8,
        /// The version byte found.
        found: u8,
        /// The expected kind, e.g. "public key".
        kind: &'static str,
    },
    /// The inner version number after the version byte is not the supported one.
    #[error("unsupported version number {found} (expected {expected})")]
    VersionNumber {
        /// The supported version number.
        expected: u8,
        /// The version number found.
        found: u8,
    },
    /// Base58check text too short to hold a version byte and a checksum.
    #[error("too short for base58check ({0} bytes; at least 5 are needed)")]
    Base58TooShort(usize),
    /// The operating system (or the browser) gave no random bytes.
    #[error("no secure random source is available: {0}")]
    Randomness(String),
    /// The decoded payload has the wrong length.
    #[error("wrong length: {found} bytes (expected {expected})")]
    Length {
        /// Expected payload length in bytes.
        expected: usize,
        /// Actual payload length in bytes.
        found: usize,
    },
    /// An x coordinate with no point of the Pallas curve above it.
    #[error("not a point on the Pallas curve")]
    NotOnCurve,
    /// The parity flag of a compressed point is neither 0 nor 1.
    #[error("invalid parity byte {0} (expected 0 or 1)")]
    Parity(u8),
    /// A private key or signature scalar that is not in `1..q` (or `0..q`).
    #[error("scalar out of range (must be below the Pallas scalar modulus q{})", if *.nonzero { " and non-zero" } else { "" })]
    ScalarRange {
        /// Whether zero is also refused.
        nonzero: bool,
    },
    /// A field element that is not below the Pallas base modulus p.
    #[error("field element out of range (must be below the Pallas base modulus p)")]
    FieldRange,
    /// A memo longer than Mina allows.
    #[error("{0} UTF-8 bytes long; at most 32 are allowed")]
    MemoTooLong(usize),
    /// Text that is not an unsigned integer as JavaScript's `BigInt()` reads it.
    #[error("{0:?} is not an integer")]
    NotAnInteger(String),
    /// A JSON number too large to be exact (above 2^53 and not read as an integer).
    #[error(
        "{0} is beyond 2^53 as a floating-point JSON number and may have lost digits; pass it as a decimal string"
    )]
    Imprecise(String),
    /// A negative integer where only non-negative ones are allowed.
    #[error("input must be non-negative, got {0}")]
    Negative(String),
    /// An integer above the maximum of its type.
    #[error("{value} exceeds the maximum {max}")]
    Overflow {
        /// The value, in decimal.
        value: String,
        /// The maximum of the type, in decimal.
        max: u64,
    },
    /// A JSON value of the wrong type.
    #[error("expected {expected}, got {found}")]
    JsonType {
        /// What was expected, e.g. "a string".
        expected: &'static str,
        /// What was found, e.g. "null".
        found: &'static str,
    },
    /// A required field is missing.
    #[error("missing")]
    Missing,
    /// The `from` of a command is not the public key of the signing private key.
    #[error("{from} is not the public key of the signing private key ({expected})")]
    NotSigner {
        /// The `from` key of the command.
        from: String,
        /// The public key of the private key that was given.
        expected: String,
    },
    /// A network name that cannot be turned into a signature prefix.
    #[error("invalid network name {0:?}: {1}")]
    Network(String, &'static str),
    /// The unknown kind of a signing request.
    #[error("unknown kind {0:?} (expected payment, delegation, message or fields)")]
    Kind(String),
    /// The deterministic nonce came out as zero (probability about 2^-254).
    #[error("derived nonce is zero")]
    ZeroNonce,
}

impl Error {
    /// Wraps this error with the name of the field it occurred in.
    pub fn in_field(self, field: impl Into<String>) -> Error {
        Error::InField {
            field: field.into(),
            error: Box::new(self),
        }
    }

    /// The innermost error, under any field context.
    pub fn root(&self) -> &Error {
        match self {
            Error::InField { error, .. } => error.root(),
            other => other,
        }
    }

    /// The dotted path of fields this error is nested in (empty when none).
    pub fn field_path(&self) -> String {
        let mut path = Vec::new();
        let mut current = self;
        while let Error::InField { field, error } = current {
            path.push(field.as_str());
            current = error;
        }
        path.join(".")
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Adds field context to the error of a result.
pub(crate) trait Context<T> {
    fn field(self, name: &str) -> Result<T>;
}

impl<T> Context<T> for Result<T> {
    fn field(self, name: &str) -> Result<T> {
        self.map_err(|e| e.in_field(name))
    }
}
