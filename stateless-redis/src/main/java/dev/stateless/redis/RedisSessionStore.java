package dev.stateless.redis;

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
 * <p>Costs: {@link #load} is one round trip (a script that reads the hash and refreshes the idle
 * expiry at most once per touch interval), and so is a locked load while the lock is free (the
 * same script takes it; each retry while it is held is one more); {@link #save} writes only the
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
    /** How long an old id forwards invalidations to its new id after a change. */
    private static final Duration FORWARD_LIFETIME = Duration.ofMinutes(5);
    /** Ids changed more often than this within the forward lifetime are not followed further. */
    private static final int MAX_FORWARDS = 8;
    private static final RedisScript TOUCH = RedisScript.load("session-touch.lua");
    private static final RedisScript UNLOCK = RedisScript.load("session-unlock.lua");
    private static final RedisScript INDEX_ADD = RedisScript.load("principal-index-add.lua");
    private static final RedisScript END_FOR_LIMIT = RedisScript.load("principal-session-end.lua");

    /** Stands for the id of a session known only by its digest (principal index entries). */
    private static final SessionId UNKNOWN_ID = SessionId.generate();

    private static final byte[] EMPTY = new byte[0];
    private static final byte[] ONE = {'1'};
    private static final byte[] ZERO = {'0'};
    private static final byte[][] META_FIELDS = {bytes("#c"), bytes("#a"), bytes("#i"), bytes("#x"), bytes("#p")};
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
        log.info("{}", this);
    }

    /** What was configured, without secrets: the line logged at startup. */
    @Override
    public String toString() {
        return "RedisSessionStore[" + redis.endpoint() + ", keyPrefix=" + prefix + ", idleTimeout="
                + settings.idleTimeout() + ", absoluteTimeout=" + settings.absoluteTimeout() + ", touchInterval="
                + settings.touchInterval() + ", maxSessionsPerPrincipal=" + (settings.maxSessionsPerPrincipal()
                == SessionSettings.UNLIMITED ? "unlimited" : settings.maxSessionsPerPrincipal()) + ", codec="
                + settings.codec().getClass().getSimpleName() + ", metrics=" + (metered ? "on" : "off")
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
        return loads.call(() -> tryLoad(id, EMPTY, EMPTY), RedisSessionStore::found);
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

    /** One load script call: the session (empty: none), or null while another holder has the lock. */
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
        byte[][] args = {millis(now()), bytes(Long.toString(settings.touchInterval().toMillis()))};
        return redis.<Long>evalNonBlocking(TOUCH, ScriptOutputType.INTEGER, keys(sessionKey(id)), args)
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
        String principal = null;
        try {
            for (int n = 0; n + 1 < fields.size(); n += 2) {
                String field = new String((byte[]) fields.get(n), StandardCharsets.UTF_8);
                byte[] value = (byte[]) fields.get(n + 1);
                if (field.startsWith(".")) {
                    attributes.put(field.substring(1), value);
                } else {
                    switch (field) {
                        case "#c" -> created = number(value);
                        case "#a" -> accessed = number(value);
                        case "#i" -> idle = number(value);
                        case "#x" -> expiry = number(value);
                        case "#p" -> principal = new String(value, StandardCharsets.UTF_8);
                        default -> { } // a field of a later version: keep going
                    }
                }
            }
        } catch (NumberFormatException | ClassCastException e) {
            created = null;
        }
        if (created == null || accessed == null || idle == null || expiry == null || idle < 0) {
            log.warn("Session {} has unreadable metadata in Redis; it is ignored and a new one will be started", id);
            return Optional.empty();
        }
        return Optional.of(SessionData.stored(id, Instant.ofEpochMilli(created), Instant.ofEpochMilli(accessed),
                Duration.ofMillis(idle), Instant.ofEpochMilli(expiry), principal, attributes));
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
        List<byte[]> args = new ArrayList<>(8 + 2 * changes.set().size() + changes.removed().size());
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
        changes.set().forEach((name, value) -> {
            args.add(attributeField(name));
            args.add(value);
        });
        changes.removed().forEach(name -> args.add(attributeField(name)));
        byte[][] argv = args.toArray(new byte[0][]);
        byte[][] keys = keys(sessionKey(base.id()));

        RedisFuture<Long> saved = redis.evalAsync(SAVE, ScriptOutputType.INTEGER, keys, argv);
        // A changed principal goes to its index in the same round trip (another key, maybe another node).
        Optional<String> newPrincipal = changes.principal().filter(p -> !base.principal().equals(Optional.of(p)));
        byte[][] indexKeys = newPrincipal.map(p -> keys(principalKey(p))).orElse(null);
        byte[][] indexArgs = newPrincipal.isPresent()
                ? new byte[][] {millis(now), millis(base.absoluteExpiry()), bytes(base.id().digest())} : null;
        RedisFuture<Long> indexed = indexKeys != null
                ? redis.evalAsync(INDEX_ADD, ScriptOutputType.INTEGER, indexKeys, indexArgs) : null;
        long result = redis.awaitScript(saved, SAVE, ScriptOutputType.INTEGER, keys, argv);
        if (indexed != null) {
            long entries = redis.awaitScript(indexed, INDEX_ADD, ScriptOutputType.INTEGER, indexKeys, indexArgs);
            if (result != 0L && entries > settings.maxSessionsPerPrincipal()) {
                endSessionsBeyondLimit(newPrincipal.get(), base.id().digest());
            }
        }
        if (result == 2L) {
            warnLostLock();
        }
        return result != 0L;
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
        for (int hop = 0; hop < MAX_FORWARDS; hop++) {
            byte[][] keys = keys(key);
            byte[] forward = redis.eval(DELETE, ScriptOutputType.VALUE, keys);
            if (forward == null || forward.length == 0) {
                return;
            }
            key = sessionKeyOfDigest(new String(forward, StandardCharsets.UTF_8));
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
            Optional<SessionData> session = parse(UNKNOWN_ID, flat);
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
        connection.closeIfOwned();
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
        return Long.parseLong(new String(value, StandardCharsets.US_ASCII));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Configures a {@link RedisSessionStore}; see {@link SessionSettings.Builder} for the shared options. */
    public static final class Builder extends SessionSettings.Builder<Builder> {
        private final StoreConnection connection;

        private Builder(String uri) {
            this.connection = StoreConnection.own(uri);
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
            return new RedisSessionStore(this, settings());
        }
    }
}
