-- Trusted publishing: each function's trusted-publisher policy, and the OIDC tokens already
-- used (replay protection).
CREATE TABLE publishers (
    function    TEXT PRIMARY KEY REFERENCES functions(name),
    policy      TEXT,                      -- the policy, JSON; NULL once removed
    set_by      TEXT NOT NULL,             -- B62… of the owner who signed the request
    issued_at   INTEGER NOT NULL,          -- issued_at of the request in force (kept after a removal, so an old request cannot be replayed)
    set_at      INTEGER NOT NULL           -- unix seconds
);

CREATE TABLE oidc_jti (
    issuer      TEXT NOT NULL,             -- the token's iss
    jti         TEXT NOT NULL,
    expires_at  INTEGER NOT NULL,          -- exp plus leeway; the row may go after this
    PRIMARY KEY (issuer, jti)
);
CREATE INDEX oidc_jti_by_expiry ON oidc_jti(expires_at);
