package dev.stateless.core.session;

import dev.stateless.core.StatelessException;

/** A value could not be encoded or stored bytes could not be decoded. */
public class AttributeCodecException extends StatelessException {

    /** Why the codec refused. */
    public enum Reason {
        /** The value's type (or a type inside it) is not on the codec's allow-list: register it. */
        UNSUPPORTED_TYPE,
        /** Stored bytes are corrupt, name a type that is not allowed, or no longer fit their class. */
        UNDECODABLE
    }

    private final Reason reason;

    public AttributeCodecException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
