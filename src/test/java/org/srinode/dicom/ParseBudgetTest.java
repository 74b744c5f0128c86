package org.srinode.dicom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The node-wide budget of full parses: a data set waits for others, then is refused as out of resources. */
class ParseBudgetTest {
    @org.junit.jupiter.api.io.TempDir
    java.nio.file.Path dir;

    @Test
    void aParseWaitsForTheBudgetThenIsRefusedAndOneLargerThanTheWholeBudgetAtOnce() throws Exception {
        int before = ParseBudget.waitSeconds;
        ParseBudget.waitSeconds = 1;
        try {
            assertThatThrownBy(() -> ParseBudget.take(ParseBudget.totalBytes() + 1))
                    .isInstanceOfSatisfying(
                            InvalidDicomException.class,
                            e -> assertThat(e.kind()).isEqualTo(InvalidDicomException.Kind.OUT_OF_RESOURCES))
                    .hasMessageContaining("larger heap");
            try (ParseBudget.Share all = ParseBudget.take(ParseBudget.totalBytes() - 1024)) {
                long t0 = System.nanoTime();
                assertThatThrownBy(() -> ParseBudget.take(1 << 20))
                        .isInstanceOfSatisfying(
                                InvalidDicomException.class,
                                e -> assertThat(e.kind()).isEqualTo(InvalidDicomException.Kind.OUT_OF_RESOURCES))
                        .hasMessageContaining("send this one again");
                assertThat((System.nanoTime() - t0) / 1_000_000).as("it waited").isGreaterThanOrEqualTo(900);
                ParseBudget.take(1024).close(); // what is left still serves
            }
            try (ParseBudget.Share again = ParseBudget.take(1 << 20)) {
                assertThat(again).isNotNull(); // given back
            }
            // the node's own read-backs do not wait for it; a received instance does
            java.nio.file.Path f = TestPart10.mr("1.2.3.1.1.1")
                    .pixels(4, 4, 32)
                    .write(dir.resolve("a.dcm"), TestPart10.MR, "1.2.3.1.1.1");
            try (ParseBudget.Share all = ParseBudget.take(ParseBudget.totalBytes())) {
                assertThat(DicomHeaders.readAndCheck(f).sopInstanceUid()).isEqualTo("1.2.3.1.1.1");
                assertThatThrownBy(() -> DicomHeaders.readAndCheckReceived(f, TestPart10.MR, "1.2.3.1.1.1"))
                        .isInstanceOfSatisfying(
                                InvalidDicomException.class,
                                e -> assertThat(e.kind()).isEqualTo(InvalidDicomException.Kind.OUT_OF_RESOURCES));
            }
            assertThat(DicomHeaders.readAndCheckReceived(f, TestPart10.MR, "1.2.3.1.1.1")
                            .sopInstanceUid())
                    .isEqualTo("1.2.3.1.1.1");
        } finally {
            ParseBudget.waitSeconds = before;
        }
    }
}
