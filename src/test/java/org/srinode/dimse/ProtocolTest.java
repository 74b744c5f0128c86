package org.srinode.dimse;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ProtocolTest {
    private static byte[] associateRq(String calling, String abstractSyntax, String... ts) {
        return RawPeer.associateRq(1, calling, new String[] {abstractSyntax}, ts);
    }

    @Test
    void negotiationTakesTheFirstProposedSyntaxTheNodeAccepts() throws Exception {
        AssociateRequest rq = AssociateRequest.parse(associateRq(
                "MOD",
                "1.2.840.10008.5.1.4.1.1.4",
                "1.2.3.4.not.a.syntax",
                "1.2.840.10008.1.2.5",
                "1.2.840.10008.1.2"));
        assertThat(rq.calledAe).isEqualTo("SRI_NODE");
        assertThat(rq.callingAe).isEqualTo("MOD");
        assertThat(rq.peerMaxPdu).isEqualTo(16384);
        List<AssociateRequest.Answer> a = rq.negotiate();
        assertThat(a)
                .containsExactly(new AssociateRequest.Answer(1, 0, "1.2.840.10008.1.2.5", "1.2.840.10008.5.1.4.1.1.4"));
    }

    @Test
    void nonStorageAbstractSyntaxIsRefused() throws Exception {
        AssociateRequest rq =
                AssociateRequest.parse(associateRq("MOD", "1.2.840.10008.5.1.4.1.2.1.1", "1.2.840.10008.1.2"));
        assertThat(rq.negotiate().get(0).result()).isEqualTo(3);
    }

    @Test
    void storeResponseCarriesStatusAndATruncatedComment() throws Exception {
        byte[] rsp = Commands.storeResponse(
                9, "1.2.840.10008.5.1.4.1.1.4", "1.2.3", DimseStatus.CANNOT_UNDERSTAND, "x".repeat(100));
        Commands c = Commands.parse(rsp);
        assertThat(c.us(Commands.COMMAND_FIELD)).isEqualTo(Commands.C_STORE_RSP);
        assertThat(c.us(Commands.MESSAGE_ID_RESPONDED)).isEqualTo(9);
        assertThat(c.us(Commands.STATUS)).isEqualTo(0xC000);
        assertThat(c.string(Commands.ERROR_COMMENT)).hasSize(64);
        assertThat(c.string(Commands.AFFECTED_SOP_INSTANCE)).isEqualTo("1.2.3");
        assertThat(c.hasDataset()).isFalse();
    }
}
