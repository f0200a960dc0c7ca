package dev.stateless.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stateless.core.session.SessionId;
import dev.stateless.redis.RedisIdempotencyKeyStore;
import dev.stateless.redis.RedisSessionStore;
import dev.stateless.servlet.HostileHttp.Node;
import dev.stateless.servlet.HostileHttp.Request;
import dev.stateless.servlet.HostileHttp.Response;
import dev.stateless.testing.RedisServer;
import dev.stateless.testing.WithRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Stored data that is not ours, planted in a real Redis behind a real Jetty running
 * {@link StatelessSessionFilter} and {@link IdempotencyFilter}: what the HTTP client then gets.
 * <ul>
 * <li>A session attribute that cannot be decoded (a gadget type name, truncated JSON, 5 MB, JSON
 *     {@code null}) is dropped: 200, the other attributes intact, no class off the allow-list ever
 *     initialized.</li>
 * <li>A session hash with bad or missing metadata, or another Redis type under the key, is no
 *     session: 200, and a new session when one is asked for.</li>
 * <li>An idempotency record whose stored answer is garbage, or that is of the wrong type or shape,
 *     gets a clear {@code application/problem+json} 5xx without a stack trace, in time, and the
 *     handler does not run.</li>
 * </ul>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@WithRedis
class HostileStoredDataTest {

    static final AtomicInteger GADGET_INITIALIZED = new AtomicInteger();
    static final AtomicInteger GADGET_CONSTRUCTED = new AtomicInteger();

    /** A class on the class path that is NOT allowed by the codec; records whether it ever ran. */
    static final class Gadget {
        static {
            GADGET_INITIALIZED.incrementAndGet();
        }

        String command;

        Gadget() {
            GADGET_CONSTRUCTED.incrementAndGet();
        }
    }

    private static final String KEY = "Idempotency-Key";

    private RedisServer redis;
    private RedisSessionStore sessions;
    private RedisIdempotencyKeyStore keys;
    private RedisClient lettuce;
    private StatefulRedisConnection<byte[], byte[]> raw;
    private final App app = new App();
    private Node node;

    @BeforeAll
    void start(RedisServer started) {
        redis = started;
        sessions = RedisSessionStore.builder(redis.uri()).commandTimeout(Duration.ofSeconds(2)).build();
        keys = RedisIdempotencyKeyStore.builder(redis.uri()).commandTimeout(Duration.ofSeconds(2)).build();
        node = Node.start(16 * 1024, app, StatelessSessionFilter.builder(sessions).build(),
                IdempotencyFilter.builder(keys).paths("/orders").anonymousKeys(AnonymousKeys.SCOPE_BY_CLIENT_ADDRESS).build());
        lettuce = RedisClient.create(redis.uri());
        raw = lettuce.connect(ByteArrayCodec.INSTANCE);
    }

    @AfterAll
    void stop() {
        HostileHttp.closeAll(raw, node, sessions, keys);
        if (lettuce != null) {
            lettuce.shutdown();
        }
    }

    @BeforeEach
    void emptyRedis() {
        redis.flushAll();
        app.orders.set(0);
    }

    @AfterEach
    void noGadgetEverRan() {
        assertThat(GADGET_INITIALIZED).as("gadget class initialized").hasValue(0);
        assertThat(GADGET_CONSTRUCTED).as("gadget constructed").hasValue(0);
    }

    // ---- session attributes

    @ParameterizedTest
    @ValueSource(strings = {
            "[\"com.sun.rowset.JdbcRowSetImpl\",{\"dataSourceName\":\"ldap://127.0.0.1:1/x\",\"autoCommit\":true}]",
            "{\"@t\":\"java.lang.ProcessBuilder\",\"command\":[\"touch\",\"/tmp/pwned\"]}",
            "[\"" + "dev.stateless.servlet.HostileStoredDataTest$Gadget" + "\",{\"command\":\"id\"}]",
            "{\"@t\":\"" + "dev.stateless.servlet.HostileStoredDataTest$Gadget" + "\",\"command\":\"id\"}",
            "[\"L\",[[\"J\",1],[\"" + "dev.stateless.servlet.HostileStoredDataTest$Gadget" + "\",{}]]]",
            "[\"L\",[[\"J\",1],",
            "",
            "\u00ac\u00ed\u0000\u0005sr\u0000\u0013java.util.ArrayList"})
    void anUndecodableAttributeIsDroppedAndTheRequestSucceeds(String planted) {
        String id = newSession();
        redis.command("HSET", sessionKey(id), ".evil", planted);

        assertAttribute(id, "evil", "value=null");
        assertAttribute(id, "ok", "value=fine");
    }

