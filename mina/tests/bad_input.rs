//! Bad input gives a typed error naming the field, never a panic; verification of malformed
//! input is `false`.

use serde_json::{Value, json};
use webfn_mina::client::{self, Kind};
use webfn_mina::{Error, NetworkId, PrivateKey, PublicKey, Signature};

const KEY_ONE: &str = "EKDheFCGxfVGKBunTkfkWv3WqiH7JXiYaTu3kv9pb389GBqPpUFr";
const PK_ONE: &str = "B62qiVGZQdBJJrxnzhvqp7LKe6jDiFcpU3cF5xHoZof5Pz9qiL85KLx";
const PK_MINUS_ONE: &str = "B62qiVGZQdBJJrxnzhvqp7LKe6jDiFcpU3cF5xHoZof5Pz9qiERjXsa";

fn payment() -> Value {
    json!({ "to": PK_MINUS_ONE, "from": PK_ONE, "amount": "1000", "fee": "10", "nonce": 3, "memo": "hi" })
}

fn sign_error(kind: Kind, input: Value) -> Error {
    match client::sign(kind, &input, KEY_ONE, &NetworkId::Testnet) {
        Ok(signed) => panic!("signed bad input {input}: {signed:?}"),
        Err(error) => error,
    }
}

fn with(field: &str, value: Value) -> Value {
    let mut input = payment();
    input[field] = value;
    input
}

#[test]
fn payment_fields_are_named_in_errors() {
    let cases = [
        ("memo", json!("x".repeat(33)), "memo"),
        ("memo", json!("€".repeat(11)), "memo"),
        ("memo", json!(5), "memo"),
        ("amount", json!("18446744073709551616"), "amount"),
        ("amount", json!("-1"), "amount"),
        ("amount", json!("1.5"), "amount"),
        ("amount", json!(""), "amount"),
        ("fee", json!("99999999999999999999999"), "fee"),
        ("fee", json!(null), "fee"),
        ("nonce", json!("4294967296"), "nonce"),
        ("validUntil", json!(4294967296u64), "validUntil"),
        ("to", json!("B62qnotakey"), "to"),
        ("to", json!(42), "to"),
        ("from", json!(PK_MINUS_ONE), "from"),
    ];
    for (field, value, named) in cases {
        let error = sign_error(Kind::Payment, with(field, value.clone()));
        assert_eq!(error.field_path(), named, "{field} = {value}: {error}");
        assert!(error.to_string().starts_with(named), "{error}");
    }
}

#[test]
fn errors_are_typed() {
    assert!(matches!(
        sign_error(Kind::Payment, with("memo", json!("x".repeat(33)))).root(),
        Error::MemoTooLong(33)
    ));
    assert!(matches!(
        sign_error(Kind::Payment, with("amount", json!("18446744073709551616"))).root(),
        Error::Overflow { max: u64::MAX, .. }
    ));
    assert!(matches!(
        sign_error(Kind::Payment, with("from", json!(PK_MINUS_ONE))).root(),
        Error::NotSigner { .. }
    ));
    let mut missing = payment();
    missing.as_object_mut().map(|o| o.remove("nonce"));
    let error = sign_error(Kind::Payment, missing);
    assert_eq!(error.to_string(), "nonce: missing");
    assert!(matches!(
        sign_error(Kind::Message, json!(17)).root(),
        Error::JsonType { .. }
    ));
    assert!(matches!(
        sign_error(Kind::Fields, json!(["1", "x"]))
            .field_path()
            .as_str(),
        "input.[1]"
    ));
    let p = "28948022309329048855892746252171976963363056481941560715954676764349967630337";
    assert!(matches!(
        sign_error(Kind::Fields, json!([p])).root(),
        Error::FieldRange
    ));
}

