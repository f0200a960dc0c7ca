package dev.stateless.core;

/**
 * A store met stored data it cannot read: not what this library wrote (planted, truncated, left by
 * another program or an older format), or another kind of value under one of its keys. Redis did
 * answer, so this is not a {@link StoreUnavailableException}, and retrying does not help; the data
 * is left as it is, for an operator to look at. Each store contract says which operations treat such
 * data as absent instead of throwing (a session that cannot be read is no session for a load).
 *
 * <p>Attribute values are not checked by the stores: the codec refuses bytes it cannot decode with
 * {@link dev.stateless.core.session.AttributeCodecException}.
 */
public class CorruptDataException extends StatelessException {

    public CorruptDataException(String message) {
        super(message);
    }

    public CorruptDataException(String message, Throwable cause) {
        super(message, cause);
    }
}
