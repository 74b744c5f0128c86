package org.srinode.dimse;

/**
 * The states of the DICOM upper layer state machine (PS3.8 section 9.2, Table 9-10) that an
 * association acceptor passes through. An acceptor never initiates, so Sta4, Sta5, Sta7 and the
 * release-collision states Sta9 to Sta12 do not occur.
 */
enum AssociationState {
    /** Sta1: idle, no transport connection. */
    STA1_IDLE,
    /** Sta2: transport connection open, awaiting A-ASSOCIATE-RQ PDU (ARTIM running). */
    STA2_AWAITING_ASSOCIATE_RQ,
    /** Sta3: awaiting the local A-ASSOCIATE response primitive (the acceptance policy decides). */
    STA3_AWAITING_LOCAL_ASSOCIATE_RESPONSE,
    /** Sta6: association established, ready for data transfer. */
    STA6_ESTABLISHED,
    /** Sta8: awaiting the local A-RELEASE response primitive. */
    STA8_AWAITING_LOCAL_RELEASE_RESPONSE,
    /** Sta13: awaiting transport connection close indication (ARTIM running). */
    STA13_AWAITING_TRANSPORT_CLOSE
}
