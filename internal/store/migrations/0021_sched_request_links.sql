-- The link a patient chooses among a request's proposed options through
-- (issue 11): an 80-bit token, set when the options are first emailed
-- (NULL until then; NULLs do not collide in the unique index).
ALTER TABLE sched_requests ADD COLUMN link_token TEXT;
CREATE UNIQUE INDEX sched_requests_token ON sched_requests (link_token);
