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

    /**
     * Stored data a store cannot read, described without the data itself.
     *
     * @param message what was found and where (a key, never a session id or a secret)
     */
    public CorruptDataException(String message) {
        super(message);
    }

    /**
     * Stored data a store cannot read, with the parse failure that showed it.
     *
     * @param message what was found and where (a key, never a session id or a secret)
     * @param cause the parser's or the script's error
     */
    public CorruptDataException(String message, Throwable cause) {
        super(message, cause);
    }
}
