package org.srinode.quality;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** One wording for the reasons and the FHIR notes; slices from 1; long lists cut with the number left out. */
class FindingTextsTest {
    @Test
    void slicesCountFromOneAndLongListsAreCut() {
        List<Integer> many = IntStream.range(0, 20).boxed().toList();
        assertThat(FindingTexts.duplicates(List.of(4)))
                .isEqualTo("slice(s) [5] repeat the position of the slice before");
        assertThat(FindingTexts.dropouts(many))
                .isEqualTo("blank or dropout slice(s) [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] and 8 more");
        // Instance Numbers are the series' own: not shifted, but cut like the rest (the FHIR note listed them all)
        assertThat(FindingTexts.missingInstanceNumbers(many))
                .isEqualTo("Instance Number(s) [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] and 8 more are missing");
        assertThat(FindingTexts.gap(new Assessment.Gap(2, 1, List.of(6.0))))
                .isEqualTo("1 slice(s) missing after slice 3, at [6.0] mm along the slice normal");
        List<Double> positions = many.stream().map(z -> 2.0 * z).toList();
        assertThat(FindingTexts.gap(new Assessment.Gap(0, 20, positions)))
                .as("a long gap's positions are cut too")
                .endsWith("20.0, 22.0] and 8 more mm along the slice normal");
        assertThat(FindingTexts.region(new Assessment.Region(0, 5, 6, 7, 8, "CONSTANT")))
                .isEqualTo("slice 1: constant rectangle of 7x8 pixels at (5, 6) inside the head");
    }
}
