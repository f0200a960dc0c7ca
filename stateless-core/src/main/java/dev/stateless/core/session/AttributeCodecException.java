package dev.stateless.core.session;

import dev.stateless.core.StatelessException;

/** A value could not be encoded or stored bytes could not be decoded. */
public class AttributeCodecException extends StatelessException {

    /** Why the codec refused. */
    public enum Reason {
        /**
         * The value's type (or a type inside it) is not on the codec's allow-list, or the value
         * could not be read back as it is (not {@code Serializable}, state JSON cannot carry, over
         * a limit): nothing was stored. The message names the type and, where known, the field.
         */
        UNSUPPORTED_TYPE,
        /** Stored bytes are corrupt, name a type that is not allowed, or no longer fit their class. */
        UNDECODABLE
    }

    /** Why the value was refused. */
    private final Reason reason;

    /**
     * A value the codec refused.
     *
     * @param reason why
     * @param message what was refused, naming its type but never its content
     * @param cause the failure behind it, or null
     */
    public AttributeCodecException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    /**
     * Why the value was refused.
     *
     * @return the reason
     */
    public Reason reason() {
        return reason;
    }
}
