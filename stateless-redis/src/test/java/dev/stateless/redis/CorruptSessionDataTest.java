package dev.stateless.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.stateless.core.CorruptDataException;
import dev.stateless.core.StatelessException;
import dev.stateless.core.session.AttributeCodecException;
import dev.stateless.core.session.JsonAttributeCodec;
import dev.stateless.core.session.SessionChanges;
import dev.stateless.core.session.SessionData;
import dev.stateless.core.session.SessionId;
import dev.stateless.core.session.SessionLock;
import dev.stateless.testing.MutableClock;
import dev.stateless.testing.RedisServer;
import dev.stateless.testing.WithRedis;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Session hashes in Redis that are not ours, or no longer what we wrote: planted gadget type names,
 * truncated and oversized attribute values, metadata of the wrong type or missing, other Redis types
 * under a session key, a principal index pointing at garbage. {@link RedisSessionStore} must treat
 * each as "no session" (or hand back the raw bytes, which the codec then refuses with
 * {@link AttributeCodecException}), never instantiate a class off the allow-list, and not rewrite
 * what it refuses.
 */
@WithRedis
class CorruptSessionDataTest {

    private static final Duration IDLE = Duration.ofMinutes(30);
    private static final Duration ABSOLUTE = Duration.ofHours(12);
    private static final Duration TOUCH = Duration.ofMinutes(1);

    static final AtomicInteger GADGET_INITIALIZED = new AtomicInteger();
    static final AtomicInteger GADGET_CONSTRUCTED = new AtomicInteger();

    /** A class on the class path that is NOT on the codec's allow-list; records whether it ever ran. */
    static final class Gadget {
        static {
            GADGET_INITIALIZED.incrementAndGet();
        }

        String command;

        Gadget() {
            GADGET_CONSTRUCTED.incrementAndGet();
        }
    }

    private static RedisServer redis;
    private MutableClock clock;
    private RedisSessionStore store;

    @BeforeAll
    static void startRedis(RedisServer started) {
        redis = started;
    }

    @BeforeEach
    void newStore() {
        redis.flushAll();
        clock = MutableClock.at(Instant.now());
        store = RedisSessionStore.builder(redis.uri())
                .codec(JsonAttributeCodec.builder().build())
                .clock(clock)
                .idleTimeout(IDLE)
                .absoluteTimeout(ABSOLUTE)
                .touchInterval(TOUCH)
                .commandTimeout(Duration.ofSeconds(2))
                .build();
    }

    @AfterEach
    void closeStore() {
        store.close();
        assertThat(GADGET_INITIALIZED).as("gadget class initialized").hasValue(0);
        assertThat(GADGET_CONSTRUCTED).as("gadget constructed").hasValue(0);
    }

    // ---- attribute values

    @ParameterizedTest
    @ValueSource(strings = {
            "[\"com.sun.rowset.JdbcRowSetImpl\",{\"dataSourceName\":\"ldap://127.0.0.1:1/x\",\"autoCommit\":true}]",
            "{\"@t\":\"java.lang.ProcessBuilder\",\"command\":[\"touch\",\"/tmp/pwned\"]}",
            "[\"dev.stateless.redis.CorruptSessionDataTest$Gadget\",{\"command\":\"id\"}]",
            "{\"@t\":\"dev.stateless.redis.CorruptSessionDataTest$Gadget\",\"command\":\"id\"}",
            "{\"@t\":\"M\",\"inner\":[\"dev.stateless.redis.CorruptSessionDataTest$Gadget\",{}]}",
            "[\"L\",[[\"J\",1],",
            "",
            "\u00ac\u00ed\u0000\u0005sr\u0000\u0013java.util.ArrayList"})
    void aPlantedAttributeIsLoadedAsBytesThatTheCodecRefusesWhileTheOthersSurvive(String planted) {
        SessionData session = savedWith(Map.of("ok", "fine"));
        redis.command("HSET", key(session.id()), ".evil", planted);

        SessionData loaded = store.load(session.id()).orElseThrow();

        assertThat(store.codec().decode(loaded.encodedAttribute("ok").orElseThrow())).isEqualTo("fine");
        byte[] evil = loaded.encodedAttribute("evil").orElseThrow();
        assertThatThrownBy(() -> store.codec().decode(evil))
                .isInstanceOf(AttributeCodecException.class)
                .satisfies(e -> assertThat(((AttributeCodecException) e).reason())
                        .isEqualTo(AttributeCodecException.Reason.UNDECODABLE));
    }

