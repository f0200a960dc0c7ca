package dev.stateless.core.session;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link SessionStore} in this JVM's memory, with the same semantics as the Redis one (the same
 * codec, expiry from the configured {@link java.time.Clock}, deltas, no resurrection). Meant for
 * unit tests and single-node tools: sessions are lost with the process. Values are held encoded,
 * so a caller never shares an object with another request. Thread-safe.
 *
 * <pre>{@code
 * SessionStore store = InMemorySessionStore.builder().clock(testClock).build();
 * }</pre>
 */
public final class InMemorySessionStore implements SessionStore {

    private final SessionSettings settings;
    private final Map<SessionId, SessionData> sessions = new ConcurrentHashMap<>();
    private final Map<String, Set<SessionId>> byPrincipal = new ConcurrentHashMap<>();

    private InMemorySessionStore(SessionSettings settings) {
        this.settings = settings;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public AttributeCodec codec() {
        return settings.codec();
    }

    @Override
    public SessionData newSession() {
        return settings.newSession();
    }

    @Override
    public Optional<SessionData> load(SessionId id) {
        Objects.requireNonNull(id, "id");
        Instant now = settings.clock().instant();
        SessionData[] before = new SessionData[1];
        sessions.computeIfPresent(id, (key, session) -> {
            if (session.isExpired(now)) {
                return null;
            }
            before[0] = session;
            return settings.shouldTouch(session, now) ? session.touchedAt(now) : session;
        });
        return Optional.ofNullable(before[0]);
    }

    @Override
    public boolean save(SessionChanges changes) {
        Objects.requireNonNull(changes, "changes");
        Instant now = settings.clock().instant();
        SessionData base = changes.base();
        boolean[] written = new boolean[1];
        sessions.compute(changes.id(), (key, current) -> {
            if (current != null && current.isExpired(now)) {
                current = null;
            }
            if (current == null && !base.isNew()) {
                return null;
            }
            SessionData start = current != null ? current : SessionData.stored(base.id(), base.createdAt(),
                    base.lastAccessedAt(), base.idleTimeout(), base.absoluteExpiry(), null, Map.of());
            SessionData next = start.apply(copy(changes));
            written[0] = !next.isExpired(now);
            return written[0] ? next : null;
        });
        if (written[0] && changes.principal().isPresent()) {
            byPrincipal.computeIfAbsent(changes.principal().get(), p -> ConcurrentHashMap.newKeySet()).add(changes.id());
        }
        return written[0];
    }

    private static SessionChanges copy(SessionChanges changes) {
        SessionChanges.Builder copy = SessionChanges.to(changes.base());
        changes.set().forEach((name, bytes) -> copy.set(name, bytes.clone()));
        changes.removed().forEach(copy::remove);
        changes.idleTimeout().ifPresent(copy::idleTimeout);
        changes.principal().ifPresent(copy::principal);
        return copy.build();
    }

    @Override
    public void delete(SessionId id) {
        sessions.remove(Objects.requireNonNull(id, "id"));
    }

    @Override
    public boolean changeId(SessionId from, SessionId to) {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        Instant now = settings.clock().instant();
        SessionData session = sessions.remove(from);
        if (session == null || session.isExpired(now)) {
            return false;
        }
        sessions.put(to, session.withId(to));
        session.principal().ifPresent(p -> byPrincipal.computeIfAbsent(p, k -> ConcurrentHashMap.newKeySet()).add(to));
        return true;
    }

    @Override
    public List<SessionSummary> findByPrincipal(String principal) {
        Objects.requireNonNull(principal, "principal");
        Instant now = settings.clock().instant();
        List<SessionSummary> found = new ArrayList<>();
        for (SessionData session : livePrincipalSessions(principal, now).values()) {
            found.add(new SessionSummary(session.id().digest(), session.createdAt(), session.lastAccessedAt(),
                    session.expiresAt()));
        }
        found.sort(Comparator.comparing(SessionSummary::createdAt));
        return found;
    }

    @Override
    public int deleteByPrincipal(String principal) {
        Objects.requireNonNull(principal, "principal");
        Map<SessionId, SessionData> live = livePrincipalSessions(principal, settings.clock().instant());
        int deleted = 0;
        for (SessionId id : live.keySet()) {
            if (sessions.remove(id) != null) {
                deleted++;
            }
        }
        byPrincipal.remove(principal);
        return deleted;
    }

    /** The principal's sessions that still exist and still belong to it; prunes the rest. */
    private Map<SessionId, SessionData> livePrincipalSessions(String principal, Instant now) {
        Map<SessionId, SessionData> live = new LinkedHashMap<>();
        Set<SessionId> ids = byPrincipal.get(principal);
        if (ids == null) {
            return live;
        }
        ids.removeIf(id -> {
            SessionData session = sessions.get(id);
            boolean alive = session != null && !session.isExpired(now) && session.principal().filter(principal::equals).isPresent();
            if (alive) {
                live.put(id, session);
            }
            return !alive;
        });
        return live;
    }

    @Override
    public void close() {
        sessions.clear();
        byPrincipal.clear();
    }

    /** Configures an {@link InMemorySessionStore}; see {@link SessionSettings.Builder} for the options. */
    public static final class Builder extends SessionSettings.Builder<Builder> {
        private Builder() {
        }

        public InMemorySessionStore build() {
            return new InMemorySessionStore(settings());
        }
    }
}
