package org.srinode.dimse;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import org.jboss.logging.Logger;
import org.srinode.dicom.AlreadyHeldException;
import org.srinode.dicom.DicomHeaders;
import org.srinode.dicom.InvalidDicomException;
import org.srinode.dicom.LogText;
import org.srinode.dicom.Part10;
import org.srinode.dicom.Uids;
import org.srinode.spool.RegistrationFailedException;
import org.srinode.spool.Spool;
import org.srinode.spool.SpoolFullException;
import org.srinode.spool.SpooledInstance;

/**
 * The DIMSE layer of one association: turns the PDVs of P-DATA-TF PDUs into messages (PS3.7 section
 * 9.3, PS3.8 Annex E) and answers them. One message at a time: its command fragments, then (when the
 * command announces one) its data set fragments, all on one presentation context. A C-STORE data set
 * streams into a spool file and is answered success only once it passed every check, is durable and
 * is registered. Unknown operations are answered 0x0211 (their data set read and dropped); C-CANCEL
 * is ignored. Framing faults (interleaved or overlapping messages, data without a command, a
 * context that was not accepted, a command set over {@link #MAX_COMMAND} bytes) raise a
 * {@link Pdus.ProtocolException}: the association is aborted and the partial data set discarded.
 *
 * <p>Longer than the project's 300 lines: the message framing (PS3.8 Annex E) and the C-STORE hand-off to the spool
 * share the per-message state, which one thread owns for the life of the association.
 */
final class DimseReceiver {
    private static final Logger LOG = Logger.getLogger(DimseReceiver.class);
    /** Largest command set accepted (a C-STORE-RQ is about 200 bytes). */
    static final int MAX_COMMAND = 64 * 1024;

    /** Sends one command set as a single PDV on a presentation context. */
    @FunctionalInterface
    interface Sender {
        void send(int pcId, byte[] command) throws IOException;
    }

    private final Map<Integer, AssociateRequest.Answer> accepted;
    private final Spool spool;
    private final StoreListener listener;
    private final String callingAe;
    private final String label;
    private final Sender sender;
    private final ByteArrayOutputStream command = new ByteArrayOutputStream();
    private int commandPc = -1;
    private Incoming incoming;

    DimseReceiver(
            Map<Integer, AssociateRequest.Answer> accepted,
            Spool spool,
            StoreListener listener,
            String callingAe,
            String label,
            Sender sender) {
        this.accepted = accepted;
        this.spool = spool;
        this.listener = listener;
        this.callingAe = callingAe;
        this.label = label;
        this.sender = sender;
    }

    /** True while a message is partly received (an A-RELEASE-RQ now would lose it). */
    boolean inProgress() {
        return command.size() > 0 || incoming != null;
    }

    /** Drops a partly received message (on abort or close): nothing stays in the spool. */
    void discard() {
        if (incoming != null) {
            incoming.abandon();
            incoming = null;
        }
        command.reset();
    }

    /** The PDV items of one P-DATA-TF PDU body (PS3.8 section 9.3.5). */
    void pData(byte[] b) throws IOException {
        int p = 0;
        if (b.length < 6) {
            throw new Pdus.ProtocolException("P-DATA-TF without a PDV item", Pdus.ABORT_INVALID_PARAMETER);
        }
        while (p < b.length) {
            if (p + 6 > b.length) {
                throw new Pdus.ProtocolException("truncated PDV item header", Pdus.ABORT_INVALID_PARAMETER);
            }
            long len = Pdus.u32(b, p);
            if (len < 2 || p + 4 + len > b.length) {
                throw new Pdus.ProtocolException(
                        "PDV item length " + len + " does not fit its PDU", Pdus.ABORT_INVALID_PARAMETER);
            }
            int pcId = b[p + 4] & 0xff;
            int control = b[p + 5] & 0xff;
            int off = p + 6;
            int n = (int) len - 2;
            if (!accepted.containsKey(pcId)) {
                throw Pdus.ProtocolException.dimse("PDV on presentation context " + pcId + ", which was not accepted");
            }
            boolean isCommand = (control & 1) != 0;
            boolean last = (control & 2) != 0;
            if (isCommand) {
                commandFragment(pcId, b, off, n, last);
            } else {
                dataFragment(pcId, b, off, n, last);
            }
            p += 4 + (int) len;
        }
    }

    private void commandFragment(int pcId, byte[] b, int off, int n, boolean last) throws IOException {
        if (incoming != null) {
            throw Pdus.ProtocolException.dimse("a command began before the data set of the previous message ended");
        }
        if (commandPc != -1 && commandPc != pcId) {
            throw Pdus.ProtocolException.dimse(
                    "command fragments on presentation contexts " + commandPc + " and " + pcId);
        }
        if (command.size() + n > MAX_COMMAND) {
            throw Pdus.ProtocolException.dimse("command set larger than " + MAX_COMMAND + " bytes");
        }
        command.write(b, off, n);
        commandPc = pcId;
        if (last) {
            byte[] set = command.toByteArray();
            command.reset();
            commandPc = -1;
            onCommand(pcId, Commands.parse(set));
        }
    }

