package dev.stateless.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stateless.redis.InvalidationDelivery;
import dev.stateless.redis.RedisSessionStore;
import dev.stateless.servlet.Browser.Reply;
import dev.stateless.testing.RedisServer;
import dev.stateless.testing.WithRedis;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Two Jetty nodes whose stores have a near cache, and whose change reports from Redis are held back
 * for the whole test: only the version the client carries ({@code SESSION_VERSION}) keeps a node
 * from answering with an older copy.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@WithRedis
class NearCacheSessionTest {

    private static final int ROUNDS = 1_000;

    private RedisServer redis;
    private HttpClient http;
    private ContainerNode nodeA;
    private ContainerNode nodeB;
    private final List<RedisSessionStore> stores = new ArrayList<>();
    /** Redis's change reports, never delivered. */
    private final ConcurrentLinkedQueue<Runnable> heldReports = new ConcurrentLinkedQueue<>();

    @BeforeAll
    void startRedisAndTwoNodes(RedisServer started) throws Exception {
        redis = started;
        http = Browser.newHttpClient();
        nodeA = JettySessionTest.jettyNode(StatelessSessionFilter.builder(nearCachedStore()).build(), Map.of());
        nodeB = JettySessionTest.jettyNode(StatelessSessionFilter.builder(nearCachedStore()).build(), Map.of());
    }

    private RedisSessionStore nearCachedStore() {
        Executor holdBack = heldReports::add;
        RedisSessionStore store = InvalidationDelivery.through(RedisSessionStore.builder(redis.uri())
                        .nearCache(16 * 1024 * 1024, Duration.ofMinutes(10)) // longer than the test: only versions protect it
                        .touchInterval(Duration.ofMinutes(1)), holdBack)
                .commandTimeout(Duration.ofSeconds(1))
                .build();
        stores.add(store);
        return store;
    }

    @AfterAll
    void stopEverything() {
        AbstractSessionContainerTest.stop(stores, nodeA, nodeB);
    }

    @BeforeEach
    void emptyRedis() {
        redis.flushAll();
    }

    @Test
    void aWriteOnOneNodeIsReadOnTheOtherEveryTime() {
        Browser browser = Browser.withCookies(http);
        browser.post(nodeA, "/set?name=n&value=0");
        browser.get(nodeB, "/attr?name=n"); // both nodes hold a copy from now on
        int stale = 0;
        for (int i = 1; i <= ROUNDS; i++) {
            ContainerNode writer = i % 2 == 0 ? nodeA : nodeB;
            ContainerNode reader = writer == nodeA ? nodeB : nodeA;
            browser.post(writer, "/set?name=n&value=" + i);
            // the reader holds the copy of its own last request, one write older than Redis
            if (!browser.get(reader, "/attr?name=n").body().equals(String.valueOf(i))) {
                stale++;
            }
        }
        assertThat(stale).as("stale reads").isZero();
        assertThat(heldReports).as("change reports held back").isNotEmpty();
        assertThat(Long.parseLong(browser.cookie("SESSION_VERSION"))).isEqualTo(ROUNDS + 1);
    }

    @Test
    void aReadOnlyRequestOnAWarmNodeSendsNothingToRedis() {
        Browser browser = Browser.withCookies(http);
        browser.post(nodeA, "/set?name=n&value=x");
        assertThat(browser.cookie("SESSION_VERSION")).isEqualTo("1");
        browser.get(nodeA, "/attr?name=n"); // a store's first such read starts its change reports
        long before = commands();
        for (int i = 0; i < 20; i++) {
            Reply read = browser.get(nodeA, "/attr?name=n");
            assertThat(read.body()).isEqualTo("x");
            assertThat(read.setCookies()).as("nothing changed for the client").isEmpty();
        }
        assertThat(commands() - before).as("Redis commands for 20 warm reads").isZero();
    }

    @Test
    void aForgedOrMalformedVersionCostsOnlyARedisRead() {
        Browser browser = Browser.withCookies(http);
        browser.post(nodeA, "/set?name=n&value=x");
        browser.cookie("SESSION_VERSION", null);
        browser.get(nodeA, "/attr?name=n"); // a plain load: Redis holds the load script from now on
        for (String forged : List.of("abc", "-1", "0", "", "1e3", "99999999999999999999", "999999999999", "0x1", "1.0")) {
            browser.cookie("SESSION_VERSION", forged);
            long before = commands();
            long loads = redis.calls("evalsha");
            Reply read = browser.get(nodeA, "/attr?name=n");
            assertThat(read.status()).as(forged).isEqualTo(200);
            assertThat(read.body()).as(forged).isEqualTo("x");
            // Redis counts the commands a script runs too: the load script and its HGETALL, no write
            assertThat(commands() - before).as("commands for version '%s'", forged).isEqualTo(2);
            assertThat(redis.calls("evalsha") - loads).as("load scripts for version '%s'", forged).isEqualTo(1);
            assertThat(browser.cookie("SESSION_VERSION")).as("the real version is sent back").isEqualTo("1");
        }
    }

    @Test
    void withAHeaderResolverTheVersionTravelsInAHeader() throws Exception {
        try (ContainerNode node = JettySessionTest.jettyNode(StatelessSessionFilter.builder(nearCachedStore())
                .idResolver(SessionIdResolver.header()).build(), Map.of())) {
            HttpResponse<String> created = http.send(HttpRequest.newBuilder(node.base().resolve("/set?name=n&value=x"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            String id = created.headers().firstValue("X-Session-Id").orElseThrow();
            assertThat(created.headers().firstValue("X-Session-Id-Version")).contains("1");
            HttpRequest read = HttpRequest.newBuilder(node.base().resolve("/attr?name=n"))
                    .header("X-Session-Id", id).header("X-Session-Id-Version", "1").build();
            http.send(read, HttpResponse.BodyHandlers.ofString()); // the store's first one starts its change reports
            long before = commands();
            HttpResponse<String> warm = http.send(read, HttpResponse.BodyHandlers.ofString());
            assertThat(warm.body()).isEqualTo("x");
            assertThat(commands() - before).as("Redis commands for a warm read").isZero();
            HttpResponse<String> forged = http.send(HttpRequest.newBuilder(node.base().resolve("/attr?name=n"))
                    .header("X-Session-Id", id).header("X-Session-Id-Version", "x1").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(forged.statusCode()).isEqualTo(200);
            assertThat(forged.body()).isEqualTo("x");
            assertThat(forged.headers().firstValue("X-Session-Id-Version")).contains("1");
        }
    }

    /** Commands Redis ran, not counting the {@code INFO} calls that read the figure. */
    private long commands() {
        long total = 0;
        for (String line : redis.command("INFO", "commandstats").split("\r?\n")) {
            if (line.startsWith("cmdstat_") && !line.startsWith("cmdstat_info:")) {
                String calls = line.substring(line.indexOf("calls=") + "calls=".length());
                total += Long.parseLong(calls.substring(0, calls.indexOf(',')));
            }
        }
        return total;
    }
}
