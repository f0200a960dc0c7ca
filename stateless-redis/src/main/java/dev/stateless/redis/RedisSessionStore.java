package dev.stateless.redis;

import dev.stateless.core.CorruptDataException;
import dev.stateless.core.Health;
import dev.stateless.core.StatelessException;
import dev.stateless.core.StoreUnavailableException;
import dev.stateless.core.metrics.Meters;
import dev.stateless.core.session.AttributeCodec;
import dev.stateless.core.session.SessionChanges;
import dev.stateless.core.session.SessionData;
import dev.stateless.core.session.SessionId;
import dev.stateless.core.session.SessionLock;
import dev.stateless.core.session.SessionLockedException;
import dev.stateless.core.session.SessionSettings;
import dev.stateless.core.session.SessionStore;
import dev.stateless.core.session.SessionSummary;
import io.lettuce.core.Range;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link SessionStore} in Redis (standalone, Sentinel or Cluster), on Lettuce.
 *
 * <p>Layout: one hash per session under {@code prefix + "s:{" + SHA-256(id) + "}"}, with metadata
 * fields ({@code #c} created, {@code #a} last access, {@code #i} idle timeout, {@code #x} absolute
 * expiry, {@code #p} principal, all in milliseconds; {@code #i} 0: no idle expiry), while a
 * {@linkplain SessionLock lock} is held {@code #l} its token and {@code #lx} its lease end (ms),
 * and one field per attribute ({@code "." + name}) holding its encoded value. The key's TTL is the
 * time left before the idle or absolute expiry, whichever is sooner; Redis removes expired
 * sessions by itself.
 *
 * <p>Costs: {@link #load} is one round trip, a plain {@code HGETALL} (no script); when the idle
 * expiry is due for a refresh (at most once per touch interval), the refresh waits up to 500 ms
 * for the session's next save from this node, which carries it, else a small script sends it
 * alone. A locked load is one round trip while the lock is free (a script reads the hash, takes
 * the lock and refreshes the idle expiry; each retry while it is held is one more); {@link #save} writes only the
 * delta, with the expiry, in one round trip (one more command in the same round trip when the
 * principal changes; two more round trips for a login past
 * {@linkplain SessionSettings.Builder#maxSessionsPerPrincipal the sessions limit}), releasing a held
 * lock in the same script, for any number of attributes; {@link #touch} and {@link #unlock}
 * are one small script each, reading no attribute.
 *
 * <pre>{@code
 * SessionStore store = RedisSessionStore.builder("redis://localhost:6379")
 *         .idleTimeout(Duration.ofMinutes(30))
 *         .build();
 * }</pre>
 *
 * <p>Thread-safe; share one instance (it holds one multiplexed connection). Redis that cannot be
 * reached makes every method throw {@link dev.stateless.core.StoreUnavailableException} within the
 * command timeout; the connection recovers by itself.
 */
public final class RedisSessionStore implements SessionStore {

    private static final Logger log = LoggerFactory.getLogger(RedisSessionStore.class);

    private static final RedisScript LOAD = RedisScript.load("session-load.lua");
    private static final RedisScript SAVE = RedisScript.load("session-save.lua");
    private static final RedisScript COPY = RedisScript.load("session-copy.lua");
    private static final RedisScript FORWARD = RedisScript.load("session-forward.lua");
    private static final RedisScript FORWARD_FINISH = RedisScript.load("session-forward-finish.lua");
    private static final RedisScript DELETE = RedisScript.load("session-delete.lua");
    private static final String FORWARD_FIELD = "#f";
    /** Field prefix of an attribute stored deflated; {@code "."} is the prefix of one stored as it is. */
    private static final String DEFLATED = "~";
    /** How long an old id forwards invalidations to its new id after a change. */
    private static final Duration FORWARD_LIFETIME = Duration.ofMinutes(5);
    /** Ids changed more often than this within the forward lifetime are not followed further. */
    private static final int MAX_FORWARDS = 8;
    private static final RedisScript TOUCH = RedisScript.load("session-touch.lua");
    /** How long a due idle-expiry refresh waits for a save of the session to carry it. */
    static final Duration TOUCH_DELAY = Duration.ofMillis(500);
    private static final RedisScript UNLOCK = RedisScript.load("session-unlock.lua");
    private static final RedisScript INDEX_ADD = RedisScript.load("principal-index-add.lua");
    private static final RedisScript END_FOR_LIMIT = RedisScript.load("principal-session-end.lua");

    /** Stands for the id of a session known only by its digest (principal index entries). */
    private static final SessionId UNKNOWN_ID = SessionId.generate();

    private static final byte[] EMPTY = new byte[0];
    private static final byte[] ONE = {'1'};
    private static final byte[] ZERO = {'0'};
    private static final byte[][] META_FIELDS = {bytes("#m"), bytes("#c"), bytes("#a"), bytes("#i"), bytes("#x"),
        bytes("#p")};
    private static final byte[] META_BYTES = bytes("#m");
    private static final byte[] CREATED_BYTES = bytes("#c");
    private static final byte[] FORWARD_BYTES = bytes("#f");
    /** Lock fields: never parsed into a session, never copied to a new id. */
    private static final Set<String> LOCK_FIELDS = Set.of("#l", "#lx");


    private final SessionSettings settings;
    private final StoreConnection.Opened connection;
    private final RedisConnector redis;
    private final String prefix;
    private final AtomicBoolean warnedLostLock = new AtomicBoolean();
    private final AttributeCodec codec;
    private final boolean metered;
    private final Meters.Operation loads;
    private final Meters.Operation saves;
    private final Meters.Operation deletes;
    private final Meters.Operation touches;
    private final Meters.Operation idChanges;
    private final Meters.Counter nearCacheLookups;
    /** Null unless {@link Builder#nearCache} was set. */
    private final NearCache near;
    private final java.util.concurrent.Executor invalidations;
    private final java.util.concurrent.locks.ReentrantLock trackingLock = new java.util.concurrent.locks.ReentrantLock();
    private volatile AutoCloseable tracking; // written under trackingLock
    private volatile long nextTrackingAttempt; // written under trackingLock; System.nanoTime()
    /** Due idle-expiry refreshes not sent yet, by digest (see {@link #deferTouch}). */
    private final java.util.concurrent.ConcurrentHashMap<String, Pending> pendingTouches =
            new java.util.concurrent.ConcurrentHashMap<>();
    /** Where the sweep of {@link #pendingTouches} runs: Lettuce's event executors (see {@link #sweepTouches}). */
    private final java.util.concurrent.ScheduledExecutorService touchScheduler;
    private final long touchDelayNanos;
    /** Whether a sweep of {@link #pendingTouches} is scheduled. */
    private final AtomicBoolean touchSweepScheduled = new AtomicBoolean();

    private RedisSessionStore(Builder builder, SessionSettings settings) {
        this.settings = settings;
        this.connection = builder.connection.open();
        this.redis = connection.connector();
        this.prefix = connection.keyPrefix();
        Meters meters = connection.meters();
        this.metered = meters.enabled();
        this.codec = meters.codec(settings.codec());
        this.loads = meters.operation("stateless.session.load", "Loads of a session from Redis");
        this.saves = meters.operation("stateless.session.save", "Saves of a session's changes to Redis");
        this.deletes = meters.operation("stateless.session.delete", "Deletions of a session from Redis");
        this.touches = meters.operation("stateless.session.touch",
                "Idle-expiry refreshes of a session sent to Redis on their own (not carried by a save)");
        this.idChanges = meters.operation("stateless.session.change_id", "Moves of a session to a new id");
        this.nearCacheLookups = meters.counter("stateless.session.near_cache",
                "Loads that named a version: served by this node's copy (hit) or sent to Redis (miss)", "result");
        this.near = builder.nearCacheBytes > 0 ? new NearCache(builder.nearCacheBytes, builder.nearCacheAge, settings.clock(), codec) : null;
        this.invalidations = builder.invalidations;
        this.touchScheduler = redis.scheduler();
        this.touchDelayNanos = builder.touchDelay.toNanos();
        log.info("{}", this);
    }

    /** What was configured, without secrets: the line logged at startup. */
    @Override
    public String toString() {
        return "RedisSessionStore[" + redis.endpoint() + ", keyPrefix=" + prefix + ", idleTimeout="
                + settings.idleTimeout() + ", absoluteTimeout=" + settings.absoluteTimeout() + ", touchInterval="
                + settings.touchInterval() + ", maxSessionsPerPrincipal=" + (settings.maxSessionsPerPrincipal()
                == SessionSettings.UNLIMITED ? "unlimited" : settings.maxSessionsPerPrincipal()) + ", codec="
                + settings.codec().getClass().getSimpleName() + ", metrics=" + (metered ? "on" : "off") + ", nearCache="
                + (near == null ? "off" : "on")
                + "]";
    }

    /** {@inheritDoc} */
    @Override
    public Health health() {
        return redis.health("RedisSessionStore");
    }

    /**
     * Starts a store on the Redis server at {@code uri}: {@code redis://host:port[/db]},
     * {@code rediss://...} for TLS, {@code redis-sentinel://host:port[,host:port]/db#master}, or
     * {@code redis-cluster://host:port,host:port} (seed nodes of a Cluster).
     *
     * @param uri {@code redis://}, {@code rediss://}, {@code redis-sentinel://...#master} or {@code
     *     redis-cluster://seed,seed}
     * @return a builder with the shared defaults and a command timeout of 2 seconds
     */
    public static Builder builder(String uri) {
        return new Builder(uri);
    }

    @Override
    public AttributeCodec codec() {
        return codec;
    }

    @Override
    public SessionData newSession() {
        return settings.newSession();
    }

    @Override
    public Optional<SessionData> load(SessionId id) {
        Objects.requireNonNull(id, "id");
        return loads.call(() -> read(id).sync(), RedisSessionStore::found);
    }

    /**
     * With a {@linkplain Builder#nearCache near cache}: this node's copy when it is at
     * {@code knownVersion} or newer (the version a save of this session returned to the caller, or
     * that a load showed it), refreshing the idle expiry asynchronously when due; otherwise, and
     * always for a {@code knownVersion} of 0 or less, {@link #load(SessionId)}. Without a near
     * cache: {@link #load(SessionId)}.
     */
    @Override
    public Optional<SessionData> load(SessionId id, long knownVersion) {
        Objects.requireNonNull(id, "id");
        Optional<SessionData> copy = nearCopy(id, knownVersion);
        return copy != null ? copy : load(id);
    }

    /**
     * {@link #load(SessionId, long)} without blocking: a copy from the near cache completes at once;
     * else the read is sent and the future completes on Lettuce's I/O thread with its answer, or
     * with the failure {@code load} would throw ({@link StoreUnavailableException}). Never throws for
     * an unreachable Redis; metered as {@code load} is.
     */
    @Override
    public CompletableFuture<Optional<SessionData>> loadAsync(SessionId id, long knownVersion) {
        Objects.requireNonNull(id, "id");
        Optional<SessionData> copy;
        try {
            copy = nearCopy(id, knownVersion);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (copy != null) {
            return CompletableFuture.completedFuture(copy);
        }
        return loads.callAsync(() -> read(id).async(), RedisSessionStore::found);
    }

    /**
     * This node's copy of the session when it is at {@code knownVersion} or newer and not expired
     * (a due refresh of the idle expiry waits as a load's does, see {@link #deferTouch}), else null:
     * the caller reads Redis.
     */
    private Optional<SessionData> nearCopy(SessionId id, long knownVersion) {
        if (near == null || knownVersion <= 0) {
            return null;
        }
        ensureTracking();
        String digest = id.digest();
        SessionData copy = near.get(digest, knownVersion);
        Instant now = now();
        if (copy == null || copy.isExpired(now)) {
            nearCacheLookups.increment("miss");
            return null;
        }
        nearCacheLookups.increment("hit");
        if (settings.shouldTouch(copy, now)) {
            near.touched(digest, copy.touchedAt(now)); // keeps the copy's age
            deferTouch(id, now); // like a load's: the next save carries it, else it is sent alone
        }
        return Optional.of(copy);
    }

    /**
     * One plain (unlocked) load, sent: a plain {@code HGETALL} (no script: Redis spends on it what it
     * spends on any read of the hash), with the metadata checked here. A due idle-expiry refresh is
     * not sent with it: it waits (see {@link #deferTouch}) for the session's next save, which
     * carries it, or is sent alone a moment later.
     */
    private Read read(SessionId id) {
        Instant now = now();
        CompletableFuture<Map<byte[], byte[]>> hash;
        try {
            hash = redis.readHash(sessionKey(id));
        } catch (RuntimeException e) {
            hash = CompletableFuture.failedFuture(e);
        }
        return new Read(id, now, hash);
    }

    /** A sent load: its answer is parsed on the caller's thread ({@link #sync}) or Lettuce's ({@link #async}). */
    private final class Read {
        private final SessionId id;
        private final Instant now;
        private final CompletableFuture<Map<byte[], byte[]>> hash;

        Read(SessionId id, Instant now, CompletableFuture<Map<byte[], byte[]>> hash) {
            this.id = id;
            this.now = now;
            this.hash = hash;
        }

        Optional<SessionData> sync() {
            Map<byte[], byte[]> fields;
            try {
                fields = redis.join(hash);
            } catch (CorruptDataException e) {
                return notASession();
            }
            return loaded(fields);
        }

        CompletableFuture<Optional<SessionData>> async() {
            return hash.handle((fields, failure) -> {
                if (failure == null) {
                    return loaded(fields);
                }
                Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                if (cause instanceof CorruptDataException) {
                    return notASession();
                }
                throw cause instanceof RuntimeException r ? r
                        : new StoreUnavailableException("Redis could not load the session: " + cause, cause);
            });
        }

        private Optional<SessionData> notASession() {
            // WRONGTYPE: something else sits under our key. Left alone; the caller starts a new session.
            log.warn("Session {}: the key in Redis is not a session hash; it is ignored and a new session will be started", id);
            return Optional.empty();
        }

        /** The hash as Redis answered it: the session as it was before this access, or empty. */
        private Optional<SessionData> loaded(Map<byte[], byte[]> fields) {
            if (fields == null || fields.isEmpty()) {
                return Optional.empty();
            }
            List<Object> flat = new ArrayList<>(2 * fields.size());
            boolean forward = false;
            boolean meta = false;
            for (Map.Entry<byte[], byte[]> field : fields.entrySet()) {
                byte[] name = field.getKey();
                if (name.length > 0 && name[0] == '#') {
                    forward |= Arrays.equals(name, FORWARD_BYTES);
                    meta |= Arrays.equals(name, META_BYTES) || Arrays.equals(name, CREATED_BYTES);
                }
                flat.add(name);
                flat.add(field.getValue());
            }
            if (forward && !meta) {
                return Optional.empty(); // the id was changed: what is left forwards invalidations
            }
            Optional<SessionData> parsed = parse(id, flat);
            if (parsed.isEmpty()) {
                return parsed;
            }
            String digest = id.digest();
            SessionData session = withWaitingAccess(digest, parsed.get());
            if (session.isExpired(now)) {
                touchQuietly(id, now); // the touch script ends an expired session
                return Optional.empty();
            }
            boolean due = settings.shouldTouch(session, now);
            if (due) {
                deferTouch(id, now);
            }
            if (near != null) {
                near.offer(digest, due ? session.touchedAt(now) : session);
            }
            return Optional.of(session);
        }
    }

    /**
     * Sends the touch script (an own write, metered as {@code touch}): 1 when it wrote the last
     * access, 0 when it wrote nothing (no session, expired, or touched within the interval).
     */
    private CompletableFuture<Long> sendTouch(SessionId id, byte[][] args) {
        return ownWrite(id, () -> touches.callAsync(
                () -> redis.<Long>evalNonBlocking(TOUCH, ScriptOutputType.INTEGER, keys(sessionKey(id)), args),
                touched -> touched != null && touched == 1L ? "touched" : "unchanged"));
    }

    private byte[][] touchArgs(Instant now) {
        return new byte[][] {millis(now), bytes(Long.toString(settings.touchInterval().toMillis()))};
    }

    /** The touch script for an access at {@code at}; a failure is only logged. */
    private CompletableFuture<Void> touchQuietly(SessionId id, Instant at) {
        return sendTouch(id, touchArgs(at))
                .handle((touched, failure) -> {
                    if (failure != null) {
                        log.debug("asynchronous touch of a session failed: {}", failure.toString());
                    }
                    return null;
                });
    }

    /**
     * Accesses of a session that Redis has not been told of yet: its id, the first of them and the
     * last (ms, the sessions' clock). The touch script checks the session was alive at the first,
     * and writes the last. {@code deferred}: when the first was recorded ({@link System#nanoTime}).
     */
    private record Pending(SessionId id, long first, long at, long deferred) {
    }

    /** {@code session} as Redis holds it, with this node's last access that Redis has not been told of yet. */
    private SessionData withWaitingAccess(String digest, SessionData session) {
        Pending waiting = pendingTouches.isEmpty() ? null : pendingTouches.get(digest);
        return waiting != null && waiting.at() > session.lastAccessedAt().toEpochMilli()
                ? session.touchedAt(Instant.ofEpochMilli(waiting.at())) : session;
    }

    /**
     * Records a due idle-expiry refresh instead of sending it: the session's next save from this
     * node within {@link #TOUCH_DELAY} carries it (no script, no round trip of its own: a request
     * that loads and saves costs Redis one plain read and one script), else it is sent alone then
     * (session-touch.lua, which never brings back a session that is gone). Loads on this node see
     * it at once; other nodes when it is sent. {@link #close} sends what is still waiting.
     */
    private void deferTouch(SessionId id, Instant at) {
        String digest = id.digest();
        long millis = at.toEpochMilli();
        boolean[] first = {false};
        pendingTouches.compute(digest, (d, prior) -> {
            first[0] = prior == null;
            return prior == null ? new Pending(id, millis, millis, System.nanoTime())
                    : new Pending(id, Math.min(prior.first(), millis), Math.max(prior.at(), millis), prior.deferred());
        });
        if (first[0]) {
            scheduleTouchSweep(touchDelayNanos);
        }
    }

    /**
     * Schedules a sweep of the waiting refreshes in {@code delayNanos}, unless one is scheduled
     * already: one timer for all of them, not one per refresh (a request that loads and saves
     * records one, which its save takes back, every time).
     */
    private void scheduleTouchSweep(long delayNanos) {
        if (!touchSweepScheduled.compareAndSet(false, true)) {
            return;
        }
        try {
            touchScheduler.schedule(this::sweepTouches, delayNanos, TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // Lettuce's executors are shut down (a shared connection closed): nothing waits any more
            touchSweepScheduled.set(false);
            for (Pending pending : pendingTouches.values()) {
                if (pendingTouches.remove(pending.id().digest(), pending)) {
                    sendWaiting(pending);
                }
            }
        }
    }

    /**
     * Sends the waiting refreshes that no save took within {@link #TOUCH_DELAY}, each alone; then
     * schedules the next sweep for the rest, at least a sixteenth of the delay later (so that many
     * refreshes due one after the other go in a few sweeps, at most that much late). Runs on Lettuce's
     * event executors: it only starts non-blocking calls.
     */
    private void sweepTouches() {
        long now = System.nanoTime();
        long next = touchDelayNanos;
        try {
            for (Pending pending : pendingTouches.values()) {
                long dueIn = pending.deferred() + touchDelayNanos - now;
                if (dueIn > 0) {
                    next = Math.min(next, Math.max(dueIn, touchDelayNanos / 16));
                } else if (pendingTouches.remove(pending.id().digest(), pending)) {
                    sendWaiting(pending);
                } else {
                    next = Math.min(next, TimeUnit.MILLISECONDS.toNanos(1)); // it changed meanwhile: again soon
                }
            }
        } catch (RuntimeException e) {
            log.debug("sending the waiting idle-expiry refreshes failed: {}", e.toString());
        } finally {
            touchSweepScheduled.set(false);
            if (!pendingTouches.isEmpty()) {
                scheduleTouchSweep(next);
            }
        }
    }

    private CompletableFuture<Void> sendWaiting(Pending pending) {
        byte[][] args = {bytes(Long.toString(pending.at())), bytes(Long.toString(settings.touchInterval().toMillis())),
            bytes(Long.toString(pending.first()))};
        return sendTouch(pending.id(), args)
                .handle((touched, failure) -> {
                    if (failure != null) {
                        log.debug("asynchronous touch of a session failed: {}", failure.toString());
                    }
                    return null;
                });
    }

    /** The access a save of this session carries (ms), taken from the waiting ones, or null. */
    private Long takePendingTouch(SessionId id) {
        if (pendingTouches.isEmpty()) {
            return null;
        }
        Pending pending = pendingTouches.remove(id.digest());
        return pending == null ? null : pending.at();
    }

    @Override
    public Optional<SessionData> load(SessionId id, SessionLock lock) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(lock, "lock");
        String token = SessionId.generate().value(); // 256 random bits, as unguessable as an id
        byte[] tokenBytes = bytes(token);
        byte[] lease = millis(lock.lease());
        // tryLoad answers null while another holder has the lock
        return loads.call(() -> lock.await(() -> Optional.ofNullable(tryLoad(id, tokenBytes, lease)))
                .map(session -> session.lockedWith(token)), RedisSessionStore::found);
    }

    private static String found(Optional<SessionData> session) {
        return session.isPresent() ? "hit" : "miss";
    }

    /** One locked load script call: the session (empty: none), or null while another holder has the lock. */
    private Optional<SessionData> tryLoad(SessionId id, byte[] lockToken, byte[] lease) {
        List<Object> fields = redis.eval(LOAD, ScriptOutputType.MULTI, keys(sessionKey(id)),
                millis(now()), bytes(Long.toString(settings.touchInterval().toMillis())), lockToken, lease);
        if (fields == null || fields.isEmpty()) {
            return Optional.empty();
        }
        if (fields.size() == 1) {
            if (fields.get(0) instanceof byte[] signal && signal.length == 1 && signal[0] == '?') {
                return null;
            }
            log.warn("Session {}: the key in Redis is not a session hash; it is ignored and a new session will be started", id);
            return Optional.empty();
        }
        return parse(id, fields);
    }

    @Override
    public CompletableFuture<Void> touch(SessionId id) {
        Objects.requireNonNull(id, "id");
        return sendTouch(id, touchArgs(now()))
                .handle((touched, failure) -> {
                    if (failure == null) {
                        return null;
                    }
                    Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                            ? failure.getCause() : failure;
                    throw cause instanceof StoreUnavailableException unavailable ? unavailable
                            : new StoreUnavailableException("Redis could not touch the session: " + cause.getMessage(), cause);
                });
    }

    @Override
    public void unlock(SessionData locked) {
        Objects.requireNonNull(locked, "locked");
        Optional<String> token = locked.lockToken();
        if (token.isPresent()) {
            redis.eval(UNLOCK, ScriptOutputType.INTEGER, keys(sessionKey(locked.id())), bytes(token.get()));
        }
    }

    private Optional<SessionData> parse(SessionId id, List<Object> fields) {
        Map<String, byte[]> attributes = new LinkedHashMap<>();
        Long created = null;
        Long accessed = null;
        Long idle = null;
        Long expiry = null;
        long version = 0;
        String principal = null;
        String meta = null;
        Map<String, byte[]> before = new java.util.HashMap<>(); // metadata of the layout before #m
        try {
            for (int n = 0; n + 1 < fields.size(); n += 2) {
                String field = new String((byte[]) fields.get(n), StandardCharsets.UTF_8);
                byte[] value = (byte[]) fields.get(n + 1);
                if (field.startsWith(".")) {
                    attributes.putIfAbsent(field.substring(1), value);
                } else if (field.startsWith(DEFLATED)) {
                    byte[] inflated = Compression.inflate(value);
                    // Bytes we cannot inflate go to the codec as they are, which refuses them when read.
                    attributes.put(field.substring(1), inflated != null ? inflated : value);
                } else {
                    switch (field) {
                        case "#m" -> meta = new String(value, StandardCharsets.US_ASCII);
                        case "#c", "#a", "#i", "#x" -> before.put(field, value);
                        case "#p" -> principal = new String(value, StandardCharsets.UTF_8);
                        default -> { } // a field of a later version: keep going
                    }
                }
            }
            if (meta != null) {
                // version:created:access:idle:expiry (session-load.lua); older fields are ignored then
                String[] parts = meta.split(":", -1);
                if (parts.length != 5) {
                    throw new NumberFormatException("metadata");
                }
                version = number(parts[0]);
                created = number(parts[1]);
                accessed = number(parts[2]);
                idle = number(parts[3]);
                expiry = number(parts[4]);
            } else if (before.size() == 4) {
                created = number(before.get("#c"));
                accessed = number(before.get("#a"));
                idle = number(before.get("#i"));
                expiry = number(before.get("#x"));
            }
        } catch (NumberFormatException | ClassCastException e) {
            created = null;
        }
        if (created == null || accessed == null || idle == null || expiry == null || idle < 0) {
            log.warn("Session {} has unreadable metadata in Redis; it is ignored and a new one will be started", id);
            return Optional.empty();
        }
        return Optional.of(SessionData.stored(id, Instant.ofEpochMilli(created), Instant.ofEpochMilli(accessed),
                Duration.ofMillis(idle), Instant.ofEpochMilli(expiry), principal, attributes, version));
    }

    @Override
    public boolean save(SessionChanges changes) {
        Objects.requireNonNull(changes, "changes");
        return saves.call(() -> write(changes), saved -> saved ? "saved" : "gone");
    }

    private boolean write(SessionChanges changes) {
        SessionData base = changes.base();
        if (changes.isEmpty()) {
            unlock(base);
            return true;
        }
        SaveCall call = saveCall(changes);
        RedisFuture<Long> saved = redis.evalAsync(SAVE, ScriptOutputType.INTEGER, call.keys, call.argv);
        // A changed principal goes to its index in the same round trip (another key, maybe another node).
        RedisFuture<Long> indexed = call.indexKeys != null
                ? redis.evalAsync(INDEX_ADD, ScriptOutputType.INTEGER, call.indexKeys, call.indexArgs) : null;
        long result = redis.awaitScript(saved, SAVE, ScriptOutputType.INTEGER, call.keys, call.argv);
        Long entries = indexed != null
                ? redis.awaitScript(indexed, INDEX_ADD, ScriptOutputType.INTEGER, call.indexKeys, call.indexArgs) : null;
        return saved(changes, call, result, entries) > 0;
    }

    /**
     * Sends the save without waiting for Redis, so that a caller can send other commands in the same
     * round trip (an idempotency record's completion) and wait for all of them once. Same effect,
     * failures and atomicity as {@link #save}; a failure arrives through the future, never thrown.
     *
     * @return completes with the session's version after the write (see {@link SessionData#version()}),
     *     or 0 when the session is gone and nothing was written; for changes that are empty, with the
     *     version of {@code changes.base()}
     */
    @Override
    public CompletableFuture<Long> saveAsync(SessionChanges changes) {
        Objects.requireNonNull(changes, "changes");
        return saves.callAsync(() -> writeAsync(changes), version -> version > 0 ? "saved" : "gone");
    }

    private CompletableFuture<Long> writeAsync(SessionChanges changes) {
        SessionData base = changes.base();
        if (changes.isEmpty()) {
            Optional<String> token = base.lockToken();
            return token.isEmpty() ? CompletableFuture.completedFuture(base.version())
                    : redis.<Long>evalNonBlocking(UNLOCK, ScriptOutputType.INTEGER, keys(sessionKey(base.id())),
                            bytes(token.get())).thenApply(released -> base.version());
        }
        SaveCall call = saveCall(changes);
        CompletableFuture<Long> saved = ownWrite(base.id(), () -> redis.<Long>evalNonBlocking(SAVE, ScriptOutputType.INTEGER,
                call.keys, call.argv));
        CompletableFuture<Long> indexed = call.indexKeys != null
                ? redis.evalNonBlocking(INDEX_ADD, ScriptOutputType.INTEGER, call.indexKeys, call.indexArgs)
                : CompletableFuture.completedFuture(null);
        return saved.thenCombine(indexed, (result, entries) -> new long[] {result, entries == null ? -1 : entries})
                .thenCompose(done -> {
                    Long entries = done[1] < 0 ? null : done[1];
                    if (entries != null && entries > settings.maxSessionsPerPrincipal()) {
                        // Ending sessions beyond the limit waits for Redis: not on Lettuce's event loop.
                        return CompletableFuture.supplyAsync(() -> saved(changes, call, done[0], entries), redis.waiting());
                    }
                    return CompletableFuture.completedFuture(saved(changes, call, done[0], entries));
                });
    }

    /** The arguments of one save script call, and of the principal index update that goes with it. */
    private record SaveCall(byte[][] keys, byte[][] argv, String newPrincipal, byte[][] indexKeys, byte[][] indexArgs) {
    }

    private SaveCall saveCall(SessionChanges changes) {
        SessionData base = changes.base();
        List<byte[]> args = new ArrayList<>(11 + 3 * changes.set().size() + 2 * changes.removed().size());
        Instant now = now();
        args.add(millis(now));
        args.add(base.isNew() ? ONE : ZERO);
        args.add(millis(base.createdAt()));
        args.add(millis(base.idleTimeout()));
        args.add(millis(base.absoluteExpiry()));
        args.add(changes.idleTimeout().map(RedisSessionStore::millis).orElse(EMPTY));
        args.add(changes.principal().map(RedisSessionStore::bytes).orElse(EMPTY));
        args.add(base.lockToken().map(RedisSessionStore::bytes).orElse(EMPTY));
        args.add(bytes(Integer.toString(changes.set().size())));
        Long touched = base.isNew() ? null : takePendingTouch(base.id());
        args.add(touched == null ? EMPTY : bytes(Long.toString(touched)));
        // Each attribute is stored in one of two forms (as it is, or deflated): the other one goes.
        List<byte[]> other = new ArrayList<>(changes.set().size());
        changes.set().forEach((name, value) -> {
            byte[] deflated = Compression.deflate(value);
            args.add(deflated != null ? deflatedField(name) : attributeField(name));
            args.add(deflated != null ? deflated : value);
            other.add(deflated != null ? attributeField(name) : deflatedField(name));
        });
        args.addAll(other);
        changes.removed().forEach(name -> {
            args.add(attributeField(name));
            args.add(deflatedField(name));
        });
        Optional<String> newPrincipal = changes.principal().filter(p -> !base.principal().equals(Optional.of(p)));
        return new SaveCall(keys(sessionKey(base.id())), args.toArray(new byte[0][]), newPrincipal.orElse(null),
                newPrincipal.map(p -> keys(principalKey(p))).orElse(null),
                newPrincipal.isPresent()
                        ? new byte[][] {millis(now), millis(base.absoluteExpiry()), bytes(base.id().digest())} : null);
    }

    /**
     * What follows a save script's answer (the new version; 0: gone; negative: written after the
     * lock was lost): the principal's session limit, the near cache. Returns the version, or 0.
     */
    private long saved(SessionChanges changes, SaveCall call, long result, Long entries) {
        SessionData base = changes.base();
        if (entries != null && result != 0L && entries > settings.maxSessionsPerPrincipal()) {
            endSessionsBeyondLimit(call.newPrincipal(), base.id().digest());
        }
        if (result < 0) {
            warnLostLock();
        }
        long version = Math.abs(result);
        if (near != null) {
            String digest = base.id().digest();
            if (version != 0 && version == base.version() + 1) {
                // No other save came between the base and this one: base + changes is what Redis holds.
                near.offer(digest, base.apply(changes, version));
            } else {
                near.invalidate(digest);
            }
        }
        return version;
    }

    /**
     * After a login whose principal's index holds more entries than the limit (some may be gone):
     * ends the least recently used of its other live sessions beyond the limit. Two more round trips,
     * only then: one reads the live sessions, one ends the surplus and drops them from the index.
     */
    private void endSessionsBeyondLimit(String principal, String keptDigest) {
        List<String> surplus = settings.sessionsBeyondLimit(livePrincipalSessions(principal), keptDigest);
        if (surplus.isEmpty()) {
            return;
        }
        byte[] owner = bytes(principal);
        List<RedisFuture<Long>> ended = new ArrayList<>();
        List<byte[][]> endedKeys = new ArrayList<>();
        for (String digest : surplus) {
            forget(digest);
            byte[][] sessionKeys = keys(sessionKeyOfDigest(digest));
            endedKeys.add(sessionKeys);
            ended.add(redis.evalAsync(END_FOR_LIMIT, ScriptOutputType.INTEGER, sessionKeys, owner));
        }
        byte[][] digests = surplus.stream().map(RedisSessionStore::bytes).toArray(byte[][]::new);
        RedisFuture<Long> unindexed = redis.async().zrem(principalKey(principal), digests);
        for (int n = 0; n < ended.size(); n++) {
            redis.awaitScript(ended.get(n), END_FOR_LIMIT, ScriptOutputType.INTEGER, endedKeys.get(n), owner);
        }
        redis.await(unindexed);
        log.info("A principal went beyond {} sessions; its {} least recently used other sessions were ended",
                settings.maxSessionsPerPrincipal(), surplus.size());
    }

    private void warnLostLock() {
        SessionLock.reportSaveAfterLease(warnedLostLock);
    }

    @Override
    public void delete(SessionId id) {
        Objects.requireNonNull(id, "id");
        deletes.run(() -> deleteForwarding(id));
    }

    private void deleteForwarding(SessionId id) {
        // The principal index is not touched: it drops entries whose session is gone by itself.
        byte[] key = sessionKey(id);
        // An id that is being changed, or was changed lately, forwards to its new id: invalidation
        // ends the session there too, whichever of the two requests came first.
        String digest = id.digest();
        for (int hop = 0; hop < MAX_FORWARDS; hop++) {
            forget(digest);
            byte[][] keys = keys(key);
            byte[] forward = redis.eval(DELETE, ScriptOutputType.VALUE, keys);
            if (forward == null || forward.length == 0) {
                return;
            }
            digest = new String(forward, StandardCharsets.UTF_8);
            key = sessionKeyOfDigest(digest);
        }
    }

    /**
     * Moves the session in three steps, each on one key (the two ids may live on different Cluster
     * nodes): mark the old key with the new id, copy, turn the old key into a short-lived forward.
     * An invalidation of the old id at any point ends the copy too (see {@link #delete}).
     */
    @Override
    public boolean changeId(SessionId from, SessionId to) {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        return idChanges.call(() -> move(from, to), moved -> moved ? "changed" : "gone");
    }

    private boolean move(SessionId from, SessionId to) {
        forget(from.digest());
        byte[][] fromKeys = keys(sessionKey(from));
        byte[] toDigest = bytes(to.digest());
        List<Object> hash = redis.eval(FORWARD, ScriptOutputType.MULTI, fromKeys, toDigest);
        if (hash == null || hash.isEmpty()) {
            return false;
        }
        List<Object> flat = new ArrayList<>(hash.size());
        for (int n = 0; n + 1 < hash.size(); n += 2) {
            String field = new String((byte[]) hash.get(n), StandardCharsets.UTF_8);
            // The lock stays behind with the old id (the new id starts unlocked), and so does a forward.
            if (!LOCK_FIELDS.contains(field) && !field.equals(FORWARD_FIELD)) {
                flat.add(hash.get(n));
                flat.add(hash.get(n + 1));
            }
        }
        Optional<SessionData> session = parse(from, flat);
        Instant now = now();
        if (session.isEmpty() || session.get().isExpired(now)) {
            return false;
        }
        long ttl = Duration.between(now, session.get().expiresAt()).toMillis();
        byte[][] args = new byte[1 + flat.size()][];
        args[0] = bytes(Long.toString(ttl));
        for (int n = 0; n < flat.size(); n++) {
            args[n + 1] = (byte[]) flat.get(n);
        }
        byte[][] toKeys = keys(sessionKey(to));
        RedisFuture<Long> copied = redis.evalAsync(COPY, ScriptOutputType.INTEGER, toKeys, args);
        Optional<String> principal = session.get().principal();
        byte[][] indexArgs = {millis(now), millis(session.get().absoluteExpiry()), bytes(to.digest())};
        RedisFuture<Long> indexed = principal.isPresent()
                ? redis.evalAsync(INDEX_ADD, ScriptOutputType.INTEGER, keys(principalKey(principal.get())), indexArgs)
                : null;
        redis.awaitScript(copied, COPY, ScriptOutputType.INTEGER, toKeys, args);
        if (indexed != null) {
            redis.awaitScript(indexed, INDEX_ADD, ScriptOutputType.INTEGER, keys(principalKey(principal.get())), indexArgs);
        }
        byte[] forwardTtl = bytes(Long.toString(Math.max(1, Math.min(ttl, FORWARD_LIFETIME.toMillis()))));
        Long finished = redis.eval(FORWARD_FINISH, ScriptOutputType.INTEGER, fromKeys, toDigest, forwardTtl);
        if (finished == null || finished != 1L) {
            // Invalidated while it moved: the copy must not outlive the invalidation.
            redis.await(redis.async().del(sessionKey(to)));
            return false;
        }
        return true;
    }

    @Override
    public List<SessionSummary> findByPrincipal(String principal) {
        Objects.requireNonNull(principal, "principal");
        List<SessionSummary> found = new ArrayList<>();
        for (Map.Entry<String, SessionData> live : livePrincipalSessions(principal).entrySet()) {
            SessionData s = live.getValue();
            found.add(new SessionSummary(live.getKey(), s.createdAt(), s.lastAccessedAt(), s.expiresAt()));
        }
        found.sort(Comparator.comparing(SessionSummary::createdAt));
        return found;
    }

    @Override
    public int deleteByPrincipal(String principal) {
        Objects.requireNonNull(principal, "principal");
        Map<String, SessionData> live = livePrincipalSessions(principal);
        List<RedisFuture<Long>> deletions = new ArrayList<>();
        for (String digest : live.keySet()) {
            forget(digest);
            deletions.add(redis.async().del(sessionKeyOfDigest(digest)));
        }
        deletions.add(redis.async().del(principalKey(principal)));
        int deleted = 0;
        for (int n = 0; n < deletions.size() - 1; n++) {
            deleted += redis.await(deletions.get(n)).intValue();
        }
        redis.await(deletions.get(deletions.size() - 1));
        return deleted;
    }

    /** Digest to session, for the principal's sessions that still exist and still belong to it. */
    private Map<String, SessionData> livePrincipalSessions(String principal) {
        Instant now = now();
        List<byte[]> digests = redis.await(redis.async().zrangebyscore(principalKey(principal),
                Range.create((double) now.toEpochMilli(), Double.POSITIVE_INFINITY)));
        Map<String, RedisFuture<List<io.lettuce.core.KeyValue<byte[], byte[]>>>> pending = new LinkedHashMap<>();
        for (byte[] digest : digests) {
            String d = new String(digest, StandardCharsets.UTF_8);
            pending.put(d, redis.async().hmget(sessionKeyOfDigest(d), META_FIELDS));
        }
        Map<String, SessionData> live = new LinkedHashMap<>();
        for (var entry : pending.entrySet()) {
            List<io.lettuce.core.KeyValue<byte[], byte[]>> meta;
            try {
                meta = redis.await(entry.getValue());
            } catch (StoreUnavailableException e) {
                throw e;
            } catch (StatelessException e) {
                // Not a session hash (planted or corrupted): not one of the principal's sessions.
                log.warn("A principal index entry points at a key that is not a session; skipped");
                continue;
            }
            List<Object> flat = new ArrayList<>();
            for (var kv : meta) {
                if (kv.hasValue()) {
                    flat.add(kv.getKey());
                    flat.add(kv.getValue());
                }
            }
            if (flat.isEmpty()) {
                continue;
            }
            // The id itself is unknown here (only its digest is stored); a placeholder carries the data.
            Optional<SessionData> session = parse(UNKNOWN_ID, flat).map(s -> withWaitingAccess(entry.getKey(), s));
            if (session.isPresent() && !session.get().isExpired(now)
                    && session.get().principal().filter(principal::equals).isPresent()) {
                live.put(entry.getKey(), session.get());
            }
        }
        return live;
    }

    /** Closes the store's connection, unless it is one a {@link RedisStores} shares. */
    @Override
    public void close() {
        // The refreshes still waiting are sent now, and awaited (each bounded by the command timeout).
        List<CompletableFuture<Void>> sent = new ArrayList<>();
        for (String digest : List.copyOf(pendingTouches.keySet())) {
            Pending pending = pendingTouches.remove(digest);
            if (pending != null) {
                sent.add(sendWaiting(pending));
            }
        }
        sent.forEach(CompletableFuture::join);
        trackingLock.lock();
        try {
            if (tracking != null) {
                try {
                    tracking.close();
                } catch (Exception e) {
                    log.debug("closing the near cache's tracking connection failed: {}", e.toString());
                }
                tracking = null;
            }
            nextTrackingAttempt = Long.MAX_VALUE;
        } finally {
            trackingLock.unlock();
        }
        connection.closeIfOwned();
    }

    /** For tests: the near cache, or null. */
    NearCache nearCache() {
        return near;
    }

    /**
     * A write of the session this node sends (a save, a touch): while Redis reports changes, the
     * report of this one is awaited, so that it does not drop the copy the write leaves.
     *
     * @param send sends the script; its answer is a session version (0: nothing written) or touch result
     */
    private CompletableFuture<Long> ownWrite(SessionId id, java.util.function.Supplier<CompletableFuture<Long>> send) {
        if (near == null || tracking == null) {
            return send.get();
        }
        String digest = id.digest();
        near.writing(digest); // before the write goes out: its report may arrive before its answer
        return send.get().whenComplete((result, failure) -> {
            if (failure != null || result == null || result == 0L) {
                near.notWritten(digest); // nothing written, or not known: a report, if any, drops the copy
            }
        });
    }

    /** Drops this node's copy of a session that is being deleted or moved. */
    private void forget(String digest) {
        pendingTouches.remove(digest);
        if (near != null) {
            near.invalidate(digest);
        }
    }

    /**
     * Starts, once and lazily (Redis may be down when the store is built), the invalidations that
     * drop copies another node changed; after a failure, tries again at most every 5 s. Copies are
     * served by version either way: this only makes them fresher sooner.
     */
    private void ensureTracking() {
        // Whoever finds another thread connecting goes on without waiting for it.
        if (tracking != null || System.nanoTime() - nextTrackingAttempt < 0 || !trackingLock.tryLock()) {
            return;
        }
        try {
            long now = System.nanoTime();
            if (tracking != null || now - nextTrackingAttempt < 0) {
                return;
            }
            nextTrackingAttempt = now + TimeUnit.SECONDS.toNanos(5);
            String sessions = prefix + "s:{";
            try {
                tracking = redis.trackChanges(sessions, key -> {
                    if (key.startsWith(sessions) && key.endsWith("}")) {
                        near.reported(key.substring(sessions.length(), key.length() - 1));
                    }
                }, near::clear, invalidations);
                if (tracking == null) {
                    nextTrackingAttempt = Long.MAX_VALUE; // Cluster: copies age out (Builder#nearCache)
                }
            } catch (RuntimeException e) {
                log.debug("near cache invalidations not started yet: {}", e.toString());
            }
        } finally {
            trackingLock.unlock();
        }
    }

    private Instant now() {
        return settings.clock().instant();
    }

    private byte[] sessionKey(SessionId id) {
        return sessionKeyOfDigest(id.digest());
    }

    private byte[] sessionKeyOfDigest(String digest) {
        return bytes(prefix + "s:{" + digest + "}");
    }

    private byte[] principalKey(String principal) {
        return bytes(prefix + "p:{" + RedisSupport.sha256(principal) + "}");
    }

    private static byte[] attributeField(String name) {
        return bytes("." + name);
    }

    /** The field of an attribute stored deflated ({@link Compression}). */
    private static byte[] deflatedField(String name) {
        return bytes(DEFLATED + name);
    }

    private static byte[][] keys(byte[] key) {
        return new byte[][] {key};
    }

    private static byte[] millis(Instant instant) {
        return bytes(Long.toString(instant.toEpochMilli()));
    }

    private static byte[] millis(Duration duration) {
        return bytes(Long.toString(duration.toMillis()));
    }

    private static long number(byte[] value) {
        return number(new String(value, StandardCharsets.US_ASCII));
    }

    /**
     * A metadata number ({@code #m}'s fields, the old layout's {@code #c #a #i #x}): digits only, fewer
     * than 16 (what Lua's doubles hold exactly, and what the scripts accept).
     */
    private static long number(String part) {
        if (part.isEmpty() || part.length() > 15 || !part.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new NumberFormatException("metadata");
        }
        return Long.parseLong(part);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Configures a {@link RedisSessionStore}; see {@link SessionSettings.Builder} for the shared options. */
    public static final class Builder extends SessionSettings.Builder<Builder> {
        private final StoreConnection connection;
        private long nearCacheBytes;
        private Duration nearCacheAge = Duration.ofSeconds(1);
        private java.util.concurrent.Executor invalidations = Runnable::run;
        private Duration touchDelay = TOUCH_DELAY;

        private Builder(String uri) {
            this.connection = StoreConnection.own(uri);
        }

        /**
         * Keeps copies of the sessions this node read or wrote, for {@link RedisSessionStore#load(SessionId,
         * long)}: at most {@code maxBytes} of heap (estimated from the attribute bytes, with overheads;
         * Caffeine evicts beyond it), each at most {@code maxAge} old (the longest a client that names no
         * newer version may see another node's write late). Off by default. A copy is served only to a
         * caller that names a version it reaches, so a client that carries the version its last save
         * returned always reads its writes, on any node. On standalone and Sentinel, Redis also reports
         * changes (client-side tracking), which drop copies sooner; on Cluster copies only age out. Needs
         * {@code com.github.ben-manes.caffeine:caffeine} on the class path.
         *
         * @param maxBytes the most heap the copies may take, estimated
         * @param maxAge the oldest a copy may be served
         * @return this builder
         * @throws IllegalArgumentException when {@code maxBytes} is not positive or {@code maxAge} is not
         *     positive
         */
        public Builder nearCache(long maxBytes, Duration maxAge) {
            Objects.requireNonNull(maxAge, "maxAge");
            if (maxBytes <= 0) {
                throw new IllegalArgumentException("nearCache maxBytes must be positive, was " + maxBytes);
            }
            if (maxAge.isNegative() || maxAge.isZero()) {
                throw new IllegalArgumentException("nearCache maxAge must be positive, was " + maxAge);
            }
            this.nearCacheBytes = maxBytes;
            this.nearCacheAge = maxAge;
            return this;
        }

        /** For tests: how long a due idle-expiry refresh waits for a save to carry it (default {@link #TOUCH_DELAY}). */
        Builder touchDelay(Duration delay) {
            this.touchDelay = Objects.requireNonNull(delay, "delay");
            return this;
        }

        /** For tests: where change reports from Redis are handed to the near cache (default: at once). */
        Builder invalidationDelivery(java.util.concurrent.Executor delivery) {
            this.invalidations = Objects.requireNonNull(delivery, "delivery");
            return this;
        }


        Builder(RedisStores shared) {
            this.connection = StoreConnection.shared(shared);
        }

        /**
         * Records this store's metrics ({@code stateless.session.*}, see the root README) into
         * {@code registry}, and on a connection of its own ({@code builder(uri)}) Lettuce's command
         * latencies too. A store from {@link RedisStores} without this call records into the
         * {@code RedisStores}' registry, if any. Micrometer is an optional dependency: without this
         * call nothing needs it.
         *
         * @param registry where the meters go
         * @return this builder
         */
        public Builder meterRegistry(MeterRegistry registry) {
            connection.meterRegistry(registry);
            return this;
        }

        /**
         * How long one Redis command may take before it fails as unavailable (default 2 s).
         *
         * @param timeout positive
         * @return this builder
         * @throws IllegalStateException on a builder from {@link RedisStores}, which sets it for all its stores
         */
        public Builder commandTimeout(Duration timeout) {
            connection.commandTimeout(timeout);
            return this;
        }

        /**
         * Prefix of every key this store writes (default {@code "stateless:"}).
         *
         * @param prefix prepended to every key; no braces
         * @return this builder
         * @throws IllegalStateException on a builder from {@link RedisStores}, which sets it for all its stores
         */
        public Builder keyPrefix(String prefix) {
            connection.keyPrefix(prefix);
            return this;
        }

        /**
         * Makes the {@code RedisSessionStore} as configured; bad values fail here, naming the option.
         *
         * @return the store, thread-safe; the caller closes it
         * @throws IllegalStateException when the Lettuce and Netty on the classpath cannot work together
         *     (Lettuce 7 on Netty 4.1, or a Lettuce older than 6.6); the message names the versions to use
         */
        public RedisSessionStore build() {
            if (nearCacheBytes > 0) {
                try {
                    Class.forName("com.github.benmanes.caffeine.cache.Caffeine", false, Builder.class.getClassLoader());
                } catch (ClassNotFoundException e) {
                    throw new IllegalStateException("nearCache needs com.github.ben-manes.caffeine:caffeine on the class "
                            + "path (an optional dependency of stateless-redis)", e);
                }
            }
            return new RedisSessionStore(this, settings());
        }
    }
}
