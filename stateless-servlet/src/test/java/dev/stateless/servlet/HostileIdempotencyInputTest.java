package dev.stateless.servlet;

import static dev.stateless.servlet.HostileHttp.commandStats;
import static dev.stateless.servlet.HostileHttp.commandsBetween;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stateless.redis.RedisIdempotencyKeyStore;
import dev.stateless.servlet.HostileHttp.Node;
import dev.stateless.servlet.HostileHttp.Request;
import dev.stateless.servlet.HostileHttp.Response;
import dev.stateless.testing.RedisServer;
import dev.stateless.testing.WithRedis;
import jakarta.servlet.MultipartConfigElement;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile {@code Idempotency-Key} headers and request bodies thrown at {@link IdempotencyFilter} on a
 * real Jetty (default 8 KB request-header limit) in front of a real Redis. Every case gets its
 * documented answer (400 for a malformed key, 413 for a body over the limit, as
 * {@code application/problem+json}), or the container's own 400/431 for a request head it refuses,
 * never a 5xx; the handler does not run, and Redis sees no command at all.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@WithRedis
class HostileIdempotencyInputTest {

    private static final String KEY = "Idempotency-Key";
    private static final int MAX_BODY = 1024;

    private RedisServer redis;
    private RedisIdempotencyKeyStore store;
    private final Orders orders = new Orders();
    private Node node;
    private Node multipartNode;

    @BeforeAll
    void start(RedisServer started) {
        redis = started;
        store = RedisIdempotencyKeyStore.builder(redis.uri()).commandTimeout(Duration.ofSeconds(2)).build();
        store.acquire("warm-up", "warm-up"); // connect now, so no handshake shows up in a census
        node = Node.start(8 * 1024, orders, IdempotencyFilter.builder(store).maxBodySize(MAX_BODY).anonymousKeys(AnonymousKeys.SCOPE_BY_CLIENT_ADDRESS).build());
        ServletHolder withParts = new ServletHolder("orders-with-parts", orders);
        withParts.getRegistration().setMultipartConfig(
                new MultipartConfigElement(System.getProperty("java.io.tmpdir"), 1 << 20, 1 << 20, 0));
        multipartNode = Node.start(8 * 1024, withParts, IdempotencyFilter.builder(store).maxBodySize(MAX_BODY).anonymousKeys(AnonymousKeys.SCOPE_BY_CLIENT_ADDRESS).build());
    }

    @AfterAll
    void stop() {
        HostileHttp.closeAll(node, multipartNode, store);
    }

    @BeforeEach
    void emptyRedis() {
        redis.flushAll();
        orders.runs.set(0);
    }

    // ---- keys

    static Stream<Arguments> malformedKeys() {
        List<Arguments> keys = new ArrayList<>();
        keys.add(key("empty", new byte[0]));
        keys.add(key("only spaces", ascii("   ")));
        keys.add(key("256 characters", ascii("k".repeat(256))));
        keys.add(key("7 KB", ascii("k".repeat(7 * 1024))));
        keys.add(key("1 MB", ascii("k".repeat(1 << 20))));
        keys.add(key("SOH before", ascii("\u0001abc")));
        keys.add(key("US (0x1f) before", ascii("\u001fabc")));
        keys.add(key("FS (0x1c) after", ascii("abc\u001c")));
        keys.add(key("VT (0x0b) after", ascii("abc\u000b")));
        keys.add(key("NUL inside", ascii("ab\u0000c")));
        keys.add(key("DEL inside", ascii("ab\u007fc")));
        keys.add(key("ESC inside quotes", ascii("\"ab\u001bc\"")));
        keys.add(key("é in ISO-8859-1", ascii("cl\u00e9")));
        keys.add(key("é in UTF-8", "clé".getBytes(StandardCharsets.UTF_8)));
        keys.add(key("NBSP before", ascii("\u00a0abc")));
        keys.add(key("opening quote only", ascii("\"abc")));
        keys.add(key("closing quote only", ascii("abc\"")));
        keys.add(key("quote inside bare", ascii("a\"bc")));
        keys.add(key("text after the closing quote", ascii("\"abc\"def")));
        keys.add(key("two quoted strings", ascii("\"abc\", \"def\"")));
        keys.add(key("escaped closing quote", ascii("\"abc\\\"")));
        keys.add(key("bad escape", ascii("\"a\\bc\"")));
        keys.add(key("empty quoted string", ascii("\"\"")));
        keys.add(key("space inside bare", ascii("ab c")));
        keys.add(key("backslash inside bare", ascii("ab\\c")));
        return keys.stream();
    }

