-- Version 2 (issue 14): a RUNNING job carries the node that claimed it and a lease that node renews while it works.
-- A job whose lease has expired (its node died or lost the database) is claimed again by any node.
ALTER TABLE job ADD COLUMN claimed_by VARCHAR(128);
ALTER TABLE job ADD COLUMN lease_until TIMESTAMP;
CREATE INDEX job_lease ON job(state, lease_until);
-- a job left RUNNING by a node before version 2 has no owner: it is due again
UPDATE job SET state = 'PENDING' WHERE state = 'RUNNING';
-- one row per job kind whose claims follow an ordering rule: a claim locks it, so rules hold over all nodes
CREATE TABLE job_claim (
  kind VARCHAR(32) PRIMARY KEY,
  claims BIGINT NOT NULL
);
