package dev.stateless.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stateless.core.session.JsonAttributeCodec;
import dev.stateless.core.session.SessionId;
import dev.stateless.core.session.SessionLock;
import dev.stateless.redis.RedisSessionStore;
import dev.stateless.servlet.Browser.Reply;
import dev.stateless.servlet.Browser.SetCookie;
import dev.stateless.testing.RedisServer;
import dev.stateless.testing.WithRedis;
import jakarta.servlet.Filter;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a user of {@link StatelessSessionFilter} observes on real servlet containers over real HTTP:
 * a legacy, session-stateful servlet ({@link LegacyServlet}) runs on several nodes ("containers"),
 * each with its own {@link RedisSessionStore} on one shared, real Redis, and any node serves any
 * request. Subclasses say how to start a node of their container.
 *
 * <p>Two nodes, A and B, are started once per class; tests that need other nodes (stopped, header
 * transport, web.xml-style configuration) start their own. Redis is emptied before each test.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@WithRedis
abstract class AbstractSessionContainerTest {

    private static final Pattern SESSION_ID = Pattern.compile("[A-Za-z0-9_-]{43}");
    private static final Pattern SESSION_KEY = Pattern.compile("stateless:s:\\{[A-Za-z0-9_-]{43}\\}");
    private static final long IDLE_TIMEOUT_MILLIS = Duration.ofMinutes(30).toMillis();
    /** What the servlet keeps doing after it committed the response. */
    private static final long WORK_AFTER_COMMIT_MILLIS = 500;

    protected RedisServer redis;
    protected HttpClient http;
    protected ContainerNode nodeA;
    protected ContainerNode nodeB;
    private final List<RedisSessionStore> stores = Collections.synchronizedList(new ArrayList<>());

    /**
     * Starts a node of this container on a free loopback port, serving {@link LegacyServlet} at
     * {@code /*} behind {@code filter} (mapped to {@code /*}, with these init parameters), and
     * accepting request headers of up to 32 KB.
     */
    protected abstract ContainerNode startNode(Filter filter, Map<String, String> initParameters) throws Exception;

    @BeforeAll
    void startRedisAndTwoNodes(RedisServer started) throws Exception {
        redis = started;
        http = Browser.newHttpClient();
        nodeA = startNode(cookieFilter(), Map.of());
        nodeB = startNode(cookieFilter(), Map.of());
    }

    @AfterAll
    void stopEverything() {
        stop(List.of(stores.toArray(RedisSessionStore[]::new)), nodeA, nodeB);
    }

    /** Closes the nodes that started, then their stores. */
    static void stop(List<RedisSessionStore> stores, ContainerNode... nodes) {
        for (ContainerNode node : nodes) {
            if (node != null) {
                node.close();
            }
        }
        stores.forEach(RedisSessionStore::close);
    }

    @BeforeEach
    void emptyRedis() {
        redis.flushAll();
    }

    /**
     * A node's own store: the test codec allows {@link Cart}; a 1 s command timeout keeps outages
     * short. The caller closes it (after its node), so no idle store reconnects in a later test.
     */
    protected RedisSessionStore newStore() {
        return RedisSessionStore.builder(redis.uri())
                // throttled last-access writes, so that the cost tests see reads as reads
                .touchInterval(Duration.ofMinutes(1))
                .codec(JsonAttributeCodec.builder().allow(Cart.class).build())
                .commandTimeout(Duration.ofSeconds(1))
                .build();
    }

    /** The filter of nodes A and B; their stores are closed after all tests. */
    private Filter cookieFilter() {
        RedisSessionStore store = newStore();
        stores.add(store);
        return StatelessSessionFilter.builder(store).build();
    }

    private static Filter cookieFilter(RedisSessionStore store) {
        return StatelessSessionFilter.builder(store).build();
    }

    private Browser browser() {
        return Browser.withCookies(http);
    }

    // ---- 1. any node serves any request

    @Test
    void sessionCreatedOnOneNodeIsReadAndChangedOnAnother() {
        Browser browser = browser();

        Reply first = browser.get(nodeA, "/counter");
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.body()).isEqualTo("1");
        SetCookie cookie = first.setCookie("SESSION").orElseThrow();
        assertThat(cookie.value()).matches(SESSION_ID);
        assertThat(cookie.attribute("Path")).contains("/");
        assertThat(cookie.attribute("HttpOnly")).isPresent();
        assertThat(cookie.attribute("SameSite")).contains("Lax");
        assertThat(cookie.attribute("Max-Age")).isEmpty(); // a browser-session cookie
        assertThat(cookie.attribute("Secure")).isEmpty(); // plain HTTP

        Reply second = browser.get(nodeB, "/counter");
        assertThat(second.body()).isEqualTo("2");
        assertThat(second.setCookie("SESSION")).as("the id did not change, so no cookie is sent again").isEmpty();
        assertThat(second.setCookie("SESSION_VERSION").orElseThrow().value()).as("the version after its save").isEqualTo("2");

