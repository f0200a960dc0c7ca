package dev.stateless.testing;

import dev.stateless.core.token.VerifiedToken;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Verified tokens made up for revocation lists, which name a token by its issuer and id. */
public final class Tokens {

    /** The issuer of {@link #withId(String, Instant)}. */
    public static final String ISSUER = "https://auth.example";

    private Tokens() {
    }

    /**
     * A token of {@link #ISSUER} with this id and expiry.
     *
     * @param jti the token id
     * @param expiresAt the expiry, or null
     * @return the token
     */
    public static VerifiedToken withId(String jti, Instant expiresAt) {
        return token(ISSUER, jti, expiresAt);
    }

    /**
     * A token of subject {@code alice}; null for an absent issuer, id or expiry.
     *
     * @param issuer the issuer, or null
     * @param jti the token id
     * @param expiresAt the expiry, or null
     * @return the token
     */
    public static VerifiedToken token(String issuer, String jti, Instant expiresAt) {
        return new VerifiedToken("alice", Optional.ofNullable(issuer), Optional.ofNullable(jti),
                Optional.ofNullable(expiresAt), Set.of(), Map.of());
    }
}
