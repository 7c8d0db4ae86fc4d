-- Gated and paid calls: access groups (members in leaf order, a window of recent roots),
-- quotes, spent nullifiers and the payment ledger.
CREATE TABLE groups (
    id          TEXT PRIMARY KEY,
    owner       TEXT NOT NULL,             -- B62… of the creator
    issued_at   INTEGER NOT NULL,          -- issued_at of the last request (replay guard)
    size        INTEGER NOT NULL DEFAULT 0, -- leaves used, removed members included
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE group_members (
    group_id    TEXT NOT NULL REFERENCES groups(id),
    leaf        INTEGER NOT NULL,          -- position in the tree, from 0
    commitment  TEXT NOT NULL,             -- decimal; '0' once removed
    PRIMARY KEY (group_id, leaf)
);
CREATE INDEX group_members_by_commitment ON group_members(group_id, commitment);

CREATE TABLE group_roots (
    group_id    TEXT NOT NULL REFERENCES groups(id),
    seq         INTEGER NOT NULL,          -- 1 for the empty group, +1 per change
    root        TEXT NOT NULL,             -- decimal
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (group_id, seq)
);
CREATE INDEX group_roots_by_root ON group_roots(group_id, root);

CREATE TABLE quotes (
    job_id      TEXT PRIMARY KEY,
    function    TEXT NOT NULL,
    provider    TEXT NOT NULL,             -- B62… of the quoted provider (the payment's receiver)
    price       INTEGER NOT NULL,          -- nanomina
    epoch       INTEGER,                   -- the epoch a credential must name (gated functions)
    expires_at  INTEGER NOT NULL,          -- unix seconds
    used        INTEGER NOT NULL DEFAULT 0 -- 1 once a call was admitted under it
);
CREATE INDEX quotes_by_expiry ON quotes(expires_at);

CREATE TABLE nullifiers (
    nullifier   TEXT PRIMARY KEY,          -- decimal
    scope       TEXT NOT NULL,             -- decimal
    function    TEXT NOT NULL,
    job_id      TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE payments (
    hash        TEXT PRIMARY KEY,          -- Mina transaction hash (post-Berkeley form)
    job_id      TEXT NOT NULL UNIQUE,
    function    TEXT NOT NULL,
    payer       TEXT NOT NULL,             -- from, B62…
    receiver    TEXT NOT NULL,             -- to, B62… (the provider)
    amount      INTEGER NOT NULL,          -- nanomina
    fee         INTEGER NOT NULL,          -- nanomina
    nonce       INTEGER NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('signed', 'delivered', 'executed', 'failed')),
    signed      TEXT NOT NULL,             -- the signed payment, JSON, ready to broadcast
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX payments_by_payer ON payments(payer, created_at);
CREATE INDEX payments_by_receiver ON payments(receiver, created_at);
-- one live payment per payer account nonce: a second one could never be included on chain
CREATE UNIQUE INDEX payments_live_nonce ON payments(payer, nonce) WHERE state != 'failed';
