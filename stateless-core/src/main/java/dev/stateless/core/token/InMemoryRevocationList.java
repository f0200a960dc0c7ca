package dev.stateless.core.token;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/** A {@link RevocationList} in this JVM's memory, timed by a {@link Clock}; for tests and single nodes. */
public final class InMemoryRevocationList implements RevocationList {

    private final Clock clock;
    private final Map<String, Instant> revoked = new ConcurrentHashMap<>();

    public InMemoryRevocationList() {
        this(Clock.systemUTC());
    }

    public InMemoryRevocationList(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public void revoke(String tokenId, Instant expiresAt) {
        Objects.requireNonNull(tokenId, "tokenId");
        Objects.requireNonNull(expiresAt, "expiresAt");
        Instant now = clock.instant();
        revoked.values().removeIf(until -> !now.isBefore(until));
        if (now.isBefore(expiresAt)) {
            revoked.merge(tokenId, expiresAt, (a, b) -> a.isAfter(b) ? a : b);
        }
    }

    @Override
    public boolean isRevoked(String tokenId) {
        Objects.requireNonNull(tokenId, "tokenId");
        Instant until = revoked.get(tokenId);
        return until != null && clock.instant().isBefore(until);
    }
}
