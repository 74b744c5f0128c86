-- Version 6: outcome FAILED (series.Outcome), an enhancement whose job went DEAD.
-- IF EXISTS: H2 commits DDL statement by statement, so a start killed between the two must be able to run it again
ALTER TABLE series DROP CONSTRAINT IF EXISTS series_outcome_known;
ALTER TABLE series ADD CONSTRAINT series_outcome_known
    CHECK (outcome IN ('ENHANCED', 'FLAGGED', 'HELD', 'RELEASED', 'DISCARDED', 'OUT_OF_SCOPE', 'NO_MODEL', 'FAILED'));
