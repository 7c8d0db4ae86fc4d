// SPDX-License-Identifier: AGPL-3.0-or-later
// Computes the public inputs (root, nullifier) of credential.circom from a witness, so the
// benchmark needs no Poseidon outside circom: its witness's outputs are signals 1 and 2.
pragma circom 2.1.0;

include "circomlib/circuits/poseidon.circom";

template PublicInputs(depth) {
    signal input scope;
    signal input secret;
    signal input siblings[depth];
    signal input pathBits[depth];
    signal output root;
    signal output nullifier;

    signal left[depth];
    signal node[depth + 1];
    component hashes[depth];
    component leaf = Poseidon(1);
    leaf.inputs[0] <== secret;
    node[0] <== leaf.out;
    for (var h = 0; h < depth; h++) {
        left[h] <== node[h] + pathBits[h] * (siblings[h] - node[h]);
        hashes[h] = Poseidon(2);
        hashes[h].inputs[0] <== left[h];
        hashes[h].inputs[1] <== node[h] + siblings[h] - left[h];
        node[h + 1] <== hashes[h].out;
    }
    root <== node[depth];
    component nullifierHash = Poseidon(2);
    nullifierHash.inputs[0] <== scope;
    nullifierHash.inputs[1] <== secret;
    nullifier <== nullifierHash.out;
}

component main = PublicInputs(20);
