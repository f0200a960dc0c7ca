package dev.stateless.core.token;

import dev.stateless.core.StatelessException;

/**
 * A token was refused. {@link #reason()} says why; the message is safe to log and to show (it never
 * contains the token or key material).
 */
public class TokenVerificationException extends StatelessException {

    /** Why a token was refused. */
    public enum Reason {
        /** Not a well-formed token: wrong number of parts, bad base64url or JSON, too large, bad claim types. */
        MALFORMED,
        /** The signature does not match any trusted key. */
        BAD_SIGNATURE,
        /** {@code exp} has passed (beyond the allowed clock skew). */
        EXPIRED,
        /** {@code nbf} or {@code iat} lies in the future (beyond the allowed clock skew). */
        NOT_YET_VALID,
        /** {@code iss} is not one of the trusted issuers. */
        UNTRUSTED_ISSUER,
        /** {@code aud} does not name this service. */
        WRONG_AUDIENCE,
        /** The {@code typ} header is not an accepted type (e.g. an ID token where an access token is expected). */
        WRONG_TYPE,
        /** The algorithm is not on the allowed list ({@code none} never is), or does not fit the key. */
        UNSUPPORTED_ALGORITHM,
        /** A claim the verifier requires is missing or null. */
        MISSING_CLAIM,
        /** The token's id ({@code jti}) was revoked. */
        REVOKED,
        /** No key could be obtained to check the signature (key endpoint down, nothing cached): a server problem, answer 503. */
        KEY_UNAVAILABLE
    }

    /** Why the token was refused. */
    private final Reason reason;

    /**
     * A refused token.
     *
     * @param reason why
     * @param message what was wrong, never the token
     */
    public TokenVerificationException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    /**
     * A refused token, with the failure behind it.
     *
     * @param reason why
     * @param message what was wrong, never the token
     * @param cause the failure behind it
     */
    public TokenVerificationException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    /**
     * Why the token was refused.
     *
     * @return the reason, which decides the HTTP answer (401, or 503 for unreachable keys)
     */
    public Reason reason() {
        return reason;
    }
}
