package dev.stateless.core.session;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One session as a store holds it: metadata and attributes in their encoded form (decode them
 * with the store's {@link SessionStore#codec() codec}). Immutable and thread-safe; attribute byte
 * arrays are shared, not copied, and must not be modified by anyone.
 *
 * <p>A session expires at the sooner of {@code lastAccessedAt + idleTimeout} (sliding) and
 * {@code absoluteExpiry} (fixed at creation: however active, a session never outlives it). An idle
 * timeout of {@link Duration#ZERO} means the session never times out by inactivity (the Servlet
 * API's {@code setMaxInactiveInterval(0 or less)}); it still ends at its absolute expiry.
 *
 * <p>A copy returned by {@link SessionStore#load(SessionId, SessionLock)} carries the
 * {@link #lockToken() token} of the lock it holds; {@link SessionStore#save} of changes to it
 * releases that lock.
 */
public final class SessionData {

    private final SessionId id;
    private final Instant createdAt;
    private final Instant lastAccessedAt;
    private final Duration idleTimeout;
    private final Instant absoluteExpiry;
    private final String principal;
    private final Map<String, byte[]> attributes;
    private final boolean isNew;
    private final String lockToken;
    private final long version;
    /** Decoded values kept with a near cache's copy, or null (see {@link #memo()}). */
    private final AttributeMemo memo;
    /**
     * The last {@link #apply(SessionChanges, long)} of this copy: a save's answer applies the same
     * changes twice (the store for its near cache, the servlet session for itself), once is enough.
     */
    private volatile Applied applied;

    private record Applied(SessionChanges changes, long version, SessionData result) {
    }

    private SessionData(SessionId id, Instant createdAt, Instant lastAccessedAt, Duration idleTimeout,
            Instant absoluteExpiry, String principal, Map<String, byte[]> attributes, boolean isNew) {
        this(id, createdAt, lastAccessedAt, idleTimeout, absoluteExpiry, principal, attributes, isNew, null, 0);
    }

    private SessionData(SessionId id, Instant createdAt, Instant lastAccessedAt, Duration idleTimeout,
            Instant absoluteExpiry, String principal, Map<String, byte[]> attributes, boolean isNew,
            String lockToken, long version) {
        this(id, createdAt, lastAccessedAt, idleTimeout, absoluteExpiry, principal, attributes, isNew, lockToken, version,
                null);
    }

    private SessionData(SessionId id, Instant createdAt, Instant lastAccessedAt, Duration idleTimeout,
            Instant absoluteExpiry, String principal, Map<String, byte[]> attributes, boolean isNew,
            String lockToken, long version, AttributeMemo memo) {
        this.memo = memo;
        this.id = Objects.requireNonNull(id, "id");
        this.createdAt = Objects.requireNonNull(createdAt, "createdAt");
        this.lastAccessedAt = Objects.requireNonNull(lastAccessedAt, "lastAccessedAt");
        this.idleTimeout = Objects.requireNonNull(idleTimeout, "idleTimeout");
        this.absoluteExpiry = Objects.requireNonNull(absoluteExpiry, "absoluteExpiry");
        this.principal = principal;
        this.attributes = attributes;
        this.isNew = isNew;
        this.lockToken = lockToken;
        this.version = version;
        if (idleTimeout.isNegative()) {
            throw new IllegalArgumentException("idleTimeout must not be negative, was " + idleTimeout);
        }
    }

    /**
     * A new session that no store holds yet: it is written by the first {@link SessionStore#save}.
     * An {@code idleTimeout} of zero means no idle expiry.
     *
     * @param id the session's id
     * @param now its creation time, and its first access
     * @param idleTimeout how long it lives without a request; zero for no idle expiry
     * @param absoluteTimeout its longest life, however active
     * @return the unsaved session, without attributes or principal
     */
    public static SessionData newSession(SessionId id, Instant now, Duration idleTimeout, Duration absoluteTimeout) {
        return new SessionData(id, now, now, idleTimeout, now.plus(absoluteTimeout), null, Map.of(), true);
    }

    /**
     * A session as read back from storage (for store implementations).
     *
     * @param id the session's id
     * @param createdAt when it was created
     * @param lastAccessedAt when a request last used it
     * @param idleTimeout how long it lives without a request; zero for none
     * @param absoluteExpiry when it ends however active
     * @param principal the user it belongs to, or null
     * @param attributes the encoded attributes by name; copied
     * @return the stored session, not new, holding no lock
     */
    public static SessionData stored(SessionId id, Instant createdAt, Instant lastAccessedAt, Duration idleTimeout,
            Instant absoluteExpiry, String principal, Map<String, byte[]> attributes) {
        return new SessionData(id, createdAt, lastAccessedAt, idleTimeout, absoluteExpiry, principal,
                Collections.unmodifiableMap(new LinkedHashMap<>(attributes)), false);
    }

    /**
     * A session as read back from storage, at {@code version} (for store implementations that count
     * their writes of a session; see {@link #version()}).
     *
     * @param id the session's id
     * @param createdAt when the session was created
     * @param lastAccessedAt the session's last access
     * @param idleTimeout its idle timeout ({@link Duration#ZERO}: none)
     * @param absoluteExpiry when it ends whatever its activity
     * @param principal its owner, or null
     * @param attributes its encoded attributes by name
     * @param version how many times it was saved
     * @return the stored session
     */
    public static SessionData stored(SessionId id, Instant createdAt, Instant lastAccessedAt, Duration idleTimeout,
            Instant absoluteExpiry, String principal, Map<String, byte[]> attributes, long version) {
        return new SessionData(id, createdAt, lastAccessedAt, idleTimeout, absoluteExpiry, principal,
                Collections.unmodifiableMap(new LinkedHashMap<>(attributes)), false, null, version);
    }

    /**
     * The session's id.
     *
     * @return the id
     */
    public SessionId id() {
        return id;
    }

    /**
     * When the session was created.
     *
     * @return the creation time
     */
    public Instant createdAt() {
        return createdAt;
    }

    /**
     * When a request last used the session, before the request that loaded this copy.
     *
     * @return the last access time
     */
    public Instant lastAccessedAt() {
        return lastAccessedAt;
    }

    /**
     * How long the session lives without a request; {@link Duration#ZERO} when it never times out by
     * inactivity.
     *
     * @return the idle timeout, zero or positive
     */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    /**
     * When the session ends however active it is.
     *
     * @return the absolute expiry
     */
    public Instant absoluteExpiry() {
        return absoluteExpiry;
    }

    /**
     * The sooner of the idle and the absolute expiry; the absolute expiry when there is no idle timeout.
     *
     * @return the time the session expires unless a request comes first
     */
    public Instant expiresAt() {
        if (idleTimeout.isZero()) {
            return absoluteExpiry;
        }
        Instant idleExpiry = lastAccessedAt.plus(idleTimeout);
        return idleExpiry.isBefore(absoluteExpiry) ? idleExpiry : absoluteExpiry;
    }

    /**
     * Whether the session has expired at {@code now}, by inactivity or by age.
     *
     * @param now the time to judge by
     * @return true once {@link #expiresAt()} is not after {@code now}
     */
    public boolean isExpired(Instant now) {
        return !now.isBefore(expiresAt());
    }

    /**
     * The name of the user the session belongs to, if one was recorded.
     *
     * @return the principal, or empty for an anonymous session
     */
    public Optional<String> principal() {
        return Optional.ofNullable(principal);
    }

    /**
     * True until a store has saved the session once.
     *
     * @return whether no store holds this session yet
     */
    public boolean isNew() {
        return isNew;
    }

    /**
     * The names of the session's attributes.
     *
     * @return a read-only set
     */
    public Set<String> attributeNames() {
        return attributes.keySet();
    }

    /**
     * The encoded value of an attribute. The array must not be modified.
     *
     * @param name the attribute's name
     * @return the encoded value, or empty when there is no such attribute
     */
    public Optional<byte[]> encodedAttribute(String name) {
        return Optional.ofNullable(attributes.get(name));
    }

    /**
     * All attributes, encoded, in a read-only map whose arrays must not be modified.
     *
     * @return the attributes by name
     */
    public Map<String, byte[]> encodedAttributes() {
        return attributes;
    }

    /**
     * The token of the lock this copy holds, when it was loaded with
     * {@link SessionStore#load(SessionId, SessionLock)}; empty for every other copy.
     *
     * @return the lock token, or empty when this copy holds no lock
     */
    public Optional<String> lockToken() {
        return Optional.ofNullable(lockToken);
    }

    /**
     * How many times the session was saved when this copy was read: grows by at least one with every
     * {@link SessionStore#saveAsync save} (never with a touch), so a copy whose version is at least
     * the one a save returned holds that save's changes. 0 for a new session, and for stores that
     * keep no versions.
     *
     * @return the version of this copy
     */
    public long version() {
        return version;
    }

    /**
     * For store implementations: this copy, holding the lock with {@code token}.
     *
     * @param token the lock holder's token
     * @return a copy that holds the lock
     */
    public SessionData lockedWith(String token) {
        Objects.requireNonNull(token, "token");
        return new SessionData(id, createdAt, lastAccessedAt, idleTimeout, absoluteExpiry, principal, attributes, isNew,
                token, version, memo);
    }

    /**
     * The session as it is after {@code changes} were saved: no longer new, holding no lock (the save
     * released it).
     *
     * @param changes the delta that was saved onto this copy
     * @return the session after the save
     */
    public SessionData apply(SessionChanges changes) {
        return apply(changes, 0);
    }

    /**
     * As {@link #apply(SessionChanges)}, at the {@linkplain #version() version} the store gave the
     * save (for store implementations and callers of {@link SessionStore#saveAsync}).
     *
     * @param changes the delta that was saved onto this copy
     * @param version the session's version after the save
     * @return the session after the save
     */
    public SessionData apply(SessionChanges changes, long version) {
        Applied last = applied;
        if (last != null && last.changes() == changes && last.version() == version) {
            applied = null; // used once (store, then session): a copy held on never keeps its successor alive
            return last.result(); // immutable: the same changes at the same version give the same copy
        }
        Map<String, byte[]> merged = new LinkedHashMap<>(attributes);
        changes.removed().forEach(merged::remove);
        merged.putAll(changes.set());
        AttributeMemo carried = null;
        if (memo != null) {
            Set<String> changed = new HashSet<>(changes.removed());
            changed.addAll(changes.set().keySet());
            carried = memo.carried(changed, memo.budgetBytes());
            // values set with their bytes (a counter a request increments): the next request need not decode them
            changes.values().forEach(carried::offer);
        }
        SessionData result = new SessionData(id, createdAt, lastAccessedAt, changes.idleTimeout().orElse(idleTimeout),
                absoluteExpiry, changes.principal().orElse(principal), Collections.unmodifiableMap(merged), false,
                null, version, carried);
        applied = new Applied(changes, version, result);
        return result;
    }

    /**
     * The same session under another id (after {@link SessionStore#changeId}), holding no lock: a
     * lock belongs to the old id and is not carried over.
     *
     * @param newId the id the session now has
     * @return a copy under {@code newId}
     */
    public SessionData withId(SessionId newId) {
        return new SessionData(newId, createdAt, lastAccessedAt, idleTimeout, absoluteExpiry, principal, attributes, isNew,
                null, 0, memo);
    }

    /**
     * The same session with its last access moved to {@code now}.
     *
     * @param now the time of the access
     * @return a copy last accessed at {@code now}
     */
    public SessionData touchedAt(Instant now) {
        return new SessionData(id, createdAt, now, idleTimeout, absoluteExpiry, principal, attributes, isNew, lockToken,
                version, memo);
    }

    /**
     * Decoded values kept with this copy (by a near cache, so that the requests it serves skip
     * decoding), if any. <b>Internal</b>, see {@link AttributeMemo}.
     *
     * @return the memo, or empty
     */
    public Optional<AttributeMemo> memo() {
        return Optional.ofNullable(memo);
    }

    /**
     * For store implementations: this copy, keeping decoded values in {@code memo}, which must belong
     * to these stored bytes (empty, or carried from a copy with the same bytes).
     *
     * @param memo the memo, or null for none
     * @return the copy
     */
    public SessionData withMemo(AttributeMemo memo) {
        return new SessionData(id, createdAt, lastAccessedAt, idleTimeout, absoluteExpiry, principal, attributes, isNew,
                lockToken, version, memo);
    }

    @Override
    public String toString() {
        return "SessionData[" + id + ", attributes=" + attributes.keySet() + ", expiresAt=" + expiresAt() + "]";
    }
}
