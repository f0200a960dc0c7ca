package dev.stateless.core.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Idempotency key stores made from a URI and text options (a filter's {@code store-uri}). */
class IdempotencyKeyStoresTest {

    @Test
    void memoryUriMakesAnInMemoryStoreWithTheLeaseAndRetentionGiven() {
        try (IdempotencyKeyStore store = IdempotencyKeyStores.create("memory:", Map.of("lease", "PT5S", "retention", "3600"))) {
            assertThat(store).isInstanceOf(InMemoryIdempotencyKeyStore.class);
            assertThat(store.lease()).isEqualTo(Duration.ofSeconds(5));
            assertThat(store.retention()).isEqualTo(Duration.ofHours(1));
            assertThat(store.acquire("k", "f")).isInstanceOf(Acquisition.Acquired.class);
        }
    }

    @Test
    void badAndUnknownOptionsAreNamed() {
        assertThatThrownBy(() -> IdempotencyKeyStores.create("memory:", Map.of("lease", "long")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("lease must be a duration such as PT30M or 1800, was 'long'");
        assertThatThrownBy(() -> IdempotencyKeyStores.create("memory:", Map.of("ttl", "60")))
                .hasMessage("unknown store options [ttl]");
        assertThatThrownBy(() -> IdempotencyKeyStores.create("memory:", Map.of("lease", "PT2H", "retention", "PT1H")))
                .hasMessageContaining("retention").hasMessageContaining("lease");
    }

    @Test
    void aUriWithoutSchemeOrWithoutProviderSaysWhatIsMissing() {
        assertThatThrownBy(() -> IdempotencyKeyStores.create("localhost:6379", Map.of()))
                .hasMessage("no idempotency key store for scheme 'localhost': is stateless-redis on the class path?");
        assertThatThrownBy(() -> IdempotencyKeyStores.create("//host", Map.of()))
                .hasMessage("store-uri must start with a scheme (redis://, memory:), was '//host'");
        // core alone has no Redis provider
        assertThatThrownBy(() -> IdempotencyKeyStores.create("redis://localhost:6379", Map.of()))
                .hasMessage("no idempotency key store for scheme 'redis': is stateless-redis on the class path?");
    }
}
