package dev.stateless.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stateless.examples.shop.Browser.Reply;
import dev.stateless.testing.RedisExtension;
import dev.stateless.testing.RedisServer;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Redis goes away in the middle of traffic on two in-process nodes: every request is still
 * answered within the command timeout (a {@code 503} problem where Redis is needed), threads do not
 * pile up, {@code /health} keeps answering, and the nodes come back by themselves when Redis does.
 *
 * <p>Two kinds of outage: Redis stopped and restarted (the fixture keeps no data, so a restart loses
 * it) and Redis unresponsive with {@code CLIENT PAUSE} (Redis 6.2+), which keeps the data, so the
 * sessions written before can be checked afterwards.
 */
class OutageTest {

    private static final byte[] SECRET = "outage-traffic-secret-of-at-least-32-bytes".getBytes(StandardCharsets.UTF_8);
    /** The stores' default command timeout: the longest a request may wait for Redis. */
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(2);
    /** Command timeout plus a margin for the rest of the request. */
    private static final Duration ANSWER_BOUND = COMMAND_TIMEOUT.plusSeconds(1);
    private static final Duration OUTAGE = Duration.ofSeconds(3);
    private static final int CLIENTS = 8;
    private static final String TOKEN_REFUSED = "Tokens cannot be checked right now; retry shortly.";

    /** A server of each test's own (an instance field): the tests stop and pause it. */
    @RegisterExtension
    final RedisExtension redisPerTest = new RedisExtension();

    private RedisServer redis;
    private ShopNode a;
    private ShopNode b;

    /** The idempotency lease of the nodes: short, so that a key held by nobody frees soon. */
    private static final Duration LEASE = Duration.ofSeconds(3);

    @BeforeEach
    void start(RedisServer started) throws Exception {
        redis = started;
        a = new ShopNode("node-1", 0, redis.uri(), SECRET, Duration.ofMillis(200), LEASE);
        b = new ShopNode("node-2", 0, redis.uri(), SECRET, Duration.ofMillis(200), LEASE);
    }

    @AfterEach
    void stop() throws Exception {
        for (ShopNode node : new ShopNode[] {a, b}) {
            if (node != null) {
                node.close();
            }
        }
    }

    @Test
    void whileRedisIsPausedEveryRequestIsAnsweredPromptlyAndSessionsAreIntactAfterwards() throws Exception {
        // Every client is paused, the data stays: an unresponsive Redis rather than a lost one.
        Traffic traffic = throughOutage(
                () -> assertThat(redis.command("CLIENT", "PAUSE", Long.toString(OUTAGE.toMillis()), "ALL"))
                        .isEqualTo("OK"),
                () -> { }, Duration.ofSeconds(5));

        assertThat(traffic.recoveryAfterOutage()).as("time until every client was served again")
                .isLessThanOrEqualTo(COMMAND_TIMEOUT.plusSeconds(2));
        // The data survived: every cart holds what its client was told was added, plus at most the
        // adds whose save timed out but ran once Redis went on (a 503 after the session was read).
        for (Traffic.Client client : traffic.clients) {
            Reply cart = client.browser.get(a.url(), "/cart");
            assertThat(cart.status()).as("%s", cart).isEqualTo(200);
            assertThat(client.browser.session()).as("client %d keeps its session", client.index)
                    .isEqualTo(client.firstSession);
            int quantity = cart.json().path("items").path("sku-1").asInt();
            assertThat(quantity).as("client %d: %d adds answered 200, %d adds ambiguous (503 after the session "
                    + "was read)", client.index, client.added, client.ambiguous)
                    .isBetween(client.added, client.added + client.ambiguous);
        }
    }

