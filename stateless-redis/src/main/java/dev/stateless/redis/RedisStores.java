package dev.stateless.redis;

import dev.stateless.core.Health;
import io.lettuce.core.resource.ClientResources;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Redis connection for all the stores of an application: the session store, the idempotency
 * key store and the revocation list it hands out share one Lettuce client and one multiplexed,
 * auto-reconnecting connection, and the options every Redis store has ({@code commandTimeout},
 * {@code keyPrefix}), set once here.
 *
 * <pre>{@code
 * RedisStores redis = RedisStores.builder("redis://localhost:6379")
 *         .commandTimeout(Duration.ofSeconds(2))
 *         .build();
 * SessionStore sessions = redis.sessionStore().idleTimeout(Duration.ofMinutes(30)).build();
 * IdempotencyKeyStore keys = redis.idempotencyKeyStore().lease(Duration.ofSeconds(30)).build();
 * RevocationList revoked = redis.revocationList().build();
 * // ...
 * redis.close(); // closes the connection the three stores share
 * }</pre>
 *
 * <p>Lettuce's thread pools and timers ({@link ClientResources}) are by default one set for every
 * Redis store of the application, released when the last store using them closes; pass your own
 * with {@link Builder#clientResources} (for Lettuce's command latency metrics or tracing, or to
 * share them with your own Redis clients): they are used as they are and never shut down here.
 *
 * <p>Thread-safe. A store handed out by this object does not own the connection: closing the store
 * leaves it open for the others; {@link #close()} closes it for all of them, after which their
 * calls fail with {@link dev.stateless.core.StoreUnavailableException}. Each store's own
 * {@code builder(uri)} (for example {@link RedisSessionStore#builder(String)}) is the same thing for
 * one store: a connection of its own, closed with the store.
 */
public final class RedisStores implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RedisStores.class);

    private final RedisConnector connector;
    private final String keyPrefix;
    private final Duration commandTimeout;
    /** A Micrometer {@code MeterRegistry}, or null: typed Object so this class never needs Micrometer. */
    private final Object meterRegistry;

    private RedisStores(Builder builder) {
        this.connector = new RedisConnector(builder.endpoint, builder.commandTimeout, builder.clientResources,
                builder.meterRegistry);
        this.keyPrefix = builder.keyPrefix;
        this.commandTimeout = builder.commandTimeout;
        this.meterRegistry = builder.meterRegistry;
        if (!builder.forOneStore) {
            log.info("{}", this);
        }
    }

    /** What was configured, without secrets: the line logged at startup. */
    @Override
    public String toString() {
        return "RedisStores[" + connector.endpoint() + ", keyPrefix=" + keyPrefix + ", commandTimeout=" + commandTimeout
                + ", metrics=" + (meterRegistry != null ? "on" : "off") + "]";
    }

    /**
     * The shared connection's health: one {@code PING} (Cluster: {@code CLUSTER INFO}, DOWN unless
     * {@code cluster_state:ok}), UP with its latency or DOWN with the error, within at most twice the
     * command timeout; never throws. The same as each of its stores' {@code health()}.
     *
     * @return the health, never null
     */
    public Health health() {
        return connector.health("RedisStores");
    }

    /**
     * Connects (lazily, on the first call of a store) to the Redis at {@code uri}:
     * {@code redis://host:port[/db]}, {@code rediss://...} for TLS,
     * {@code redis-sentinel://host:port[,host:port]/db#master}, or
     * {@code redis-cluster://host:port,host:port} (seed nodes of a Cluster).
     *
     * @param uri {@code redis://}, {@code rediss://}, {@code redis-sentinel://...#master} or {@code
     *     redis-cluster://seed,seed}
     * @return a builder
     * @throws IllegalArgumentException if {@code uri} is not a Redis URI
     */
    public static Builder builder(String uri) {
        return new Builder(uri);
    }

    /**
     * A session store on this connection, configured further by the returned builder.
     *
     * @return a builder of a session store on this client
     */
    public RedisSessionStore.Builder sessionStore() {
        return new RedisSessionStore.Builder(this);
    }

    /**
     * An idempotency key store on this connection, configured further by the returned builder.
     *
     * @return a builder of an idempotency key store on this client
     */
    public RedisIdempotencyKeyStore.Builder idempotencyKeyStore() {
        return new RedisIdempotencyKeyStore.Builder(this);
    }

    /**
     * A revocation list on this connection, configured further by the returned builder.
     *
     * @return a builder of a revocation list on this client
     */
    public RedisRevocationList.Builder revocationList() {
        return new RedisRevocationList.Builder(this);
    }

    /**
     * How long one Redis command may take before it fails as unavailable.
     *
     * @return the command timeout of all the stores
     */
    public Duration commandTimeout() {
        return commandTimeout;
    }

    /**
     * The prefix of every key the stores write.
     *
     * @return the key prefix of all the stores
     */
    public String keyPrefix() {
        return keyPrefix;
    }

    RedisConnector connector() {
        return connector;
    }

    /** The registry of {@link Builder#meterRegistry}, or null: the default of the stores handed out. */
    Object meterRegistry() {
        return meterRegistry;
    }

    /**
     * Closes the shared connection and the client, and releases Lettuce's resources unless they
     * were passed in with {@link Builder#clientResources}. Idempotent.
     */
    @Override
    public void close() {
        connector.close();
    }

    /**
     * Configures a {@link RedisStores}: where Redis is and what every store on it shares. Bad
     * values fail at the call that sets them, naming the option.
     */
    public static final class Builder {
        private final RedisEndpoint endpoint;
        private Duration commandTimeout = Duration.ofSeconds(2);
        private String keyPrefix = "stateless:";
        private ClientResources clientResources;
        private Object meterRegistry;
        /** Made by a store's own {@code builder(uri)}: the store logs its own line. */
        boolean forOneStore;

        private Builder(String uri) {
            this.endpoint = RedisEndpoint.parse(uri);
        }

        /**
         * Records Lettuce's command latencies ({@code lettuce.command.*}) into {@code registry}
         * (unless {@link #clientResources} are given: instrument those yourself), and is the
         * registry of every store handed out whose builder sets none ({@code stateless.*}, see the
         * root README). Micrometer is an optional dependency: without this call nothing needs it.
         *
         * @param registry where the meters go
         * @return this builder
         */
        public Builder meterRegistry(MeterRegistry registry) {
            this.meterRegistry = Objects.requireNonNull(registry, "registry");
            return this;
        }

        /**
         * How long one Redis command may take before it fails as unavailable (default 2 s).
         *
         * @param timeout positive
         * @return this builder
         */
        public Builder commandTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "commandTimeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("commandTimeout must be positive, was " + timeout);
            }
            this.commandTimeout = timeout;
            return this;
        }

        /**
         * Prefix of every key the stores write (default {@code "stateless:"}); no <code>{</code> or
         * <code>}</code>.
         *
         * @param prefix prepended to every key; no braces
         * @return this builder
         */
        public Builder keyPrefix(String prefix) {
            Objects.requireNonNull(prefix, "keyPrefix");
            if (prefix.contains("{") || prefix.contains("}")) {
                throw new IllegalArgumentException("keyPrefix must not contain '{' or '}' (they select the Cluster slot)");
            }
            this.keyPrefix = prefix;
            return this;
        }

        /**
         * Lettuce's thread pools, timers and instrumentation to use instead of the library's
         * shared set. They belong to the caller: closing never shuts them down.
         *
         * @param resources the application's Lettuce resources; never shut down by these stores
         * @return this builder
         */
        public Builder clientResources(ClientResources resources) {
            this.clientResources = Objects.requireNonNull(resources, "clientResources");
            return this;
        }

        /**
         * Makes the client; the connection itself is opened on the first call of a store.
         *
         * @return the client, thread-safe; the caller closes it after its stores
         */
        public RedisStores build() {
            return new RedisStores(this);
        }
    }
}
