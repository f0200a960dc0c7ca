package dev.stateless.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stateless.core.session.AttributeCodec;
import dev.stateless.core.session.SessionChanges;
import dev.stateless.core.session.SessionData;
import dev.stateless.core.session.SessionId;
import dev.stateless.testing.MutableClock;
import dev.stateless.testing.RedisServer;
import dev.stateless.testing.WithRedis;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How sessions sit in Redis: {@code #m} with the version, large values deflated, and sessions
 * written before {@code #m} (during an upgrade) read and moved on.
 */
@WithRedis
class RedisSessionLayoutTest {

    private static final Duration IDLE = Duration.ofMinutes(30);
    private static RedisServer redis;
    private MutableClock clock;
    private RedisSessionStore store;
    private AttributeCodec codec;

    @BeforeAll
    static void startRedis(RedisServer started) {
        redis = started;
    }

    @BeforeEach
    void open() {
        redis.flushAll();
        clock = MutableClock.at(Instant.now());
        store = RedisSessionStore.builder(redis.uri()).clock(clock).idleTimeout(IDLE)
                .touchInterval(Duration.ofMinutes(1)).build();
        codec = store.codec();
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void aSessionWrittenBeforeTheMetadataFieldLoadsTouchesAndMovesToItOnItsFirstSave() {
        SessionData session = save(store.newSession(), Map.of("user", "ada", "cart", List.of("a", "b")));
        OldLayout.rewrite(redis, key(session.id()));

        SessionData loaded = store.load(session.id()).orElseThrow();
        assertThat(loaded.version()).as("no version before #m").isZero();
        assertThat(codec.decode(loaded.encodedAttribute("user").orElseThrow())).isEqualTo("ada");
        assertThat(loaded.createdAt()).isEqualTo(session.createdAt().truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
        assertThat(loaded.idleTimeout()).isEqualTo(IDLE);

        clock.advance(Duration.ofMinutes(2));
        store.touch(session.id()).join();
        assertThat(redis.command("HGET", key(session.id()), "#a")).as("touched in its own layout")
                .isEqualTo(Long.toString(clock.instant().toEpochMilli()));
        assertThat(redis.commandLong("PTTL", key(session.id()))).isPositive().isLessThanOrEqualTo(IDLE.toMillis());

        long version = store.saveAsync(SessionChanges.to(loaded).set("user", codec.encode("grace")).build()).join();

        assertThat(version).isEqualTo(1);
        assertThat(redis.commandList("HKEYS", key(session.id()))).containsExactlyInAnyOrder("#m", ".user", ".cart");
        SessionData moved = store.load(session.id()).orElseThrow();
        assertThat(moved.version()).isEqualTo(1);
        assertThat(moved.lastAccessedAt()).isEqualTo(clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
        assertThat(codec.decode(moved.encodedAttribute("user").orElseThrow())).isEqualTo("grace");
        assertThat(codec.decode(moved.encodedAttribute("cart").orElseThrow())).isEqualTo(List.of("a", "b"));
        assertThat(redis.commandLong("PTTL", key(session.id()))).isPositive().isLessThanOrEqualTo(IDLE.toMillis());
    }

    @Test
    void everySaveCountsInTheVersionAndATouchDoesNot() {
        SessionData session = store.newSession();
        assertThat(store.saveAsync(SessionChanges.to(session).set("n", codec.encode(1L)).build()).join()).isEqualTo(1);
        SessionData loaded = store.load(session.id()).orElseThrow();
        assertThat(loaded.version()).isEqualTo(1);
        assertThat(store.saveAsync(SessionChanges.to(loaded).set("n", codec.encode(2L)).build()).join()).isEqualTo(2);
        // another node's save of the same base still counts
        assertThat(store.saveAsync(SessionChanges.to(loaded).set("m", codec.encode(3L)).build()).join()).isEqualTo(3);

        clock.advance(Duration.ofMinutes(5));
        store.touch(session.id()).join();

        SessionData after = store.load(session.id()).orElseThrow();
        assertThat(after.version()).isEqualTo(3);
        assertThat(after.lastAccessedAt()).isEqualTo(clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
        assertThat(store.saveAsync(SessionChanges.to(after).build()).join()).as("nothing to save").isEqualTo(3);
    }

    @Test
    void aSaveDoesNotMoveTheExpiryAndLeavesTheKeysTimeToLiveAlone() {
        SessionData session = save(store.newSession(), Map.of("n", 1L));
        SessionData loaded = store.load(session.id()).orElseThrow();
        long ttl = redis.commandLong("PTTL", key(session.id()));
        clock.advance(Duration.ofSeconds(30)); // within the touch interval: nothing moves the last access

        store.save(SessionChanges.to(loaded).set("n", codec.encode(2L)).build());

        assertThat(redis.commandLong("PTTL", key(session.id()))).isPositive().isLessThanOrEqualTo(ttl);
        store.save(SessionChanges.to(loaded).idleTimeout(Duration.ofMinutes(5)).build());
        assertThat(redis.commandLong("PTTL", key(session.id()))).as("a new idle timeout moves it")
                .isLessThanOrEqualTo(Duration.ofMinutes(5).toMillis());
    }

    @Test
    void aLargeValueThatCompressesIsStoredDeflatedAndReadsBackAsItWas() {
        String text = "lightweight tent, 2 person, waterproof; ".repeat(100);
        SessionData session = save(store.newSession(), Map.of("notes", text, "small", "s"));

        assertThat(redis.commandList("HKEYS", key(session.id()))).containsExactlyInAnyOrder("#m", "~notes", ".small");
        assertThat(redis.commandLong("HSTRLEN", key(session.id()), "~notes")).isLessThan(text.length() / 4);
        SessionData loaded = store.load(session.id()).orElseThrow();
        assertThat(loaded.encodedAttribute("notes").orElseThrow()).isEqualTo(codec.encode(text));

        // shrinking below the threshold stores it as it is, and the deflated form goes
        store.save(SessionChanges.to(loaded).set("notes", codec.encode("short")).build());
        assertThat(redis.commandList("HKEYS", key(session.id()))).containsExactlyInAnyOrder("#m", ".notes", ".small");
        SessionData shrunk = store.load(session.id()).orElseThrow();
        store.save(SessionChanges.to(shrunk).set("notes", codec.encode(text)).build());
        assertThat(redis.commandList("HKEYS", key(session.id()))).containsExactlyInAnyOrder("#m", "~notes", ".small");
        SessionData grown = store.load(session.id()).orElseThrow();
        store.save(SessionChanges.to(grown).remove("notes").build());
        assertThat(redis.commandList("HKEYS", key(session.id()))).containsExactlyInAnyOrder("#m", ".small");
    }

    @Test
    void aLargeValueThatDoesNotCompressByAFifthIsStoredAsItIs() {
        // a codec whose values are the bytes themselves, so that they can be random
        AttributeCodec bytes = new AttributeCodec() {
            @Override
            public byte[] encode(Object value) {
                return (byte[]) value;
            }

            @Override
            public Object decode(byte[] encoded) {
                return encoded;
            }
        };
        try (RedisSessionStore raw = RedisSessionStore.builder(redis.uri()).codec(bytes).build()) {
            byte[] noise = new byte[3000];
            new Random(8).nextBytes(noise);
            byte[] halfNoise = new byte[3000];
            new Random(9).nextBytes(halfNoise);
            java.util.Arrays.fill(halfNoise, 0, 1500, (byte) 'a');
            SessionData session = raw.newSession();
            raw.save(SessionChanges.to(session).set("noise", noise).set("halfNoise", halfNoise).build());

            assertThat(redis.commandList("HKEYS", key(session.id()))).containsExactlyInAnyOrder("#m", ".noise",
                    "~halfNoise");
            SessionData loaded = raw.load(session.id()).orElseThrow();
            assertThat(loaded.encodedAttribute("noise").orElseThrow()).isEqualTo(noise);
            assertThat(loaded.encodedAttribute("halfNoise").orElseThrow()).isEqualTo(halfNoise);
        }
    }

    /** The save goes out without the caller waiting: while Redis does not answer, the future is pending. */
    @Test
    void saveAsyncSendsWithoutWaitingForTheAnswer() throws Exception {
        SessionData session = save(store.newSession(), Map.of("n", 1L));
        SessionData loaded = store.load(session.id()).orElseThrow();
        redis.command("CLIENT", "PAUSE", "10000", "WRITE");
        CompletableFuture<Long> saved;
        try {
            saved = store.saveAsync(SessionChanges.to(loaded).set("n", codec.encode(2L)).build());
            assertThat(saved).isNotDone();
        } finally {
            redis.command("CLIENT", "UNPAUSE");
        }
        assertThat(saved.get(10, TimeUnit.SECONDS)).isEqualTo(2);
    }

    @Test
    void anIdChangeCarriesTheVersionAndTheDeflatedValues() {
        String text = "x".repeat(5000);
        SessionData session = save(store.newSession(), Map.of("big", text));
        SessionId moved = SessionId.generate();

        assertThat(store.changeId(session.id(), moved)).isTrue();

        SessionData loaded = store.load(moved).orElseThrow();
        assertThat(loaded.version()).isEqualTo(1);
        assertThat(codec.decode(loaded.encodedAttribute("big").orElseThrow())).isEqualTo(text);
    }

    private SessionData save(SessionData session, Map<String, Object> attributes) {
        SessionChanges.Builder changes = SessionChanges.to(session);
        attributes.forEach((name, value) -> changes.set(name, codec.encode(value)));
        assertThat(store.save(changes.build())).isTrue();
        return session;
    }

    private static String key(SessionId id) {
        return "stateless:s:{" + id.digest() + "}";
    }
}
