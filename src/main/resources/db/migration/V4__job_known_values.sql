-- Version 4 (issues 14 and 17): the job kinds and states the node knows (jobs.JobKind, jobs.JobState), enforced by the
-- database, so that a misspelt state or kind in any statement fails instead of leaving a job no stage will ever claim.
ALTER TABLE job ADD CONSTRAINT job_state_known CHECK (state IN ('PENDING', 'RUNNING', 'DONE', 'DEAD', 'CANCELLED'));
ALTER TABLE job ADD CONSTRAINT job_kind_known CHECK (kind IN ('FORWARD', 'ASSESS', 'ENHANCE', 'PUBLISH'));
