package dev.stateless.redis;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.stateless.core.session.SessionData;
import java.time.Duration;
import java.util.Map;

/**
 * Copies of sessions recently read or written on this node, bounded in memory (Caffeine, weighed
 * by the bytes a copy holds) and in age. A copy is served only to a caller that names the version
 * it must reach ({@link #get}): invalidations from Redis ({@link #invalidate}) only make copies
 * fresher, sooner; correctness never depends on them arriving.
 */
final class NearCache {

    /** What a copy costs besides its attribute bytes: the entry, the copy, its maps, its strings. */
    static final int ENTRY_OVERHEAD = 400;
    /** What each attribute costs besides its value's bytes: the map entry, the array, the name. */
    static final int ATTRIBUTE_OVERHEAD = 96;

    private final Cache<String, SessionData> copies;

    NearCache(long maxBytes, Duration maxAge) {
        this.copies = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .weigher((String digest, SessionData copy) -> weight(copy))
                .expireAfterWrite(maxAge)
                .build();
    }

    /** Conservative estimate of the heap a copy holds: every attribute byte, plus overheads. */
    static int weight(SessionData copy) {
        long bytes = ENTRY_OVERHEAD;
        for (Map.Entry<String, byte[]> attribute : copy.encodedAttributes().entrySet()) {
            bytes += ATTRIBUTE_OVERHEAD + 2L * attribute.getKey().length() + attribute.getValue().length;
        }
        return (int) Math.min(Integer.MAX_VALUE, bytes);
    }

    /** The copy of the session with this digest, if there is one at {@code atLeast} or newer. */
    SessionData get(String digest, long atLeast) {
        SessionData copy = copies.getIfPresent(digest);
        return copy != null && copy.version() >= atLeast ? copy : null;
    }

    /** Keeps {@code copy} unless a newer version is held already. */
    void offer(String digest, SessionData copy) {
        copies.asMap().merge(digest, copy, (held, offered) -> offered.version() >= held.version() ? offered : held);
    }

    void invalidate(String digest) {
        copies.invalidate(digest);
    }

    void clear() {
        copies.invalidateAll();
    }

    /** For tests: the copies held, after pending evictions ran. */
    Map<String, SessionData> held() {
        copies.cleanUp();
        return Map.copyOf(copies.asMap());
    }

    /** For tests: the summed weight of the copies held. */
    long weightedSize() {
        copies.cleanUp();
        return copies.policy().eviction().orElseThrow().weightedSize().orElseThrow();
    }
}