    @Test
    void aFiveMegabyteAttributeIsLoadedAndRefusedByTheCodecQuickly() {
        SessionData session = savedWith(Map.of("ok", "fine"));
        redis.command("HSET", key(session.id()), ".huge", "\"" + "x".repeat(5 * 1024 * 1024) + "\"");
        long started = System.nanoTime();

        SessionData loaded = store.load(session.id()).orElseThrow();
        byte[] huge = loaded.encodedAttribute("huge").orElseThrow();

        assertThatThrownBy(() -> store.codec().decode(huge)).isInstanceOf(AttributeCodecException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
    }

    // ---- metadata

    @ParameterizedTest
    @ValueSource(strings = {"#a=abc", "#c=abc", "#x=abc", "#i=abc", "#a=", "#i=1e3", "#a=0x10", "#i=nan", "#x=inf",
            "#i=-5"})
    void metadataOfTheWrongTypeMeansNoSession(String field) {
        SessionData session = savedWith(Map.of("ok", "fine"));
        String[] pair = field.split("=", 2);
        redis.command("HSET", key(session.id()), pair[0], pair[1]);

        assertThat(load(session.id())).as("load with %s", field).isEmpty();
    }

    /**
     * A lock that cannot be read (planted, or half of it lost: a lease end without a token, a token
     * without a readable lease end) blocks nobody: the next locker takes it.
     */
    @ParameterizedTest
    @ValueSource(strings = {"#lx=abc", "#lx=", "#lx=1e400", "#l=someone", "#l=someone;#lx=abc", "#lx=99999999999999"})
    void anUnreadableLockIsFreeAndTheSessionStillLoads(String fields) {
        SessionData session = savedWith(Map.of("ok", "fine"));
        for (String field : fields.split(";")) {
            String[] pair = field.split("=", 2);
            redis.command("HSET", key(session.id()), pair[0], pair[1]);
        }

        SessionData locked = store.load(session.id(), new SessionLock(Duration.ofSeconds(30), Duration.ZERO))
                .orElseThrow();

        assertThat(locked.attributeNames()).containsExactly("ok");
        assertThat(redis.command("HGET", key(session.id()), "#l")).isEqualTo(locked.lockToken().orElseThrow());
        assertThat(store.save(SessionChanges.to(locked).set("ok", store.codec().encode("still")).build())).isTrue();
        assertThat(redis.commandList("HKEYS", key(session.id()))).doesNotContain("#l", "#lx");
    }

    @Test
    void metadataOfTheWrongTypeIsNotRewrittenByTheLoadThatRefusesIt() {
        SessionData session = savedWith(Map.of("ok", "fine"));
        clock.advance(TOUCH.multipliedBy(2)); // the next load would refresh the last access
        redis.command("HSET", key(session.id()), "#c", "abc");
        Map<String, String> before = redis.commandMap("HGETALL", key(session.id()));

        assertThat(load(session.id())).isEmpty();

        assertThat(redis.commandMap("HGETALL", key(session.id()))).as("the refused hash").isEqualTo(before);
    }

    /**
     * An idle timeout that is not a whole number of milliseconds (or one of 1e17 ms or more, which
     * Redis formats as {@code %.17g}, with an exponent, when a script passes a Lua number to a command)
     * is not our metadata: the session must be treated as absent. session-load.lua, though, computes
     * the key's new expiry from it and passes the non-integer to PEXPIRE, so Redis fails the script
     * ("value is not an integer or out of range") after it has already rewritten {@code #a}, and
     * {@code load} throws instead of answering "no session".
     */
    @ParameterizedTest
    @ValueSource(strings = {"#i=1800000.5", "#i=9223372036854775807;#x=9223372036854775807", "#i=1e17;#x=1e18",
            "#x=123456789012345678"})
    void metadataThatLuaCannotTurnIntoAnExpiryMeansNoSessionAndNoError(String fields) {
        SessionData session = savedWith(Map.of("ok", "fine"));
        clock.advance(TOUCH.multipliedBy(2)); // the next load refreshes the last access and the TTL
        for (String field : fields.split(";")) {
            String[] pair = field.split("=", 2);
            redis.command("HSET", key(session.id()), pair[0], pair[1]);
        }
        Map<String, String> before = redis.commandMap("HGETALL", key(session.id()));

        Optional<SessionData> loaded;
        try {
            loaded = store.load(session.id());
        } catch (StatelessException e) {
            fail("load of a session with metadata " + fields + " failed instead of finding no session: " + e
                    + "; the hash is now " + redis.commandMap("HGETALL", key(session.id())) + " (was " + before + ")");
            return;
        }
        if (loaded.isPresent()) {
            // Whole numbers of milliseconds are readable metadata; then the session must make sense.
            assertThat(loaded.get().idleTimeout().isNegative()).as("negative idle timeout").isFalse();
        }
    }

    @Test
    void aHashWithoutMetadataMeansNoSessionAndIsLeftAlone() {
        // A hash under the key of a well-formed id, holding only attribute-like fields.
        SessionId victim = SessionId.generate();
        redis.command("HSET", key(victim), ".user", "\"mallory\"", "role", "admin");
        long writesBefore = writeCalls();

        assertThat(load(victim)).isEmpty();

        assertThat(writeCalls()).as("writes made by the load").isEqualTo(writesBefore);
        assertThat(redis.commandMap("HGETALL", key(victim))).containsEntry(".user", "\"mallory\"");
    }

    @ParameterizedTest
    @ValueSource(strings = {"string", "list", "set", "zset"})
    void anotherRedisTypeUnderTheSessionKeyMeansNoSessionAndIsLeftAlone(String type) {
        SessionId id = SessionId.generate();
        String key = key(id);
        switch (type) {
            case "string" -> redis.command("SET", key, "not a session");
            case "list" -> redis.command("RPUSH", key, "#c", "1", "#a", "1");
            case "set" -> redis.command("SADD", key, "#c", "#a");
            default -> redis.command("ZADD", key, "1", "#c");
        }
        long writesBefore = writeCalls();

        assertThat(load(id)).isEmpty();

        assertThat(writeCalls()).as("writes made by the load").isEqualTo(writesBefore);
        assertThat(redis.command("TYPE", key)).isEqualTo(type);
    }

    @Test
    void aSaveOfASessionWhoseKeyWasReplacedByAnotherTypeIsACorruptDataExceptionAndWritesNothing() {
        SessionData session = savedWith(Map.of("ok", "fine"));
        redis.command("DEL", key(session.id()));
        redis.command("SET", key(session.id()), "not a session");

        SessionChanges changes = SessionChanges.to(session).set("ok", store.codec().encode("changed")).build();
        assertThatThrownBy(() -> store.save(changes)).isInstanceOf(CorruptDataException.class);

        assertThat(redis.command("GET", key(session.id()))).isEqualTo("not a session");
    }

    @ParameterizedTest
    @ValueSource(strings = {"#a=abc", "#i=", "#x=1e400", "#i=-5"})
    void aSaveOfASessionWhoseMetadataCannotBeReadIsACorruptDataExceptionAndWritesNothing(String field) {
        SessionData session = savedWith(Map.of("ok", "fine"));
        String[] pair = field.split("=", 2);
        redis.command("HSET", key(session.id()), pair[0], pair[1]);
        Map<String, String> before = redis.commandMap("HGETALL", key(session.id()));

        SessionChanges changes = SessionChanges.to(session).set("ok", store.codec().encode("changed"))
                .set("new", store.codec().encode("x")).build();
        assertThatThrownBy(() -> store.save(changes)).as("save with %s", field)
                .isInstanceOf(CorruptDataException.class);

        assertThat(redis.commandMap("HGETALL", key(session.id()))).isEqualTo(before);
    }

    @Test
    void aSaveOfAHashWithoutMetadataIsACorruptDataExceptionAndWritesNothing() {
        SessionData session = savedWith(Map.of("ok", "fine"));
        redis.command("HDEL", key(session.id()), "#c", "#a", "#i", "#x");

        assertThatThrownBy(() -> store.save(SessionChanges.to(session).set("x", store.codec().encode(1L)).build()))
                .isInstanceOf(CorruptDataException.class);

        assertThat(redis.commandList("HKEYS", key(session.id()))).containsExactly(".ok");
    }

    // ---- the principal index

    /**
     * "Log out everywhere" must not be defeated by one entry of the principal's index that points at
     * something that is not a session: the live sessions are still found and deleted.
     */
    @Test
    void aPrincipalIndexEntryPointingAtAnotherRedisTypeIsSkipped() {
        SessionData session = savedWith(Map.of("ok", "fine"), "alice");
        SessionId planted = SessionId.generate();
        redis.command("SET", key(planted), "not a session");
        String index = redis.commandList("KEYS", "stateless:p:*").get(0);
        redis.command("ZADD", index, Long.toString(Instant.now().plus(Duration.ofDays(1)).toEpochMilli()),
                planted.digest());

        int deleted;
        try {
            assertThat(store.findByPrincipal("alice")).hasSize(1);
            deleted = store.deleteByPrincipal("alice");
        } catch (StatelessException e) {
            fail("one planted index entry made log-out-everywhere fail: " + e);
            return;
        }

        assertThat(deleted).isEqualTo(1);
        assertThat(load(session.id())).isEmpty();
    }

    @Test
    void aPrincipalIndexEntryPointingAtAHashWithGarbageMetadataIsSkipped() {
        SessionData session = savedWith(Map.of("ok", "fine"), "alice");
        SessionId planted = SessionId.generate();
        redis.command("HSET", key(planted), "#c", "abc", "#a", "1", "#i", "x", "#x", "y", "#p", "alice");
        String index = redis.commandList("KEYS", "stateless:p:*").get(0);
        redis.command("ZADD", index, Long.toString(Instant.now().plus(Duration.ofDays(1)).toEpochMilli()),
                planted.digest());

        assertThat(store.findByPrincipal("alice")).hasSize(1);
        assertThat(store.deleteByPrincipal("alice")).isEqualTo(1);
        assertThat(load(session.id())).isEmpty();
    }

    // ---- helpers

    private SessionData savedWith(Map<String, Object> attributes) {
        return savedWith(attributes, null);
    }

    private SessionData savedWith(Map<String, Object> attributes, String principal) {
        SessionData session = store.newSession();
        SessionChanges.Builder changes = SessionChanges.to(session);
        attributes.forEach((name, value) -> changes.set(name, store.codec().encode(value)));
        if (principal != null) {
            changes.principal(principal);
        }
        assertThat(store.save(changes.build())).isTrue();
        return store.load(session.id()).orElseThrow();
    }

    private Optional<SessionData> load(SessionId id) {
        return store.load(id);
    }

    private static String key(SessionId id) {
        return "stateless:s:{" + id.digest() + "}";
    }

    /** Calls of every command that writes a session hash or its expiry, so far. */
    private static long writeCalls() {
        Map<String, Long> stats = new TreeMap<>();
        for (String line : redis.command("INFO", "commandstats").split("\r?\n")) {
            if (line.startsWith("cmdstat_")) {
                String name = line.substring("cmdstat_".length(), line.indexOf(':'));
                for (String part : line.substring(line.indexOf(':') + 1).split(",")) {
                    if (part.startsWith("calls=")) {
                        stats.put(name, Long.parseLong(part.substring("calls=".length())));
                    }
                }
            }
        }
        long writes = 0;
        for (String command : List.of("hset", "hmset", "hdel", "del", "unlink", "pexpire", "expire", "set")) {
            writes += stats.getOrDefault(command, 0L);
        }
        return writes;
    }
}
