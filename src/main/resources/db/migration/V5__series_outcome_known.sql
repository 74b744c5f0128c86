-- Version 5 (issue 17): the outcomes the node knows (series.Outcome), enforced by the database like the job kinds and
-- states of version 4, so that a misspelt outcome fails where it is written instead of where the series is read.
ALTER TABLE series ADD CONSTRAINT series_outcome_known
    CHECK (outcome IN ('ENHANCED', 'FLAGGED', 'HELD', 'RELEASED', 'DISCARDED', 'OUT_OF_SCOPE', 'NO_MODEL'));
