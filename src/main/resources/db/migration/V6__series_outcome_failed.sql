-- Version 6: outcome FAILED (series.Outcome), an enhancement whose job went DEAD.
ALTER TABLE series DROP CONSTRAINT series_outcome_known;
ALTER TABLE series ADD CONSTRAINT series_outcome_known
    CHECK (outcome IN ('ENHANCED', 'FLAGGED', 'HELD', 'RELEASED', 'DISCARDED', 'OUT_OF_SCOPE', 'NO_MODEL', 'FAILED'));
