package dev.stateless.core.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stateless.testing.MutableClock;
import dev.stateless.testing.SessionStoreContract;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InMemorySessionStoreTest extends SessionStoreContract {

    @Override
    protected SessionStore createStore(MutableClock clock, Duration idleTimeout, Duration absoluteTimeout,
            Duration touchInterval) {
        return InMemorySessionStore.builder().codec(testCodec()).clock(clock).idleTimeout(idleTimeout)
                .absoluteTimeout(absoluteTimeout).touchInterval(touchInterval).build();
    }

    @Override
    protected SessionStore createStoreWithSessionLimit(MutableClock clock, int maxSessionsPerPrincipal) {
        return InMemorySessionStore.builder().codec(testCodec()).clock(clock) // default timeouts
                .maxSessionsPerPrincipal(maxSessionsPerPrincipal).build();
    }

    @Override
    protected void plantUnreadable(SessionId id) {
        ((InMemorySessionStore) store).plantUnreadable(id);
    }

    @Test
    void builderDefaultsToThirtyMinutesIdleTwelveHoursAbsoluteAndTheJsonCodec() {
        SessionStore defaults = InMemorySessionStore.builder().clock(clock).build();

        SessionData session = defaults.newSession();

        assertThat(session.idleTimeout()).isEqualTo(Duration.ofMinutes(30));
        assertThat(session.absoluteExpiry()).isEqualTo(clock.instant().plus(Duration.ofHours(12)));
        assertThat(defaults.codec().decode(defaults.codec().encode(42L))).isEqualTo(42L);
    }

    @Test
    void builderRefusesTimeoutsThatAreNotPositive() {
        assertThatThrownBy(() -> InMemorySessionStore.builder().idleTimeout(Duration.ZERO).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("idleTimeout");
        assertThatThrownBy(() -> InMemorySessionStore.builder().absoluteTimeout(Duration.ofSeconds(-1)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("absoluteTimeout");
        assertThatThrownBy(() -> InMemorySessionStore.builder().touchInterval(Duration.ofSeconds(-1)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("touchInterval");
    }

    @Test
    void builderRefusesATouchIntervalNotShorterThanTheIdleTimeout() {
        assertThatThrownBy(() -> InMemorySessionStore.builder()
                .idleTimeout(Duration.ofMinutes(5)).touchInterval(Duration.ofMinutes(5)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("touchInterval")
                .hasMessageContaining("idleTimeout");
    }

    @Test
    void closedStoreHoldsNoSessions() {
        SessionId id = saveNew(Map.of("a", "1"), "alice").id();

        store.close();

        assertThat(store.load(id)).isEmpty();
        assertThat(store.findByPrincipal("alice")).isEmpty();
    }

    @Test
    void storesDoNotShareSessions() {
        SessionId id = saveNew(Map.of("a", "1")).id();
        SessionStore other = open(IDLE, ABSOLUTE, Duration.ZERO);

        assertThat(other.load(id)).isEmpty();
    }
}
