package dev.stateless.core.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Revocation lists and token verifiers made from text options, with core alone on the class path. */
class RevocationListsAndTokenVerifiersTest {

    @Test
    void memoryUriMakesAnInMemoryRevocationList() {
        try (RevocationList list = RevocationLists.create("memory:", Map.of())) {
            list.revoke("jti-1", Instant.now().plusSeconds(60));
            assertThat(list.isRevoked("jti-1")).isTrue();
            assertThat(list.isRevoked("jti-2")).isFalse();
        }
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
