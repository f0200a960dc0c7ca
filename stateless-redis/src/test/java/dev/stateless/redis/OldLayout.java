package dev.stateless.redis;

import dev.stateless.testing.RedisServer;

/**
 * Sessions as stores before the {@code #m} metadata field wrote them: {@code #c}, {@code #a},
 * {@code #i}, {@code #x}, no version. For the tests that such sessions, already in Redis during an
 * upgrade, still load, touch, save and expire as before.
 */
final class OldLayout {

    private OldLayout() {
    }

    /** Rewrites the session hash under {@code key} into the old layout (attributes stay as they are). */
    static void rewrite(RedisServer redis, String key) {
        String meta = redis.command("HGET", key, "#m");
        if (meta == null) {
            throw new IllegalStateException("no #m under " + key);
        }
        String[] parts = meta.split(":");
        redis.command("HDEL", key, "#m");
        redis.command("HSET", key, "#c", parts[1], "#a", parts[2], "#i", parts[3], "#x", parts[4]);
    }
}
