package dev.stateless.redis;

import dev.stateless.core.token.RevocationList;
import io.lettuce.core.SetArgs;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * A {@link RevocationList} in Redis: one key per revoked token id,
 * {@code prefix + "r:{" + SHA-256(jti) + "}"}, expiring with the token itself, so the list holds
 * only tokens that are still alive. {@link #isRevoked} is one round trip ({@code EXISTS}).
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

    private static final byte[] MARK = {'1'};

    private final RedisConnector redis;
    private final String prefix;
    private final Clock clock;

    private RedisRevocationList(Builder builder) {
        this.redis = new RedisConnector(builder.uri, builder.commandTimeout);
        this.prefix = builder.keyPrefix;
        this.clock = builder.clock;
    }

    public static Builder builder(String uri) {
        return new Builder(uri);
    }

    @Override
    public void revoke(String tokenId, Instant expiresAt) {
        Objects.requireNonNull(tokenId, "tokenId");
        Objects.requireNonNull(expiresAt, "expiresAt");
        long left = Duration.between(clock.instant(), expiresAt).toMillis();
        if (left <= 0) {
            return; // the token is refused as expired anyway
        }
        redis.await(redis.async().set(key(tokenId), MARK, SetArgs.Builder.px(left)));
    }

    @Override
    public boolean isRevoked(String tokenId) {
        Objects.requireNonNull(tokenId, "tokenId");
        return redis.await(redis.async().exists(key(tokenId))) > 0;
    }

    private byte[] key(String tokenId) {
        return (prefix + "r:{" + RedisSupport.sha256(tokenId) + "}").getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        redis.close();
    }

    /** Configures a {@link RedisRevocationList}. */
    public static final class Builder {
        private final RedisEndpoint uri;
        private Duration commandTimeout = Duration.ofSeconds(2);
        private String keyPrefix = "stateless:";
        private Clock clock = Clock.systemUTC();

        private Builder(String uri) {
            this.uri = RedisSupport.parse(uri);
        }

        /** How long one Redis command may take before it fails as unavailable (default 2 s). */
        public Builder commandTimeout(Duration timeout) {
            this.commandTimeout = RedisSupport.commandTimeout(timeout);
            return this;
        }

        /** Prefix of every key this list writes (default {@code "stateless:"}). */
        public Builder keyPrefix(String prefix) {
            this.keyPrefix = RedisSupport.keyPrefix(prefix);
            return this;
        }

        /** The clock that turns a token's expiry into the key's time to live. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public RedisRevocationList build() {
            return new RedisRevocationList(this);
        }
    }
}
