package org.srinode.dimse;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;
import org.srinode.dicom.InvalidDicomException;
import org.srinode.dicom.Part10;
import org.srinode.dicom.Uids;
import org.srinode.spool.Spool;
import org.srinode.spool.SpoolFullException;
import org.srinode.spool.SpooledInstance;

/** One association accepted by the SCP: negotiation, C-ECHO, C-STORE into the spool, release/abort. */
final class ScpAssociation implements Runnable {
    private static final Logger LOG = Logger.getLogger(ScpAssociation.class);
    private static final AtomicInteger NUMBER = new AtomicInteger();

    private final Socket socket;
    private final ScpSettings settings;
    private final Spool spool;
    private final StoreListener listener;
    private final AtomicInteger active;
    private final int number = NUMBER.incrementAndGet();
    private final Map<Integer, AssociateRequest.Answer> accepted = new HashMap<>();
    private InputStream in;
    private OutputStream out;
    private String callingAe = "?";
    private int peerMaxPdu;

    private final ByteArrayOutputStream command = new ByteArrayOutputStream();
    private Store store;

    ScpAssociation(Socket socket, ScpSettings settings, Spool spool, StoreListener listener, AtomicInteger active) {
        this.socket = socket;
        this.settings = settings;
        this.spool = spool;
        this.listener = listener;
        this.active = active;
    }

    @Override
    public void run() {
        try (socket) {
            socket.setSoTimeout(settings.idleTimeoutMs());
            socket.setTcpNoDelay(true);
            in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
            out = new BufferedOutputStream(socket.getOutputStream(), 1 << 16);
            if (associate()) {
                serve();
            }
        } catch (SocketTimeoutException e) {
            LOG.warnf("association #%d from %s: idle for %d ms, aborted", number, callingAe, settings.idleTimeoutMs());
            abortQuietly(0, 0);
        } catch (Pdus.ProtocolException e) {
            LOG.warnf("association #%d from %s: protocol error (%s), aborted", number, callingAe, e.getMessage());
            abortQuietly(2, 0);
        } catch (IOException e) {
            LOG.debugf("association #%d from %s ended: %s", number, callingAe, e.toString());
        } finally {
            if (store != null && store.write != null) {
                store.write.discard();
            }
            active.decrementAndGet();
        }
    }

    private boolean associate() throws IOException {
        Pdus.Pdu pdu = Pdus.read(in, 1 << 16);
        if (pdu.type() != Pdus.ASSOCIATE_RQ) {
            throw new Pdus.ProtocolException("expected A-ASSOCIATE-RQ, got PDU type " + pdu.type());
        }
        AssociateRequest rq = AssociateRequest.parse(pdu.body());
        callingAe = rq.callingAe;
        int reject = rejectReason(rq);
        if (reject != 0) {
            Pdus.write(out, Pdus.ASSOCIATE_RJ, reject == -2 ? Pdus.reject(2, 3, 2) : Pdus.reject(1, 1, reject));
            return false;
        }
        List<AssociateRequest.Answer> answers = rq.negotiate();
        answers.stream().filter(AssociateRequest.Answer::accepted).forEach(a -> accepted.put(a.id(), a));
        peerMaxPdu = rq.peerMaxPdu == 0 || rq.peerMaxPdu > settings.maxPdu() ? settings.maxPdu() : (int) rq.peerMaxPdu;
        Pdus.write(out, Pdus.ASSOCIATE_AC, rq.acceptBody(answers, settings.maxPdu(), Part10.IMPLEMENTATION_CLASS_UID,
                Part10.IMPLEMENTATION_VERSION));
        LOG.debugf("association #%d from %s accepted, %d of %d contexts", number, callingAe, accepted.size(), answers.size());
        return true;
    }

    /** 0: accept; -2: too many associations; otherwise the A-ASSOCIATE-RJ reason (service user). */
    private int rejectReason(AssociateRequest rq) {
        if (!Pdus.APPLICATION_CONTEXT.equals(rq.applicationContext)) {
            LOG.warnf("association #%d from %s rejected: application context %s", number, rq.callingAe, rq.applicationContext);
            return 2;
        }
        if (!settings.aeTitle().equals(rq.calledAe)) {
            LOG.warnf("association #%d from %s rejected: called AE title '%s' is not '%s'", number, rq.callingAe, rq.calledAe,
                    settings.aeTitle());
            return 7;
        }
        if (!settings.allowedCallingAes().isEmpty() && !settings.allowedCallingAes().contains(rq.callingAe)) {
            LOG.warnf("association #%d rejected: calling AE title '%s' is not in the allow-list", number, rq.callingAe);
            return 3;
        }
        if (active.get() > settings.maxAssociations()) {
            LOG.warnf("association #%d from %s rejected: %d associations already open (limit %d)", number, rq.callingAe,
                    active.get() - 1, settings.maxAssociations());
            return -2;
        }
        return 0;
    }