        Reply third = browser.get(nodeA, "/counter");
        assertThat(third.body()).isEqualTo("3");
        assertThat(hash(cookie.value())).containsKey(".counter");
    }

    @Test
    void sessionOutlivesTheNodeThatCreatedIt() throws Exception {
        try (RedisSessionStore doomedStore = newStore();
                RedisSessionStore survivorStore = newStore();
                ContainerNode doomed = startNode(cookieFilter(doomedStore), Map.of());
                ContainerNode survivor = startNode(cookieFilter(survivorStore), Map.of())) {
            Browser browser = browser();
            assertThat(browser.get(doomed, "/counter").body()).isEqualTo("1");
            assertThat(browser.post(doomed, "/cart/add?sku=apple&qty=2").body()).isEqualTo("{apple=2}");

            doomed.close();
            assertThatThrownBy(() -> browser.get(doomed, "/counter")).isInstanceOf(UncheckedIOException.class);

            assertThat(browser.get(survivor, "/counter").body()).isEqualTo("2");
            assertThat(browser.get(survivor, "/cart").body()).isEqualTo("{apple=2}");
            assertThat(browser.post(survivor, "/cart/add?sku=pear&qty=1").body()).isEqualTo("{apple=2, pear=1}");
        }
    }

    @Test
    void concurrentRequestsOnTwoNodesChangingDifferentAttributesKeepBothChanges() {
        Browser browser = browser();
        browser.get(nodeA, "/counter");

        long start = System.nanoTime();
        CompletableFuture<Reply> onA = browser.sendAsync(nodeA, "POST", "/slow?name=a&value=fromA&sleep=300");
        CompletableFuture<Reply> onB = browser.sendAsync(nodeB, "POST", "/slow?name=b&value=fromB&sleep=300");
        assertThat(onA.join().status()).isEqualTo(200);
        assertThat(onB.join().status()).isEqualTo(200);
        System.out.printf("[%s] two 300 ms requests of one session took %d ms together%n", getClass().getSimpleName(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));

        assertThat(browser.get(nodeB, "/attr?name=a").body()).isEqualTo("fromA");
        assertThat(browser.get(nodeA, "/attr?name=b").body()).isEqualTo("fromB");
        assertThat(browser.get(nodeA, "/attr?name=counter").body()).isEqualTo("1");
        assertThat(hash(browser.cookie("SESSION"))).containsKeys(".a", ".b", ".counter");
    }

    @Test
    void objectChangedInPlaceWithoutSetAttributeIsSaved() {
        Browser browser = browser();

        Reply created = browser.post(nodeA, "/cart/add?sku=apple&qty=2");
        assertThat(created.header("X-Set-Attribute")).contains("true");
        assertThat(created.body()).isEqualTo("{apple=2}");

        Reply mutated = browser.post(nodeB, "/cart/add?sku=pear&qty=1");
        assertThat(mutated.header("X-Set-Attribute")).as("the second request only mutated the cart").contains("false");
        assertThat(mutated.body()).isEqualTo("{apple=2, pear=1}");

        assertThat(browser.get(nodeA, "/cart").body()).isEqualTo("{apple=2, pear=1}");
        assertThat(browser.post(nodeA, "/cart/add?sku=apple&qty=3").body()).isEqualTo("{apple=5, pear=1}");
        assertThat(browser.get(nodeB, "/cart").body()).isEqualTo("{apple=5, pear=1}");
        assertThat(hash(browser.cookie("SESSION")).get(".cart")).contains("pear").contains("apple");
    }

    // ---- 5. cost per request

    @Test
    void readOnlyRequestWritesNothingToRedisAndCostsOneRoundTrip() {
        Browser browser = browser();
        // warm up: both nodes connected, scripts cached in Redis
        browser.get(nodeA, "/counter");
        browser.post(nodeA, "/cart/add?sku=apple&qty=1");
        browser.get(nodeB, "/counter");
        Map<String, String> before = hash(browser.cookie("SESSION"));

        resetStats();
        assertThat(browser.get(nodeB, "/attr?name=counter").body()).isEqualTo("2");
        Map<String, Long> readOnly = commandCalls();
        report("read-only request (GET /attr?name=counter)", readOnly);
        // one plain read (HGETALL, no script)
        assertThat(readOnly).containsEntry("hgetall", 1L).doesNotContainKeys("evalsha", "eval", "hset", "hdel", "del",
                "pexpire", "expire", "hmset", "set");
        assertThat(hash(browser.cookie("SESSION"))).isEqualTo(before);

        resetStats();
        assertThat(browser.get(nodeA, "/cart").body()).isEqualTo("{apple=1}");
        Map<String, Long> readMutable = commandCalls();
        report("read-only request of a mutable object (GET /cart)", readMutable);
        assertThat(readMutable).as("reading a Cart without changing it is no write")
                .containsEntry("hgetall", 1L).doesNotContainKeys("evalsha", "eval", "hset", "hdel", "pexpire");

        resetStats();
        assertThat(browser.get(nodeA, "/counter").body()).isEqualTo("3");
        Map<String, Long> readModify = commandCalls();
        report("read-and-change-one-attribute request (GET /counter)", readModify);
        assertThat(readModify).as("one load (a plain read) and one save (a script)").containsEntry("hgetall", 1L)
                .containsEntry("evalsha", 1L).doesNotContainKey("eval");
        assertThat(hash(browser.cookie("SESSION"))).containsKeys(".counter", ".cart");
    }

    @Test
    void requestThatNeverAsksForTheSessionCostsOneAsynchronousTouchPerNodeAndWindow() throws Exception {
        Browser browser = browser();
        browser.get(nodeA, "/counter");

        resetStats();
        assertThat(Browser.withCookies(http).get(nodeB, "/nosession").body()).isEqualTo("ok");
        assertThat(commandCalls()).as("no session id, no Redis call").isEmpty();

        assertThat(browser.get(nodeB, "/nosession").body()).isEqualTo("ok");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!commandCalls().containsKey("evalsha")) {
            assertThat(System.nanoTime()).as("the static request touched its session").isLessThan(deadline);
            Thread.sleep(10);
        }
        assertThat(commandCalls()).as("one touch, which reads no attribute").containsEntry("evalsha", 1L)
                .doesNotContainKey("hgetall");

        assertThat(browser.get(nodeB, "/nosession").body()).isEqualTo("ok");
        assertThat(browser.get(nodeB, "/nosession").body()).isEqualTo("ok");
        assertThat(commandCalls()).as("touched lately by this node: no more calls").containsEntry("evalsha", 1L);
    }

    // ---- 6. saved before the client sees the answer

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"redirect", "error", "flushBuffer", "writerFlush", "largeBody"})
    void sessionIsSavedBeforeTheResponseIsCommitted(String commit) throws Exception {
        assertSavedBeforeCommit(commit);
    }

    /**
     * A single write of 12 KB: more than Jetty aggregates (a quarter of its 32 KB buffer, so Jetty
     * commits at once) and more than Tomcat's 8 KB buffer.
     */
    @Test
    void sessionIsSavedBeforeAMidSizeBodyWriteCommitsTheResponse() throws Exception {
        assertSavedBeforeCommit("mediumBody");
    }

    private void assertSavedBeforeCommit(String commit) throws Exception {
        Browser browser = browser();
        browser.get(nodeB, "/counter");
        String id = browser.cookie("SESSION");

        long start = System.nanoTime();
        HttpResponse<InputStream> response = browser.sendStreaming(nodeA, "POST",
                "/commit/" + commit + "?name=seen&value=" + commit + "&after=" + WORK_AFTER_COMMIT_MILLIS);
        // the client holds the status line and headers; the servlet may still be working
        Map<String, String> whenHeadersArrived = hash(id);
        long headersMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        byte[] body;
        try (InputStream in = response.body()) {
            body = in.readAllBytes();
        }
        long totalMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        System.out.printf("[%s] %s: headers after %d ms, whole answer after %d ms%n", getClass().getSimpleName(),
                commit, headersMillis, totalMillis);

        assertThat(whenHeadersArrived).as("the session in Redis when the answer's headers arrived")
                .containsKey(".seen");
        switch (commit) {
            case "redirect" -> {
                assertThat(response.statusCode()).isEqualTo(302);
                assertThat(response.headers().firstValue("Location").orElseThrow()).endsWith("/attr?name=seen");
            }
            case "error" -> assertThat(response.statusCode()).isEqualTo(409);
            case "largeBody" -> {
                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(body).hasSize(200 * 1024);
            }
            case "mediumBody" -> {
                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(body).hasSize(12 * 1024);
            }
            default -> {
                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(new String(body, StandardCharsets.UTF_8)).isEqualTo("flushed");
            }
        }
        if (!commit.equals("redirect") && !commit.equals("error")) {
            assertThat(totalMillis - headersMillis)
                    .as("the headers arrived while the servlet was still working, so the check above was sharp")
                    .isGreaterThan(WORK_AFTER_COMMIT_MILLIS / 2);
        }
        assertThat(browser.get(nodeB, "/attr?name=seen").body()).isEqualTo(commit);
    }

    // ---- 7. ids from clients are untrusted

    Stream<Arguments> malformedIds() {
        String base64url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq";
        return Stream.of(
                Arguments.of("short", "abc"),
                Arguments.of("10 KB", "x".repeat(10 * 1024)),
                Arguments.of("non-base64url characters", "A.B!C*D".repeat(6) + "E"),
                Arguments.of("43 characters with stray bits", base64url.substring(0, 42) + "B"),
                Arguments.of("44 characters", base64url + "A"),
                Arguments.of("padded base64", base64url.substring(0, 42) + "="));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedIds")
    void malformedSessionIdNeverReachesRedisAndYieldsANewSession(String kind, String forged) {
        Browser browser = browser().cookie("SESSION", forged);

        resetStats();
        Reply none = browser.get(nodeA, "/info?create=false");
        assertThat(none.status()).isEqualTo(200);
        assertThat(none.lines()).containsEntry("session", "none")
                .containsEntry("requestedSessionIdLength", Integer.toString(forged.length()))
                .containsEntry("requestedSessionIdValid", "false");
        assertThat(commandCalls()).as("no command reached Redis").isEmpty();

        Reply created = browser.get(nodeB, "/info");
        String newId = created.lines().get("id");
        assertThat(newId).matches(SESSION_ID).isNotEqualTo(forged);
        assertThat(created.lines()).containsEntry("isNew", "true").containsEntry("requestedSessionIdValid", "false");
        assertThat(created.setCookie("SESSION").orElseThrow().value()).isEqualTo(newId);
        assertThat(redis.commandList("KEYS", "*")).containsExactly(keyOf(newId));
    }

    @Test
    void wellFormedButUnknownSessionIdCostsOneLoadAndYieldsANewSession() {
        String unknown = SessionId.generate().value();
        Browser browser = browser().cookie("SESSION", unknown);
        resetStats();
        browser.get(nodeA, "/nosession"); // nodes connected; the id is touched, asynchronously
        awaitCommand("hmget");

        resetStats();
        Reply none = browser.get(nodeA, "/info?create=false");
        assertThat(none.lines()).containsEntry("session", "none").containsEntry("requestedSessionIdValid", "false");
        assertThat(commandCalls()).containsEntry("hgetall", 1L).doesNotContainKeys("evalsha", "hset", "pexpire");

        Reply created = browser.get(nodeB, "/info");
        String newId = created.lines().get("id");
        assertThat(newId).matches(SESSION_ID).isNotEqualTo(unknown);
        assertThat(created.lines()).containsEntry("isNew", "true");
        assertThat(browser.cookie("SESSION")).isEqualTo(newId);
        assertThat(redis.commandList("KEYS", "*")).containsExactly(keyOf(newId));
        assertThat(redis.commandLong("EXISTS", keyOf(unknown))).isZero();
    }

    @Test
    void unknownOrInvalidatedSessionIdIsNotReportedAsCorruptData() {
        Browser browser = browser();
        browser.get(nodeA, "/counter");
        String old = browser.cookie("SESSION");
        browser.post(nodeB, "/invalidate");

        String log = captureStandardError(() -> {
            browser().cookie("SESSION", SessionId.generate().value()).get(nodeA, "/info?create=false");
            browser().cookie("SESSION", old).get(nodeB, "/info?create=false");
        });
        assertThat(log).doesNotContain("unreadable metadata");
    }

    // ---- 8. Redis outage

    @Test
    void redisOutageAnswers503ProblemForSessionRequestsOnlyAndRecoversWithoutRestart() {
        Browser browser = browser();
        assertThat(browser.get(nodeA, "/counter").body()).isEqualTo("1");
        String id = browser.cookie("SESSION");

        redis.stop();
        try {
            long start = System.nanoTime();
            Reply refused = browser.get(nodeB, "/counter");
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertProblem503(refused, id);
            assertThat(millis).as("answered within a few seconds").isLessThan(5_000);

            Reply plain = browser.get(nodeA, "/nosession");
            assertThat(plain.status()).isEqualTo(200);
            assertThat(plain.body()).isEqualTo("ok");
        } finally {
            restartRedisAndAwaitRecovery();
        }
        // the data is gone with the restart (no persistence); the application works again
        Reply after = browser.get(nodeB, "/counter");
        assertThat(after.status()).isEqualTo(200);
        assertThat(browser.get(nodeA, "/counter").status()).isEqualTo(200);
    }

    @Test
    void redisOutageWhileSavingANewSessionAnswers503Problem() {
        Browser browser = browser();
        redis.stop();
        try {
            // no id sent: nothing is loaded; the save at the end of the request fails
            Reply refused = browser.get(nodeA, "/counter");
            assertProblem503(refused, null);
        } finally {
            restartRedisAndAwaitRecovery();
        }
    }

    @Test
    void redisOutageAfterTheServletTookTheWriterAnswers503Problem() {
        Browser browser = browser();
        browser.get(nodeA, "/counter");
        String id = browser.cookie("SESSION");
        redis.stop();
        try {
            Reply refused = browser.get(nodeB, "/writer-first");
            assertProblem503(refused, id);
        } finally {
            restartRedisAndAwaitRecovery();
        }
    }

    private static void assertProblem503(Reply reply, String sessionId) {
        assertThat(reply.status()).isEqualTo(503);
        assertThat(reply.header("Content-Type").orElseThrow()).startsWith("application/problem+json");
        assertThat(reply.body()).contains("\"status\":503").startsWith("{").endsWith("}")
                .doesNotContain("Exception").doesNotContain("\tat ").doesNotContain("redis://");
        if (sessionId != null) {
            assertThat(reply.body()).doesNotContain(sessionId);
        }
    }

    /** Lettuce reconnects by itself; wait until every node serves sessions again. */
    private void restartRedisAndAwaitRecovery() {
        redis.restart();
        for (ContainerNode node : new ContainerNode[] {nodeA, nodeB}) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (true) {
                Reply reply = browser().get(node, "/counter");
                if (reply.status() == 200) {
                    break;
                }
                assertThat(System.nanoTime() - deadline).as("%s recovered after the Redis restart", node.base())
                        .isNegative();
                sleep(200);
            }
        }
    }

    // ---- 9. / 10. invalidate and changeSessionId

    @Test
    void invalidatedSessionIsGoneFromRedisAndTheCookieIsExpired() {
        Browser browser = browser();
        browser.get(nodeA, "/counter");
        String old = browser.cookie("SESSION");
        assertThat(redis.commandList("KEYS", "*")).containsExactly(keyOf(old));

        Reply invalidated = browser.post(nodeB, "/invalidate");
        assertThat(invalidated.status()).isEqualTo(200);
        assertThat(invalidated.body()).isEqualTo("invalidated");
        SetCookie expired = invalidated.setCookie("SESSION").orElseThrow();
        assertThat(expired.value()).isEmpty();
        assertThat(expired.attribute("Max-Age")).contains("0");
        assertThat(expired.attribute("Path")).contains("/");
        assertThat(redis.commandList("KEYS", "*")).isEmpty();

        Browser stale = browser().cookie("SESSION", old);
        for (ContainerNode node : new ContainerNode[] {nodeA, nodeB}) {
            Reply info = stale.get(node, "/info?create=false");
            assertThat(info.lines()).containsEntry("session", "none").containsEntry("requestedSessionIdValid", "false");
            assertThat(stale.get(node, "/attr?name=counter").body()).isEqualTo("no session");
        }
        assertThat(redis.commandList("KEYS", "*")).isEmpty();
    }

    @Test
    void changedSessionIdKeepsAttributesAndTheOldIdNoLongerWorksOnAnyNode() {
        Browser browser = browser();
        browser.post(nodeA, "/set?name=user&value=alice");
        String old = browser.cookie("SESSION");

        Reply login = browser.post(nodeB, "/login");
        String newId = login.body();
        assertThat(newId).matches(SESSION_ID).isNotEqualTo(old);
        assertThat(login.setCookie("SESSION").orElseThrow().value()).isEqualTo(newId);
        assertThat(browser.cookie("SESSION")).isEqualTo(newId);

        assertThat(browser.get(nodeA, "/attr?name=user").body()).isEqualTo("alice");
        assertThat(browser.get(nodeA, "/info?create=false").lines()).containsEntry("id", newId)
                .containsEntry("isNew", "false").containsEntry("requestedSessionIdValid", "true");
        assertThat(redis.commandList("KEYS", "*")).containsExactlyInAnyOrder(keyOf(newId), keyOf(old));
        assertThat(redis.commandMap("HGETALL", keyOf(old))).as("the old id only forwards invalidations")
                .containsOnlyKeys("#f");

        Browser stale = browser().cookie("SESSION", old);
        assertThat(stale.get(nodeA, "/attr?name=user").body()).isEqualTo("no session");
        assertThat(stale.get(nodeB, "/info?create=false").lines()).containsEntry("session", "none");
    }

    @Test
    void requestStillRunningWhenTheSessionIsInvalidatedElsewhereDoesNotBringItBack() {
        Browser browser = browser();
        browser.get(nodeA, "/counter");
        String id = browser.cookie("SESSION");

        CompletableFuture<Reply> slow = browser.sendAsync(nodeA, "POST", "/slow?name=late&value=x&sleep=400");
        sleep(150); // the slow request has loaded the session and is working
        assertThat(browser().cookie("SESSION", id).post(nodeB, "/invalidate").body()).isEqualTo("invalidated");
        assertThat(slow.join().status()).isEqualTo(200);

        assertThat(redis.commandList("KEYS", "*")).as("the late save did not resurrect the session").isEmpty();
        assertThat(browser().cookie("SESSION", id).get(nodeB, "/attr?name=late").body()).isEqualTo("no session");
    }

    @Test
    void maxInactiveIntervalSetOnOneNodeIsTheSessionsIdleTimeoutEverywhere() {
        Browser browser = browser();
        browser.get(nodeA, "/counter");
        assertThat(browser.post(nodeA, "/timeout?seconds=90").body()).isEqualTo("ok");

        assertThat(browser.get(nodeB, "/info").lines()).containsEntry("maxInactiveInterval", "90");
        assertThat(redis.commandLong("PTTL", keyOf(browser.cookie("SESSION")))).isPositive().isLessThanOrEqualTo(90_000);
    }

    // ---- 11. header transport

    @Test
    void sessionIdInAHeaderWorksAcrossNodes() throws Exception {
        try (RedisSessionStore storeOne = newStore();
                RedisSessionStore storeTwo = newStore();
                ContainerNode one = startNode(headerFilter(storeOne), Map.of());
                ContainerNode two = startNode(headerFilter(storeTwo), Map.of())) {
            Browser client = Browser.withHeader(http, "X-Session-Id");

            Reply first = client.get(one, "/counter");
            assertThat(first.body()).isEqualTo("1");
            String id = first.header("X-Session-Id").orElseThrow();
            assertThat(id).matches(SESSION_ID);
            assertThat(first.setCookies()).isEmpty();

            Reply second = client.get(two, "/counter");
            assertThat(second.body()).isEqualTo("2");
            assertThat(second.header("X-Session-Id")).as("sent only when the id is new or changed").isEmpty();
            assertThat(client.get(one, "/counter").body()).isEqualTo("3");
            assertThat(client.get(two, "/info?create=false").lines()).containsEntry("id", id)
                    .containsEntry("requestedSessionIdValid", "true");
            assertThat(redis.commandList("KEYS", "*")).containsExactly(keyOf(id));

            Reply invalidated = client.post(one, "/invalidate");
            assertThat(invalidated.header("X-Session-Id")).contains("");
            assertThat(redis.commandList("KEYS", "*")).isEmpty();
        }
    }

    private static Filter headerFilter(RedisSessionStore store) {
        return StatelessSessionFilter.builder(store).idResolver(SessionIdResolver.header()).build();
    }

    // ---- 12. key layout

    @Test
    void eachSessionIsOneHashKeyNamedByTheIdsDigestWithAnIdleTtl() {
        Browser alice = browser();
        alice.get(nodeA, "/counter");
        alice.post(nodeB, "/cart/add?sku=apple&qty=1");
        Browser bob = browser();
        bob.post(nodeB, "/set?name=user&value=bob");
        String[] ids = {alice.cookie("SESSION"), bob.cookie("SESSION")};

        List<String> keys = redis.commandList("KEYS", "*");
        assertThat(keys).containsExactlyInAnyOrder(keyOf(ids[0]), keyOf(ids[1]));
        for (String key : keys) {
            assertThat(key).matches(SESSION_KEY).doesNotContain(ids[0]).doesNotContain(ids[1]);
            assertThat(redis.command("TYPE", key)).isEqualTo("hash");
            assertThat(redis.commandLong("PTTL", key)).isPositive().isLessThanOrEqualTo(IDLE_TIMEOUT_MILLIS);
            assertThat(String.join(" ", redis.commandList("HGETALL", key))).doesNotContain(ids[0])
                    .doesNotContain(ids[1]);
        }
        assertThat(hash(ids[0])).containsKeys(".counter", ".cart");
        assertThat(hash(ids[1])).containsKey(".user").doesNotContainKeys(".counter", ".cart");
    }

    // ---- 13. / 14. codec

    @Test
    void undecodableStoredAttributeReadsAsNullStaysStoredAndIsReplacedBySetAttribute() {
        Browser browser = browser();
        browser.post(nodeA, "/set?name=note&value=hello");
        browser.get(nodeA, "/counter");
        String key = keyOf(browser.cookie("SESSION"));
        String bad = "{\"@t\":\"java.lang.ProcessBuilder\",\"garbage";
        redis.command("HSET", key, ".note", bad);

        Reply read = browser.get(nodeB, "/attr?name=note");
        assertThat(read.status()).isEqualTo(200);
        assertThat(read.body()).isEqualTo("null");
        // left for a node that can read it (another version of the app, during a rolling update)
        assertThat(redis.command("HGET", key, ".note")).as("the field no node here can read").isEqualTo(bad);
        assertThat(browser.get(nodeA, "/counter").body()).as("the rest of the session is intact").isEqualTo("2");
        browser.post(nodeB, "/set?name=note&value=again");
        assertThat(browser.get(nodeA, "/attr?name=note").body()).isEqualTo("again");
    }

    @ParameterizedTest(name = "nested={0}")
    @ValueSource(booleans = {false, true})
    void attributeOfAnUnregisteredTypeFailsAtSetAttributeNamingAttributeAndClass(boolean nested) {
        Browser browser = browser();
        browser.get(nodeA, "/counter");

        Reply refused = browser.post(nodeB, "/unregistered?name=thing&nested=" + nested);
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.body()).startsWith("UNSUPPORTED_TYPE")
                .contains("'thing'")
                .contains(LegacyServlet.Unregistered.class.getName());
        assertThat(hash(browser.cookie("SESSION"))).doesNotContainKey(".thing").containsKey(".counter");
        assertThat(browser.get(nodeA, "/counter").body()).isEqualTo("2");
    }

    // ---- 15. web.xml-style configuration

    @Test
    void filterConfiguredByInitParametersUsesItsCookieNameAndIdleTimeout() throws Exception {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("store-uri", redis.uri());
        params.put("cookie-name", "SID");
        params.put("idle-timeout", "PT10M");
        params.put("command-timeout", "PT1S");
        try (ContainerNode one = startNode(new StatelessSessionFilter(), params);
                ContainerNode two = startNode(new StatelessSessionFilter(), params)) {
            Browser browser = browser();
            Reply first = browser.get(one, "/counter");
            assertThat(first.body()).isEqualTo("1");
            assertThat(first.setCookie("SID")).isPresent();
            assertThat(first.setCookie("SESSION")).isEmpty();
            String id = browser.cookie("SID");
            assertThat(id).matches(SESSION_ID);

            assertThat(browser.get(two, "/counter").body()).isEqualTo("2");
            assertThat(browser.get(two, "/info").lines()).containsEntry("id", id)
                    .containsEntry("maxInactiveInterval", "600");
            assertThat(redis.commandList("KEYS", "*")).containsExactly(keyOf(id));
            assertThat(redis.commandLong("PTTL", keyOf(id))).isPositive().isLessThanOrEqualTo(600_000);
        }
    }

    @Test
    void aLogoutRacingAnIdChangeOnAnotherNodeAlwaysEndsTheSession() {
        int invalidatedRounds = 0;
        for (int round = 0; round < 60; round++) {
            Browser owner = browser();
            owner.post(nodeA, "/set?name=user&value=alice");
            String oldId = owner.cookie("SESSION");

            CompletableFuture<Reply> logout = Browser.withCookies(http).cookie("SESSION", oldId)
                    .sendAsync(nodeA, "POST", "/invalidate");
            CompletableFuture<Reply> login = Browser.withCookies(http).cookie("SESSION", oldId)
                    .sendAsync(nodeB, "POST", "/login");
            Reply loggedOut = logout.join();
            assertThat(loggedOut.status()).isEqualTo(200);
            Reply changed = login.join();
            assertThat(changed.status()).isEqualTo(200);

            String underOldId = Browser.withCookies(http).cookie("SESSION", oldId).get(nodeB, "/attr?name=user").body();
            String underNewId = Browser.withCookies(http).cookie("SESSION", changed.body()).get(nodeB, "/attr?name=user")
                    .body();
            assertThat(underOldId).as("round %d: the old id", round).isIn("no session", "null");
            if (loggedOut.body().equals("invalidated")) {
                // the logout had the session: nothing of it survives, whichever request came first
                assertThat(underNewId).as("round %d: the new id after a logout that saw the session", round)
                        .isIn("no session", "null");
                invalidatedRounds++;
            } else {
                // the id change was complete before the logout looked: its old id named no session any more
                assertThat(loggedOut.body()).isEqualTo("no session");
            }
        }
        System.out.printf("[%s] logout vs id change: %d of 60 logouts saw the session%n", getClass().getSimpleName(),
                invalidatedRounds);
    }

    // ---- 16. concurrent requests of one session, and accesses that never ask for it

    @Test
    void withTheLockConcurrentInPlaceChangesOnTwoNodesAreAllKept() throws Exception {
        SessionLock lock = new SessionLock(Duration.ofSeconds(30), Duration.ofSeconds(30));
        try (RedisSessionStore storeA = newStore();
                RedisSessionStore storeB = newStore();
                ContainerNode lockedA = startNode(StatelessSessionFilter.builder(storeA).lock(lock).build(), Map.of());
                ContainerNode lockedB = startNode(StatelessSessionFilter.builder(storeB).lock(lock).build(), Map.of())) {
            Browser browser = browser();
            assertThat(browser.post(lockedA, "/cart/add?sku=first&qty=1").status()).isEqualTo(200);

            List<CompletableFuture<Reply>> appends = new ArrayList<>();
            for (int n = 0; n < 20; n++) {
                appends.add(browser.sendAsync(n % 2 == 0 ? lockedA : lockedB, "POST", "/cart/add?sku=item-" + n + "&qty=1"));
            }
            for (CompletableFuture<Reply> append : appends) {
                assertThat(append.join().status()).isEqualTo(200);
            }

            String cart = browser.get(lockedB, "/cart").body();
            assertThat(cart.split(", ")).as(cart).hasSize(21);
            assertThat(hash(browser.cookie("SESSION"))).doesNotContainKeys("#l", "#lx");
        }
    }

    @Test
    void withTheLockAPathThatSkipsItNeverWaits() throws Exception {
        SessionLock lock = new SessionLock(Duration.ofSeconds(30), Duration.ZERO);
        try (RedisSessionStore store = newStore();
                ContainerNode locked = startNode(StatelessSessionFilter.builder(store).lock(lock)
                        .lockSkipPaths("/attr").build(), Map.of())) {
            Browser browser = browser();
            browser.post(locked, "/set?name=a&value=1");
            CompletableFuture<Reply> slow = browser.sendAsync(locked, "POST", "/slow?name=b&value=2&sleep=1500");
            awaitLocked(browser.cookie("SESSION"));

            assertThat(browser.get(locked, "/attr?name=a").body()).as("skips the lock").isEqualTo("1");
            Reply waiting = browser.get(locked, "/counter");
            assertThat(waiting.status()).as("takes the lock, may not wait").isEqualTo(503);
            assertThat(waiting.header("Retry-After")).contains("1");
            assertThat(waiting.header("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));

            assertThat(slow.join().status()).isEqualTo(200);
            assertThat(browser.get(locked, "/counter").body()).isEqualTo("1");
        }
    }

    /** Waits until Redis has run {@code command} since the last reset (an asynchronous touch, say). */
    private void awaitCommand(String command) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!commandCalls().containsKey(command)) {
            assertThat(System.nanoTime()).as("Redis ran %s", command).isLessThan(deadline);
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private void awaitLocked(String sessionId) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!hash(sessionId).containsKey("#l")) {
            assertThat(System.nanoTime()).as("the slow request took the lock").isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    @Test
    void aRequestThatNeverAsksForTheSessionStillRefreshesItsIdleExpiry() throws Exception {
        try (RedisSessionStore store = RedisSessionStore.builder(redis.uri()).touchInterval(Duration.ZERO).build();
                ContainerNode node = startNode(StatelessSessionFilter.builder(store).build(), Map.of())) {
            Browser browser = browser();
            browser.get(node, "/counter");
            String id = browser.cookie("SESSION");
            String accessed = lastAccess(id);
            Thread.sleep(20);

            assertThat(browser.get(node, "/nosession").body()).isEqualTo("ok");

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (lastAccess(id).equals(accessed)) {
                assertThat(System.nanoTime()).as("the session's last access moved").isLessThan(deadline);
                Thread.sleep(10);
            }
            assertThat(Long.parseLong(lastAccess(id))).isGreaterThan(Long.parseLong(accessed));
        }
    }

    // ---- helpers

    /** {@code stateless:s:{base64url(SHA-256(id))}}, computed here from the documented layout. */
    protected static String keyOf(String sessionId) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(sessionId.getBytes(StandardCharsets.US_ASCII));
            return "stateless:s:{" + Base64.getUrlEncoder().withoutPadding().encodeToString(digest) + "}";
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    protected Map<String, String> hash(String sessionId) {
        return redis.commandMap("HGETALL", keyOf(sessionId));
    }

    /** The last access (ms) in the session's {@code #m}: version:created:access:idle:expiry. */
    private String lastAccess(String sessionId) {
        return hash(sessionId).get("#m").split(":")[2];
    }

    private void resetStats() {
        assertThat(redis.command("CONFIG", "RESETSTAT")).isEqualTo("OK");
    }

    /**
     * Calls per command since the last reset, from {@code INFO commandstats}, without the test's own
     * {@code INFO} and {@code CONFIG}. Commands run by Lua scripts are counted too (Redis 6.2+).
     */
    private Map<String, Long> commandCalls() {
        Map<String, Long> calls = new TreeMap<>();
        for (String line : redis.command("INFO", "commandstats").split("\r?\n")) {
            if (!line.startsWith("cmdstat_")) {
                continue;
            }
            String name = line.substring("cmdstat_".length(), line.indexOf(':'));
            if (name.equals("info") || name.equals("config")) {
                continue;
            }
            for (String part : line.substring(line.indexOf(':') + 1).split(",")) {
                if (part.startsWith("calls=")) {
                    calls.put(name, Long.parseLong(part.substring("calls=".length())));
                }
            }
        }
        return calls;
    }

    private void report(String what, Map<String, Long> calls) {
        // a session request sends plain loads (HGETALL) and session scripts: each one round trip
        long roundTrips = calls.getOrDefault("evalsha", 0L) + calls.getOrDefault("eval", 0L)
                + calls.getOrDefault("hgetall", 0L);
        System.out.printf("[%s] %s: %d script call(s) and plain load(s) = round trip(s); calls per command (incl. "
                + "those run by the scripts) %s%n", getClass().getSimpleName(), what, roundTrips, calls);
    }

    /** What the nodes log (slf4j-simple writes to the current System.err) while {@code action} runs. */
    private static synchronized String captureStandardError(Runnable action) {
        java.io.PrintStream original = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.setErr(original);
        }
        String text = captured.toString(StandardCharsets.UTF_8);
        original.print(text);
        return text;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