    private void dataFragment(int pcId, byte[] b, int off, int n, boolean last) throws IOException {
        if (incoming == null) {
            throw Pdus.ProtocolException.dimse(
                    "data set PDV on context " + pcId + " without a command announcing a data set");
        }
        if (incoming.pcId != pcId) {
            throw Pdus.ProtocolException.dimse(
                    "data set PDV on context " + pcId + " for a message on context " + incoming.pcId);
        }
        incoming.data(b, off, n);
        if (last) {
            Incoming done = incoming;
            incoming = null;
            done.finish();
        }
    }

    private void onCommand(int pcId, Commands cmd) throws IOException {
        int field = cmd.us(Commands.COMMAND_FIELD);
        int messageId = cmd.us(Commands.MESSAGE_ID);
        if (field < 0) {
            throw Pdus.ProtocolException.dimse("command set without Command Field (0000,0100)");
        }
        if (field == Commands.C_CANCEL_RQ) {
            return; // nothing is pending that a C-CANCEL could stop: PS3.7 9.3.2.3 needs no response
        }
        if (messageId < 0) {
            throw Pdus.ProtocolException.dimse("command set without Message ID (0000,0110)");
        }
        AssociateRequest.Answer ctx = accepted.get(pcId);
        String sopClass = cmd.string(Commands.AFFECTED_SOP_CLASS);
        String sopInstance = cmd.string(Commands.AFFECTED_SOP_INSTANCE);
        if (field == Commands.C_STORE_RQ) {
            if (!cmd.hasDataset()) {
                respond(
                        pcId,
                        Commands.C_STORE_RSP,
                        messageId,
                        sopClass,
                        sopInstance,
                        DimseStatus.CANNOT_UNDERSTAND,
                        "C-STORE-RQ announces no data set");
            } else if (!ctx.abstractSyntax().equals(sopClass)) {
                incoming = new Refused(
                        pcId,
                        messageId,
                        sopClass,
                        sopInstance,
                        DimseStatus.DATASET_DOES_NOT_MATCH,
                        "Affected SOP Class is not the context's abstract syntax");
            } else if (!Uids.isSafeForPath(sopInstance)) {
                incoming = new Refused(
                        pcId,
                        messageId,
                        sopClass,
                        sopInstance,
                        DimseStatus.CANNOT_UNDERSTAND,
                        "no valid Affected SOP Instance UID (0000,1000)");
            } else {
                incoming = new Store(pcId, messageId, sopClass, sopInstance, ctx.transferSyntax());
            }
        } else if (field == Commands.C_ECHO_RQ && !cmd.hasDataset()) {
            sender.send(pcId, Commands.echoResponse(messageId, sopClass.isEmpty() ? ctx.abstractSyntax() : sopClass));
        } else {
            String why = "unrecognized operation 0x" + Integer.toHexString(field);
            LOG.infof("association %s from %s: %s, answered 0x0211", label, LogText.escape(callingAe), why);
            int rsp = field | Commands.RESPONSE_BIT;
            if (cmd.hasDataset()) {
                incoming = new Refused(
                        pcId, messageId, sopClass, sopInstance, DimseStatus.UNRECOGNIZED_OPERATION, why, rsp);
            } else {
                respond(pcId, rsp, messageId, sopClass, sopInstance, DimseStatus.UNRECOGNIZED_OPERATION, why);
            }
        }
    }

    private void respond(
            int pcId, int field, int messageId, String sopClass, String sopInstance, int status, String comment)
            throws IOException {
        sender.send(pcId, Commands.response(field, messageId, sopClass, sopInstance, status, comment));
    }

    /** A message whose data set is arriving. */
    private abstract static class Incoming {
        final int pcId;

        Incoming(int pcId) {
            this.pcId = pcId;
        }

        abstract void data(byte[] b, int off, int n);

        abstract void finish() throws IOException;

        abstract void abandon();
    }

    /** A message answered with a failure once its data set has been read (and dropped). */
    private final class Refused extends Incoming {
        private final int messageId;
        private final String sopClass;
        private final String sopInstance;
        private final int status;
        private final String comment;
        private final int responseField;

        Refused(int pcId, int messageId, String sopClass, String sopInstance, int status, String comment) {
            this(pcId, messageId, sopClass, sopInstance, status, comment, Commands.C_STORE_RSP);
        }

        Refused(
                int pcId,
                int messageId,
                String sopClass,
                String sopInstance,
                int status,
                String comment,
                int responseField) {
            super(pcId);
            this.messageId = messageId;
            this.sopClass = sopClass;
            this.sopInstance = sopInstance;
            this.status = status;
            this.comment = comment;
            this.responseField = responseField;
        }

        @Override
        void data(byte[] b, int off, int n) {
            // dropped
        }

