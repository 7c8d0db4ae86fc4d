-- WebFunctions relay: functions, bundles, providers, jobs.
CREATE TABLE bundles (
    digest      TEXT PRIMARY KEY,          -- sha256:<hex>
    size        INTEGER NOT NULL,
    created_at  INTEGER NOT NULL           -- unix seconds
);

CREATE TABLE functions (
    name        TEXT PRIMARY KEY,
    owner       TEXT NOT NULL,             -- B62… of the first deployer
    digest      TEXT NOT NULL REFERENCES bundles(digest),
    manifest    TEXT NOT NULL,             -- the manifest, JSON
    version     INTEGER NOT NULL,          -- 1 on first deploy, +1 on each redeploy
    issued_at   INTEGER NOT NULL,          -- issued_at of the deploy request in force
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE providers (
    public_key  TEXT PRIMARY KEY,          -- B62…
    capacity    INTEGER NOT NULL,
    price       INTEGER NOT NULL,          -- nanomina per call
    region      TEXT,
    engine      TEXT NOT NULL,
    first_seen  INTEGER NOT NULL,
    last_seen   INTEGER NOT NULL,
    jobs_ok     INTEGER NOT NULL DEFAULT 0,
    jobs_failed INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE jobs (
    id          TEXT PRIMARY KEY,
    function    TEXT NOT NULL,
    provider    TEXT,
    status      TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    error_code  TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    exec_us     INTEGER,
    created_at  INTEGER NOT NULL,
    finished_at INTEGER
);
CREATE INDEX jobs_by_function ON jobs(function, created_at);