    private void serve() throws IOException {
        while (true) {
            Pdus.Pdu pdu = Pdus.read(in, settings.maxPdu() + 6);
            switch (pdu.type()) {
                case Pdus.P_DATA -> pData(pdu.body());
                case Pdus.RELEASE_RQ -> {
                    Pdus.write(out, Pdus.RELEASE_RP, Pdus.releaseReply());
                    return;
                }
                case Pdus.ABORT -> {
                    LOG.debugf("association #%d from %s aborted by the peer", number, callingAe);
                    return;
                }
                default -> throw new Pdus.ProtocolException("unexpected PDU type " + pdu.type());
            }
        }
    }

    private void pData(byte[] b) throws IOException {
        int p = 0;
        while (p + 6 <= b.length) {
            long len = Pdus.u32(b, p);
            if (len < 2 || p + 4 + len > b.length) {
                throw new Pdus.ProtocolException("malformed PDV");
            }
            int pcId = b[p + 4] & 0xff;
            int control = b[p + 5] & 0xff;
            int off = p + 6;
            int n = (int) len - 2;
            boolean isCommand = (control & 1) != 0;
            boolean last = (control & 2) != 0;
            if (isCommand) {
                command.write(b, off, n);
                if (last) {
                    onCommand(pcId);
                }
            } else {
                if (store == null || store.pcId != pcId) {
                    throw new Pdus.ProtocolException("data without a C-STORE command on context " + pcId);
                }
                store.data(b, off, n);
                if (last) {
                    finishStore();
                }
            }
            p += 4 + (int) len;
        }
    }

    private void onCommand(int pcId) throws IOException {
        Commands cmd = Commands.parse(command.toByteArray());
        command.reset();
        AssociateRequest.Answer ctx = accepted.get(pcId);
        if (ctx == null) {
            throw new Pdus.ProtocolException("command on presentation context " + pcId + " that was not accepted");
        }
        int field = cmd.us(Commands.COMMAND_FIELD);
        int messageId = cmd.us(Commands.MESSAGE_ID);
        if (field == Commands.C_ECHO_RQ) {
            sendCommand(pcId, Commands.echoResponse(messageId, cmd.string(Commands.AFFECTED_SOP_CLASS)));
        } else if (field == Commands.C_STORE_RQ && cmd.hasDataset()) {
            store = new Store(pcId, messageId, cmd.string(Commands.AFFECTED_SOP_CLASS), cmd.string(Commands.AFFECTED_SOP_INSTANCE),
                    ctx.transferSyntax());
        } else {
            throw new Pdus.ProtocolException("unsupported command 0x" + Integer.toHexString(field));
        }
    }

    private void finishStore() throws IOException {
        Store s = store;
        store = null;
        int status = DimseStatus.SUCCESS;
        String comment = null;
        if (s.refusal != null) {
            status = s.refusalStatus;
            comment = s.refusal;
        } else {
            try {
                SpooledInstance inst = s.write.commit(callingAe);
                if (!inst.header().sopInstanceUid().equals(s.sopInstance)) {
                    LOG.warnf("association #%d from %s: data set SOP Instance UID differs from the command's", number, callingAe);
                }
                notifyListener(inst);
            } catch (InvalidDicomException e) {
                status = DimseStatus.CANNOT_UNDERSTAND;
                comment = e.getMessage();
            } catch (IOException e) {
                status = DimseStatus.OUT_OF_RESOURCES;
                comment = "spool write failed: " + e.getMessage();
            }
        }
        if (status != DimseStatus.SUCCESS) {
            LOG.warnf("association #%d from %s: C-STORE of %s refused with %s: %s", number, callingAe,
                    Uids.shortTag(s.sopInstance), DimseStatus.hex(status), comment);
        }
        sendCommand(s.pcId, Commands.storeResponse(s.messageId, s.sopClass, s.sopInstance, status, comment));
    }

    private void notifyListener(SpooledInstance inst) {
        try {
            listener.stored(inst, callingAe);
        } catch (Exception e) {
            // durable already: recovery on the next start registers it if this failed
            LOG.errorf(e, "association #%d: instance %s spooled but not registered", number, Uids.shortTag(inst.header().sopInstanceUid()));
        }
    }

    private void sendCommand(int pcId, byte[] command) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream(command.length + 6);
        int len = command.length + 2;
        body.writeBytes(new byte[] {(byte) (len >>> 24), (byte) (len >>> 16), (byte) (len >>> 8), (byte) len, (byte) pcId, 0x03});
        body.writeBytes(command);
        Pdus.write(out, Pdus.P_DATA, body.toByteArray());
    }

    private void abortQuietly(int source, int reason) {
        try {
            if (out != null) {
                Pdus.write(out, Pdus.ABORT, Pdus.abortBody(source, reason));
            }
        } catch (IOException ignored) {
            // the peer is gone
        }
    }

    /** A C-STORE in progress: the data go straight into a spool file (or are dropped when refused). */
    private final class Store {
        final int pcId;
        final int messageId;
        final String sopClass;
        final String sopInstance;
        Spool.PendingWrite write;
        String refusal;
        int refusalStatus;

        Store(int pcId, int messageId, String sopClass, String sopInstance, String transferSyntax) throws IOException {
            this.pcId = pcId;
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

        private void refuse(int status, String why) {
            refusalStatus = status;
            refusal = why;
            if (write != null) {
                write.discard();
            }
        }
    }
}
