package dev.stateless.redis;

import dev.stateless.core.Health;
import dev.stateless.core.StatelessException;
import dev.stateless.core.idempotency.Acquisition;
import dev.stateless.core.idempotency.IdempotencyKeyStore;
import dev.stateless.core.idempotency.IdempotencySettings;
import dev.stateless.core.metrics.Meters;
import io.lettuce.core.ScriptOutputType;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link IdempotencyKeyStore} in Redis. Each key is one hash under
 * {@code prefix + "i:{" + SHA-256(key) + "}"} (hash-tagged for Cluster; a dump shows no client
 * key), holding state, fingerprint, fencing token, lease end and the stored result.
 *
 * <p>Acquire, complete, release and extend are each one Lua script, so each is one atomic round
 * trip. Leases are timed by the Redis server's own clock, so nodes whose clocks disagree still agree
 * on who holds a key. Every write sets the record's expiry (the retention) in the same step.
 *
 * <pre>{@code
 * IdempotencyKeyStore store = RedisIdempotencyKeyStore.builder("redis://localhost:6379")
 *         .lease(Duration.ofSeconds(30)).retention(Duration.ofHours(24)).build();
 * }</pre>
 *
 * <p>Thread-safe. An unreachable Redis makes every method throw
 * {@link dev.stateless.core.StoreUnavailableException} within the command timeout.
 */
public final class RedisIdempotencyKeyStore implements IdempotencyKeyStore {

    private static final Logger log = LoggerFactory.getLogger(RedisIdempotencyKeyStore.class);

    private static final RedisScript ACQUIRE = RedisScript.load("idempotency-acquire.lua");
    private static final RedisScript FINISH = RedisScript.load("idempotency-finish.lua");
    private static final RedisScript COUNT = RedisScript.load("idempotency-count.lua");
    private static final byte[] CREATE = bytes("1");
    private static final byte[] ONLY_EXISTING = bytes("0");

    private static final byte[] COMPLETE = bytes("complete");
    private static final byte[] RELEASE = bytes("release");
    private static final byte[] FAIL = bytes("fail");
    private static final byte[] EXTEND = bytes("extend");

    private final IdempotencySettings settings;
    private final StoreConnection.Opened connection;
    private final RedisConnector redis;
    private final String prefix;
    private final byte[] leaseMillis;
    private final byte[] retentionMillis;
    private final boolean metered;
    private final Meters.Operation acquires;
    private final Meters.Operation completes;
    private final Meters.Operation fails;
    private final Meters.Operation releases;
    private final Meters.Operation extensions;

    private RedisIdempotencyKeyStore(Builder builder, IdempotencySettings settings) {
        this.settings = settings;
        this.connection = builder.connection.open();
        this.redis = connection.connector();
        this.prefix = connection.keyPrefix();
        this.leaseMillis = bytes(Long.toString(settings.lease().toMillis()));
        this.retentionMillis = bytes(Long.toString(settings.retention().toMillis()));
        Meters meters = connection.meters();
        this.metered = meters.enabled();
        this.acquires = meters.operation("stateless.idempotency.acquire", "Acquisitions of an idempotency key");
        this.completes = meters.operation("stateless.idempotency.complete", "Answers recorded under an idempotency key");
        this.fails = meters.operation("stateless.idempotency.fail", "Keys completed with a recorded failure");
        this.releases = meters.operation("stateless.idempotency.release", "Keys freed for a retry");
        this.extensions = meters.operation("stateless.idempotency.extend", "Lease extensions of a running request");
        log.info("{}", this);
    }

    /** What was configured, without secrets: the line logged at startup. */
    @Override
    public String toString() {
        return "RedisIdempotencyKeyStore[" + redis.endpoint() + ", keyPrefix=" + prefix + ", lease=" + settings.lease()
                + ", retention=" + settings.retention() + ", metrics=" + (metered ? "on" : "off") + "]";
    }

    /** {@inheritDoc} */
    @Override
    public Health health() {
        return redis.health("RedisIdempotencyKeyStore");
    }

    /**
     * Starts the configuration of a store on the Redis at {@code uri}.
     *
     * @param uri {@code redis://}, {@code rediss://}, {@code redis-sentinel://...#master} or {@code
     *     redis-cluster://seed,seed}
     * @return a builder
     */
    public static Builder builder(String uri) {
        return new Builder(uri);
    }