    @Test
    void whileRedisIsDownEveryRequestIsAnsweredPromptlyAndTheNodesReconnectByThemselves() throws Exception {
        // restart: same port, empty: the fixture keeps nothing on disk
        Traffic traffic = throughOutage(redis::stop, redis::restart, Duration.ofSeconds(15));

        assertThat(traffic.recoveryAfterOutage()).as("time from the restart until every client was served again")
                .isLessThanOrEqualTo(Duration.ofSeconds(8));
        // What a restart without persistence means: the sessions are gone, the tokens still work, and
        // each client gets a new, empty session on its next request.
        for (Traffic.Client client : traffic.clients) {
            Reply cart = client.browser.get(b.url(), "/cart");
            assertThat(cart.status()).as("%s", cart).isEqualTo(200);
            assertThat(client.browser.session()).as("client %d got a new session", client.index)
                    .isNotEqualTo(client.firstSession);
            assertThat(cart.json().path("items").path("sku-1").asInt())
                    .as("client %d: only adds made after the restart", client.index)
                    .isLessThanOrEqualTo(client.addedAfterOutage);
        }
    }

    /**
     * Traffic on both nodes through an outage of {@link #OUTAGE} that {@code begin} starts and {@code
     * end} ends, until every client was served again (at most {@code serveWithin}); then what holds
     * for every outage: each request answered within the command timeout, refusals are 503
     * problems, {@code /health} answered throughout, threads bounded, and tokens refused (the
     * revocation list cannot be read) while it lasted.
     */
    private Traffic throughOutage(Runnable begin, Runnable end, Duration serveWithin) throws InterruptedException {
        Traffic traffic = Traffic.start(List.of(a.url(), b.url()));
        try {
            Thread.sleep(1500);
            traffic.outageBegins();
            begin.run();
            Thread.sleep(OUTAGE.toMillis());
            traffic.outageEnds();
            end.run();
            traffic.awaitEveryClientServed(serveWithin);
            Thread.sleep(500);
        } finally {
            traffic.stop();
        }
        traffic.print();

        traffic.assertEveryRequestAnsweredWithin(ANSWER_BOUND);
        traffic.assertRefusalsAre503Problems();
        traffic.assertHealthAnsweredThroughout();
        traffic.assertThreadsBounded();
        assertThat(traffic.during(c -> TOKEN_REFUSED.equals(c.detail()))).as("tokens refused (the revocation list "
                + "cannot be read) during the outage").isNotEmpty();
        return traffic;
    }

    @Test
    void anOrderWhileRedisIsUnresponsiveIsRefusedWith503AndNotPlaced() {
        Browser alice = loggedInWithAnOrderBehindHer();
        String key = UUID.randomUUID().toString();

        Refusal refusal = orderWhileWritesArePaused(alice, key);

        assertThat(refusal.took()).isLessThanOrEqualTo(ANSWER_BOUND);
        assertThat(refusal.reply().status()).as("%s", refusal.reply()).isEqualTo(503);
        assertThat(refusal.reply().contentType()).startsWith("application/problem+json");
        assertThat(refusal.reply().header("Retry-After")).isPresent();
        assertThat(refusal.reply().json().path("detail").asText()).contains("retry shortly with the same key");
        assertThat(redis.commandMap("HGETALL", "shop:orders:{alice}").values()).as("orders")
                .noneMatch(order -> order.contains(key)).hasSize(1);
    }

    @Test
    void anOrderRefusedWhileRedisWasUnresponsiveIsPlacedOnceWhenItsKeyIsRetriedWithinItsLease() throws Exception {
        Browser alice = loggedInWithAnOrderBehindHer();
        String key = UUID.randomUUID().toString();
        assertThat(orderWhileWritesArePaused(alice, key).reply().status()).isEqualTo(503);

        // The 503 came from a timed-out acquire that Redis may still have run once it answered again:
        // then the key is held by nobody until its lease ends (documented). Retrying the same key,
        // the client gets 409s at most that long, then the order is placed exactly once.
        List<Integer> statuses = new ArrayList<>();
        Reply placed = null;
        long deadline = System.nanoTime() + LEASE.plusSeconds(5).toNanos();
        while (placed == null && System.nanoTime() - deadline < 0) {
            Reply retry = alice.order(b.url(), key, "{\"note\":\"" + key + "\"}");
            statuses.add(retry.status());
            if (retry.status() == 201) {
                placed = retry;
            } else {
                Thread.sleep(250);
            }
        }

        assertThat(placed).as("the same key, retried for the lease once Redis answered again, answered %s; the "
                + "idempotency records are %s", statuses, redis.commandList("KEYS", "stateless:i:*").stream()
                .map(k -> redis.commandMap("HGETALL", k).toString()).toList()).isNotNull();
        assertThat(statuses).as("every answer before the order was placed").allMatch(s -> s == 409 || s == 201);
        assertThat(placed.header("Idempotent-Replayed")).isEmpty();
        assertThat(redis.commandMap("HGETALL", "shop:orders:{alice}").values()).filteredOn(o -> o.contains(key))
                .hasSize(1);
    }

