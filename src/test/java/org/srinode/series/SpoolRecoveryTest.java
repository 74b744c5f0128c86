package org.srinode.series;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.srinode.dicom.InvalidDicomException;

/**
 * Which failures at start-up recovery quarantine a spooled file: the file's own (it no longer passes, a value the
 * database refuses) do; the database's (connection lost, lock timeout, rolled back) leave it for the next start, since
 * the modality may already have been told it is stored.
 */
class SpoolRecoveryTest {
    private static RuntimeException fromDatabase(String sqlState) {
        return new IllegalStateException("registration failed", new SQLException("database says no", sqlState));
    }

    @Test
    void theFilesFaultsQuarantineTheDatabasesDoNot() {
        assertThat(SpoolRecovery.isDataFault(new InvalidDicomException("no Series Instance UID")))
                .isTrue();
        assertThat(SpoolRecovery.isDataFault(fromDatabase("22001")))
                .as("value too long")
                .isTrue();
        assertThat(SpoolRecovery.isDataFault(fromDatabase("23505")))
                .as("integrity")
                .isTrue();
        assertThat(SpoolRecovery.isDataFault(new IllegalArgumentException("bad date")))
                .as("not from the database")
                .isTrue();
        assertThat(SpoolRecovery.isDataFault(fromDatabase("08006")))
                .as("connection failure")
                .isFalse();
        assertThat(SpoolRecovery.isDataFault(fromDatabase("40001")))
                .as("serialization failure")
                .isFalse();
        assertThat(SpoolRecovery.isDataFault(fromDatabase("57014")))
                .as("statement cancelled")
                .isFalse();
        assertThat(SpoolRecovery.isDataFault(fromDatabase(null)))
                .as("no state given")
                .isFalse();
    }
}
