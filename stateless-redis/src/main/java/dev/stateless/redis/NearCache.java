package dev.stateless.redis;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.stateless.core.session.AttributeCodec;
import dev.stateless.core.session.AttributeMemo;
import dev.stateless.core.session.SessionData;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Copies of sessions recently read or written on this node, bounded in memory (Caffeine, weighed
 * by the bytes a copy holds) and in age. A copy is served only to a caller that names the version
 * it must reach ({@link #get}): invalidations from Redis ({@link #invalidate}) only make copies
 * fresher, sooner; correctness never depends on them arriving.
 *
 * <p>A copy is served for at most {@code maxAge} after it came from Redis (a load's answer, or the
 * save that wrote it), on the store's clock, whatever happens to it meanwhile: refreshing its last
 * access ({@link #touched}) keeps its age, so a client that carries an older version, or a node whose
 * change reports never arrive (Cluster), sees another node's write, or deletion, at the latest then.
 * Caffeine's own expiry (on its ticker) only frees the memory.
 *
 * <p>Each copy keeps the values requests decode from it ({@link AttributeMemo}), so that the next
 * requests it serves skip decoding them. Their estimated heap is counted in the copy's weight (the
 * copy is weighed again each time one is kept), so the bound covers them too; per copy they take
 * at most {@link #memoBudget}: {@link #MEMO_FACTOR} times its attribute bytes and
 * {@link #MEMO_PER_ATTRIBUTE} per attribute.
 */
final class NearCache {

    /** What a copy costs besides its attribute bytes: the entry, the copy, its maps, its strings. */
    static final int ENTRY_OVERHEAD = 400;
    /** What each attribute costs besides its value's bytes: the map entry, the array, the name. */
    static final int ATTRIBUTE_OVERHEAD = 96;

    /**
     * Room for a copy's decoded values, per byte of its encoded attributes: decoded collections of
     * short strings take several times their encoding (object headers, references, 2-byte characters).
     */
    static final int MEMO_FACTOR = 16;

    /** A copy and when, on the store's clock, it was known to be what Redis held. */
    private record Copy(SessionData session, long fromRedisAt) {
    }

    /** How long after this node's write a change report of the session is taken for that write's own. */
    static final long OWN_WRITE_REPORT_MILLIS = 1_000;

    /** Writes of one session by this node whose change reports have not come back, and when the last was sent. */
    private record OwnWrites(int count, long at) {
    }

    private final Cache<String, Copy> copies;
    private final java.util.concurrent.ConcurrentHashMap<String, OwnWrites> ownWrites =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final Clock clock;
    private final long maxAgeMillis;
    /** The codec whose decoded values copies keep. */
    private final AttributeCodec codec;

    NearCache(long maxBytes, Duration maxAge, Clock clock, AttributeCodec codec) {
        this.codec = Objects.requireNonNull(codec, "codec");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.maxAgeMillis = Math.max(1, maxAge.toMillis());
        this.copies = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .weigher((String digest, Copy copy) -> weight(copy.session()))
                .expireAfterWrite(maxAge)
                .build();
    }

    /**
     * Conservative estimate of the heap a copy holds: every attribute byte, plus overheads, plus the
     * decoded values its memo keeps (as estimated when it was weighed).
     */
    static int weight(SessionData copy) {
        long bytes = ENTRY_OVERHEAD;
        for (Map.Entry<String, byte[]> attribute : copy.encodedAttributes().entrySet()) {
            bytes += ATTRIBUTE_OVERHEAD + 2L * attribute.getKey().length() + attribute.getValue().length;
        }
        bytes += copy.memo().map(AttributeMemo::usedBytes).orElse(0L);
        return (int) Math.min(Integer.MAX_VALUE, bytes);
    }

    /** Room for each decoded value besides {@link #MEMO_FACTOR} per byte: a small value's objects outweigh its bytes. */
    static final int MEMO_PER_ATTRIBUTE = 1024;

    /** The room for a copy's decoded values. */
    static long memoBudget(SessionData copy) {
        long bytes = 0;
        for (byte[] value : copy.encodedAttributes().values()) {
            bytes += MEMO_FACTOR * (long) value.length + MEMO_PER_ATTRIBUTE;
        }
        return bytes;
    }

    /**
     * {@code copy} with its memo: carried from the copy it was made from when that one had one, else
     * empty; each value it keeps has the copy weighed again.
     */
    private SessionData withMemo(String digest, SessionData copy) {
        long budget = memoBudget(copy);
        AttributeMemo[] memo = new AttributeMemo[1];
        Runnable grown = () -> reweigh(digest, memo[0]);
        memo[0] = copy.memo().filter(m -> m.decodes(codec))
                .map(m -> m.carried(java.util.Set.of(), budget, grown))
                .orElseGet(() -> new AttributeMemo(codec, budget, grown));
        return copy.withMemo(memo[0]);
    }

    /** The held copy whose memo is {@code memo} grew: Caffeine weighs it again (a replaced entry is). */
    private void reweigh(String digest, AttributeMemo memo) {
        copies.asMap().computeIfPresent(digest, (d, held) -> held.session().memo().orElse(null) == memo
                ? new Copy(held.session(), held.fromRedisAt()) : held);
    }

    /** The copy of the session with this digest, if there is one at {@code atLeast} or newer. */
    SessionData get(String digest, long atLeast) {
        Copy copy = copies.getIfPresent(digest);
        if (copy == null || copy.session().version() < atLeast) {
            return null;
        }
        long age = clock.millis() - copy.fromRedisAt();
        // a clock set back counts as too old: the bound holds whichever way the clock moves
        return age >= 0 && age < maxAgeMillis ? copy.session() : null;
    }

    /** Keeps {@code copy}, just read from or written to Redis, unless a newer version is held already. */
    void offer(String digest, SessionData copy) {
        Copy offered = new Copy(withMemo(digest, copy), clock.millis());
        copies.asMap().merge(digest, offered,
                (held, fresh) -> fresh.session().version() >= held.session().version() ? fresh : held);
    }

    /**
     * Replaces the held copy at {@code touched}'s version by {@code touched} (the same session with a
     * later last access), keeping the held copy's age: a touch does not make its attributes fresher.
     */
    void touched(String digest, SessionData touched) {
        copies.asMap().computeIfPresent(digest,
                (d, held) -> held.session().version() == touched.version() ? new Copy(touched, held.fromRedisAt()) : held);
    }

    void invalidate(String digest) {
        copies.invalidate(digest);
    }

    /**
     * This node is about to write the session (a save, a touch): the change report Redis sends back
     * for it must not drop the copy that write leaves. Only while reports arrive (tracking is on).
     */
    void writing(String digest) {
        long now = clock.millis();
        ownWrites.merge(digest, new OwnWrites(1, now), (held, one) -> new OwnWrites(held.count() + 1, now));
    }

    /** A write announced by {@link #writing} that wrote nothing (or may not have): no report of it is awaited. */
    void notWritten(String digest) {
        ownWrites.computeIfPresent(digest, (d, held) -> held.count() > 1 ? new OwnWrites(held.count() - 1, held.at()) : null);
    }

    /**
     * Redis reports a change of the session: the copy goes, unless the change is one of this node's
     * own writes, awaited for at most {@link #OWN_WRITE_REPORT_MILLIS} (that write left the copy, or
     * its answer will). A report of another node's write that is taken for an own one (Redis merges
     * reports of one key within one event loop cycle) leaves a copy that still ends at its max age.
     */
    void reported(String digest) {
        boolean[] own = {false};
        long now = clock.millis();
        ownWrites.computeIfPresent(digest, (d, held) -> {
            own[0] = now - held.at() >= 0 && now - held.at() < OWN_WRITE_REPORT_MILLIS;
            return own[0] && held.count() > 1 ? new OwnWrites(held.count() - 1, held.at()) : null;
        });
        if (!own[0]) {
            copies.invalidate(digest);
        }
    }

    void clear() {
        ownWrites.clear();
        copies.invalidateAll();
    }

    /** For tests: how many own writes of the session await their report. */
    int awaitedReports(String digest) {
        OwnWrites held = ownWrites.get(digest);
        return held == null ? 0 : held.count();
    }

    /** For tests: the copies held, after pending evictions ran. */
    Map<String, SessionData> held() {
        copies.cleanUp();
        return copies.asMap().entrySet().stream().collect(Collectors.toUnmodifiableMap(Map.Entry::getKey,
                held -> held.getValue().session()));
    }

    /** For tests: the summed weight of the copies held. */
    long weightedSize() {
        copies.cleanUp();
        return copies.policy().eviction().orElseThrow().weightedSize().orElseThrow();
    }
}