    /**
     * Alice, logged in, with one order placed (so Redis knows the scripts, as on any shop that has
     * been up a while) and one item in her cart.
     */
    private Browser loggedInWithAnOrderBehindHer() {
        Browser alice = new Browser();
        alice.login(a.url(), "alice");
        assertThat(alice.post(a.url(), "/cart/items", "{\"sku\":\"sku-1\",\"quantity\":1}").status()).isEqualTo(200);
        assertThat(alice.order(a.url(), UUID.randomUUID().toString(), "{\"note\":\"first\"}").status()).isEqualTo(201);
        assertThat(alice.post(a.url(), "/cart/items", "{\"sku\":\"sku-2\",\"quantity\":1}").status()).isEqualTo(200);
        return alice;
    }

    private record Refusal(Reply reply, Duration took) {
    }

    /**
     * Sends an order while Redis holds back writes and scripts for {@link #OUTAGE} (reads go on: the
     * token check passes, the key cannot be taken), and returns once Redis answers writes again.
     */
    private Refusal orderWhileWritesArePaused(Browser client, String key) {
        return whileWritesArePaused(() -> client.order(a.url(), key, "{\"note\":\"" + key + "\"}"));
    }

    /**
     * Sends a request while Redis holds back writes and scripts for {@link #OUTAGE} (reads go on),
     * and returns its answer and how long it took once Redis answers writes again.
     */
    private Refusal whileWritesArePaused(Supplier<Reply> request) {
        assertThat(redis.command("CLIENT", "PAUSE", Long.toString(OUTAGE.toMillis()), "WRITE")).isEqualTo("OK");
        long sent = System.nanoTime();
        Reply reply = request.get();
        Duration took = Duration.ofNanos(System.nanoTime() - sent);
        redis.command("SET", "outage-test:probe", "1"); // answered once the pause is over
        return new Refusal(reply, took);
    }

    @Test
    void aCartIsStillReadWhileRedisHoldsBackWrites() {
        Browser alice = new Browser();
        alice.login(a.url(), "alice");
        assertThat(alice.post(a.url(), "/cart/items", "{\"sku\":\"sku-1\",\"quantity\":1}").status()).isEqualTo(200);

        // The token check and the session load are plain reads, which a write pause lets through; a
        // request that changes nothing sends nothing else.
        Refusal answer = whileWritesArePaused(() -> alice.get(a.url(), "/cart"));
        Reply cart = answer.reply();

        assertThat(answer.took()).isLessThanOrEqualTo(ANSWER_BOUND);
        assertThat(cart.status()).as("%s", cart).isEqualTo(200);
        assertThat(cart.json().path("items").path("sku-1").asInt()).isEqualTo(1);
    }

    @Test
    void aSessionThatCannotBeSavedIsA503ProblemNotA500() {
        Browser alice = new Browser();
        alice.login(a.url(), "alice");
        assertThat(alice.post(a.url(), "/cart/items", "{\"sku\":\"sku-1\",\"quantity\":1}").status()).isEqualTo(200);

        // The token check and the session load (reads) pass; the save (a script) waits past the
        // command timeout: Redis became unresponsive for writes during the request.
        Refusal refusal = whileWritesArePaused(
                () -> alice.post(a.url(), "/cart/items", "{\"sku\":\"sku-1\",\"quantity\":1}"));
        Reply added = refusal.reply();

        assertThat(refusal.took()).isLessThanOrEqualTo(ANSWER_BOUND);
        assertThat(added.status()).as("%s", added).isEqualTo(503);
        assertThat(added.contentType()).startsWith("application/problem+json");
        assertThat(added.header("Retry-After")).isPresent();
        // Ambiguous, as a 503 after the session was read says: the save that timed out may have run
        // once Redis went on. Either way the session is intact and the client keeps it.
        Reply cart = alice.get(a.url(), "/cart");
        assertThat(cart.status()).as("%s", cart).isEqualTo(200);
        assertThat(cart.json().path("items").path("sku-1").asInt()).isBetween(1, 2);
    }

