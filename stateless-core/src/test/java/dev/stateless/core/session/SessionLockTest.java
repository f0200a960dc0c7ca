package dev.stateless.core.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The value types of the session lock and of "no idle expiry", without a store. */
class SessionLockTest {

    @Test
    void lockNeedsAPositiveLeaseAndAMaxWaitThatIsNotNegative() {
        assertThat(new SessionLock(Duration.ofSeconds(30), Duration.ZERO).maxWait()).isZero();
        assertThatThrownBy(() -> new SessionLock(Duration.ZERO, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lease");
        assertThatThrownBy(() -> new SessionLock(Duration.ofSeconds(-1), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lease");
        assertThatThrownBy(() -> new SessionLock(Duration.ofSeconds(1), Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxWait");
        assertThatThrownBy(() -> new SessionLock(null, Duration.ZERO)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void sessionLockedExceptionNamesTheWaitAndNoSession() {
        SessionLockedException e = new SessionLockedException(Duration.ofMillis(500));

        assertThat(e.waited()).isEqualTo(Duration.ofMillis(500));
        assertThat(e).isInstanceOf(dev.stateless.core.StatelessException.class).hasMessageContaining("PT0.5S");
    }

    @Test
    void idleTimeoutZeroIsAcceptedAndNegativeIsRefused() {
        SessionData session = SessionData.newSession(SessionId.generate(), Instant.EPOCH, Duration.ofMinutes(30),
                Duration.ofHours(12));

        assertThat(SessionChanges.to(session).idleTimeout(Duration.ZERO).build().idleTimeout()).contains(Duration.ZERO);
        assertThatThrownBy(() -> SessionChanges.to(session).idleTimeout(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("idleTimeout");
    }

    @Test
    void sessionWithoutIdleTimeoutExpiresAtItsAbsoluteExpiryOnly() {
        SessionData session = SessionData.newSession(SessionId.generate(), Instant.EPOCH, Duration.ZERO,
                Duration.ofHours(12));

        assertThat(session.expiresAt()).isEqualTo(Instant.EPOCH.plus(Duration.ofHours(12)));
        assertThat(session.isExpired(Instant.EPOCH.plus(Duration.ofHours(11)))).isFalse();
        assertThat(session.isExpired(Instant.EPOCH.plus(Duration.ofHours(12)))).isTrue();
    }

    @Test
    void lockTokenStaysWithTouchesAndIsDroppedBySaveResultsAndNewIds() {
        SessionData locked = SessionData.stored(SessionId.generate(), Instant.EPOCH, Instant.EPOCH, Duration.ofMinutes(30),
                Instant.EPOCH.plus(Duration.ofHours(12)), null, java.util.Map.of()).lockedWith("token");

        assertThat(locked.lockToken()).contains("token");
        assertThat(locked.touchedAt(Instant.EPOCH.plusSeconds(1)).lockToken()).contains("token");
        assertThat(locked.apply(SessionChanges.to(locked).build()).lockToken()).isEmpty();
        assertThat(locked.withId(SessionId.generate()).lockToken()).isEmpty();
        assertThat(locked.toString()).doesNotContain("token");
    }
}