#[test]
fn malformed_keys_give_precise_errors() {
    // a private key with a broken checksum
    let mut chars: Vec<char> = KEY_ONE.chars().collect();
    chars[10] = if chars[10] == 'a' { 'b' } else { 'a' };
    let broken: String = chars.into_iter().collect();
    assert_eq!(
        PrivateKey::from_base58(&broken).err(),
        Some(Error::Checksum)
    );
    // a public key where a private key is expected
    assert!(matches!(
        PrivateKey::from_base58(PK_ONE),
        Err(Error::VersionByte {
            expected: 90,
            found: 203,
            ..
        })
    ));
    // the scalar q (out of range) encoded as a private key
    let q = hex_le("40000000000000000000000000000000224698fc0994a8dd8c46eb2100000001");
    let mut payload = vec![1u8];
    payload.extend_from_slice(&q);
    let text = webfn_mina::encode_check(90, &payload);
    assert_eq!(
        PrivateKey::from_base58(&text).err(),
        Some(Error::ScalarRange { nonzero: true })
    );
    // x = 0 is not on the curve (5 is not a square mod p)
    let mut payload = vec![1u8, 1];
    payload.extend_from_slice(&[0; 32]);
    payload.push(0);
    let text = webfn_mina::encode_check(203, &payload);
    assert_eq!(PublicKey::from_base58(&text).err(), Some(Error::NotOnCurve));
    // x = p is out of range; a parity byte of 2 is refused; a truncated payload is refused
    let mut payload = vec![1u8, 1];
    payload.extend_from_slice(&hex_le(
        "40000000000000000000000000000000224698fc094cf91b992d30ed00000001",
    ));
    payload.push(0);
    assert_eq!(
        PublicKey::from_base58(&webfn_mina::encode_check(203, &payload)).err(),
        Some(Error::FieldRange)
    );
    let mut payload = vec![1u8, 1];
    payload.extend_from_slice(&[1; 32]);
    payload.push(2);
    assert!(PublicKey::from_base58(&webfn_mina::encode_check(203, &payload)).is_err());
    assert!(matches!(
        PublicKey::from_base58(&webfn_mina::encode_check(203, &[1, 1, 1])),
        Err(Error::Length {
            expected: 33,
            found: 1
        })
    ));
    assert!(matches!(
        Signature::from_base58(&webfn_mina::encode_check(154, &[2; 65])),
        Err(Error::VersionNumber {
            expected: 1,
            found: 2
        })
    ));
}

fn hex_le(hex: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    for i in 0..32 {
        out[31 - i] = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap_or(0);
    }
    out
}

#[test]
fn verification_of_malformed_objects_is_false() {
    let signed = client::sign(Kind::Payment, &payment(), KEY_ONE, &NetworkId::Testnet)
        .map(|s| serde_json::to_value(s).unwrap_or(Value::Null))
        .unwrap_or(Value::Null);
    assert!(client::verify(Kind::Payment, &signed, &NetworkId::Testnet));
    let tamper = |path: &[&str], value: Value| {
        let mut copy = signed.clone();
        let mut slot = &mut copy;
        for key in path {
            slot = &mut slot[*key];
        }
        *slot = value;
        copy
    };
    let p = "28948022309329048855892746252171976963363056481941560715954676764349967630337";
    let q = "28948022309329048855892746252171976963363056481941647379679742748393362948097";
    let bad = [
        tamper(&["signature", "field"], json!(p)),
        tamper(&["signature", "scalar"], json!(q)),
        tamper(&["signature", "scalar"], json!("abc")),
        tamper(
            &["signature"],
            json!(
                "7mWxjLYgbJUkZNcGouvhVj5tJ8yu9hoexb9ntvPK8t5LHqzmrL6QJjjKtf5SgmxB4QWkDw7qoMMbbNGtHVpsbJHPyTy2EzRQ"
            ),
        ),
        tamper(&["publicKey"], json!("B62q")),
        tamper(&["publicKey"], json!(PK_MINUS_ONE)),
        tamper(&["data", "memo"], json!("x".repeat(40))),
        tamper(&["data", "amount"], json!("1001")),
        tamper(&["data", "fee"], json!(null)),
        tamper(&["data"], json!([])),
        json!(null),
        json!({}),
    ];
    for object in bad {
        assert!(
            !client::verify(Kind::Payment, &object, &NetworkId::Testnet),
            "{object}"
        );
    }
    assert!(!client::verify(
        Kind::Fields,
        &json!({"data": ["1"], "signature": "garbage", "publicKey": PK_ONE}),
        &NetworkId::Testnet
    ));
    assert!(!client::verify(
        Kind::Message,
        &json!({"data": 5, "signature": {"field": "1", "scalar": "1"}, "publicKey": PK_ONE}),
        &NetworkId::Testnet
    ));
}
