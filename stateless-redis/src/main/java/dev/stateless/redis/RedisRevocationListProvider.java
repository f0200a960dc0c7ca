package dev.stateless.redis;

import dev.stateless.core.token.RevocationList;
import dev.stateless.core.token.RevocationListProvider;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Makes a {@link RedisRevocationList} for {@code redis://}, {@code rediss://},
 * {@code redis-sentinel://} and {@code redis-cluster://} URIs. Options: {@code command-timeout},
 * {@code key-prefix}.
 */
public final class RedisRevocationListProvider implements RevocationListProvider {

    @Override
    public boolean supports(String scheme) {
        return RedisSchemes.ALL.contains(scheme);
    }

    @Override
    public RevocationList create(String uri, Map<String, String> options) {
        Map<String, String> left = new LinkedHashMap<>(options);
        RedisRevocationList.Builder builder = RedisRevocationList.builder(uri);
        RedisSupport.connectionOptions(left, builder::commandTimeout, builder::keyPrefix);
        if (!left.isEmpty()) {
            throw new IllegalArgumentException("unknown revocation list options " + left.keySet());
        }
        return builder.build();
    }
}
