package org.srinode.dicom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The node-wide budget of full parses: a data set waits for others, then is refused as out of resources. */
class ParseBudgetTest {
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
        } finally {
            ParseBudget.waitSeconds = before;
        }
    }
}
