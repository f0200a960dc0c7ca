package dev.stateless.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stateless.core.session.SessionId;
import dev.stateless.core.session.SessionLock;
import dev.stateless.redis.InvalidationDelivery;
import dev.stateless.redis.RedisIdempotencyKeyStore;
import dev.stateless.redis.RedisSessionStore;
import dev.stateless.servlet.Browser.Reply;
import dev.stateless.testing.MutableClock;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Two Jetty nodes whose stores have a near cache, and whose change reports from Redis are held back
 * for the whole test: only the version the client carries ({@code SESSION_VERSION}) keeps a node
 * from answering with an older copy, and only the copy's age ({@code maxAge}, on the stores' clock)
 * bounds how long a client that carries an older version, or none, may see an older copy. The same
 * tests run on one server ({@link NearCacheSessionTest}), Sentinel ({@link SentinelNearCacheSessionTest})
 * and Cluster ({@link ClusterNearCacheSessionTest}, where Redis sends no change reports at all).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AbstractNearCacheSessionTest {

    private static final int ROUNDS = 1_000;
    /**
     * The near cache's max age in the tests of the bound, on a {@link MutableClock}: long enough in
     * real time that Caffeine's own expiry (which only frees memory) never drops a copy mid-test.
     */
    private static final Duration MAX_AGE = Duration.ofSeconds(5);
    /** Commands the set-up's own parts send (sentinel, replica, cluster bus), not the stores. */
    private static final Set<String> HOUSEKEEPING = Set.of("info", "ping", "publish", "replconf", "role");

    private HttpClient http;
    private ContainerNode nodeA;
    private ContainerNode nodeB;
    private final List<RedisSessionStore> stores = new ArrayList<>();
    /** Redis's change reports, never delivered. */
    private final ConcurrentLinkedQueue<Runnable> heldReports = new ConcurrentLinkedQueue<>();

    /** The URI of the set-up, for the stores. */
    abstract String uri();

    /** {@code INFO commandstats} of every server the stores send commands to. */
    abstract List<String> commandStats();

    /** Deletes every key. */
    abstract void flushAll();

    /** Whether Redis sends the stores change reports (client-side tracking): not on Cluster. */
    abstract boolean reportsChanges();

    /** Whether {@code key} exists, on the server that holds it. */
    abstract boolean exists(String key);

    @BeforeAll
    void startTwoNodes() throws Exception {
        http = Browser.newHttpClient();
        nodeA = JettySessionTest.jettyNode(StatelessSessionFilter.builder(nearCachedStore()).build(), Map.of());
        nodeB = JettySessionTest.jettyNode(StatelessSessionFilter.builder(nearCachedStore()).build(), Map.of());
    }

    /** A store whose copies live longer than the test: only versions protect it. */
    private RedisSessionStore nearCachedStore() {
        return nearCachedStore(Clock.systemUTC(), Duration.ofMinutes(10));
    }

    private RedisSessionStore nearCachedStore(Clock clock, Duration maxAge) {
        Executor holdBack = heldReports::add;
        RedisSessionStore store = InvalidationDelivery.through(RedisSessionStore.builder(uri())
                        .nearCache(16 * 1024 * 1024, maxAge)
                        .clock(clock)
                        .touchInterval(maxAge.compareTo(Duration.ofMinutes(1)) < 0 ? Duration.ofMillis(100)
                                : Duration.ofMinutes(1)), holdBack)
                .commandTimeout(Duration.ofSeconds(2))
                .build();
        stores.add(store);
        return store;
    }

    /** A node whose store has a near cache of {@link #MAX_AGE} on {@code clock}. */
    private ContainerNode clockedNode(MutableClock clock) throws Exception {
        return JettySessionTest.jettyNode(StatelessSessionFilter.builder(nearCachedStore(clock, MAX_AGE)).build(), Map.of());
    }

    @AfterAll
    void stopEverything() {
        AbstractSessionContainerTest.stop(stores, nodeA, nodeB);
    }

    @BeforeEach
    void emptyRedis() {
        flushAll();
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
        if (reportsChanges()) {
            assertThat(heldReports).as("change reports held back").isNotEmpty();
        }
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
        browser.get(nodeA, "/attr?name=n"); // a plain load
        for (String forged : List.of("abc", "-1", "0", "", "1e3", "99999999999999999999", "999999999999", "0x1", "1.0")) {
            browser.cookie("SESSION_VERSION", forged);
            long before = commands();
            long loads = calls("hgetall");
            Reply read = browser.get(nodeA, "/attr?name=n");
            assertThat(read.status()).as(forged).isEqualTo(200);
            assertThat(read.body()).as(forged).isEqualTo("x");
            // a plain load: one HGETALL, no script, no write
            assertThat(commands() - before).as("commands for version '%s'", forged).isEqualTo(1);
            assertThat(calls("hgetall") - loads).as("loads for version '%s'", forged).isEqualTo(1);
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

    // ---- the bound: another client of the session (a second tab) sees a write or a deletion by maxAge

    /**
     * A second tab of the session carries an older version: node B may answer it with its older copy,
     * however often it reads (each read touches the copy), but only until the copy is {@code maxAge}
     * old; then B reads Redis and the tab sees the write made on A, with no change report delivered.
     * A tab that carries no version reads Redis at once.
     */
    @Test
    void anotherTabSeesAWriteOnAnotherNodeAtTheLatestAfterMaxAge() throws Exception {
        MutableClock clock = MutableClock.startingNow();
        try (ContainerNode a = clockedNode(clock); ContainerNode b = clockedNode(clock)) {
            Browser writer = Browser.withCookies(http);
            writer.post(a, "/set?name=n&value=1");
            Browser olderTab = secondTab(writer);
            assertThat(olderTab.get(b, "/attr?name=n").body()).isEqualTo("1"); // B's copy, at version 1

            writer.post(a, "/set?name=n&value=2");
            assertThat(writer.cookie("SESSION_VERSION")).isEqualTo("2");

            for (int step = 0; step < 3; step++) {
                clock.advance(Duration.ofMillis(1500)); // 1.5, 3, 4.5 s: a touch is due at every read
                assertThat(olderTab.get(b, "/attr?name=n").body()).as("within maxAge B may answer from its copy")
                        .isEqualTo("1");
            }
            Browser tabWithoutVersion = secondTab(writer).cookie("SESSION_VERSION", null);
            assertThat(tabWithoutVersion.get(b, "/attr?name=n").body()).as("no version: read from Redis").isEqualTo("2");

            clock.advance(Duration.ofMillis(500)); // B's copy of version 1 is maxAge old
            assertThat(olderTab.get(b, "/attr?name=n").body()).isEqualTo("2");
            assertThat(olderTab.cookie("SESSION_VERSION")).isEqualTo("2");
        }
    }

    /** After a logout on A, B answers a tab that still holds the id until its copy is {@code maxAge} old, not after. */
    @Test
    void afterADeletionOnANodeTheOtherStopsServingTheSessionAtTheLatestAfterMaxAge() throws Exception {
        MutableClock clock = MutableClock.startingNow();
        try (ContainerNode a = clockedNode(clock); ContainerNode b = clockedNode(clock)) {
            Browser loggedOut = Browser.withCookies(http);
            loggedOut.post(a, "/set?name=n&value=1");
            Browser otherTab = secondTab(loggedOut);
            assertThat(otherTab.get(b, "/attr?name=n").body()).isEqualTo("1"); // B's copy

            assertThat(loggedOut.post(a, "/invalidate").body()).isEqualTo("invalidated");

            clock.advance(MAX_AGE.minusMillis(1));
            assertThat(otherTab.get(b, "/attr?name=n").body()).as("within maxAge B may answer from its copy")
                    .isEqualTo("1");
            clock.advance(Duration.ofMillis(1));
            assertThat(otherTab.get(b, "/attr?name=n").body()).isEqualTo("no session");
            assertThat(otherTab.get(a, "/attr?name=n").body()).isEqualTo("no session");
        }
    }

    /**
     * A tab that still holds the id writes on B after a logout on A, while B's copy is within {@code
     * maxAge}: the request runs on the copy, but its save finds the session gone and writes nothing,
     * so the session does not come back, on either node.
     */
    @Test
    void aStaleTabsWriteAfterADeletionDoesNotBringTheSessionBack() throws Exception {
        MutableClock clock = MutableClock.startingNow();
        try (ContainerNode a = clockedNode(clock); ContainerNode b = clockedNode(clock)) {
            Browser loggedOut = Browser.withCookies(http);
            String id = loggedOut.post(a, "/set?name=n&value=1").body();
            String key = "stateless:s:{" + SessionId.parse(id).orElseThrow().digest() + "}";
            Browser otherTab = secondTab(loggedOut);
            assertThat(otherTab.get(b, "/attr?name=n").body()).isEqualTo("1"); // B's copy
            assertThat(loggedOut.post(a, "/invalidate").body()).isEqualTo("invalidated");
            assertThat(exists(key)).isFalse();

            clock.advance(MAX_AGE.dividedBy(2));
            otherTab.post(b, "/set?name=n&value=stale");

            assertThat(exists(key)).as("the deleted session in Redis").isFalse();
            assertThat(otherTab.get(b, "/attr?name=n").body()).isEqualTo("no session");
            assertThat(secondTab(loggedOut).get(a, "/attr?name=n").body()).isEqualTo("no session");
            clock.advance(MAX_AGE);
            assertThat(secondTab(loggedOut).get(b, "/attr?name=n").body()).isEqualTo("no session");
            assertThat(exists(key)).isFalse();
        }
    }

    /** Another client of {@code browser}'s session: its id and the version it carries now. */
    private Browser secondTab(Browser browser) {
        return Browser.withCookies(http).cookie("SESSION", browser.cookie("SESSION"))
                .cookie("SESSION_VERSION", browser.cookie("SESSION_VERSION"));
    }

    // ---- locked paths

    /**
     * A path that takes the session's lock loads with it ({@code load(id, lock)}, from Redis), never
     * from the near cache: a tab carrying an older version reads the newest write on a locked path,
     * where a lock-skipping path of the same store still answers from the copy. With an {@link
     * IdempotencyFilter} in front (which starts unlocked loads ahead of the request) too: an
     * increment on a locked path builds on the newest count, not on the copy's.
     */
    @Test
    void aLockedPathNeverAnswersFromTheNearCache() throws Exception {
        SessionLock lock = new SessionLock(Duration.ofSeconds(30), Duration.ofSeconds(5));
        RedisSessionStore store = nearCachedStore();
        try (ContainerNode locked = JettySessionTest.jettyNode(StatelessSessionFilter.builder(store).lock(lock).build(),
                        Map.of());
                ContainerNode skipping = JettySessionTest.jettyNode(StatelessSessionFilter.builder(store).lock(lock)
                        .lockSkipPaths("/attr").build(), Map.of());
                RedisIdempotencyKeyStore keys = RedisIdempotencyKeyStore.builder(uri()).build();
                ContainerNode idempotent = EmbeddedJetty.start(EmbeddedJetty.context(new ServletHolder(new LegacyServlet()),
                        true, List.of(IdempotencyFilter.builder(keys).methods("GET").build(),
                                StatelessSessionFilter.builder(store).lock(lock).build())))) {
            Browser writer = Browser.withCookies(http);
            writer.post(nodeA, "/set?name=n&value=1");
            Browser olderTab = secondTab(writer);
            assertThat(olderTab.get(skipping, "/attr?name=n").body()).isEqualTo("1"); // the store's copy, at version 1
            long before = commands();
            assertThat(olderTab.get(skipping, "/attr?name=n").body()).isEqualTo("1");
            assertThat(commands() - before).as("a lock-skipping path answers from the copy").isZero();

            writer.post(nodeA, "/set?name=n&value=2");
            assertThat(olderTab.get(skipping, "/attr?name=n").body()).as("the copy, one write older").isEqualTo("1");
            for (int n = 0; n < 5; n++) {
                long loads = calls("evalsha");
                assertThat(olderTab.get(locked, "/attr?name=n").body()).as("a locked read").isEqualTo("2");
                assertThat(calls("evalsha") - loads).as("a locked read: the load that locks, the unlock").isEqualTo(2);
                olderTab.cookie("SESSION_VERSION", "1");
            }

            writer.get(nodeA, "/counter"); // counter 1, at version 3
            Browser olderCounter = secondTab(writer);
            assertThat(olderCounter.get(skipping, "/attr?name=counter").body()).isEqualTo("1"); // the copy at version 3
            writer.get(nodeA, "/counter"); // counter 2, at version 4
            HttpResponse<String> increment = http.send(HttpRequest.newBuilder(idempotent.base().resolve("/counter"))
                    .header("Cookie", "SESSION=" + writer.cookie("SESSION") + "; SESSION_VERSION=3")
                    .header("Idempotency-Key", "increment-1").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(increment.statusCode()).isEqualTo(200);
            assertThat(increment.body()).as("a locked increment, with the idempotency filter in front").isEqualTo("3");
            assertThat(secondTab(writer).cookie("SESSION_VERSION", null).get(nodeA, "/attr?name=counter").body())
                    .as("in Redis").isEqualTo("3");
        }
    }

    /** Commands Redis ran, not counting the set-up's own ({@link #HOUSEKEEPING}, cluster bus, {@code INFO}). */
    private long commands() {
        long total = 0;
        for (String stats : commandStats()) {
            for (String line : stats.split("\r?\n")) {
                if (line.startsWith("cmdstat_")) {
                    String command = line.substring("cmdstat_".length(), line.indexOf(':'));
                    if (!HOUSEKEEPING.contains(command) && !command.startsWith("cluster|")) {
                        total += count(line);
                    }
                }
            }
        }
        return total;
    }

    /** Calls of {@code command} on every server the stores send commands to. */
    private long calls(String command) {
        long total = 0;
        for (String stats : commandStats()) {
            for (String line : stats.split("\r?\n")) {
                if (line.startsWith("cmdstat_" + command + ":")) {
                    total += count(line);
                }
            }
        }
        return total;
    }

    private static long count(String statsLine) {
        String calls = statsLine.substring(statsLine.indexOf("calls=") + "calls=".length());
        return Long.parseLong(calls.substring(0, calls.indexOf(',')));
    }
}