    // ---- the traffic

    /** Client threads looping POST /cart/items and GET /cart on random nodes, with probes of health and threads. */
    private static final class Traffic {

        private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

        /** One answer (or failure: status -1) as a client saw it; times in ms since the traffic started. */
        record Call(int client, String request, long at, long millis, int status, String contentType, String detail) {
        }

        static final class Client {
            final int index;
            final Browser browser = new Browser();
            volatile String firstSession;
            volatile int added; // adds answered 200
            volatile int ambiguous; // adds refused after the session was read: the save may still have run
            volatile int addedAfterOutage;
            volatile long lastServedAt = -1;

            Client(int index) {
                this.index = index;
            }
        }

        final List<String> nodes;
        final List<Client> clients = new ArrayList<>();
        final ConcurrentLinkedQueue<Call> calls = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<Call> health = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<long[]> threadCounts = new ConcurrentLinkedQueue<>(); // {at, others, Lettuce}
        final List<Thread> workers = new ArrayList<>();
        final long t0 = System.nanoTime();
        volatile boolean running = true;
        volatile long outageStart = Long.MAX_VALUE;
        volatile long outageEnd = Long.MAX_VALUE;
        long[] threadsAfter = {0, 0, 0};
        volatile Map<String, Long> peakThreads = Map.of();
        Map<String, Long> beforeThreads = Map.of();

        private Traffic(List<String> nodes) {
            this.nodes = nodes;
        }

        static Traffic start(List<String> nodes) {
            Traffic traffic = new Traffic(nodes);
            for (int i = 0; i < CLIENTS; i++) {
                Client client = new Client(i);
                client.browser.login(nodes.get(i % nodes.size()), i % 2 == 0 ? "alice" : "bob");
                Reply first = client.browser.post(nodes.get(0), "/cart/items", "{\"sku\":\"sku-1\",\"quantity\":1}");
                assertThat(first.status()).as("%s", first).isEqualTo(200);
                client.added = 1;
                client.firstSession = client.browser.session();
                traffic.clients.add(client);
            }
            for (Client client : traffic.clients) {
                traffic.spawn("client-" + client.index, () -> traffic.loop(client));
            }
            traffic.spawn("health-probe", traffic::probeHealth);
            traffic.spawn("thread-counter", traffic::countThreads);
            return traffic;
        }

        private void spawn(String name, Runnable body) {
            Thread thread = new Thread(body, "outage-test-" + name);
            thread.setDaemon(true);
            workers.add(thread);
            thread.start();
        }

        long now() {
            return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        }

        void outageBegins() {
            beforeThreads = threadNames();
            outageStart = now();
        }

        void outageEnds() {
            outageEnd = now();
        }

        private void loop(Client client) {
            while (running) {
                String node = nodes.get(ThreadLocalRandom.current().nextInt(nodes.size()));
                Call add = call(client, node, "POST", "/cart/items", "{\"sku\":\"sku-1\",\"quantity\":1}");
                if (add.status() == 200) {
                    client.added++;
                    if (add.at() > outageEnd) {
                        client.addedAfterOutage++;
                    }
                } else if (!TOKEN_REFUSED.equals(add.detail())) {
                    client.ambiguous++;
                }
                node = nodes.get(ThreadLocalRandom.current().nextInt(nodes.size()));
                Call read = call(client, node, "GET", "/cart", null);
                if (read.status() == 200) {
                    client.lastServedAt = read.at();
                }
                pause(20);
            }
        }

