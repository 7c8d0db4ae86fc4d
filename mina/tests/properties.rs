//! Property tests: sign/verify round trips, and any change to the data, the signature, the key
//! or the network makes verification fail. Encoders round-trip.

use proptest::prelude::*;
use webfn_mina::{Command, Common, Memo, NetworkId, PrivateKey, PublicKey, Signature, curve};

fn key() -> impl Strategy<Value = PrivateKey> {
    any::<[u8; 32]>().prop_filter_map("zero or out of range", |mut bytes| {
        bytes[31] &= 0x3f;
        PrivateKey::from_bytes(&bytes).ok()
    })
}

fn network() -> impl Strategy<Value = NetworkId> {
    prop_oneof![
        Just(NetworkId::Mainnet),
        Just(NetworkId::Testnet),
        "[a-z][a-z0-9-]{0,24}"
            .prop_filter_map("reserved name", |name| NetworkId::from_name(&name).ok()),
    ]
}

fn memo() -> impl Strategy<Value = Memo> {
    ".{0,12}".prop_filter_map("longer than 32 bytes", |text| Memo::new(&text).ok())
}

prop_compose! {
    fn command()(key in key(), to in key(), fee in any::<u64>(), nonce in any::<u32>(),
                 valid_until in any::<u32>(), memo in memo(), amount in any::<u64>(), payment in any::<bool>())
        -> (PrivateKey, Command) {
        let common = Common { from: key.public_key(), fee, nonce, valid_until, memo };
        let to = to.public_key();
        let command = if payment { Command::payment(common, to, amount) } else { Command::delegation(common, to) };
        (key, command)
    }
}

/// Every single-field change of a command.
fn mutations(command: &Command, other: PublicKey) -> Vec<Command> {
    let mut out = Vec::new();
    let mut c = command.clone();
    c.common.fee ^= 1;
    out.push(c);
    let mut c = command.clone();
    c.common.nonce = c.common.nonce.wrapping_add(1);
    out.push(c);
    let mut c = command.clone();
    c.common.valid_until ^= 1 << 31;
    out.push(c);
    let mut c = command.clone();
    let different = if c.common.memo.text() == "x" {
        "y"
    } else {
        "x"
    };
    c.common.memo = Memo::new(different).unwrap_or_default();
    out.push(c);
    match command.body {
        webfn_mina::Body::Payment { to, amount } => {
            let mut c = command.clone();
            c.body = webfn_mina::Body::Payment {
                to,
                amount: amount ^ (1 << 63),
            };
            out.push(c);
            let mut c = command.clone();
            c.body = webfn_mina::Body::Payment { to: other, amount };
            out.push(c);
        }
        webfn_mina::Body::StakeDelegation { .. } => {
            let mut c = command.clone();
            c.body = webfn_mina::Body::StakeDelegation { to: other };
            out.push(c);
        }
    }
    let mut c = command.clone();
    c.body = match command.body {
        webfn_mina::Body::Payment { to, .. } => webfn_mina::Body::StakeDelegation { to },
        webfn_mina::Body::StakeDelegation { to } => webfn_mina::Body::Payment { to, amount: 0 },
    };
    out.push(c);
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn commands_round_trip_and_resist_tampering((key, command) in command(), network in network(), other in key()) {
        let signature = command.sign(&key, &network).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let signer = key.public_key();
        prop_assert!(command.verify(&signature, &signer, &network));
        // deterministic
        prop_assert_eq!(command.sign(&key, &network).ok(), Some(signature));
        for changed in mutations(&command, other.public_key()) {
            prop_assert!(!changed.verify(&signature, &signer, &network), "{:?}", changed);
        }
        prop_assert!(!command.verify(&signature, &other.public_key(), &network));
        let bumped_s = Signature { r: signature.r, s: signature.s + curve::Scalar::from(1u8) };
        prop_assert!(!command.verify(&bumped_s, &signer, &network));
        let bumped_r = Signature { r: signature.r + curve::Field::from(1u8), s: signature.s };
        prop_assert!(!command.verify(&bumped_r, &signer, &network));
        let elsewhere = if network == NetworkId::Mainnet { NetworkId::Testnet } else { NetworkId::Mainnet };
        prop_assert!(!command.verify(&signature, &signer, &elsewhere));
    }

    #[test]
    fn messages_round_trip(key in key(), message in ".{0,200}", network in network(), other in key()) {
        let input = webfn_mina::message_input(&message);
        let signature = webfn_mina::sign_legacy(&input, &key, &network).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(webfn_mina::verify_legacy(&input, &signature, &key.public_key(), &network));
        let changed = webfn_mina::message_input(&format!("{message} "));
        prop_assert!(!webfn_mina::verify_legacy(&changed, &signature, &key.public_key(), &network));
        prop_assert!(!webfn_mina::verify_legacy(&input, &signature, &other.public_key(), &network));
    }

    #[test]
    fn fields_round_trip(key in key(), values in prop::collection::vec(any::<u64>(), 0..12), other in key()) {
        let fields: Vec<curve::Field> = values.iter().map(|v| curve::Field::from(*v)).collect();
        let network = NetworkId::Testnet;
        let signature = webfn_mina::sign_fields(&fields, &key, &network).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(webfn_mina::verify_fields(&fields, &signature, &key.public_key(), &network));
        prop_assert!(!webfn_mina::verify_fields(&fields, &signature, &other.public_key(), &network));
        prop_assert!(!webfn_mina::verify_fields(&fields, &signature, &key.public_key(), &NetworkId::Mainnet));
        let mut extended = fields.clone();
        extended.push(curve::Field::from(0u8));
        prop_assert!(!webfn_mina::verify_fields(&extended, &signature, &key.public_key(), &network));
        if let Some(first) = fields.first() {
            let mut changed = fields.clone();
            changed[0] = *first + curve::Field::from(1u8);
            prop_assert!(!webfn_mina::verify_fields(&changed, &signature, &key.public_key(), &network));
        }
        // the base58 form round-trips
        prop_assert_eq!(Signature::from_base58(&signature.to_base58()).ok(), Some(signature));
    }

    #[test]
    fn key_encodings_round_trip(key in key()) {
        prop_assert_eq!(PrivateKey::from_base58(&key.to_base58()).ok(), Some(key.clone()));
        let public = key.public_key();
        prop_assert_eq!(PublicKey::from_base58(&public.to_base58()).ok(), Some(public));
    }

    #[test]
    fn corrupted_text_never_decodes_to_another_key(key in key(), position in 0usize..55, replacement in "[1-9A-HJ-NP-Za-km-z]") {
        let text = key.public_key().to_base58();
        let mut chars: Vec<char> = text.chars().collect();
        let index = position % chars.len();
        chars[index] = replacement.chars().next().unwrap_or('1');
        let corrupted: String = chars.into_iter().collect();
        if corrupted != text {
            prop_assert!(PublicKey::from_base58(&corrupted).is_err());
        }
    }

    #[test]
    fn arbitrary_json_never_panics(text in "\\PC{0,200}", kind in 0usize..4) {
        let kinds = [webfn_mina::client::Kind::Payment, webfn_mina::client::Kind::Delegation,
                     webfn_mina::client::Kind::Message, webfn_mina::client::Kind::Fields];
        let value = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text.clone()));
        let _ = webfn_mina::client::sign(kinds[kind], &value, "EKDheFCGxfVGKBunTkfkWv3WqiH7JXiYaTu3kv9pb389GBqPpUFr", &NetworkId::Testnet);
        prop_assert!(!webfn_mina::client::verify(kinds[kind], &value, &NetworkId::Testnet));
    }
}