    @Test
    void aFiveMegabyteAttributeIsDroppedQuickly() {
        String id = newSession();
        redis.command("HSET", sessionKey(id), ".huge", "\"" + "x".repeat(5 * 1024 * 1024) + "\"");
        long started = System.nanoTime();

        assertAttribute(id, "huge", "value=null");

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        assertAttribute(id, "ok", "value=fine");
    }

    /**
     * JSON {@code null} (or a typed null) is not a value {@code encode} ever writes. The codec returns
     * it as Java null instead of refusing it; the session records null as a value it read, and the save
     * at the end of the request fails with a NullPointerException: every request that reads the
     * attribute answers 500.
     */
    @ParameterizedTest
    @ValueSource(strings = {"null", "[\"J\",null]"})
    void anAttributeStoredAsJsonNullIsTreatedAsAbsentAndTheRequestSucceeds(String planted) {
        String id = newSession();
        redis.command("HSET", sessionKey(id), ".evil", planted);

        assertAttribute(id, "evil", "value=null");
        assertAttribute(id, "ok", "value=fine");
    }

    // ---- session metadata and type

    @ParameterizedTest
    @ValueSource(strings = {"#a=abc", "#c=abc", "#x=abc", "#i=-5", "#i=nan"})
    void aSessionWithBadMetadataIsNoSessionAndANewOneIsStarted(String field) {
        String id = newSession();
        String[] pair = field.split("=", 2);
        redis.command("HSET", sessionKey(id), pair[0], pair[1]);

        assertAttribute(id, "ok", "no session");
        assertANewSessionIsStartedInsteadOf(id);
    }

    /**
     * Metadata the load script cannot turn into an integer for PEXPIRE (a fractional idle timeout, or
     * one so large that Redis formats it with an exponent): the script fails in Redis, the filter
     * rethrows the StatelessException, and the client gets the container's 500 page on every request
     * with this cookie, instead of a fresh session.
     */
    @ParameterizedTest
    @ValueSource(strings = {"#i=1800000.5", "#i=9223372036854775807;#x=9223372036854775807"})
    void aSessionWhoseMetadataBreaksTheLoadScriptIsNoSessionNotA500(String fields) {
        String id = newSession();
        String old = Long.toString(Instant.now().minus(Duration.ofMinutes(5)).toEpochMilli());
        redis.command("HSET", sessionKey(id), "#a", old); // due for a touch
        for (String field : fields.split(";")) {
            String[] pair = field.split("=", 2);
            redis.command("HSET", sessionKey(id), pair[0], pair[1]);
        }

        Response response = attr(id, "ok");

        assertThat(response.status()).as("%s", response).isEqualTo(200);
        assertThat(response.text()).isIn("no session", "value=fine");
    }

    @Test
    void aHashWithoutMetadataIsNoSession() {
        String id = SessionId.generate().value();
        redis.command("HSET", sessionKey(id), ".ok", "\"planted\"", ".role", "\"admin\"");

        assertAttribute(id, "ok", "no session");
        assertANewSessionIsStartedInsteadOf(id);
    }

    @ParameterizedTest
    @ValueSource(strings = {"string", "list", "set", "zset"})
    void anotherRedisTypeUnderTheSessionKeyIsNoSession(String type) {
        String id = newSession();
        String key = sessionKey(id);
        redis.command("DEL", key);
        switch (type) {
            case "string" -> redis.command("SET", key, "not a session");
            case "list" -> redis.command("RPUSH", key, "#c", "1");
            case "set" -> redis.command("SADD", key, "#c");
            default -> redis.command("ZADD", key, "1", "#c");
        }

        assertAttribute(id, "ok", "no session");
        assertANewSessionIsStartedInsteadOf(id);
        assertThat(redis.command("TYPE", key)).as("the foreign value is left alone").isEqualTo(type);
    }

    // ---- idempotency records

    @Test
    void aStoredAnswerThatIsGarbageIsAClear500ProblemAndTheHandlerDoesNotRun() {
        String key = "key-" + UUID.randomUUID();
        String body = order();
        plantRecord(key, body, Map.of("s", "c", "t", "1", "r", "this is not a stored response"));

        assertCleanServerProblem(postOrder(key, body), 500);
    }