        private Call call(Client client, String node, String method, String path, String body) {
            long at = now();
            long started = System.nanoTime();
            Call call;
            try {
                Reply reply = client.browser.send(node, method, path, body);
                String detail = null;
                if (reply.contentType().startsWith("application/problem+json")) {
                    detail = reply.json().path("detail").asText(null);
                }
                call = new Call(client.index, method + " " + path, at, elapsed(started), reply.status(),
                        reply.contentType(), detail);
            } catch (UncheckedIOException | AssertionError e) {
                call = new Call(client.index, method + " " + path, at, elapsed(started), -1, "", e.toString());
            }
            calls.add(call);
            return call;
        }

        private void probeHealth() {
            Browser probe = new Browser();
            while (running) {
                for (String node : nodes) {
                    long at = now();
                    long started = System.nanoTime();
                    try {
                        Reply reply = probe.get(node, "/health");
                        health.add(new Call(-1, "GET /health", at, elapsed(started), reply.status(),
                                reply.contentType(), null));
                    } catch (UncheckedIOException | AssertionError e) {
                        health.add(new Call(-1, "GET /health", at, elapsed(started), -1, "", e.toString()));
                    }
                }
                pause(100);
            }
        }

        private void countThreads() {
            int peak = 0;
            while (running) {
                long[] sample = sampleThreads(now());
                threadCounts.add(sample);
                if (sample[1] + sample[2] > peak) {
                    peak = (int) (sample[1] + sample[2]);
                    peakThreads = threadNames();
                }
                pause(50);
            }
        }

        /**
         * {@code {at, live threads outside Lettuce, Lettuce's threads}}: Lettuce's event loops start
         * lazily (a reconnecting client wakes them all) and then stay, up to a fixed size per client.
         */
        static long[] sampleThreads(long at) {
            long others = 0;
            long lettuce = 0;
            for (ThreadInfo info : THREADS.getThreadInfo(THREADS.getAllThreadIds(), 0)) {
                if (info != null && info.getThreadName().startsWith("lettuce-")) {
                    lettuce++;
                } else if (info != null) {
                    others++;
                }
            }
            return new long[] {at, others, lettuce};
        }

        /** Live threads by name with digits removed, for the report: which pool grew. */
        static Map<String, Long> threadNames() {
            return Thread.getAllStackTraces().keySet().stream().collect(Collectors.groupingBy(
                    t -> t.getName().replaceAll("\\d+", "#"), java.util.TreeMap::new, Collectors.counting()));
        }

        void awaitEveryClientServed(Duration within) {
            await(within, () -> clients.stream().allMatch(c -> c.lastServedAt > outageEnd));
        }

        void stop() throws InterruptedException {
            running = false;
            for (Thread worker : workers) {
                worker.join(TimeUnit.SECONDS.toMillis(15));
                assertThat(worker.isAlive()).as("%s still running: a request hangs", worker.getName()).isFalse();
            }
            // Threads that served the outage have a moment to end (pools shrink, reconnects settle).
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            do {
                pause(200);
                threadsAfter = sampleThreads(now());
            } while (threadsAfter[1] > threadsBefore() + 4 && System.nanoTime() - deadline < 0);
        }

        List<Call> during(java.util.function.Predicate<Call> what) {
            return calls.stream().filter(c -> c.at() >= outageStart && c.at() <= outageEnd).filter(what).toList();
        }

        Duration recoveryAfterOutage() {
            long latest = 0;
            for (Client client : clients) {
                long firstServed = calls.stream()
                        .filter(c -> c.client() == client.index && c.at() > outageEnd && c.status() == 200)
                        .mapToLong(c -> c.at() + c.millis()).min().orElse(Long.MAX_VALUE - outageEnd);
                latest = Math.max(latest, firstServed - outageEnd);
            }
            return Duration.ofMillis(latest);
        }

        /** The most threads outside Lettuce before the outage. */
        long threadsBefore() {
            return threadCounts.stream().filter(s -> s[0] < outageStart).mapToLong(s -> s[1]).max().orElse(0);
        }

