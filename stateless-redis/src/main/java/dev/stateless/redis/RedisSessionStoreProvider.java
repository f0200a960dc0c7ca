package dev.stateless.redis;

import dev.stateless.core.session.SessionStore;
import dev.stateless.core.session.SessionStoreProvider;
import dev.stateless.core.session.SessionStores;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Makes a {@link RedisSessionStore} for {@code redis://}, {@code rediss://} and
 * {@code redis-sentinel://} and {@code redis-cluster://} URIs. Options beyond the shared ones (timeouts and the
 * codec's, see {@link SessionStores#applyCommon(dev.stateless.core.session.SessionSettings.Builder, Map, ClassLoader)}):
 * {@code command-timeout}, {@code key-prefix}, and for the {@linkplain RedisSessionStore.Builder#nearCache near
 * cache} (off unless given) {@code near-cache-bytes} (a whole number of bytes) with {@code near-cache-max-age}
 * (default 1 s).
 */
public final class RedisSessionStoreProvider implements SessionStoreProvider {

    private static final Set<String> SCHEMES = Set.of("redis", "rediss", "redis-sentinel", "rediss-sentinel", "redis-cluster",
            "rediss-cluster");

    @Override
    public boolean supports(String scheme) {
        return SCHEMES.contains(scheme);
    }

    @Override
    public SessionStore create(String uri, Map<String, String> options) {
        return create(uri, options, Thread.currentThread().getContextClassLoader() != null
                ? Thread.currentThread().getContextClassLoader() : RedisSessionStoreProvider.class.getClassLoader());
    }

    @Override
    public SessionStore create(String uri, Map<String, String> options, ClassLoader loader) {
        Map<String, String> left = new LinkedHashMap<>(options);
        RedisSessionStore.Builder builder = RedisSessionStore.builder(uri);
        SessionStores.applyCommon(builder, left, loader);
        RedisSupport.connectionOptions(left, builder::commandTimeout, builder::keyPrefix);
        String nearBytes = left.remove("near-cache-bytes");
        String nearAge = left.remove("near-cache-max-age");
        if (nearBytes != null) {
            long bytes;
            try {
                bytes = Long.parseLong(nearBytes.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("near-cache-bytes must be a whole number of bytes, was '" + nearBytes + "'");
            }
            builder.nearCache(bytes, nearAge != null ? SessionStores.duration("near-cache-max-age", nearAge)
                    : java.time.Duration.ofSeconds(1));
            if (!options.containsKey("touch-interval")) {
                builder.touchInterval(nearCacheTouchInterval(options.get("idle-timeout")));
            }
        } else if (nearAge != null) {
            throw new IllegalArgumentException("near-cache-max-age needs near-cache-bytes");
        }
        SessionStores.requireEmpty(left);
        return builder.build();
    }

    /**
     * The touch interval when a near cache is on and none is given: with an interval of zero every
     * answer from the near cache would send a touch, a Redis command per request. One minute, or a
     * tenth of an idle timeout under ten minutes: a session then expires at most that much early.
     */
    static java.time.Duration nearCacheTouchInterval(String idleTimeout) {
        java.time.Duration oneMinute = java.time.Duration.ofMinutes(1);
        if (idleTimeout == null) {
            return oneMinute;
        }
        java.time.Duration idle = SessionStores.duration("idle-timeout", idleTimeout);
        return idle.isZero() || idle.compareTo(oneMinute.multipliedBy(10)) >= 0 ? oneMinute : idle.dividedBy(10);
    }
}
