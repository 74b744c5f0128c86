package org.srinode.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.srinode.enhance.EnhancerOptions;

class SelfEnsembleOptionTest {
    @Test
    void theOptionTakesOneTwoFourOrEightAndNothingElse() {
        EnhancerOptions d = EnhancerOptions.defaults();
        assertThat(Main.selfEnsemble(d, "4").selfEnsemble()).isEqualTo(4);
        assertThat(Main.selfEnsemble(d, " 2").selfEnsemble()).isEqualTo(2);
        assertThat(Main.selfEnsemble(d, "8").tile())
                .as("the other options kept")
                .isEqualTo(d.tile());
        for (String v : new String[] {"3", "0", "-1", "abc", ""}) {
            assertThat(Main.selfEnsemble(d, v)).as(v).isNull();
        }
    }
}