        /** The most threads outside Lettuce from the outage on. */
        long threadsDuring() {
            return threadCounts.stream().filter(s -> s[0] >= outageStart).mapToLong(s -> s[1]).max().orElse(0);
        }

        long lettuceThreads() {
            return threadCounts.stream().mapToLong(s -> s[2]).max().orElse(0);
        }

        void assertEveryRequestAnsweredWithin(Duration bound) {
            List<Call> slow = calls.stream().filter(c -> c.status() < 0 || c.millis() > bound.toMillis())
                    .sorted(Comparator.comparingLong(Call::millis).reversed()).toList();
            assertThat(slow).as("requests that failed or took longer than %d ms (outage at %d..%d ms)",
                    bound.toMillis(), outageStart, outageEnd).isEmpty();
        }

        void assertRefusalsAre503Problems() {
            List<Call> wrong = calls.stream().filter(c -> c.status() != 200)
                    .filter(c -> c.status() != 503 || !c.contentType().startsWith("application/problem+json"))
                    .toList();
            assertThat(wrong).as("answers other than 200 and 503 problems (outage at %d..%d ms)", outageStart,
                    outageEnd).isEmpty();
        }

        void assertHealthAnsweredThroughout() {
            assertThat(health.stream().filter(c -> c.at() >= outageStart && c.at() <= outageEnd).count())
                    .as("health probes during the outage").isPositive();
            // Quicker than any wait for Redis could be: health does not depend on it.
            assertThat(health.stream().filter(c -> c.status() != 200 || c.millis() >= COMMAND_TIMEOUT.toMillis())
                    .toList()).as("health answers other than a 200 within the command timeout").isEmpty();
        }

        void assertThreadsBounded() {
            long before = threadsBefore();
            // A client waits for one answer at a time: at most one container thread and one HTTP
            // client thread each, whatever the outage does.
            assertThat(threadsDuring()).as("live threads (outside Lettuce) during and after the outage, %d before; "
                    + "at the peak: %s", before, peakThreads).isLessThanOrEqualTo(before + 2 * CLIENTS + 4);
            assertThat(threadsAfter[1]).as("live threads (outside Lettuce) once the traffic stopped, %d before",
                    before).isLessThanOrEqualTo(before + 4);
            // Each of the 8 Lettuce clients (4 stores per node) has at most max(2, cpus) I/O and as many
            // event-executor threads, and a timer.
            int cpus = Runtime.getRuntime().availableProcessors();
            assertThat(lettuceThreads()).as("Lettuce threads; at the peak: %s", peakThreads)
                    .isLessThanOrEqualTo(8L * (2L * Math.max(2, cpus) + 1));
        }

        void print() {
            Map<String, Long> byStatus = calls.stream().collect(Collectors.groupingBy(
                    c -> c.status() + (c.detail() == null ? "" : " " + c.detail()), Collectors.counting()));
            System.out.printf("outage %d..%d ms; %d requests; %s; slowest %d ms; threads (outside Lettuce) before %d, "
                            + "during %d, after %d; Lettuce threads %d;"
                            + " recovery %s%n", outageStart, outageEnd, calls.size(), byStatus,
                    calls.stream().mapToLong(Call::millis).max().orElse(0), threadsBefore(), threadsDuring(),
                    threadsAfter[1], lettuceThreads(), recoveryAfterOutage());
            for (Client client : clients) {
                System.out.printf("client %d: %d added, %d ambiguous%n", client.index, client.added, client.ambiguous);
            }
            System.out.println("threads before the outage: " + beforeThreads);
            System.out.println("threads at the peak:       " + peakThreads);
            calls.stream().filter(c -> c.status() != 200 && !TOKEN_REFUSED.equals(c.detail())).limit(20)
                    .forEach(c -> System.out.println("  " + c));
        }

        private static long elapsed(long started) {
            return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        }
    }

    private static void await(Duration within, BooleanSupplier condition) {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() - deadline < 0) {
            pause(50);
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