        @Override
        void finish() throws IOException {
            if (responseField == Commands.C_STORE_RSP) {
                LOG.warnf(
                        "association %s from %s: C-STORE of %s refused with %s: %s",
                        label, LogText.escape(callingAe), Uids.shortTag(sopInstance), DimseStatus.hex(status), comment);
            }
            respond(pcId, responseField, messageId, sopClass, sopInstance, status, comment);
        }

        @Override
        void abandon() {
            // nothing kept
        }
    }

    /** A C-STORE in progress: the data go straight into a spool file (or are dropped once refused). */
    private final class Store extends Incoming {
        private final int messageId;
        private final String sopClass;
        private final String sopInstance;
        private Spool.PendingWrite write;
        private String refusal;
        private int refusalStatus;

        Store(int pcId, int messageId, String sopClass, String sopInstance, String transferSyntax) {
            super(pcId);
            this.messageId = messageId;
            this.sopClass = sopClass;
            this.sopInstance = sopInstance;
            try {
                write = spool.open();
                Part10.writeHeader(write.stream(), sopClass, sopInstance, transferSyntax, callingAe);
            } catch (SpoolFullException e) {
                refuse(DimseStatus.OUT_OF_RESOURCES, e.getMessage());
            } catch (IOException e) {
                refuse(DimseStatus.OUT_OF_RESOURCES, "spool write failed: " + e.getMessage());
            }
        }

        @Override
        void data(byte[] b, int off, int n) {
            if (refusal != null) {
                return;
            }
            try {
                write.stream().write(b, off, n);
            } catch (IOException e) {
                refuse(DimseStatus.OUT_OF_RESOURCES, "spool write failed: " + e.getMessage());
            }
        }

        @Override
        void finish() throws IOException {
            int status = DimseStatus.SUCCESS;
            String comment = null;
            if (refusal != null) {
                status = refusalStatus;
                comment = refusal;
            } else {
                try {
                    SpooledInstance inst =
                            write.commit(callingAe, f -> DicomHeaders.readAndCheckReceived(f, sopClass, sopInstance));
                    try {
                        listener.stored(inst, callingAe);
                    } catch (Exception e) {
                        AlreadyHeldException held = causeOf(e, AlreadyHeldException.class);
                        InvalidDicomException refused = causeOf(e, InvalidDicomException.class);
                        boolean rolledBack = causeOf(e, RegistrationFailedException.class) != null;
                        if (held != null || refused != null || rolledBack) {
                            withdraw(inst); // refused or rolled back: this write's own file goes, nothing else
                        }
                        if (held != null) { // the node's own output sent back: its copy stays, success
                            LOG.infof(
                                    "association %s from %s: %s", label, LogText.escape(callingAe), held.getMessage());
                        } else if (refused != null) {
                            throw refused;
                        } else {
                            // rolled back (its file was withdrawn above), or an outcome the node cannot know (the
                            // database could not say whether it committed, a step of the ingest route after the
                            // registration failed): then the file stays, and spool recovery registers it or finds it
                            // registered
                            LOG.errorf(
                                    e,
                                    "association %s: instance %s durable but not registered (%s); refused so that it is sent again",
                                    label,
                                    Uids.shortTag(sopInstance),
                                    rolledBack
                                            ? "its registration rolled back"
                                            : "its registration unknown (the file stays for spool recovery)");
                            throw new IOException("the node could not register the instance; send it again");
                        }
                    }
                } catch (InvalidDicomException e) {
                    status = switch (e.kind()) {
                        case DOES_NOT_MATCH_SOP_CLASS -> DimseStatus.DATASET_DOES_NOT_MATCH;
                        case OUT_OF_RESOURCES -> DimseStatus.OUT_OF_RESOURCES;
                        default -> DimseStatus.CANNOT_UNDERSTAND;
                    };
                    comment = e.getMessage();
                } catch (IOException e) {
                    status = DimseStatus.OUT_OF_RESOURCES;
                    comment = e.getMessage();
                }
            }
            if (status != DimseStatus.SUCCESS) {
                LOG.warnf(
                        "association %s from %s: C-STORE of %s refused with %s: %s",
                        label,
                        LogText.escape(callingAe),
                        Uids.shortTag(sopInstance),
                        DimseStatus.hex(status),
                        LogText.escape(comment));
            }
            respond(pcId, Commands.C_STORE_RSP, messageId, sopClass, sopInstance, status, comment);
        }

        private void withdraw(SpooledInstance inst) {
            try {
                spool.withdraw(inst);
            } catch (IOException e) {
                LOG.errorf(
                        "association %s: refused instance %s could not be removed from the spool: %s",
                        label, Uids.shortTag(sopInstance), e.getMessage());
            }
        }

        @Override
        void abandon() {
            if (write != null) {
                write.discard();
            }
        }

        private void refuse(int status, String why) {
            refusalStatus = status;
            refusal = why;
            if (write != null) {
                write.discard();
            }
        }
    }

    /** The first cause of {@code e} (itself included) of the given type, or null; the route may wrap it. */
    static <T extends Throwable> T causeOf(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }
}
