package dev.stateless.core.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Revocation lists and token verifiers made from text options, with core alone on the class path. */
class RevocationListsAndTokenVerifiersTest {

    static VerifiedToken token(String issuer, String jti, Instant exp) {
        return new VerifiedToken("alice", Optional.ofNullable(issuer), Optional.ofNullable(jti), Optional.ofNullable(exp),
                Set.of(), Map.of());
    }

    @Test
    void memoryUriMakesAnInMemoryRevocationList() {
        try (RevocationList list = RevocationLists.create("memory:", Map.of())) {
            Instant exp = Instant.now().plusSeconds(60);
            list.revoke(token("a", "jti-1", exp), Duration.ZERO);
            assertThat(list.isRevoked(token("a", "jti-1", exp))).isTrue();
            assertThat(list.isRevoked(token("a", "jti-2", exp))).isFalse();
            assertThat(list.isRevoked(token("b", "jti-1", exp))).as("another issuer's jti-1").isFalse();
            assertThat(list.isRevoked(token("a", null, exp))).as("a token without jti").isFalse();
        }
    }

    @Test
    void aTokenWithoutIdCannotBeRevoked() {
        RevocationList list = new InMemoryRevocationList();
        assertThatThrownBy(() -> list.revoke(token("a", null, Instant.now().plusSeconds(60)), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no id (jti)");
        assertThatThrownBy(() -> list.revoke(token("a", "x", Instant.now().plusSeconds(60)), Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("clockSkew");
    }

    @Test
    void revocationListErrorsNameWhatIsWrong() {
        assertThatThrownBy(() -> RevocationLists.create("memory:", Map.of("key-prefix", "x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("unknown revocation list options [key-prefix]");
        assertThatThrownBy(() -> RevocationLists.create("redis://localhost", Map.of()))
                .hasMessage("no revocation list for scheme 'redis': is stateless-redis on the class path?");
        assertThatThrownBy(() -> RevocationLists.create("nothing", Map.of()))
                .hasMessage("revocation-uri must start with a scheme (redis://, memory:), was 'nothing'");
    }

    @Test
    void withoutAProviderTheErrorNamesTheModuleToAdd() {
        assertThatThrownBy(() -> TokenVerifiers.create(Map.of("jwks-uri", "https://auth.example/jwks")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("no token verifier on the class path: is stateless-jwt there?");
        assertThatThrownBy(() -> TokenVerifiers.create(Map.of("verifier", "paseto")))
                .hasMessage("verifier names no token verifier on the class path: 'paseto' (found [])");
    }
}
