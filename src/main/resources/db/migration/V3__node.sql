-- Version 3 (issue 14): the nodes sharing the database, one row per SRI_NODE_ID while its process runs. The process
-- (a random instance id) renews heartbeat_at with its job leases; a second process started with the same SRI_NODE_ID
-- while the first one's heartbeat still moves is refused at start-up.
CREATE TABLE node (
  node_id VARCHAR(128) PRIMARY KEY,
  instance VARCHAR(36) NOT NULL,
  started_at TIMESTAMP NOT NULL,
  heartbeat_at TIMESTAMP NOT NULL
);
