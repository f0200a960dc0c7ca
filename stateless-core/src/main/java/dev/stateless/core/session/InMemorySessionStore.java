package dev.stateless.core.session;

import dev.stateless.core.CorruptDataException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link SessionStore} in this JVM's memory, with the same semantics as the Redis one (the same
 * codec, expiry from the configured {@link java.time.Clock}, deltas, no resurrection). Meant for
 * unit tests and single-node tools: sessions are lost with the process. Values are held encoded,
 * so a caller never shares an object with another request. Session locks have the Redis store's
 * semantics too: leases end by the configured clock, waiting for a lock takes real time. Thread-safe.
 *
 * <pre>{@code
 * SessionStore store = InMemorySessionStore.builder().clock(testClock).build();
 * }</pre>
 */
public final class InMemorySessionStore implements SessionStore {

    private static final Logger log = LoggerFactory.getLogger(InMemorySessionStore.class);


    /** A stored session and, while someone holds it, its lock. */
    private record Entry(SessionData session, String lockToken, Instant leaseEnd) {
        Entry(SessionData session) {
            this(session, null, null);
        }

        boolean lockedAt(Instant now) {
            return lockToken != null && now.isBefore(leaseEnd);
        }
    }

    /** How long an old id forwards invalidations to its new id after a change (as in Redis). */
    private static final Duration FORWARD_LIFETIME = Duration.ofMinutes(5);

    private record Forward(SessionId to, Instant until) {
    }

    /**
     * Stands for stored data this store cannot read, which only {@link #plantUnreadable} puts here:
     * memory cannot be corrupted the way a shared server's keys can, but the contract suite checks
     * that every store answers such data alike.
     */
    private static final Entry UNREADABLE = new Entry(null);

    private final SessionSettings settings;
    private final Map<SessionId, Forward> forwards = new java.util.HashMap<>();
    private final Map<SessionId, Entry> sessions = new ConcurrentHashMap<>();
    private final AtomicBoolean warnedLostLock = new AtomicBoolean();
    private final Map<String, Set<SessionId>> byPrincipal = new ConcurrentHashMap<>();

    private InMemorySessionStore(SessionSettings settings) {
        this.settings = settings;
    }

