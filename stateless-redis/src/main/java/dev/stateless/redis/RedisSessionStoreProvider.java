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
 * {@code command-timeout}, {@code key-prefix}.
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
        SessionStores.requireEmpty(left);
        return builder.build();
    }
}
