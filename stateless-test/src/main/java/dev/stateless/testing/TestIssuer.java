package dev.stateless.testing;

import com.nimbusds.jose.jwk.ECKey;
import dev.stateless.jwt.JwtIssuer;
import dev.stateless.jwt.JwtKeys;
import dev.stateless.jwt.JwtVerifier;
import dev.stateless.jwt.TrustedKeys;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * A token issuer with a freshly generated key, and the verifier that accepts its tokens, so a test
 * needs no key files and no JWKS server: {@code ES256} on a new P-256 key, issuer {@value #ISSUER},
 * audience {@value #AUDIENCE}, tokens valid for {@link #LIFETIME}. Issuer and verifier read time
 * from the same clock, so a test on a {@link MutableClock} ages tokens by advancing it.
 *
 * <pre>{@code
 * TestIssuer tokens = TestIssuer.create();
 * BearerTokenFilter auth = BearerTokenFilter.builder(tokens.verifier()).build();
 * String alice = tokens.issue("alice", Map.of("roles", List.of("clerk")));   // "Authorization: Bearer " + alice
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class TestIssuer {

    /** The {@code iss} of every token. */
    public static final String ISSUER = "https://issuer.test";
    /** The {@code aud} of every token. */
    public static final String AUDIENCE = "test";
    /** How long a token is valid. */
    public static final Duration LIFETIME = Duration.ofMinutes(15);

    private final ECKey key;
    private final Clock clock;
    private final JwtIssuer issuer;

    private TestIssuer(ECKey key, Clock clock) {
        this.key = key;
        this.clock = clock;
        this.issuer = JwtIssuer.builder()
                .ecKey(key)
                .issuer(ISSUER)
                .audience(AUDIENCE)
                .lifetime(LIFETIME)
                .clock(clock)
                .build();
    }

    /**
     * An issuer on a new key, on the system clock.
     *
     * @return the issuer
     */
    public static TestIssuer create() {
        return create(Clock.systemUTC());
    }

    /**
     * An issuer on a new key whose issuer and verifier read {@code clock}.
     *
     * @param clock the clock the test moves
     * @return the issuer
     */
    public static TestIssuer create(Clock clock) {
        return new TestIssuer(JwtKeys.generateEc("test-" + Long.toHexString(System.nanoTime())),
                Objects.requireNonNull(clock, "clock"));
    }

    /**
     * A signed token for this subject (with {@code jti}, {@code iat}, {@code exp}, {@code iss}, {@code aud}).
     *
     * @param subject the {@code sub} claim
     * @return the token, compact
     */
    public String issue(String subject) {
        return issuer.issue(subject);
    }

    /**
     * A signed token for this subject with further claims (roles, for example); see {@link
     * JwtIssuer#issue(String, Map)}.
     *
     * @param subject the {@code sub} claim
     * @param claims further claims
     * @return the token, compact
     */
    public String issue(String subject, Map<String, ?> claims) {
        return issuer.issue(subject, claims);
    }

    /**
     * The issuer itself.
     *
     * @return the issuer
     */
    public JwtIssuer issuer() {
        return issuer;
    }

    /**
     * The public key as a JWK set (JSON), as a JWKS endpoint would serve it.
     *
     * @return the JWK set
     */
    public String publicJwkSet() {
        return issuer.publicJwkSet();
    }

    /**
     * The public key, for {@link JwtVerifier.Builder#issuer(String, TrustedKeys)} next to other issuers.
     *
     * @return the keys
     */
    public TrustedKeys trustedKeys() {
        return TrustedKeys.builder().jwkSet(publicJwkSet()).build();
    }

    /**
     * A verifier builder that accepts this issuer's tokens (its key, {@link #ISSUER}, {@link
     * #AUDIENCE}, the same clock), for adding what a test needs: a revocation list, roles claims, a
     * clock skew.
     *
     * @return a new builder
     */
    public JwtVerifier.Builder verifierBuilder() {
        return JwtVerifier.builder()
                .jwkSet(publicJwkSet())
                .issuers(ISSUER)
                .audiences(AUDIENCE)
                .clock(clock);
    }

    /**
     * A verifier that accepts this issuer's tokens and nobody else's.
     *
     * @return the verifier
     */
    public JwtVerifier verifier() {
        return verifierBuilder().build();
    }

    @Override
    public String toString() {
        return "TestIssuer[" + ISSUER + ", kid " + key.getKeyID() + "]";
    }
}
