//! The test harness lives in the crate, behind the `test-issuer` feature, so that the relay's
//! tests use the same issuer: see `src/test_issuer.rs`.

pub use webfn_oidc::test_issuer::*;
