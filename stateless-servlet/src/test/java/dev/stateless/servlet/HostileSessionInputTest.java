package dev.stateless.servlet;

import static dev.stateless.servlet.HostileHttp.commandStats;
import static dev.stateless.servlet.HostileHttp.commandsBetween;
import static dev.stateless.servlet.HostileHttp.writes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stateless.core.session.SessionId;
import dev.stateless.redis.RedisSessionStore;
import dev.stateless.servlet.HostileHttp.Node;
import dev.stateless.servlet.HostileHttp.Request;
import dev.stateless.servlet.HostileHttp.Response;
import dev.stateless.testing.RedisServer;
import dev.stateless.testing.WithRedis;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Session ids a client controls, thrown at {@link StatelessSessionFilter} on a real Jetty in front
 * of a real Redis, in both transports (cookie {@code SESSION} and header {@code X-Session-Id}). For
 * every value of the corpus:
 * <ul>
 * <li>a request that never asks for its session gets 200 and costs no Redis command at all;</li>
 * <li>{@code getSession(false)} finds no session, sends a malformed id to no store (no EVALSHA),
 *     sends at most 4 well-formed ids, writes nothing, and tells the client nothing;</li>
 * <li>{@code getSession(true)} starts a fresh session under a new server-chosen id, never the one
 *     the client offered.</li>
 * </ul>
 * Values the container itself refuses (a NUL byte) may get its 400 instead, but never a 5xx.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@WithRedis
class HostileSessionInputTest {

    private static final String HEADER = "X-Session-Id";
    private static final int MAX_CANDIDATES = 4;

    private RedisServer redis;
    private RedisSessionStore store;
    private Node cookieNode;
    private Node headerNode;

    @BeforeAll
    void start(RedisServer started) {
        redis = started;
        store = RedisSessionStore.builder(redis.uri()).commandTimeout(Duration.ofSeconds(2)).build();
        store.load(SessionId.generate()); // connect now: a lazy connection would show up in the first census
        cookieNode = Node.start(64 * 1024, new App(), StatelessSessionFilter.builder(store).build());
        headerNode = Node.start(64 * 1024, new App(),
                StatelessSessionFilter.builder(store).idResolver(SessionIdResolver.header(HEADER)).build());
    }

    @AfterAll
    void stop() {
        HostileHttp.closeAll(cookieNode, headerNode, store);
    }

    @BeforeEach
    void emptyRedis() {
        redis.flushAll();
    }

    // ---- the corpus

