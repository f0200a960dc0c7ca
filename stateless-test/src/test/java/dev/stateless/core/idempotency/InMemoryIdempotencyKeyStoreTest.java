package dev.stateless.core.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stateless.testing.IdempotencyKeyStoreContract;
import dev.stateless.testing.MutableClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class InMemoryIdempotencyKeyStoreTest extends IdempotencyKeyStoreContract {

    // a field, not a @BeforeEach: the contract's @BeforeEach opens a store before a subclass's would run
    private final MutableClock clock = MutableClock.startingNow();

    @Override
    protected IdempotencyKeyStore createStore(Duration lease, Duration retention) {
        return InMemoryIdempotencyKeyStore.builder()
                .clock(clock)
                .lease(lease)
                .retention(retention)
                .build();
    }

    @Override
    protected void passTime(Duration duration) {
        clock.advance(duration);
    }

    @Override
    protected void plantUnreadable(String key) {
        ((InMemoryIdempotencyKeyStore) store).plantUnreadable(key);
    }

    @Test
    void inProgressReportsExactlyWhatIsLeftOfTheLease() {
        String key = newKey();
        acquired(store, key, "fp");
        clock.advance(Duration.ofSeconds(10));

        assertThat(store.acquire(key, "fp")).isEqualTo(new Acquisition.InProgress(LEASE.minusSeconds(10)));
    }

    @Test
    void leaseEndsExactlyAtItsDuration() {
        String key = newKey();
        long token = acquired(store, key, "fp");

        clock.advance(LEASE.minusMillis(1));
        assertThat(store.acquire(key, "fp")).isInstanceOf(Acquisition.InProgress.class);

        clock.advance(Duration.ofMillis(1));
        assertThat(acquired(store, key, "fp")).isGreaterThan(token);
    }

    @Test
    void extendRenewsTheLeaseFromNow() {
        String key = newKey();
        long token = acquired(store, key, "fp");
        clock.advance(Duration.ofSeconds(20));

        assertThat(store.extend(key, token)).isTrue();
        clock.advance(Duration.ofSeconds(5));

        assertThat(store.acquire(key, "fp")).isEqualTo(new Acquisition.InProgress(LEASE.minusSeconds(5)));
    }

    @Test
    void defaultsAreThirtySecondLeaseAndOneDayRetention() {
        IdempotencyKeyStore defaults = InMemoryIdempotencyKeyStore.builder().build();

        assertThat(defaults.lease()).isEqualTo(Duration.ofSeconds(30));
        assertThat(defaults.retention()).isEqualTo(Duration.ofHours(24));
        defaults.close();
    }

    @Test
    void storesDoNotShareKeys() {
        String key = newKey();
        acquired(store, key, "fp");

        assertThat(open(LEASE, RETENTION).acquire(key, "other")).isInstanceOf(Acquisition.Acquired.class);
    }

    @Test
    void closedStoreHoldsNoKeys() {
        String key = newKey();
        assertThat(store.complete(key, acquired(store, key, "fp"), bytes("r"))).isTrue();

        store.close();

        assertThat(store.acquire(key, "other")).isInstanceOf(Acquisition.Acquired.class);
    }

    @Test
    void nullArgumentsAreRefused() {
        String key = newKey();
        long token = acquired(store, key, "fp");

        assertThatThrownBy(() -> store.acquire(null, "fp")).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("key");
        assertThatThrownBy(() -> store.acquire(key, null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("fingerprint");
        assertThatThrownBy(() -> store.complete(key, token, null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("result");
        assertThatThrownBy(() -> store.complete(null, token, new byte[0])).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> store.release(null, token)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> store.extend(null, token)).isInstanceOf(NullPointerException.class);

        assertThat(store.complete(key, token, bytes("still held"))).isTrue();
    }

    // ---- builder validation

    @Test
    void builderRefusesALeaseThatIsNotPositive() {
        assertThatThrownBy(() -> InMemoryIdempotencyKeyStore.builder().lease(Duration.ZERO).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lease");
        assertThatThrownBy(() -> InMemoryIdempotencyKeyStore.builder().lease(Duration.ofSeconds(-1)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lease");
    }

    @Test
    void builderRefusesALeaseShorterThanAMillisecond() {
        assertThatThrownBy(() -> InMemoryIdempotencyKeyStore.builder().lease(Duration.ofNanos(999_999)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lease");
    }

    @Test
    void builderRefusesARetentionThatIsNotPositive() {
        assertThatThrownBy(() -> InMemoryIdempotencyKeyStore.builder().retention(Duration.ZERO).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("retention");
    }

    @Test
    void builderRefusesARetentionShorterThanTheLease() {
        assertThatThrownBy(() -> InMemoryIdempotencyKeyStore.builder()
                .lease(Duration.ofMinutes(2)).retention(Duration.ofMinutes(1)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("retention")
                .hasMessageContaining("lease");
    }

    @Test
    void builderAcceptsARetentionEqualToTheLease() {
        IdempotencyKeyStore built = open(Duration.ofMinutes(1), Duration.ofMinutes(1));

        assertThat(built.retention()).isEqualTo(built.lease());
    }

    @Test
    void builderRefusesNullOptions() {
        assertThatThrownBy(() -> InMemoryIdempotencyKeyStore.builder().lease(null).build())
                .isInstanceOf(NullPointerException.class).hasMessageContaining("lease");
        assertThatThrownBy(() -> InMemoryIdempotencyKeyStore.builder().retention(null).build())
                .isInstanceOf(NullPointerException.class).hasMessageContaining("retention");
        assertThatThrownBy(() -> InMemoryIdempotencyKeyStore.builder().clock(null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("clock");
    }
}