    @Test
    void aCompletedRecordWithoutAStoredAnswerIsAClear500Problem() {
        String key = "key-" + UUID.randomUUID();
        String body = order();
        plantRecord(key, body, Map.of("s", "c", "t", "1"));

        assertCleanServerProblem(postOrder(key, body), 500);
    }

    @Test
    void aStoredAnswerWithImpossibleLengthsIsAClear500Problem() {
        String key = "key-" + UUID.randomUUID();
        String body = order();
        byte[] content = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);
        byte[] lying = new StoredResponse(201, List.of(Map.entry("Content-Type", "application/json")), content)
                .encode();
        lying[lying.length - content.length - 4] = 0x7f; // the body length's high byte: 2 GB announced
        plantRecord(key, body, Map.of("s", "c", "t", "1"), Map.of("r", lying));

        assertCleanServerProblem(postOrder(key, body), 500);
    }

    /**
     * A stored answer in the right format whose header carries CR LF: replaying it must not split the
     * response (no header of the attacker's choosing reaches the client); a clear problem is fine.
     */
    @ParameterizedTest
    @ValueSource(strings = {"name", "value"})
    void aStoredHeaderWithCrLfNeverSplitsTheReplayedResponse(String where) {
        String key = "key-" + UUID.randomUUID();
        String body = order();
        Map.Entry<String, String> header = where.equals("name")
                ? Map.entry("X-A\r\nSet-Cookie: pwned=1", "x")
                : Map.entry("Location", "/orders/1\r\nSet-Cookie: pwned=1");
        byte[] stored = new StoredResponse(201, List.of(header), "{}".getBytes(StandardCharsets.UTF_8)).encode();
        plantRecord(key, body, Map.of("s", "c", "t", "1"), Map.of("r", stored));

        Response response = postOrder(key, body);

        assertThat(response.headers("Set-Cookie")).as("injected header; %s", response)
                .noneMatch(c -> c.contains("pwned"));
        assertThat(response.text()).doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(app.orders).hasValue(0);
        if (response.status() >= 500) {
            assertThat(response.isProblem()).as("a 5xx must be a problem: %s", response).isTrue();
        }
    }

    /**
     * The store answers a typed {@code StatelessException} ("Redis refused a command: ... WRONGTYPE"),
     * which IdempotencyFilter does not catch (it handles IdempotencyException and
     * StoreUnavailableException only): the container's own 500 page goes out, carrying the Redis error
     * text in its title, instead of a problem document.
     */
    @ParameterizedTest
    @ValueSource(strings = {"string", "list", "set"})
    void aRecordOfTheWrongRedisTypeIsAClearServerProblemInTime(String type) {
        String key = "key-" + UUID.randomUUID();
        String body = order();
        String recordKey = recordKey(key);
        switch (type) {
            case "string" -> redis.command("SET", recordKey, "not a record");
            case "list" -> redis.command("RPUSH", recordKey, "s", "c");
            default -> redis.command("SADD", recordKey, "s");
        }

        assertCleanServerProblem(postOrder(key, body), 500, 503);
    }

    @Test
    void aRunningRecordWithoutALeaseEndIsAClearAnswerInTime() {
        String key = "key-" + UUID.randomUUID();
        String body = order();
        plantRecord(key, body, Map.of("s", "p", "t", "1"));

        Response response = postOrder(key, body);

        assertClearAnswer(response);
    }

    @Test
    void aRecordWithAFencingTokenThatIsNotANumberIsAClearAnswerInTime() {
        String key = "key-" + UUID.randomUUID();
        String body = order();
        plantRecord(key, body, Map.of("s", "r", "t", "abc"));

        Response response = postOrder(key, body);

        assertClearAnswer(response);
    }

    // ---- helpers: HTTP

    /** Starts a session holding {@code ok = "fine"}; returns its id. */
    private String newSession() {
        Response response = Request.post("/set?name=ok&value=fine").send(node);
        assertThat(response.status()).as("%s", response).isEqualTo(200);
        return response.text();
    }

    private Response attr(String id, String name) {
        return Request.get("/attr?name=" + name).header("Cookie", "SESSION=" + id).send(node);
    }

    private void assertAttribute(String id, String name, String expected) {
        Response response = attr(id, name);
        assertThat(response.status()).as("GET /attr?name=%s: %s", name, response).isEqualTo(200);
        assertThat(response.text()).as("GET /attr?name=%s", name).isEqualTo(expected);
    }

    private void assertANewSessionIsStartedInsteadOf(String id) {
        Response response = Request.post("/set?name=ok&value=again").header("Cookie", "SESSION=" + id).send(node);
        assertThat(response.status()).as("%s", response).isEqualTo(200);
        assertThat(response.text()).as("the new session's id").isNotEqualTo(id);
        assertThat(SessionId.parse(response.text())).isPresent();
    }

    private Response postOrder(String key, String body) {
        return Request.post("/orders").header(KEY, key).body("application/json", body.getBytes(StandardCharsets.UTF_8))
                .send(node, 10_000);
    }

    private void assertCleanServerProblem(Response response, Integer... statuses) {
        assertThat(response.status()).as("%s", response).isIn((Object[]) statuses);
        assertThat(response.isProblem()).as("problem+json: %s", response).isTrue();
        assertThat(response.text()).doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(app.orders).as("handler runs").hasValue(0);
    }

    /** A documented answer (replay, 409, 422) or a problem, never a container error page or a stack trace. */
    private void assertClearAnswer(Response response) {
        assertThat(response.status()).as("%s", response).isPositive();
        assertThat(response.text()).doesNotContain("Exception").doesNotContain("\tat ");
        if (response.status() >= 400) {
            assertThat(response.isProblem()).as("problem+json: %s", response).isTrue();
        }
    }

    private static String order() {
        return "{\"item\":\"" + UUID.randomUUID() + "\"}";
    }

    // ---- helpers: what the filters store, to plant records

    private static String sessionKey(String id) {
        return "stateless:s:{" + SessionId.parse(id).orElseThrow().digest() + "}";
    }

    private static String recordKey(String key) {
        return "stateless:i:{" + sha256("17:address:127.0.0.1:" + key) + "}";
    }

    private static String fingerprint(String method, String path, String body) {
        return sha256(method + '\n' + path + '\n' + "" + '\n' + "application/json" + '\n' + sha256(body));
    }

    private void plantRecord(String key, String body, Map<String, String> fields) {
        plantRecord(key, body, fields, Collections.emptyMap());
    }

    private void plantRecord(String key, String body, Map<String, String> fields, Map<String, byte[]> binary) {
        byte[] recordKey = recordKey(key).getBytes(StandardCharsets.UTF_8);
        raw.sync().hset(recordKey, "f".getBytes(StandardCharsets.UTF_8),
                fingerprint("POST", "/orders", body).getBytes(StandardCharsets.UTF_8));
        fields.forEach((f, v) -> raw.sync().hset(recordKey, f.getBytes(StandardCharsets.UTF_8),
                v.getBytes(StandardCharsets.UTF_8)));
        binary.forEach((f, v) -> raw.sync().hset(recordKey, f.getBytes(StandardCharsets.UTF_8), v));
        raw.sync().pexpire(recordKey, Duration.ofMinutes(5).toMillis());
    }

    private static String sha256(String text) {
        try {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(
                    MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * {@code POST /set?name=&value=} stores a String and prints the session id; {@code GET /attr?name=}
     * prints an attribute of the existing session; {@code POST /orders} creates an order (201).
     */
    static final class App extends HttpServlet {
        final AtomicInteger orders = new AtomicInteger();

        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            resp.setContentType("text/plain;charset=UTF-8");
            switch (req.getMethod() + " " + req.getRequestURI()) {
                case "POST /set" -> {
                    HttpSession session = req.getSession();
                    session.setAttribute(req.getParameter("name"), req.getParameter("value"));
                    resp.getWriter().print(session.getId());
                }
                case "GET /attr" -> {
                    HttpSession session = req.getSession(false);
                    resp.getWriter().print(session == null ? "no session"
                            : "value=" + session.getAttribute(req.getParameter("name")));
                }
                case "POST /orders" -> {
                    req.getInputStream().readAllBytes();
                    orders.incrementAndGet();
                    resp.setStatus(201);
                    resp.setContentType("application/json");
                    resp.getWriter().print("{\"orderId\":\"" + UUID.randomUUID() + "\"}");
                }
                default -> resp.sendError(404);
            }
        }
    }
}
