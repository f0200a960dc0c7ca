package dev.stateless.core.token;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link RevocationList} in this JVM's memory, timed by a {@link Clock}; for tests and single
 * nodes. Entries end exactly when the Redis list's keys expire: at {@code exp + clockSkew}, never for
 * a token without {@code exp}.
 */
public final class InMemoryRevocationList implements RevocationList {

    private final Clock clock;
    private final Map<String, Instant> revoked = new ConcurrentHashMap<>();

    /** A revocation list on the system clock. */
    public InMemoryRevocationList() {
        this(Clock.systemUTC());
    }

    /**
     * A revocation list whose entries expire by {@code clock}.
     *
     * @param clock the clock; tests pass one they move by hand
     */
    public InMemoryRevocationList(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public void revoke(VerifiedToken token, Duration clockSkew) {
        Objects.requireNonNull(token, "token");
        Instant until = RevocationEntries.until(token, clockSkew);
        String name = RevocationEntries.name(token);
        Instant now = clock.instant();
        revoked.values().removeIf(end -> !now.isBefore(end));
        if (now.isBefore(until)) {
            revoked.merge(name, until, (a, b) -> a.isAfter(b) ? a : b);
        }
    }

    @Override
    public boolean isRevoked(VerifiedToken token) {
        Objects.requireNonNull(token, "token");
        if (token.tokenId().isEmpty()) {
            return false;
        }
        Instant until = revoked.get(RevocationEntries.name(token));
        return until != null && clock.instant().isBefore(until);
    }

    /** Always {@link dev.stateless.core.Health.Status#UP UP}: the data lives in this process. */
    @Override
    public dev.stateless.core.Health health() {
        return dev.stateless.core.Health.inProcess(this);
    }
}
