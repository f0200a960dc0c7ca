package dev.stateless.redis;

import java.util.Set;

/** The URI schemes the Redis providers answer for. */
final class RedisSchemes {

    static final Set<String> ALL = Set.of("redis", "rediss", "redis-sentinel", "rediss-sentinel", "redis-cluster",
            "rediss-cluster");

    private RedisSchemes() {
    }
}
