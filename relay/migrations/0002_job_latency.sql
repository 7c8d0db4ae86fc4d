-- How long the caller waited for each job, from dispatch to answer.
ALTER TABLE jobs ADD COLUMN latency_us INTEGER;
CREATE INDEX jobs_by_provider ON jobs(provider, created_at);
