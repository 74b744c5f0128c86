package org.srinode.spool;

/**
 * Registering a spooled instance failed and certainly changed nothing: the transaction rolled back and the database,
 * asked afterwards, holds no row naming the instance's file (a lock timeout, for example). The caller removes the file
 * (this write's own, see {@link Spool}) and refuses the C-STORE with "send again" (0xA700). Its cause is the database's
 * error (its SQLSTATE tells start-up recovery whether the file or the database was at fault).
 */
public class RegistrationFailedException extends IllegalStateException {
    public RegistrationFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
