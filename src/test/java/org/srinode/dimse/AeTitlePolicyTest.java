package org.srinode.dimse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Allow-list entries that bind a calling AE title to an address or a client certificate (issue 12). */
class AeTitlePolicyTest {
    private static final String CTX = "1.2.840.10008.3.1.1.1";

    private static AcceptancePolicy.Proposal from(String callingAe, String address, String certificate)
            throws Exception {
        return new AcceptancePolicy.Proposal("SRI_NODE", callingAe, CTX, InetAddress.getByName(address), certificate);
    }

    @Test
    void boundTitlesAcceptOnlyTheirPeer() throws Exception {
        AeTitlePolicy p = new AeTitlePolicy(
                "SRI_NODE", Set.of("MR1@CN=mr1.hospital.test", "MR2@192.0.2.20", "MR2@192.0.2.21", "ANY"));
        assertThat(p.evaluate(from("MR1", "10.0.0.1", "CN=MR1.hospital.test,O=Hospital")))
                .isEmpty();
        assertThat(p.evaluate(from("MR1", "10.0.0.1", "CN=mr2.hospital.test,O=Hospital")))
                .isPresent();
        assertThat(p.evaluate(from("MR1", "10.0.0.1", "O=Hospital,OU=CN=mr1.hospital.test")))
                .as("a CN inside another attribute")
                .isPresent();
        assertThat(p.evaluate(from("MR1", "10.0.0.1", null)))
                .get()
                .extracting(Rejection::why)
                .asString()
                .contains("no client certificate");
        assertThat(p.evaluate(from("MR2", "192.0.2.21", null))).isEmpty();
        assertThat(p.evaluate(from("MR2", "192.0.2.22", null))).isPresent();
        assertThat(p.evaluate(from("ANY", "198.51.100.1", null))).isEmpty();
        assertThat(p.evaluate(from("OTHER", "192.0.2.20", null)))
                .get()
                .extracting(Rejection::why)
                .asString()
                .contains("not in the allow-list");
    }

    @Test
    void anEntryThatCannotBeResolvedFailsAtStartUp() {
        assertThatThrownBy(() -> new AeTitlePolicy("SRI_NODE", Set.of("MR1@no-such-host.invalid")))
                .hasMessageContaining("MR1@no-such-host.invalid");
    }

    @Test
    void ambiguousOrEmptyBindingsMatchNothingOrFailAtStartUp() throws Exception {
        AeTitlePolicy p = new AeTitlePolicy("SRI_NODE", Set.of("MR1@CN=mr1.hospital.test"));
        assertThat(p.evaluate(from("MR1", "10.0.0.1", "CN=evil.example,O=x,CN=mr1.hospital.test")))
                .as("two CNs")
                .isPresent();
        assertThat(p.evaluate(from("MR1", "10.0.0.1", "O=Hospital")))
                .as("no CN")
                .isPresent();
        for (String bad : new String[] {"MR1@", "MR1@CN=", "MR1@CN=  ", "@192.0.2.1"}) {
            assertThatThrownBy(() -> new AeTitlePolicy("SRI_NODE", Set.of(bad)))
                    .as(bad)
                    .hasMessageContaining(bad);
        }
    }
}
