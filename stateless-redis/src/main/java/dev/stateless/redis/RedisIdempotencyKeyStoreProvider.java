package dev.stateless.redis;

import dev.stateless.core.idempotency.IdempotencyKeyStore;
import dev.stateless.core.idempotency.IdempotencyKeyStoreProvider;
import dev.stateless.core.idempotency.IdempotencyKeyStores;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Makes a {@link RedisIdempotencyKeyStore} for {@code redis://}, {@code rediss://},
 * {@code redis-sentinel://} and {@code redis-cluster://} URIs. Options beyond the shared
 * {@code lease} and {@code retention}: {@code command-timeout}, {@code key-prefix}.
 */
public final class RedisIdempotencyKeyStoreProvider implements IdempotencyKeyStoreProvider {

    @Override
    public boolean supports(String scheme) {
        return RedisSchemes.ALL.contains(scheme);
    }

    @Override
    public IdempotencyKeyStore create(String uri, Map<String, String> options) {
        Map<String, String> left = new LinkedHashMap<>(options);
        RedisIdempotencyKeyStore.Builder builder = RedisIdempotencyKeyStore.builder(uri);
        IdempotencyKeyStores.applyCommon(builder, left);
        RedisSupport.connectionOptions(left, builder::commandTimeout, builder::keyPrefix);
        IdempotencyKeyStores.requireEmpty(left);
        return builder.build();
    }
}