    /**
     * Starts the configuration of a store that keeps its sessions in this JVM's memory.
     *
     * @return a builder with the shared defaults
     */
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
        sessions.computeIfPresent(id, (key, entry) -> {
            if (entry == UNREADABLE) {
                return unreadable(entry);
            }
            if (entry.session().isExpired(now)) {
                return null;
            }
            before[0] = entry.session();
            return touched(entry, now);
        });
        return Optional.ofNullable(before[0]);
    }

    @Override
    public Optional<SessionData> load(SessionId id, SessionLock lock) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(lock, "lock");
        return lock.await(() -> tryLock(id, lock.lease()));
    }

    /** One try: the session, locked (or empty: none); no answer while another holder has the lock. */
    private Optional<Optional<SessionData>> tryLock(SessionId id, Duration lease) {
        Instant now = settings.clock().instant();
        String token = SessionId.generate().value(); // 256 random bits, as unguessable as an id
        SessionData[] before = new SessionData[1];
        boolean[] locked = new boolean[1];
        sessions.computeIfPresent(id, (key, entry) -> {
            if (entry == UNREADABLE) {
                return unreadable(entry);
            }
            if (entry.session().isExpired(now)) {
                return null;
            }
            if (entry.lockedAt(now)) {
                locked[0] = true;
                return entry;
            }
            before[0] = entry.session();
            return new Entry(touched(entry, now).session(), token, now.plus(lease));
        });
        if (locked[0]) {
            return Optional.empty();
        }
        return Optional.of(Optional.ofNullable(before[0]).map(session -> session.lockedWith(token)));
    }

    private Entry touched(Entry entry, Instant now) {
        return settings.shouldTouch(entry.session(), now)
                ? new Entry(entry.session().touchedAt(now), entry.lockToken(), entry.leaseEnd()) : entry;
    }

    @Override
    public CompletableFuture<Void> touch(SessionId id) {
        Objects.requireNonNull(id, "id");
        Instant now = settings.clock().instant();
        sessions.computeIfPresent(id, (key, entry) -> entry == UNREADABLE ? entry
                : entry.session().isExpired(now) ? null : touched(entry, now));
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void unlock(SessionData locked) {
        Objects.requireNonNull(locked, "locked");
        String token = locked.lockToken().orElse(null);
        if (token == null) {
            return;
        }
        sessions.computeIfPresent(locked.id(),
                (key, entry) -> token.equals(entry.lockToken()) ? new Entry(entry.session()) : entry);
    }

    @Override
    public boolean save(SessionChanges changes) {
        Objects.requireNonNull(changes, "changes");
        Instant now = settings.clock().instant();
        SessionData base = changes.base();
        String token = base.lockToken().orElse(null);
        boolean[] written = new boolean[1];
        boolean[] lostLock = new boolean[1];
        sessions.compute(changes.id(), (key, current) -> {
            if (current == UNREADABLE) {
                throw new CorruptDataException("The data stored under a session's id is not a session this store can "
                        + "read; nothing was saved");
            }
            if (current != null && current.session().isExpired(now)) {
                current = null;
            }
            if (current == null && !base.isNew()) {
                return null;
            }
            SessionData start = current != null ? current.session() : SessionData.stored(base.id(), base.createdAt(),
                    base.lastAccessedAt(), base.idleTimeout(), base.absoluteExpiry(), null, Map.of());
            SessionData next = start.apply(copy(changes));
            written[0] = !next.isExpired(now);
            if (!written[0]) {
                return null;
            }
            if (current == null || token != null && token.equals(current.lockToken())) {
                return new Entry(next); // released with the write
            }
            lostLock[0] = token != null;
            return new Entry(next, current.lockToken(), current.leaseEnd()); // someone else's lock stays
        });
        if (lostLock[0]) {
            warnLostLock();
        }
        if (written[0] && changes.principal().isPresent()) {
            String principal = changes.principal().get();
            byPrincipal.computeIfAbsent(principal, p -> ConcurrentHashMap.newKeySet()).add(changes.id());
            if (!base.principal().equals(changes.principal())) {
                endSessionsBeyondLimit(principal, changes.id(), now);
            }
        }
        return written[0];
    }

    /** After a login: ends the principal's least recently used other sessions beyond the limit. */
    private void endSessionsBeyondLimit(String principal, SessionId kept, Instant now) {
        if (settings.maxSessionsPerPrincipal() == SessionSettings.UNLIMITED) {
            return;
        }
        List<SessionId> surplus = settings.sessionsBeyondLimit(livePrincipalSessions(principal, now), kept);
        for (SessionId id : surplus) {
            // Only while it still belongs to the principal: it may have been moved meanwhile.
            sessions.computeIfPresent(id, (key, entry) -> entry != UNREADABLE
                    && entry.session().principal().filter(principal::equals).isPresent() ? null : entry);
        }
        if (!surplus.isEmpty()) {
            log.info("A principal went beyond {} sessions; its {} least recently used other sessions were ended",
                    settings.maxSessionsPerPrincipal(), surplus.size());
        }
    }

    private static SessionChanges copy(SessionChanges changes) {
        SessionChanges.Builder copy = SessionChanges.to(changes.base());
        changes.set().forEach((name, bytes) -> copy.set(name, bytes.clone()));
        changes.removed().forEach(copy::remove);
        changes.idleTimeout().ifPresent(copy::idleTimeout);
        changes.principal().ifPresent(copy::principal);
        return copy.build();
    }

    private void warnLostLock() {
        SessionLock.reportSaveAfterLease(warnedLostLock);
    }

    @Override
    public void delete(SessionId id) {
        Objects.requireNonNull(id, "id");
        // As in Redis: an id changed lately forwards its invalidation to the new id.
        synchronized (forwards) {
            SessionId current = id;
            for (int hop = 0; hop < 8 && current != null; hop++) {
                sessions.remove(current);
                Forward forward = forwards.remove(current);
                current = forward != null && settings.clock().instant().isBefore(forward.until()) ? forward.to() : null;
            }
        }
    }

    @Override
    public boolean changeId(SessionId from, SessionId to) {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        Instant now = settings.clock().instant();
        SessionData session;
        synchronized (forwards) {
            if (sessions.get(from) == UNREADABLE) {
                return false;
            }
            Entry removed = sessions.remove(from);
            if (removed == null || removed.session().isExpired(now)) {
                return false;
            }
            session = removed.session();
            sessions.put(to, new Entry(session.withId(to))); // the lock stays behind with the old id
            Instant until = now.plus(FORWARD_LIFETIME);
            forwards.put(from, new Forward(to, until.isBefore(session.expiresAt()) ? until : session.expiresAt()));
            forwards.values().removeIf(f -> !now.isBefore(f.until()));
        }
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
            Entry entry = sessions.get(id);
            SessionData session = entry == null || entry == UNREADABLE ? null : entry.session();
            boolean alive = session != null && !session.isExpired(now) && session.principal().filter(principal::equals).isPresent();
            if (alive) {
                live.put(id, session);
            }
            return !alive;
        });
        return live;
    }

    private static Entry unreadable(Entry entry) {
        log.warn("A session id names data that is not a session this store can read; it is ignored and a new "
                + "session will be started");
        return entry;
    }

    /** For the contract suite: replaces what is stored under {@code id} by data this store cannot read. */
    void plantUnreadable(SessionId id) {
        sessions.put(Objects.requireNonNull(id, "id"), UNREADABLE);
    }

    /** Always {@link dev.stateless.core.Health.Status#UP UP}: the data lives in this process. */
    @Override
    public dev.stateless.core.Health health() {
        return dev.stateless.core.Health.inProcess(this);
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

        /**
         * Makes the store.
         *
         * @return a thread-safe store
         */
        public InMemorySessionStore build() {
            return new InMemorySessionStore(settings());
        }
    }
}
