package dev.stateless.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stateless.core.Health;
import dev.stateless.core.StoreUnavailableException;
import dev.stateless.core.idempotency.Idempotency;
import dev.stateless.core.idempotency.IdempotencyException;
import dev.stateless.core.idempotency.InMemoryIdempotencyKeyStore;
import dev.stateless.core.session.AttributeCodec;
import dev.stateless.core.session.AttributeCodecException;
import dev.stateless.core.session.InMemorySessionStore;
import dev.stateless.core.token.InMemoryRevocationList;
import dev.stateless.core.token.RevocationList;
import dev.stateless.core.token.VerifiedToken;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** What core records: the programmatic idempotency API's outcomes, codec refusals, and health of the in-memory stores. */
class CoreMetricsAndHealthTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    record Receipt(String id) {
    }

    @Test
    void theProgrammaticIdempotencyApiCountsFirstRunReplayAndRefusals() {
        try (InMemoryIdempotencyKeyStore store = InMemoryIdempotencyKeyStore.builder().build();
                Idempotency idempotency = Idempotency.builder(store).meterRegistry(registry)
                        .codec(dev.stateless.core.session.JsonAttributeCodec.builder().allow(Receipt.class).build())
                        .build()) {
            AtomicInteger runs = new AtomicInteger();
            idempotency.execute("m-1", "f", Receipt.class, () -> new Receipt("r" + runs.incrementAndGet()));
            assertThat(idempotency.execute("m-1", "f", Receipt.class, () -> new Receipt("never"))).isEqualTo(new Receipt("r1"));
            assertThatThrownBy(() -> idempotency.execute("m-1", "other", Receipt.class, () -> new Receipt("never")))
                    .isInstanceOf(IdempotencyException.class);
            // a result type the codec does not allow is refused before anything runs
            assertThatThrownBy(() -> idempotency.execute("m-2", "f", Thread.class, Thread::currentThread))
                    .isInstanceOf(AttributeCodecException.class);

            assertThat(requests("first_run")).isEqualTo(1);
            assertThat(requests("replay")).isEqualTo(1);
            assertThat(requests("fingerprint_mismatch")).isEqualTo(1);
            assertThat(registry.get("stateless.codec.refused").tag("operation", "check").counter().count()).isEqualTo(1);
            assertThat(runs).hasValue(1);
        }
    }

    @Test
    void aFailingOperationIsTimedByItsFailureAndUnavailabilityIsCounted() {
        Meters meters = Meters.of(registry);
        Meters.Operation load = meters.operation("stateless.session.load", "test");
        assertThatThrownBy(() -> load.call(() -> {
            throw new StoreUnavailableException("down", null);
        }, x -> "hit")).isInstanceOf(StoreUnavailableException.class);
        assertThat(load.call(() -> "x", x -> "hit")).isEqualTo("x");
        assertThat(registry.get("stateless.session.load").tag("outcome", "unavailable").timer().count()).isEqualTo(1);
        assertThat(registry.get("stateless.session.load").tag("outcome", "hit").timer().count()).isEqualTo(1);
        assertThat(registry.get("stateless.store.unavailable").tag("operation", "session.load").counter().count())
                .isEqualTo(1);
    }

    @Test
    void withoutARegistryNothingIsWrappedOrRecorded() {
        AttributeCodec codec = AttributeCodec.json();
        assertThat(Meters.none().codec(codec)).isSameAs(codec);
        assertThat(Meters.none().enabled()).isFalse();
        assertThat(Meters.none().operation("stateless.x.y", "d").call(() -> 42, x -> "ok")).isEqualTo(42);
        Meters.none().counter("stateless.x.z", "d", "outcome").increment("ok");
        assertThat(registry.getMeters()).isEmpty();
    }

    @Test
    void inMemoryStoresAreUpAndOtherStoresCannotTell() {
        assertThat(InMemorySessionStore.builder().build().health().status()).isEqualTo(Health.Status.UP);
        assertThat(InMemoryIdempotencyKeyStore.builder().build().health().details())
                .containsEntry("store", "InMemoryIdempotencyKeyStore");
        assertThat(new InMemoryRevocationList().health().isUp()).isTrue();
        RevocationList own = new RevocationList() {
            @Override
            public void revoke(VerifiedToken token, Duration clockSkew) {
            }

            @Override
            public boolean isRevoked(VerifiedToken token) {
                return false;
            }
        };
        Health unknown = own.health();
        assertThat(unknown.status()).isEqualTo(Health.Status.UNKNOWN);
        assertThat(unknown.error()).hasValueSatisfying(e -> assertThat(e).contains("does not check its health"));
    }

    @Test
    void healthKeepsItsDetailsInOrderAndSaysWhyItIsDown() {
        Health down = Health.down(Duration.ofMillis(3), "connection refused", Map.of("store", "S"))
                .withDetail("endpoint", "redis://h:1/0");
        assertThat(down.isUp()).isFalse();
        assertThat(down.error()).hasValue("connection refused");
        assertThat(down.details().keySet()).containsExactly("store", "endpoint");
        assertThat(down.toString()).contains("DOWN", "connection refused", "redis://h:1/0");
        assertThat(Health.up(Duration.ZERO, Map.of()).error()).isEmpty();
    }

    private double requests(String outcome) {
        var counter = registry.find("stateless.idempotency.requests").tag("outcome", outcome).counter();
        return counter == null ? 0 : counter.count();
    }
}
