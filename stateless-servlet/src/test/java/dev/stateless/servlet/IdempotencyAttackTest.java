package dev.stateless.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stateless.core.StatelessException;
import dev.stateless.core.idempotency.IdempotencyKeyStore;
import dev.stateless.core.session.SessionStore;
import dev.stateless.redis.RedisIdempotencyKeyStore;
import dev.stateless.redis.RedisSessionStore;
import dev.stateless.servlet.IdempotencyFilterTest.Reply;
import dev.stateless.testing.ForwardingStore;
import dev.stateless.testing.RedisServer;
import dev.stateless.testing.WithRedis;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.apache.catalina.Context;
import org.apache.catalina.startup.Tomcat;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The attacks of issue 11 on {@link IdempotencyFilter}, each reproduced over real HTTP on real Jetty
 * and a real Redis: items 2 (an answer that cannot be stored), 6 (guests sharing a key space),
 * 7 (Content-Type outside the fingerprint), 14 (form re-parsing without the container's limits)
 * and 15 (unbounded records per client); the form limit on Tomcat too.
 */
@WithRedis
class IdempotencyAttackTest {

    private static RedisServer redis;
    private static SessionStore sessions;
    private static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER).build();
    private final List<AutoCloseable> opened = new ArrayList<>();
    private static final AppServlet app = new AppServlet();

    @BeforeAll
    static void startRedis(RedisServer started) {
        redis = started;
        sessions = RedisSessionStore.builder(redis.uri()).build();
    }

    @AfterAll
    static void stopRedis() {
        sessions.close();
    }

    @BeforeEach
    void flush() {
        redis.flushAll();
        app.runs.clear();
    }

    @AfterEach
    void stopNodes() throws Exception {
        for (AutoCloseable c : opened) {
            c.close();
        }
        opened.clear();
    }

    // ---- item 2: an answer whose headers could not be encoded

    @Test
    void anAnswerWithA64KibHeaderIsStoredAndTheRetryAfterTheLeaseReplaysItWithoutRunningAgain() throws Exception {
        URI node = start(shortLeaseStore(), b -> b.storedHeaders("Content-Type", "X-Big"), true);
        String key = newKey();

        Reply first = post(node, "/big-header", key, "application/json", "{}", Map.of("X-User", "alice"));
        Thread.sleep(700); // past the lease: before the fix the key was free here and the retry ran again
        Reply retry = post(node, "/big-header", key, "application/json", "{}", Map.of("X-User", "alice"));

        assertThat(first.status()).isEqualTo(201);
        assertThat(retry.status()).isEqualTo(201);
        assertThat(retry.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(retry.header("X-Big")).hasSize(64 * 1024);
        assertThat(app.runs("/big-header")).isEqualTo(1);
    }

    @Test
    void anAnswerTheStoreRefusesCompletesTheKeyWithARecordedFailureAndTheRetryAfterTheLeaseDoesNotRunAgain()
            throws Exception {
        IdempotencyKeyStore refusing = new ForwardingStore(shortLeaseStore()) {
            @Override
            public boolean complete(String key, long token, byte[] result) {
                throw new StatelessException("the store refused the answer (too large)");
            }
        };
        URI node = start(refusing, b -> b, false);
        String key = newKey();

        Reply first = post(node, "/orders", key, "application/json", "{}", Map.of("X-User", "alice"));
        Thread.sleep(700);
        Reply retry = post(node, "/orders", key, "application/json", "{}", Map.of("X-User", "alice"));

        assertThat(first.status()).isEqualTo(500);
        assertThat(first.text()).contains("ran but its answer could not be stored");
        assertThat(retry.status()).isEqualTo(500);
        assertThat(retry.text()).contains("ran but its answer could not be stored");
        assertThat(app.runs("/orders")).isEqualTo(1);
        assertThat(redis.commandList("KEYS", "stateless:i:*")).singleElement()
                .satisfies(record -> assertThat(redis.command("HGET", record, "s")).isEqualTo("f"));
    }

    // ---- item 6: guests sharing one key space

    @Test
    void aGuestSendingAnotherGuestsKeyAndBodyRunsItsOwnRequestWhenTheSessionFilterRunsFirst() throws Exception {
        guestsNeverGetEachOthersAnswers(true);
    }

    @Test
    void aGuestSendingAnotherGuestsKeyAndBodyRunsItsOwnRequestWhenTheIdempotencyFilterRunsFirst() throws Exception {
        guestsNeverGetEachOthersAnswers(false);
    }

    private void guestsNeverGetEachOthersAnswers(boolean sessionFilterFirst) throws Exception {
        URI node = startWithSessions(sessionFilterFirst);
        String alice = startSession(node, "1 Alice Street");
        String bob = startSession(node, "2 Bob Road");
        String key = newKey();

        Reply aliceOrder = post(node, "/orders", key, "application/json", "{}", Map.of("Cookie", alice));
        Reply bobOrder = post(node, "/orders", key, "application/json", "{}", Map.of("Cookie", bob));
        Reply aliceRetry = post(node, "/orders", key, "application/json", "{}", Map.of("Cookie", alice));

        assertThat(aliceOrder.text()).contains("1 Alice Street");
        assertThat(bobOrder.header("Idempotent-Replayed")).isNull();
        assertThat(bobOrder.text()).contains("2 Bob Road").doesNotContain("Alice");
        assertThat(aliceRetry.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(aliceRetry.text()).contains("1 Alice Street");
        assertThat(app.runs("/orders")).isEqualTo(2);
    }

    @Test
    void aKeyFromAClientWithNeitherUserNorSessionIsRefusedWith400AndNothingRuns() throws Exception {
        URI node = startWithSessions(false);

        Reply reply = post(node, "/orders", newKey(), "application/json", "{}", Map.of());

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.header("Content-Type")).startsWith("application/problem+json");
        assertThat(reply.text()).contains("signed-in user or a client with a session");
        assertThat(app.runs("/orders")).isZero();
        assertThat(redis.commandList("KEYS", "stateless:i:*")).isEmpty();
    }

    @Test
    void withScopeByClientAddressAKeyFromAFullyAnonymousClientRuns() throws Exception {
        URI node = start(store(), b -> b.anonymousKeys(AnonymousKeys.SCOPE_BY_CLIENT_ADDRESS), false);
        String key = newKey();

        Reply first = post(node, "/orders", key, "application/json", "{}", Map.of());
        Reply again = post(node, "/orders", key, "application/json", "{}", Map.of());

        assertThat(first.status()).isEqualTo(201);
        assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(app.runs("/orders")).isEqualTo(1);
    }

    // ---- item 7: Content-Type in the fingerprint

    @Test
    void theSameBytesSentAsJsonAndThenAsAFormAreTwoRequestsAndTheSecondIsRefusedWith422() throws Exception {
        URI node = start(store(), b -> b, false);
        String key = newKey();

        Reply json = post(node, "/orders", key, "application/json", "a=1", Map.of("X-User", "alice"));
        Reply form = post(node, "/orders", key, "application/x-www-form-urlencoded", "a=1", Map.of("X-User", "alice"));
        Reply sameTypeOtherSpelling = post(node, "/orders", key, "Application/JSON", "a=1", Map.of("X-User", "alice"));

        assertThat(json.status()).isEqualTo(201);
        assertThat(form.status()).isEqualTo(422);
        assertThat(sameTypeOtherSpelling.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(app.runs("/orders")).isEqualTo(1);
    }

    // ---- item 14: the container's form limits

    @Test
    void aFormWithMoreFieldsThanJettyAllowsIsRefusedWith400AndDoesNotRun() throws Exception {
        URI node = start(store(), b -> b, false);
        Reply reply = post(node, "/orders", newKey(), "application/x-www-form-urlencoded", form(22_346),
                Map.of("X-User", "alice"));

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.text()).contains("more than 1000 fields");
        assertThat(app.runs("/orders")).isZero();
    }

    @Test
    void aFormWithinJettysLimitReachesTheApplicationWhole() throws Exception {
        URI node = start(store(), b -> b, false);
        Reply reply = post(node, "/orders", newKey(), "application/x-www-form-urlencoded", form(1000),
                Map.of("X-User", "alice"));

        assertThat(reply.status()).isEqualTo(201);
        assertThat(reply.text()).contains("\"fields\":1000");
    }

    @Test
    void aFormWithMoreFieldsThanTomcatsMaxParameterCountIsRefusedWith400AndDoesNotRun() throws Exception {
        URI node = startTomcat(IdempotencyFilter.builder(store()).build(), 50);

        Reply over = post(node, "/orders", newKey(), "application/x-www-form-urlencoded", form(51),
                Map.of("X-User", "alice"));
        Reply within = post(node, "/orders", newKey(), "application/x-www-form-urlencoded", form(50),
                Map.of("X-User", "alice"));

        assertThat(over.status()).isEqualTo(400);
        assertThat(over.text()).contains("more than 50 fields");
        assertThat(within.status()).isEqualTo(201);
        assertThat(within.text()).contains("\"fields\":50");
        assertThat(app.runs("/orders")).isEqualTo(1);
    }

    // ---- item 15: records per client and hour

    @Test
    void aUserOverTheRecordLimitGets429ForNewKeysWhileRecordedOnesStillReplay() throws Exception {
        URI node = start(store(), b -> b.maxRecordsPerScopeAndHour(2), false);
        String first = newKey();
        post(node, "/orders", first, "application/json", "{}", Map.of("X-User", "alice"));
        post(node, "/orders", newKey(), "application/json", "{}", Map.of("X-User", "alice"));

        Reply third = post(node, "/orders", newKey(), "application/json", "{}", Map.of("X-User", "alice"));
        Reply replay = post(node, "/orders", first, "application/json", "{}", Map.of("X-User", "alice"));
        Reply bob = post(node, "/orders", newKey(), "application/json", "{}", Map.of("X-User", "bob"));

        assertThat(third.status()).isEqualTo(429);
        assertThat(Long.parseLong(third.header("Retry-After"))).isBetween(1L, 3600L);
        assertThat(third.text()).contains("in this hour");
        assertThat(replay.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(bob.status()).isEqualTo(201);
        assertThat(app.runs("/orders")).isEqualTo(3);
        assertThat(redis.commandList("KEYS", "stateless:i:*")).hasSize(3);
    }

    // ---- helpers

    private IdempotencyKeyStore store() {
        RedisIdempotencyKeyStore store = RedisIdempotencyKeyStore.builder(redis.uri()).build();
        opened.add(store);
        return store;
    }

    private IdempotencyKeyStore shortLeaseStore() {
        RedisIdempotencyKeyStore store = RedisIdempotencyKeyStore.builder(redis.uri()).lease(Duration.ofMillis(500))
                .build();
        opened.add(store);
        return store;
    }

    /** A form body of {@code fields} fields {@code k0=v&k1=v...}. */
    static String form(int fields) {
        StringBuilder form = new StringBuilder();
        for (int i = 0; i < fields; i++) {
            form.append(i == 0 ? "" : "&").append("k").append(i).append("=v");
        }
        return form.toString();
    }

    private static String newKey() {
        return UUID.randomUUID().toString();
    }

    private URI start(IdempotencyKeyStore store, UnaryOperator<IdempotencyFilter.Builder> config, boolean bigHeaders)
            throws Exception {
        IdempotencyFilter filter = config.apply(IdempotencyFilter.builder(store)).build();
        return startJetty(List.of(new IdempotencyFilterTest.UserFilter(), filter), bigHeaders);
    }

    private URI startWithSessions(boolean sessionFilterFirst) throws Exception {
        Filter sessionFilter = StatelessSessionFilter.builder(sessions).build();
        Filter idempotency = IdempotencyFilter.builder(store()).build();
        return startJetty(sessionFilterFirst ? List.of(sessionFilter, idempotency) : List.of(idempotency, sessionFilter),
                false);
    }

    private URI startJetty(List<Filter> filters, boolean bigHeaders) throws Exception {
        HttpConfiguration config = new HttpConfiguration();
        if (bigHeaders) {
            config.setResponseHeaderSize(256 * 1024);
            config.setOutputBufferSize(256 * 1024);
        }
        EmbeddedJetty jetty = EmbeddedJetty.start(config, EmbeddedJetty.context(new ServletHolder(app), false, filters));
        opened.add(jetty);
        return URI.create("http://127.0.0.1:" + jetty.port());
    }

    private URI startTomcat(Filter idempotency, int maxParameterCount) throws Exception {
        EmbeddedTomcat tomcat = EmbeddedTomcat.start("stateless-tomcat-", (server, baseDir) -> {
            server.getConnector().setMaxParameterCount(maxParameterCount);
            Context context = EmbeddedTomcat.rootContext(server, baseDir);
            Tomcat.addServlet(context, "app", app);
            context.addServletMappingDecoded("/*", "app");
            int i = 0;
            for (Filter filter : List.of(new IdempotencyFilterTest.UserFilter(), idempotency)) {
                EmbeddedTomcat.addFilter(context, "filter-" + i++, filter.getClass(), filter, Map.of(), false);
            }
            return context;
        });
        opened.add(tomcat::close);
        return URI.create("http://127.0.0.1:" + tomcat.tomcat().getConnector().getLocalPort());
    }

    /** Starts a guest's session holding its address; returns the {@code Cookie} header to send. */
    private static String startSession(URI node, String address) {
        Reply reply = send(HttpRequest.newBuilder(node.resolve("/start"))
                .POST(HttpRequest.BodyPublishers.ofString(address)));
        String setCookie = reply.header("Set-Cookie");
        assertThat(setCookie).startsWith("SESSION=");
        return setCookie.substring(0, setCookie.indexOf(';'));
    }

    private static Reply post(URI node, String path, String key, String type, String body, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(node.resolve(path)).header("Content-Type", type)
                .header("Idempotency-Key", key).POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::header);
        return send(request);
    }

    private static Reply send(HttpRequest.Builder request) {
        return IdempotencyFilterTest.send(http, request.timeout(Duration.ofSeconds(20)));
    }

    /**
     * {@code POST /start} starts a session holding the body as the guest's address; {@code POST /orders}
     * answers 201 with the session's address (if any) and the number of form fields;
     * {@code POST /big-header} answers 201 with a 64 KiB header. Every run is counted per path.
     */
    static final class AppServlet extends HttpServlet {
        final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();

        int runs(String path) {
            AtomicInteger n = runs.get(path);
            return n == null ? 0 : n.get();
        }

        @Override
        protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
            String path = request.getRequestURI();
            runs.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
            switch (path) {
                case "/start" -> {
                    String address = new String(request.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    request.getSession().setAttribute("address", address);
                    response.setStatus(204);
                }
                case "/big-header" -> {
                    response.setStatus(201);
                    response.setHeader("X-Big", "x".repeat(64 * 1024));
                    response.getWriter().print("{\"ok\":true}");
                }
                default -> {
                    HttpSession session = request.getSession(false);
                    Object address = session == null ? null : session.getAttribute("address");
                    int fields = BufferedBodyRequest.isForm(request) ? request.getParameterMap().size() : 0;
                    response.setStatus(201);
                    response.setContentType("application/json");
                    response.getWriter().print("{\"order\":\"" + UUID.randomUUID() + "\",\"address\":\""
                            + address + "\",\"fields\":" + fields + "}");
                }
            }
        }
    }
}
