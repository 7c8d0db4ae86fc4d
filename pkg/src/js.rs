//! JavaScript values in and out: inputs are read into `serde_json` values the way mina-signer
//! reads them, outputs are written as plain objects by `serde-wasm-bindgen`, and errors become
//! JavaScript `Error`s carrying the message of `webfn-mina`.

use js_sys::{Array, BigInt, Object, Reflect};
use serde::Serialize;
use serde_json::{Map, Number, Value};
use wasm_bindgen::{JsCast, JsError, JsValue};
use webfn_mina::Error;

/// Deeper inputs are refused, which also stops cyclic objects.
const MAX_DEPTH: usize = 32;

/// Largest integer a double holds exactly (`Number.MAX_SAFE_INTEGER`).
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// Reads a JavaScript value as JSON.
///
/// `serde-wasm-bindgen` reads a bigint only when it fits in 64 bits, while mina-signer takes
/// any bigint where it takes a number and reads it as `String(x)` does; so every bigint
/// becomes its decimal text here, and the range checks of `webfn-mina` name the field.
/// Object properties that are `undefined` are left out, as `JSON.stringify` does (an omitted
/// memo is `''`, a `null` one is `"null"`).
pub(crate) fn to_json(value: &JsValue) -> Result<Value, Error> {
    read(value, 0)
}

fn read(value: &JsValue, depth: usize) -> Result<Value, Error> {
    if let Some(text) = value.as_string() {
        return Ok(Value::String(text));
    }
    if let Some(number) = value.as_f64() {
        return number_to_json(number);
    }
    if let Some(flag) = value.as_bool() {
        return Ok(Value::Bool(flag));
    }
    if value.is_null() || value.is_undefined() {
        return Ok(Value::Null);
    }
    if value.is_bigint() {
        let text = BigInt::unchecked_from_js_ref(value)
            .to_string(10)
            .map_err(|_| wrong_type(value))?;
        return Ok(Value::String(text.into()));
    }
    if depth >= MAX_DEPTH {
        return Err(Error::JsonType {
            expected: "a value nested less deeply",
            found: "an object",
        });
    }
    if Array::is_array(value) {
        let array = Array::unchecked_from_js_ref(value);
        return (0..array.length())
            .map(|i| read(&array.get(i), depth + 1).map_err(|e| e.in_field(format!("[{i}]"))))
            .collect::<Result<_, _>>()
            .map(Value::Array);
    }
    if value.is_object() {
        let object: &Object = Object::unchecked_from_js_ref(value);
        let mut map = Map::new();
        for key in Object::keys(object).iter() {
            let Some(name) = key.as_string() else {
                continue;
            };
            let item = Reflect::get(object, &key).map_err(|_| wrong_type(value))?;
            if item.is_undefined() {
                continue;
            }
            let item = read(&item, depth + 1).map_err(|e| e.in_field(name.as_str()))?;
            map.insert(name, item);
        }
        return Ok(Value::Object(map));
    }
    Err(wrong_type(value))
}

/// Safe integers become JSON integers and fractions stay numbers (for `webfn-mina` to
/// refuse). Integers beyond 2^53 are refused: a double no longer says which integer was meant,
/// and mina-signer reads one as `String(x)` (rounded digits) for an amount but as `BigInt(x)`
/// (its exact value) elsewhere. NaN and the infinities are refused too.
fn number_to_json(number: f64) -> Result<Value, Error> {
    if number.fract() == 0.0 && number.abs() <= MAX_SAFE_INTEGER {
        // exact: integral and below 2^53 in size
        return Ok(Value::from(number as i64));
    }
    if number.fract() == 0.0 {
        return Err(Error::JsonType {
            expected: "a safe integer (at most 2^53 - 1), a bigint or a decimal string",
            found: "a larger number",
        });
    }
    Number::from_f64(number)
        .map(Value::Number)
        .ok_or(Error::JsonType {
            expected: "a finite number",
            found: if number.is_nan() {
                "NaN"
            } else {
                "an infinity"
            },
        })
}

fn wrong_type(value: &JsValue) -> Error {
    Error::JsonType {
        expected: "a JSON value",
        found: type_name(value),
    }
}

/// The type of a JavaScript value, in the words of `webfn-mina`'s messages.
fn type_name(value: &JsValue) -> &'static str {
    if value.is_undefined() {
        "undefined"
    } else if value.is_null() {
        "null"
    } else if value.as_bool().is_some() {
        "a boolean"
    } else if value.as_f64().is_some() {
        "a number"
    } else if value.is_string() {
        "a string"
    } else if value.is_bigint() {
        "a bigint"
    } else if value.is_function() {
        "a function"
    } else if value.is_symbol() {
        "a symbol"
    } else if Array::is_array(value) {
        "an array"
    } else {
        "an object"
    }
}

/// Reads a required string argument.
pub(crate) fn string_arg(value: &JsValue, name: &str) -> Result<String, JsError> {
    value.as_string().ok_or_else(|| {
        js_error(
            Error::JsonType {
                expected: "a string",
                found: type_name(value),
            }
            .in_field(name),
        )
    })
}

/// Writes a value as plain JavaScript objects, arrays and strings (no `Map`s).
pub(crate) fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&format!("cannot write the result: {e}")))
}

/// A JavaScript `Error` with the message of `webfn-mina`.
pub(crate) fn js_error(error: Error) -> JsError {
    JsError::new(&error.to_string())
}

/// Like [`js_error`], naming the argument where the crate says `input`.
pub(crate) fn input_error(error: Error, argument: &str) -> JsError {
    match error {
        Error::InField { field, error } if field == "input" => js_error(error.in_field(argument)),
        other => js_error(other),
    }
}