    private static Arguments key(String name, byte[] value) {
        return Arguments.of(Named.of(name, value));
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedKeys")
    void aMalformedKeyIsRefusedWithoutRunningTheHandlerOrTouchingRedis(byte[] value) {
        String body = order();

        Response response = inCensus(() -> Request.post("/orders").header(KEY, value)
                .body("application/json", body.getBytes(StandardCharsets.UTF_8)).send(node));

        assertRefusedByFilterOrContainer(response, 400);
    }

    @Test
    void twoKeyHeadersAreRefused() {
        Response response = inCensus(() -> Request.post("/orders").header(KEY, "abc").header(KEY, "abc")
                .body("application/json", order().getBytes(StandardCharsets.UTF_8)).send(node));

        assertProblem(response, 400);
    }

    @Test
    void twoDifferentKeyHeadersAreRefused() {
        Response response = inCensus(() -> Request.post("/orders").header(KEY, "abc").header(KEY, "\"def\"")
                .body("application/json", order().getBytes(StandardCharsets.UTF_8)).send(node));

        assertProblem(response, 400);
    }

    @Test
    void aWellFormedKeyStillWorksAfterTheCorpus() {
        Response response = Request.post("/orders").header(KEY, "key-" + UUID.randomUUID())
                .body("application/json", order().getBytes(StandardCharsets.UTF_8)).send(node);

        assertThat(response.status()).isEqualTo(201);
        assertThat(orders.runs).hasValue(1);
        assertThat(redis.commandLong("DBSIZE")).isEqualTo(1);
    }

    // ---- bodies

    @Test
    void aBodyOverTheLimitWithContentLengthIs413() {
        Response response = inCensus(() -> Request.post("/orders").header(KEY, newKey())
                .body("application/json", new byte[MAX_BODY + 1]).send(node));

        assertProblem(response, 413);
    }

    @Test
    void aChunkedBodyOverTheLimitIs413() {
        Response response = inCensus(() -> Request.post("/orders").header(KEY, newKey())
                .body("application/json", new byte[4 * MAX_BODY]).chunked().send(node));

        assertProblem(response, 413);
    }

    @Test
    void aChunkedBodyOneByteOverTheLimitIs413() {
        Response response = inCensus(() -> Request.post("/orders").header(KEY, newKey())
                .body("application/json", new byte[MAX_BODY + 1]).chunked().send(node));

        assertProblem(response, 413);
    }

    @Test
    void aHugeDeclaredContentLengthIs413AtOnceWithoutWaitingForTheBody() {
        Response response = inCensus(() -> Request.post("/orders").header(KEY, newKey())
                .header("Content-Type", "application/json").header("Content-Length", "1000000000000")
                .noContentLength().send(node, 5_000));

        assertProblem(response, 413);
    }

    @Test
    void aFormBodyOverTheLimitIs413() {
        byte[] form = ("a=" + "x".repeat(2 * MAX_BODY)).getBytes(StandardCharsets.US_ASCII);

        Response response = inCensus(() -> Request.post("/orders").header(KEY, newKey())
                .body("application/x-www-form-urlencoded", form).send(node));

        assertProblem(response, 413);
    }

    @Test
    void aMultipartBodyOverTheLimitIs413() {
        Response response = inCensus(() -> Request.post("/orders").header(KEY, newKey())
                .body("multipart/form-data; boundary=XyZ", multipart(2 * MAX_BODY)).send(multipartNode));

        assertProblem(response, 413);
    }

    /**
     * A client may label any body multipart; the endpoint here takes JSON and has no multipart
     * configuration. That is the client's mistake: a 4xx, not a server error.
     */
    @Test
    void aMultipartBodyToAnEndpointWithoutMultipartSupportIsAClientError() {
        Response response = inCensus(() -> Request.post("/orders").header(KEY, newKey())
                .body("multipart/form-data; boundary=XyZ", multipart(100)).send(node));

        assertClientError(response);
    }

    @Test
    void aMalformedMultipartBodyIsAClientError() {
        byte[] broken = "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno closing boundary"
                .getBytes(StandardCharsets.US_ASCII);

        Response response = inCensus(() -> Request.post("/orders").header(KEY, newKey())
                .body("multipart/form-data; boundary=XyZ", broken).send(multipartNode));

        assertClientError(response);
    }

    @Test
    void aBodyShorterThanItsContentLengthIsNeverAServerError() {
        Response response = inCensus(() -> Request.post("/orders").header(KEY, newKey())
                .header("Content-Type", "application/json").header("Content-Length", "500")
                .body("application/json", "{\"short\":1}".getBytes(StandardCharsets.US_ASCII)).noContentLength()
                .halfClose().send(node, 10_000));

        // The server may also just close the connection (status 0): the client hung up first.
        assertThat(response.status()).as("%s", response).isLessThan(500);
    }

    // ---- helpers

    /** Runs one exchange and checks that Redis ran no command for it and holds nothing. */
    private Response inCensus(Supplier<Response> exchange) {
        Map<String, Long> before = commandStats(redis);
        Response response = exchange.get();
        assertThat(commandsBetween(before, commandStats(redis))).as("Redis commands; answer %s", response).isEmpty();
        assertThat(redis.commandLong("DBSIZE")).as("keys in Redis").isZero();
        assertThat(orders.runs).as("handler runs").hasValue(0);
        return response;
    }

    private static void assertProblem(Response response, int status) {
        assertThat(response.status()).as("%s", response).isEqualTo(status);
        assertThat(response.isProblem()).as("problem+json: %s", response).isTrue();
        assertThat(response.text()).contains("\"status\":" + status).doesNotContain("Exception").doesNotContain("\tat ");
    }

    /** The filter's problem answer, or the container refusing the request head itself (400, 431). */
    private static void assertRefusedByFilterOrContainer(Response response, int filterStatus) {
        assertThat(response.status()).as("%s", response).isIn(filterStatus, 400, 431);
        if (response.isProblem()) {
            assertThat(response.text()).contains("\"status\":" + filterStatus);
        }
    }

    private static void assertClientError(Response response) {
        assertThat(response.status()).as("%s", response).isBetween(400, 499);
        assertThat(response.text()).doesNotContain("Exception").doesNotContain("\tat ");
    }

    private static byte[] multipart(int size) {
        return ("--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n" + "x".repeat(size) + "\r\n--XyZ--\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    private static String newKey() {
        return "key-" + UUID.randomUUID();
    }

    private static String order() {
        return "{\"item\":\"" + UUID.randomUUID() + "\"}";
    }

    /** Creates an order (201) for any POST, counting its runs. */
    static final class Orders extends HttpServlet {
        final AtomicInteger runs = new AtomicInteger();

        @Override
        protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            req.getInputStream().readAllBytes();
            runs.incrementAndGet();
            resp.setStatus(201);
            resp.setContentType("application/json");
            resp.getWriter().print("{\"orderId\":\"" + UUID.randomUUID() + "\"}");
        }
    }
}
