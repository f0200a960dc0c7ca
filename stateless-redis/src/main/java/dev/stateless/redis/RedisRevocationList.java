package dev.stateless.redis;

import dev.stateless.core.Health;
import dev.stateless.core.token.RevocationEntries;
import dev.stateless.core.token.RevocationList;
import dev.stateless.core.token.VerifiedToken;
import io.lettuce.core.SetArgs;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link RevocationList} in Redis: one key per revoked token,
 * {@code prefix + "r:{" + SHA-256(iss, jti) + "}"}, expiring when a verifier would refuse the token
 * anyway ({@code exp} plus the clock skew given to {@link #revoke}), so the list holds only tokens
 * that are still alive; a token without {@code exp} stays revoked without expiry. {@link #isRevoked} is one round trip ({@code EXISTS}).
 *
 * <pre>{@code
 * RevocationList revoked = RedisRevocationList.builder("redis://localhost:6379").build();
 * }</pre>
 *
 * <p>Thread-safe. An unreachable Redis makes both methods throw
 * {@link dev.stateless.core.StoreUnavailableException}; what a verifier does then is its policy
 * (the default refuses the token: see {@code JwtVerifier}).
 */
public final class RedisRevocationList implements RevocationList {

    private static final Logger log = LoggerFactory.getLogger(RedisRevocationList.class);

    private static final byte[] MARK = {'1'};

    private final StoreConnection.Opened connection;
    private final RedisConnector redis;
    private final String prefix;
    private final Clock clock;

    private RedisRevocationList(Builder builder) {
        this.connection = builder.connection.open();
        this.redis = connection.connector();
        this.prefix = connection.keyPrefix();
        this.clock = builder.clock;
        log.info("{}", this);
    }

    /** What was configured, without secrets: the line logged at startup. */
    @Override
    public String toString() {
        return "RedisRevocationList[" + redis.endpoint() + ", keyPrefix=" + prefix + "]";
    }

    /** {@inheritDoc} */
    @Override
    public Health health() {
        return redis.health("RedisRevocationList");
    }

    /**
     * Starts the configuration of a revocation list on the Redis at {@code uri}.
     *
     * @param uri {@code redis://}, {@code rediss://}, {@code redis-sentinel://...#master} or {@code
     *     redis-cluster://seed,seed}
     * @return a builder
     */
    public static Builder builder(String uri) {
        return new Builder(uri);
    }

    @Override
    public void revoke(VerifiedToken token, Duration clockSkew) {
        Objects.requireNonNull(token, "token");
        Instant until = RevocationEntries.until(token, clockSkew);
        byte[] key = key(token);
        if (until.equals(Instant.MAX)) {
            redis.await(redis.async().set(key, MARK)); // no exp: the token is accepted as long as its key is trusted
            return;
        }
        long left = Duration.between(clock.instant(), until).toMillis();
        if (left <= 0) {
            return; // the token is refused as expired anyway
        }
        redis.await(redis.async().set(key, MARK, SetArgs.Builder.px(left)));
    }

    @Override
    public boolean isRevoked(VerifiedToken token) {
        Objects.requireNonNull(token, "token");
        if (token.tokenId().isEmpty()) {
            return false;
        }
        return redis.await(redis.async().exists(key(token))) > 0;
    }

    private byte[] key(VerifiedToken token) {
        return (prefix + "r:{" + RedisSupport.sha256(RevocationEntries.name(token)) + "}").getBytes(StandardCharsets.UTF_8);
    }

    /** Closes the list's connection, unless it is one a {@link RedisStores} shares. */
    @Override
    public void close() {
        connection.closeIfOwned();
    }

    /** Configures a {@link RedisRevocationList}. */
    public static final class Builder {
        private final StoreConnection connection;
        private Clock clock = Clock.systemUTC();

        private Builder(String uri) {
            this.connection = StoreConnection.own(uri);
        }

        Builder(RedisStores shared) {
            this.connection = StoreConnection.shared(shared);
        }

        /**
         * Records Lettuce's command latencies into {@code registry} on a connection of its own
         * ({@code builder(uri)}; a list from {@link RedisStores} follows the {@code RedisStores}'
         * registry). The verification outcomes, revocation checks included, are the verifier's:
         * {@code JwtVerifier.Builder#meterRegistry}.
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
         * Prefix of every key this list writes (default {@code "stateless:"}).
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
         * The clock that turns a token's expiry into the key's time to live.
         *
         * @param clock the clock; tests pass one they move by hand
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Makes the {@code RedisRevocationList} as configured; bad values fail here, naming the option.
         *
         * @return the list, thread-safe; the caller closes it
         * @throws IllegalStateException when the Lettuce and Netty on the classpath cannot work together
         *     (Lettuce 7 on Netty 4.1, or a Lettuce older than 6.6); the message names the versions to use
         */
        public RedisRevocationList build() {
            return new RedisRevocationList(this);
        }
    }
}
