package dev.stateless.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stateless.core.token.TokenVerificationException;
import dev.stateless.core.token.VerifiedToken;
import dev.stateless.jwt.JwtVerifier;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TestIssuerTest {

    private final MutableClock clock = MutableClock.at(Instant.parse("2030-01-01T00:00:00Z"));
    private final TestIssuer tokens = TestIssuer.create(clock);

    @Test
    void itsVerifierAcceptsItsTokensWithTheStandardClaims() {
        VerifiedToken token = tokens.verifier().verify(tokens.issue("alice", Map.of("team", "blue")));

        assertThat(token.subject()).isEqualTo("alice");
        assertThat(token.issuer()).contains(TestIssuer.ISSUER);
        assertThat(token.tokenId()).isPresent();
        assertThat(token.expiresAt()).contains(clock.instant().plus(TestIssuer.LIFETIME));
        assertThat(token.claims()).containsEntry("team", "blue");
        assertThat(tokens.issuer().algorithm()).isEqualTo("ES256");
    }

    @Test
    void anotherIssuersTokensAreRefusedThoughTheyNameTheSameIssuer() {
        TestIssuer other = TestIssuer.create(clock);

        assertThatThrownBy(() -> tokens.verifier().verify(other.issue("mallory")))
                .isInstanceOf(TokenVerificationException.class);
    }

    @Test
    void tokensAgeWithTheClockTheIssuerAndVerifierShare() {
        String token = tokens.issue("alice");
        JwtVerifier verifier = tokens.verifierBuilder().clockSkew(Duration.ZERO).build();

        clock.advance(TestIssuer.LIFETIME.minusSeconds(1));
        assertThat(verifier.verify(token).subject()).isEqualTo("alice");
        clock.advance(Duration.ofSeconds(2)); // past exp
        assertThatThrownBy(() -> verifier.verify(token)).isInstanceOf(TokenVerificationException.class);
    }

    @Test
    void itsTrustedKeysServeAVerifierOfSeveralIssuers() {
        TestIssuer second = TestIssuer.create(clock);
        JwtVerifier verifier = JwtVerifier.builder()
                .issuer(TestIssuer.ISSUER, tokens.trustedKeys())
                .audiences(TestIssuer.AUDIENCE)
                .clock(clock)
                .build();

        assertThat(verifier.verify(tokens.issue("alice")).subject()).isEqualTo("alice");
        assertThatThrownBy(() -> verifier.verify(second.issue("alice"))).isInstanceOf(TokenVerificationException.class);
        assertThat(tokens.publicJwkSet()).contains("\"kty\":\"EC\"").doesNotContain("\"d\"");
    }
}
