// SPDX-License-Identifier: AGPL-3.0-or-later
// The credential statement of webfn-circuits (docs/zk.md) in circom with circomlib, for the
// benchmarks against snarkjs: membership of leaf = Poseidon(s) in a depth-20 Poseidon Merkle
// tree, nullifier = Poseidon(scope, s), message bound by its square. Public inputs in the same
// order: root, nullifier, message, scope. circomlib's Poseidon has the same shape as ours
// (t = 2 and 3, x^5, 8 full and 56/57 partial rounds) but BN254 constants, so values differ.
pragma circom 2.1.0;

include "circomlib/circuits/poseidon.circom";

template Credential(depth) {
    signal input root;
    signal input nullifier;
    signal input message;
    signal input scope;
    signal input secret;
    signal input siblings[depth];
    signal input pathBits[depth];

    signal left[depth];
    signal right[depth];
    signal node[depth + 1];
    component hashes[depth];

    component leaf = Poseidon(1);
    leaf.inputs[0] <== secret;
    node[0] <== leaf.out;
    for (var h = 0; h < depth; h++) {
        pathBits[h] * (1 - pathBits[h]) === 0;
        // left = bit ? sibling : node; right = the other one
        left[h] <== node[h] + pathBits[h] * (siblings[h] - node[h]);
        right[h] <== node[h] + siblings[h] - left[h];
        hashes[h] = Poseidon(2);
        hashes[h].inputs[0] <== left[h];
        hashes[h].inputs[1] <== right[h];
        node[h + 1] <== hashes[h].out;
    }
    root === node[depth];

    component nullifierHash = Poseidon(2);
    nullifierHash.inputs[0] <== scope;
    nullifierHash.inputs[1] <== secret;
    nullifier === nullifierHash.out;

    signal messageSquared;
    messageSquared <== message * message;
}

component main {public [root, nullifier, message, scope]} = Credential(20);