    /**
     * One hostile value (or set of values) for the id. {@code wellFormed}: the filter may look the
     * ids up (at most {@value #MAX_CANDIDATES}); {@code containerMayRefuse}: Jetty may answer 400 itself.
     */
    record Case(List<byte[]> values, boolean wellFormed, boolean containerMayRefuse) {
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static Stream<Arguments> corpus() {
        List<Arguments> cases = new ArrayList<>();
        add(cases, "empty", one(new byte[0]), false, false);
        add(cases, "10 KB of A", one(ascii("A".repeat(10 * 1024))), false, false);
        add(cases, "10 KB of base64url alphabet", one(ascii("Ab9-_".repeat(2 * 1024))), false, false);
        add(cases, "43 x é in UTF-8 (86 bytes)", one("é".repeat(43).getBytes(StandardCharsets.UTF_8)), false, false);
        add(cases, "43 x é in ISO-8859-1 (43 bytes)", one("é".repeat(43).getBytes(StandardCharsets.ISO_8859_1)),
                false, false);
        add(cases, "43 chars of standard base64 (+)", one(ascii("+".repeat(43))), false, false);
        add(cases, "43 chars of standard base64 (/)", one(ascii("AAAA/".repeat(8) + "AAA")), false, false);
        add(cases, "42 chars and '=' padding", one(ascii("A".repeat(42) + "=")), false, false);
        add(cases, "43 chars with a dot", one(ascii("A".repeat(20) + "." + "A".repeat(22))), false, false);
        add(cases, "43 chars with a space", one(ascii("A".repeat(20) + " " + "A".repeat(22))), false, false);
        add(cases, "43 chars, URL-encoded", one(ascii("%41".repeat(14) + "A")), false, false);
        add(cases, "43 chars, last char with stray bits", one(ascii("A".repeat(42) + "B")), false, false);
        add(cases, "42 chars", one(ascii("A".repeat(42))), false, false);
        add(cases, "44 chars", one(ascii("A".repeat(44))), false, false);
        add(cases, "quoted 41 chars", one(ascii("\"" + "A".repeat(41) + "\"")), false, false);
        add(cases, "43 chars with a NUL byte", one(ascii("A".repeat(21) + "\u0000" + "A".repeat(21))), false, true);
        add(cases, "43 chars with a DEL byte", one(ascii("A".repeat(21) + "\u007f" + "A".repeat(21))), false, true);
        List<byte[]> fifty = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            fifty.add(ascii(String.format("%043d", i).replace('0', '+')));
        }
        add(cases, "50 malformed ids", fifty, false, false);
        List<byte[]> fiftyUnknown = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            fiftyUnknown.add(ascii(SessionId.generate().value()));
        }
        add(cases, "50 well-formed unknown ids", fiftyUnknown, true, false);
        add(cases, "one well-formed unknown id", one(ascii(SessionId.generate().value())), true, false);
        return cases.stream();
    }

    private static List<byte[]> one(byte[] value) {
        return List.of(value);
    }

    private static void add(List<Arguments> cases, String name, List<byte[]> values, boolean wellFormed,
            boolean containerMayRefuse) {
        Case c = new Case(values, wellFormed, containerMayRefuse);
        cases.add(Arguments.of("cookie", Named.of(name, c)));
        cases.add(Arguments.of("header", Named.of(name, c)));
        if (values.size() > 1) {
            cases.add(Arguments.of("cookie-lines", Named.of(name + " (one Cookie line each)", c)));
        }
    }

    /** The request with the case's ids in the transport's form. */
    private Request request(String transport, Case c, String path) {
        Request request = Request.get(path);
        switch (transport) {
            case "cookie" -> {
                ByteArrayOutputStream cookie = new ByteArrayOutputStream();
                for (int i = 0; i < c.values().size(); i++) {
                    cookie.writeBytes(ascii(i == 0 ? "SESSION=" : "; SESSION="));
                    cookie.writeBytes(c.values().get(i));
                }
                request.header("Cookie", cookie.toByteArray());
            }
            case "cookie-lines" -> c.values().forEach(v -> {
                ByteArrayOutputStream cookie = new ByteArrayOutputStream();
                cookie.writeBytes(ascii("SESSION="));
                cookie.writeBytes(v);
                request.header("Cookie", cookie.toByteArray());
            });
            default -> c.values().forEach(v -> request.header(HEADER, v));
        }
        return request;
    }

    private Node node(String transport) {
        return transport.equals("header") ? headerNode : cookieNode;
    }

    // ---- the scenarios

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("corpus")
    void aRequestThatNeverAsksForItsSessionGets200AndWritesNothing(String transport, Case c) {
        Map<String, Long> before = commandStats(redis);

        Response response = request(transport, c, "/nosession").send(node(transport));

        Map<String, Long> ran = commandsBetween(before, commandStats(redis));
        if (c.containerMayRefuse() && response.status() == 400) {
            assertThat(ran).isEmpty();
            return;
        }
        assertThat(response.status()).as("status; %s", response).isEqualTo(200);
        assertThat(response.text()).isEqualTo("ok");
        // A well-formed id is touched (asynchronously: it is an access, Servlet 7.6); the touch of an
        // id that names no session reads its metadata (#m, then the fields of the layout before it)
        // and writes nothing. A malformed id costs nothing.
        assertThat(ran.keySet()).as("Redis commands for a request that never asked for its session")
                .isSubsetOf("evalsha", "eval", "hget", "hmget", "script");
        if (!c.wellFormed()) {
            assertThat(ran).isEmpty();
        }
        assertThat(redis.commandLong("DBSIZE")).isZero();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("corpus")
    void getSessionFalseFindsNoSessionLooksUpNoMalformedIdAndWritesNothing(String transport, Case c) {
        Map<String, Long> before = commandStats(redis);

        Response response = request(transport, c, "/peek").send(node(transport));

        Map<String, Long> ran = commandsBetween(before, commandStats(redis));
        if (c.containerMayRefuse() && response.status() == 400) {
            assertThat(ran).isEmpty();
            return;
        }
        assertThat(response.status()).as("status; %s", response).isEqualTo(200);
        assertThat(response.text()).isEqualTo("none valid=false");
        assertThat(response.headers("Set-Cookie")).as("Set-Cookie").isEmpty();
        assertThat(response.header(HEADER)).as(HEADER + " answer header").isEmpty();
        // a plain load is one HGETALL (a locked one a script)
        long lookups = ran.getOrDefault("hgetall", 0L) + ran.getOrDefault("evalsha", 0L) + ran.getOrDefault("eval", 0L);
        if (c.wellFormed()) {
            assertThat(lookups).as("session loads for %d well-formed ids", c.values().size())
                    .isBetween(1L, (long) MAX_CANDIDATES);
        } else {
            assertThat(lookups).as("session loads for malformed ids; commands %s", ran).isZero();
            assertThat(ran).as("Redis commands for malformed ids").isEmpty();
        }
        Map<String, Long> writes = writes(ran);
        writes.remove("evalsha"); // the load script only reads a key that does not exist
        writes.remove("eval");
        assertThat(writes).as("writes").isEmpty();
        assertThat(redis.commandLong("DBSIZE")).isZero();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("corpus")
    void getSessionTrueStartsAFreshSessionUnderAServerChosenId(String transport, Case c) {
        Response response = request(transport, c, "/create").send(node(transport));

        if (c.containerMayRefuse() && response.status() == 400) {
            assertThat(redis.commandLong("DBSIZE")).isZero();
            return;
        }
        assertThat(response.status()).as("status; %s", response).isEqualTo(200);
        String issued = transport.equals("header")
                ? response.header(HEADER).orElseThrow()
                : response.headers("Set-Cookie").stream().filter(h -> h.startsWith("SESSION=")).findFirst()
                        .map(h -> h.substring("SESSION=".length(), h.indexOf(';'))).orElseThrow();
        assertThat(response.text()).isEqualTo(issued);
        assertThat(SessionId.parse(issued)).as("issued id").isPresent();
        for (byte[] offered : c.values()) {
            assertThat(issued).as("the id the client offered is never adopted")
                    .isNotEqualTo(new String(offered, StandardCharsets.ISO_8859_1));
        }
        assertThat(redis.commandList("KEYS", "*"))
                .containsExactly("stateless:s:{" + SessionId.parse(issued).orElseThrow().digest() + "}");
    }

    /**
     * {@code /nosession} never touches the session; {@code /peek} asks with {@code getSession(false)}
     * and the other request methods a framework calls; {@code /create} starts a session.
     */
    static final class App extends HttpServlet {
        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            resp.setContentType("text/plain;charset=UTF-8");
            switch (req.getRequestURI()) {
                case "/nosession" -> resp.getWriter().print("ok");
                case "/peek" -> {
                    HttpSession session = req.getSession(false);
                    boolean valid = req.isRequestedSessionIdValid();
                    Optional.ofNullable(req.getRequestedSessionId()).ifPresent(String::length);
                    req.isRequestedSessionIdFromCookie();
                    resp.getWriter().print((session == null ? "none" : "session") + " valid=" + valid);
                }
                case "/create" -> {
                    HttpSession session = req.getSession();
                    session.setAttribute("n", 1L);
                    resp.getWriter().print(session.getId());
                }
                default -> resp.sendError(404);
            }
        }
    }
}
