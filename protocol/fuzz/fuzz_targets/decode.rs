//! Any bytes given to the decoders: never a panic, only typed errors.
#![no_main]

use libfuzzer_sys::fuzz_target;
use webfn_protocol::{CallerToRelay, ProviderToRelay, RelayToCaller, RelayToProvider, decode};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = decode::<RelayToProvider>(text, 1 << 20);
        let _ = decode::<ProviderToRelay>(text, 1 << 20);
        let _ = decode::<CallerToRelay>(text, 1 << 20);
        let _ = decode::<RelayToCaller>(text, 1 << 20);
    }
});
