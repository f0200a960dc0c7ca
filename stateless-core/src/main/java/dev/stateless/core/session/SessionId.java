package dev.stateless.core.session;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;

/**
 * A session identifier: 256 bits from {@link SecureRandom}, written as 43 characters of
 * unpadded base64url. {@link #parse} accepts exactly that form and nothing else, so a forged,
 * truncated or oversized id is refused before any store is asked.
 *
 * <p>Immutable and thread-safe. {@link #toString()} shows only a short prefix so that logging an
 * id never leaks a usable session credential; {@link #value()} gives the full text.
 */
public final class SessionId {

    /** Length of the text form: 32 bytes in unpadded base64url. */
    public static final int LENGTH = 43;

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    /** Cloned for each digest: cheaper than looking the algorithm up in the providers every time. */
    private static final MessageDigest SHA_256 = sha256();

    private final String value;
    private volatile String digest;

    private SessionId(String value) {
        this.value = value;
    }

    /**
     * Creates a new random id.
     *
     * @return a new random id
     */
    public static SessionId generate() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return new SessionId(ENCODER.encodeToString(bytes));
    }

    /**
     * Parses the text form of an id.
     *
     * @param text what a client sent
     * @return the id, or empty when {@code text} is not exactly 43 base64url characters whose last
     *     character carries no stray bits (so every id has one text form)
     */
    public static Optional<SessionId> parse(CharSequence text) {
        if (text == null || text.length() != LENGTH) {
            return Optional.empty();
        }
        for (int i = 0; i < LENGTH; i++) {
            if (!isBase64Url(text.charAt(i))) {
                return Optional.empty();
            }
        }
        // 43 characters carry 258 bits; the 2 low bits of the last character must be zero,
        // otherwise two different strings would decode to the same id.
        if ((sextet(text.charAt(LENGTH - 1)) & 0b11) != 0) {
            return Optional.empty();
        }
        return Optional.of(new SessionId(text.toString()));
    }

    /**
     * The full text form, for a cookie or header. Treat it as a secret.
     *
     * @return the id as sent to the client
     */
    public String value() {
        return value;
    }

    /**
     * A SHA-256 of the id in unpadded base64url (43 characters): what stores use as a key, so a
     * dump of the store, a log line or a {@link SessionSummary} never reveals a live id.
     *
     * @return the SHA-256 digest, base64url, as used in storage keys
     */
    public String digest() {
        String d = digest;
        if (d == null) {
            MessageDigest sha;
            try {
                sha = (MessageDigest) SHA_256.clone();
            } catch (CloneNotSupportedException e) {
                sha = sha256(); // a provider whose digest cannot be cloned
            }
            d = ENCODER.encodeToString(sha.digest(value.getBytes(StandardCharsets.US_ASCII)));
            digest = d;
        }
        return d;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    private static boolean isBase64Url(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    }

    private static int sextet(char c) {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        return c == '-' ? 62 : 63;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SessionId other && value.equals(other.value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }

    @Override
    public String toString() {
        return "SessionId[" + value.substring(0, 6) + "…]";
    }
}
