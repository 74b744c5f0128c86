package org.srinode.spool;

/**
 * Registering a spooled instance failed in a way that leaves its outcome unknown: the database reported an error and
 * could then not be asked whether the transaction had committed (a connection lost at COMMIT, for example). The file
 * must stay in the spool: an instance row may name it. Start-up recovery settles it (registers the file when no row
 * names the instance, removes it when a row names another copy that exists). The C-STORE is refused with "send again"
 * (0xA700), so the modality's re-send makes the outcome certain either way.
 */
public class RegistrationUnknownException extends RuntimeException {
    public RegistrationUnknownException(String message, Throwable cause) {
        super(message, cause);
    }
}