    @Override
    public Acquisition acquire(String key, String fingerprint) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(fingerprint, "fingerprint");
        return acquires.call(() -> acquire(key, fingerprint, CREATE), RedisIdempotencyKeyStore::outcome);
    }

    /**
     * {@inheritDoc}
     *
     * <p>A key with a record costs one round trip; a new key three (look, count, create), since the
     * counter of a scope and the record of a key live in different Cluster slots. The counter is one
     * small hash per scope, {@code prefix + "iq:{" + SHA-256(scope) + "}"}, that expires with its hour.
     */
    @Override
    public Acquisition acquire(String key, String fingerprint, String scope, int maxNewPerHour) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(fingerprint, "fingerprint");
        Objects.requireNonNull(scope, "scope");
        if (maxNewPerHour < 1) {
            throw new IllegalArgumentException("maxNewPerHour must be at least 1, was " + maxNewPerHour);
        }
        return acquires.call(() -> acquireLimited(key, fingerprint, scope, maxNewPerHour),
                RedisIdempotencyKeyStore::outcome);
    }

    /** The acquisition's outcome tag: {@code acquired}, {@code in_progress}, {@code completed}, ... */
    private static String outcome(Acquisition acquisition) {
        if (acquisition instanceof Acquisition.Acquired) {
            return "acquired";
        } else if (acquisition instanceof Acquisition.InProgress) {
            return "in_progress";
        } else if (acquisition instanceof Acquisition.Completed) {
            return "completed";
        } else if (acquisition instanceof Acquisition.FingerprintMismatch) {
            return "mismatch";
        } else if (acquisition instanceof Acquisition.Failed) {
            return "failed";
        }
        return "limit_reached";
    }

    private Acquisition acquireLimited(String key, String fingerprint, String scope, int maxNewPerHour) {
        Acquisition existing = acquire(key, fingerprint, ONLY_EXISTING);
        if (existing != null) {
            return existing;
        }
        Long left = redis.eval(COUNT, ScriptOutputType.INTEGER,
                new byte[][] {bytes(prefix + "iq:{" + RedisSupport.sha256(scope) + "}")},
                bytes(Integer.toString(maxNewPerHour)));
        if (left != null && left > 0) {
            return new Acquisition.LimitReached(Duration.ofMillis(left));
        }
        return acquire(key, fingerprint, CREATE);
    }

    /** The acquisition, or null for a new key that {@code create} said not to record. */
    private Acquisition acquire(String key, String fingerprint, byte[] create) {
        List<Object> reply = redis.eval(ACQUIRE, ScriptOutputType.MULTI, keys(key), bytes(fingerprint), leaseMillis,
                retentionMillis, create);
        String code = new String((byte[]) reply.get(0), StandardCharsets.US_ASCII);
        return switch (code) {
            case "A" -> new Acquisition.Acquired((Long) reply.get(1));
            case "P" -> new Acquisition.InProgress(Duration.ofMillis((Long) reply.get(1)));
            case "C" -> new Acquisition.Completed(reply.get(1) instanceof byte[] result ? result : new byte[0]);
            case "M" -> new Acquisition.FingerprintMismatch();
            case "F" -> new Acquisition.Failed();
            case "N" -> null;
            default -> throw new StatelessException("unexpected reply from the acquire script: " + code);
        };
    }

    @Override
    public boolean complete(String key, long token, byte[] result) {
        Objects.requireNonNull(result, "result");
        return completes.call(() -> finish(key, COMPLETE, token, retentionMillis, result), RedisIdempotencyKeyStore::held);
    }

    /** One script call sent at once; the caller waits for it together with its other commands. */
    @Override
    public java.util.concurrent.CompletableFuture<Boolean> completeAsync(String key, long token, byte[] result) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(result, "result");
        byte[][] args = {COMPLETE, bytes(Long.toString(token)), retentionMillis, result};
        return completes.callAsync(() -> redis.<Long>evalNonBlocking(FINISH, ScriptOutputType.INTEGER, keys(key), args)
                .thenApply(done -> done != null && done == 1L), RedisIdempotencyKeyStore::held);
    }

    @Override
    public boolean fail(String key, long token) {
        return fails.call(() -> finish(key, FAIL, token, retentionMillis), RedisIdempotencyKeyStore::held);
    }

    @Override
    public boolean release(String key, long token) {
        return releases.call(() -> finish(key, RELEASE, token), RedisIdempotencyKeyStore::held);
    }

    @Override
    public boolean extend(String key, long token) {
        return extensions.call(() -> finish(key, EXTEND, token, leaseMillis), RedisIdempotencyKeyStore::held);
    }

    /** {@code done}, or {@code fenced} when the lease had passed to another holder. */
    private static String held(boolean done) {
        return done ? "done" : "fenced";
    }

    private boolean finish(String key, byte[] action, long token, byte[]... more) {
        Objects.requireNonNull(key, "key");
        byte[][] args = new byte[2 + more.length][];
        args[0] = action;
        args[1] = bytes(Long.toString(token));
        System.arraycopy(more, 0, args, 2, more.length);
        Long done = redis.eval(FINISH, ScriptOutputType.INTEGER, keys(key), args);
        return done != null && done == 1L;
    }

    @Override
    public Duration lease() {
        return settings.lease();
    }

    @Override
    public Duration retention() {
        return settings.retention();
    }

    /** Closes the store's connection, unless it is one a {@link RedisStores} shares. */
    @Override
    public void close() {
        connection.closeIfOwned();
    }

    private byte[][] keys(String key) {
        return new byte[][] {bytes(prefix + "i:{" + RedisSupport.sha256(key) + "}")};
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Configures a {@link RedisIdempotencyKeyStore}. */
    public static final class Builder extends IdempotencySettings.Builder<Builder> {
        private final StoreConnection connection;

        private Builder(String uri) {
            this.connection = StoreConnection.own(uri);
        }

        Builder(RedisStores shared) {
            this.connection = StoreConnection.shared(shared);
        }

        /**
         * Records this store's metrics ({@code stateless.idempotency.*}, see the root README) into
         * {@code registry}, and on a connection of its own ({@code builder(uri)}) Lettuce's command
         * latencies too. A store from {@link RedisStores} without this call records into the
         * {@code RedisStores}' registry, if any. Micrometer is an optional dependency: without
         * this call nothing needs it.
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
         * Makes the {@code RedisIdempotencyKeyStore} as configured; bad values fail here, naming the option.
         *
         * @return the store, thread-safe; the caller closes it
         * @throws IllegalStateException when the Lettuce and Netty on the classpath cannot work together
         *     (Lettuce 7 on Netty 4.1, or a Lettuce older than 6.6); the message names the versions to use
         */
        public RedisIdempotencyKeyStore build() {
            return new RedisIdempotencyKeyStore(this, settings());
        }
    }
}
