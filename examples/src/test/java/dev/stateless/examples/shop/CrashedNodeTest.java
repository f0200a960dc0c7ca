package dev.stateless.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import dev.stateless.examples.shop.Browser.Reply;
import dev.stateless.testing.FreePorts;
import dev.stateless.testing.RedisServer;
import dev.stateless.testing.WithRedis;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * One of three shop processes is killed with SIGKILL in the middle of steady traffic, while it runs
 * an order. Three {@code ShopMain} JVMs share one Redis and {@code SHOP_JWT_SECRET}; six logged-in
 * shoppers fill carts on random nodes and place orders with a fresh {@code Idempotency-Key} each,
 * retrying the same key on another node after any failure or {@code 409}, as a client without a
 * load balancer would. The scenario runs once, before the tests; each test checks one promise on
 * what it recorded and on what is in Redis afterwards.
 */
@WithRedis
class CrashedNodeTest {

    private static final String SECRET = "crashed-node-test-secret-0123456789abcdef"; // 41 characters
    private static final Duration STARTUP = Duration.ofSeconds(45);
    private static final Duration ORDER_DELAY = Duration.ofMillis(300);
    /** Short, so that an order whose node died runs again within the test; the heartbeat is a third of it. */
    private static final Duration LEASE = Duration.ofSeconds(3);
    private static final int SHOPPERS = 6;
    private static final Duration LOAD = Duration.ofSeconds(8);
    private static final Duration KILL_AFTER = Duration.ofSeconds(3);
    /** How long a client keeps retrying one order: the lease of a dead node, and some. */
    private static final Duration ORDER_PATIENCE = LEASE.plusSeconds(6);
    private static final String[] SKUS = {"sku-1", "sku-2", "sku-3"};

    private static RedisServer redis;
    private static final List<ShopProcess> processes = new ArrayList<>();
    private static Scenario scenario;

    @RegisterExtension
    static final TestWatcher PRINT_OUTPUT_ON_FAILURE = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            if (scenario != null) {
                scenario.print();
            }
            processes.forEach(ShopProcess::printOutput);
        }
    };

    @BeforeAll
    static void killANodeInTheMiddleOfTraffic(RedisServer started) throws Exception {
        assertThat(SECRET.getBytes(StandardCharsets.UTF_8).length).isGreaterThanOrEqualTo(32);
        redis = started;
        Set<Integer> ports = new HashSet<>();
        while (ports.size() < 3) {
            ports.add(FreePorts.loopback());
        }
        for (int port : ports) {
            processes.add(startProcess(port));
        }
        try {
            for (ShopProcess process : processes) {
                process.awaitHealthy(STARTUP);
            }
            scenario = new Scenario(processes.stream().map(ShopProcess::url).toList(), processes.get(2));
            scenario.run();
            scenario.print();
        } catch (AssertionError | RuntimeException e) {
            processes.forEach(ShopProcess::printOutput);
            throw e;
        }
    }

    @AfterAll
    static void stopEverything() {
        processes.forEach(ShopProcess::stop);
        processes.clear();
    }

    @Test
    void everyRequestToASurvivingNodeIsAnsweredWithSuccessOrARetryableRefusal() {
        assertThat(scenario.requests).as("requests sent").hasSizeGreaterThan(100);
        assertThat(scenario.requests.stream().filter(r -> r.status() >= 0 && r.status() != 200
                && r.status() != 201 && r.status() != 409).toList()).as("unexpected answers").isEmpty();
        // No answer at all only from the killed node, and only from the moment it was killed.
        assertThat(scenario.requests.stream().filter(r -> r.status() < 0)
                .filter(r -> !r.node().equals(scenario.victimNode.url()) || r.endedAt() < scenario.acquiredAt).toList())
                .as("requests without an answer, other than from the killed node after the kill").isEmpty();
        assertThat(scenario.requests.stream().filter(r -> r.status() < 0).count())
                .as("requests the dead node left without an answer").isPositive();
    }

    @Test
    void noSessionOrCartIsLost() {
        assertThat(scenario.violations).as("what shoppers saw going wrong").isEmpty();
        for (Shopper shopper : scenario.shoppers) {
            assertThat(shopper.sessionAtTheEnd).as("shopper %d's session cookie", shopper.index)
                    .isEqualTo(shopper.firstSession);
            assertThat(shopper.cartAtTheEnd).as("shopper %d's cart, read from a surviving node, against what it "
                    + "added since its last order", shopper.index).isEqualTo(shopper.cart);
        }
    }

    @Test
    void noOrderIsPlacedTwice() {
        Map<String, List<Order>> byKey = scenario.orders.stream().collect(Collectors.groupingBy(Order::note));
        assertThat(byKey.entrySet().stream().filter(e -> e.getValue().size() > 1).toList())
                .as("keys with more than one order").isEmpty();
        assertThat(byKey.keySet()).as("every order's key was sent by a client").isSubsetOf(scenario.keysSent);
        Set<String> answered = scenario.answers.stream().map(Answer::key).collect(Collectors.toSet());
        assertThat(byKey.keySet()).as("orders in Redis, by key, against the keys answered 201")
                .isEqualTo(answered);
        assertThat(scenario.unresolved).as("keys that never got a 201").isEmpty();
    }

    @Test
    void aRetryWithTheSameKeyOnAnotherNodeGetsTheOriginalAnswer() {
        Map<String, Order> orders = scenario.orders.stream()
                .collect(Collectors.toMap(Order::note, o -> o, (first, second) -> first));
        Map<String, List<Answer>> byKey = scenario.answers.stream().collect(Collectors.groupingBy(Answer::key));
        for (Map.Entry<String, List<Answer>> entry : byKey.entrySet()) {
            List<Answer> answers = entry.getValue();
            assertThat(answers.stream().filter(a -> !a.replayed()).count())
                    .as("answers that ran key %s (%s)", entry.getKey(), answers).isLessThanOrEqualTo(1);
            assertThat(answers.stream().map(Answer::body).distinct()).as("bodies answered for key %s", entry.getKey())
                    .hasSize(1);
            assertThat(orders.get(entry.getKey())).as("the order of key %s", entry.getKey()).isNotNull()
                    .extracting(Order::orderId).isEqualTo(answers.get(0).orderId());
        }
        assertThat(scenario.answers.stream().filter(a -> a.replayed() && a.node() != null).count())
                .as("replays on another node").isGreaterThan(SHOPPERS);
    }

    @Test
    void anOrderWhoseNodeDiedMidExecutionIsPlacedExactlyOnceAfterItsLeaseExpires() {
        Scenario s = scenario;
        assertThat(s.ordersOfTheVictimKeyAtTheKill).as("orders of the key when its node died (it held the key "
                + "from %d ms and died at %d ms)", s.acquiredAt, s.killedAt).isZero();
        assertThat(s.victimFirstAttempt).as("what the client of the dying node got").isInstanceOf(IOException.class);
        assertThat(s.victimRetries.stream().filter(r -> r.status() == 409).toList())
                .as("retries refused while the dead node's lease ran").isNotEmpty()
                .allSatisfy(r -> assertThat(r.millisAfterKill()).isLessThan(LEASE.plusSeconds(2).toMillis()));
        List<VictimTry> placed = s.victimRetries.stream().filter(r -> r.status() == 201).toList();
        assertThat(placed).as("retriers that got 201 (%d retried at once)", Scenario.VICTIM_RETRIERS)
                .hasSize(Scenario.VICTIM_RETRIERS);
        assertThat(placed.stream().filter(r -> !r.replayed())).as("retries that ran the order").hasSize(1);
        assertThat(placed.stream().map(VictimTry::orderId).distinct()).as("order ids answered").hasSize(1);
        assertThat(placed.stream().mapToLong(VictimTry::millisAfterKill).min().orElseThrow())
                .as("ms from the kill to the first 201").isLessThanOrEqualTo(LEASE.toMillis() + 3000);
        assertThat(s.victimRetries).as("every retry of the key answered").allSatisfy(r ->
                assertThat(r.status()).isIn(201, 409));
        List<Order> orders = s.orders.stream().filter(o -> o.note().equals(s.victimKey)).toList();
        assertThat(orders).as("orders of the key in Redis").singleElement()
                .satisfies(o -> assertThat(o.orderId()).isEqualTo(placed.get(0).orderId()))
                .satisfies(o -> assertThat(o.items()).isEqualTo(Map.of("sku-3", 2)));
        assertThat(s.victimCartAtTheEnd).as("the ordering client's cart afterwards").isEmpty();
    }

    @Test
    void anOrderWhoseNodeDiedAfterPlacingItIsNotPlacedAgainWhenItsKeyIsRetried() throws Exception {
        // The node places the order, then dies before it stores the answer or saves the session.
        Window window = dieInsideAnOrder("~shop:*");

        Reply retried = retryOnASurvivor(window);

        assertThat(window.ordersAtTheDeath()).as("orders of the key when its node died").hasSize(1);
        assertThat(retried.status()).as("%s", retried).isEqualTo(201);
        assertThat(ordersOf("alice", window.key())).as("orders of the key after the retry; the dead node's: %s",
                window.ordersAtTheDeath()).hasSize(1);
        assertThat(retried.json().path("orderId").asText()).isEqualTo(window.ordersAtTheDeath().get(0).orderId());
    }

    @Test
    void anOrderWhoseNodeDiedBeforeSavingTheSessionLeavesAnEmptyCartWhenItsKeyIsRetried() throws Exception {
        // The node places the order, then dies before it saves the session (and so before it records the answer).
        Window window = dieInsideAnOrder("~shop:* ~stateless:i:* ~stateless:r:*");

        Reply retried = retryOnASurvivor(window);
        Reply cart = window.client().get(processes.get(0).url(), "/cart");

        // The session could not be saved, so the answer was not recorded and the key was freed: the retry
        // runs the order again, finds it placed under its key, and empties the cart this time.
        assertThat(retried.status()).as("%s", retried).isEqualTo(201);
        assertThat(ordersOf("alice", window.key())).hasSize(1);
        assertThat(retried.json().path("orderId").asText()).isEqualTo(window.ordersAtTheDeath().get(0).orderId());
        assertThat(items(cart.json())).as("the cart once its order was confirmed (%s)", retried.body()).isEmpty();
    }

    /** An order of {@code client} with {@code key} whose node died inside it; the orders of the key at that moment. */
    private record Window(Browser client, String key, Object firstAttempt, List<Order> ordersAtTheDeath) {
    }

    /**
     * Starts one more node, sends it an order and freezes the node inside it: once it holds the key and
     * has read the session, Redis refuses it every key but {@code keysItKeeps} (an ACL), so it places the
     * order and fails at the next step; then it is killed, and the ACL restored. What is left in Redis is
     * what a SIGKILL at exactly that step leaves.
     */
    private static Window dieInsideAnOrder(String keysItKeeps) throws Exception {
        ShopProcess node = startProcess(FreePorts.loopback());
        processes.add(node);
        node.awaitHealthy(STARTUP);
        Browser client = new Browser();
        client.login(processes.get(0).url(), "alice");
        assertThat(client.post(node.url(), "/cart/items", "{\"sku\":\"sku-2\",\"quantity\":3}").status())
                .isEqualTo(200);
        String key = UUID.randomUUID().toString();
        String record = idempotencyRecord("alice", key);
        long scripts = redis.calls("evalsha");
        CompletableFuture<Reply> inFlight = client.orderAsync(node.url(), key, "{\"note\":\"" + key + "\"}");
        // Taking a new key is three scripts under the shop's record limit (look, count, create) and reading
        // the session one more; then the order waits for its payment.
        awaitTrue(Duration.ofSeconds(5), "the node takes the key and reads the session",
                () -> redis.commandLong("EXISTS", record) == 1 && redis.calls("evalsha") >= scripts + 4);
        List<String> acl = new ArrayList<>(List.of("ACL", "SETUSER", "default", "resetkeys"));
        acl.addAll(List.of(keysItKeeps.split(" ")));
        assertThat(redis.command(acl.toArray(String[]::new))).isEqualTo("OK");
        try {
            awaitTrue(Duration.ofSeconds(5), "the node places the order", () -> !ordersOf("alice", key).isEmpty());
            Object firstAttempt;
            try {
                firstAttempt = inFlight.get(10, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                firstAttempt = e.getCause();
            }
            List<Order> placed = ordersOf("alice", key);
            node.kill();
            return new Window(client, key, firstAttempt, placed);
        } finally {
            redis.command("ACL", "SETUSER", "default", "allkeys");
        }
    }

    /** Retries the window's key on the first node until it answers something other than 409. */
    private static Reply retryOnASurvivor(Window window) {
        long deadline = System.nanoTime() + ORDER_PATIENCE.toNanos();
        Reply reply;
        do {
            reply = window.client().order(processes.get(0).url(), window.key(), "{\"note\":\"" + window.key() + "\"}");
            if (reply.status() != 409) {
                break;
            }
            pause(200);
        } while (System.nanoTime() - deadline < 0);
        System.out.printf("key %s: first attempt %s; retried: %s%n", window.key(), window.firstAttempt(), reply);
        return reply;
    }

    private static List<Order> ordersOf(String user, String key) {
        List<Order> orders = new ArrayList<>();
        for (Map.Entry<String, String> stored : redis.commandMap("HGETALL", "shop:orders:{" + user + "}").entrySet()) {
            try {
                Order order = order(stored.getKey(), stored.getValue());
                if (order.note().equals(key)) {
                    orders.add(order);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return orders;
    }

    private static void awaitTrue(Duration within, String what, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("%s within %d s", what, within.toSeconds()).isNegative();
            pause(1);
        }
    }

    // ---- the scenario

    /** One request as a client saw it; status -1 when it got no answer. Times in ms since the load began. */
    record Request(String node, String what, long startedAt, long endedAt, int status) {
    }

    /** A 201 for an order: the first one, a retry's, or a deliberate replay ({@code node} set). */
    record Answer(String key, String orderId, String body, boolean replayed, String node) {
    }

    /** A retry of the key whose node was killed. */
    record VictimTry(int retrier, long millisAfterKill, int status, boolean replayed, String orderId) {
    }

    /** An order as {@link OrderRepository} keeps it in Redis. */
    record Order(String orderId, String user, Map<String, Integer> items, long total, String note, String node) {
    }

    /** An order as the shop stores it: the id is the hash field, the rest its JSON value. */
    private static Order order(String id, String json) throws IOException {
        Order stored = Browser.JSON.readerFor(Order.class)
                .without(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).readValue(json);
        return new Order(id, stored.user(), stored.items(), stored.total(), stored.note(), stored.node());
    }

    private static final class Scenario {
        static final int VICTIM_RETRIERS = 3;

        final List<String> nodes;
        final ShopProcess victimNode;
        final List<Shopper> shoppers = new ArrayList<>();
        final ConcurrentLinkedQueue<Request> requests = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<Answer> answers = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
        final Set<String> keysSent = java.util.concurrent.ConcurrentHashMap.newKeySet();
        final Set<String> unresolved = java.util.concurrent.ConcurrentHashMap.newKeySet();
        final ConcurrentLinkedQueue<VictimTry> victimRetries = new ConcurrentLinkedQueue<>();
        final List<Order> orders = new ArrayList<>();
        final long t0 = System.nanoTime();
        volatile boolean running = true;
        volatile long killedAt = Long.MAX_VALUE;
        long acquiredAt;
        long ordersOfTheVictimKeyAtTheKill = -1;
        String victimKey;
        Throwable victimFirstAttempt;
        Map<String, Integer> victimCartAtTheEnd;

        Scenario(List<String> nodes, ShopProcess victimNode) {
            this.nodes = nodes;
            this.victimNode = victimNode;
        }

        long now() {
            return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        }

        void run() throws Exception {
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < SHOPPERS; i++) {
                Shopper shopper = new Shopper(this, i, i % 2 == 0 ? "alice" : "bob");
                shoppers.add(shopper);
                shopper.start();
                Thread thread = new Thread(shopper, "shopper-" + i);
                thread.setDaemon(true);
                threads.add(thread);
            }
            threads.forEach(Thread::start);

            Browser victim = new Browser();
            victim.login(nodes.get(0), "alice");
            assertThat(victim.post(victimNode.url(), "/cart/items", "{\"sku\":\"sku-3\",\"quantity\":2}").status())
                    .isEqualTo(200);
            Thread.sleep(Math.max(0, KILL_AFTER.toMillis() - now()));
            killWhileRunningAnOrder(victim);
            List<Thread> retriers = retryTheVictimKey(victim);

            Thread.sleep(Math.max(0, LOAD.toMillis() - now()));
            running = false;
            for (Thread thread : threads) {
                thread.join(ORDER_PATIENCE.plusSeconds(10).toMillis());
                assertThat(thread.isAlive()).as("%s still running", thread.getName()).isFalse();
            }
            for (Thread retrier : retriers) {
                retrier.join(ORDER_PATIENCE.plusSeconds(10).toMillis());
                assertThat(retrier.isAlive()).as("%s still running", retrier.getName()).isFalse();
            }

            String survivor = nodes.get(0);
            for (Shopper shopper : shoppers) {
                Reply cart = shopper.browser.get(survivor, "/cart");
                assertThat(cart.status()).as("%s", cart).isEqualTo(200);
                shopper.cartAtTheEnd = items(cart.json());
                shopper.sessionAtTheEnd = shopper.browser.session();
            }
            victimCartAtTheEnd = items(victim.get(survivor, "/cart").json());
            for (String user : List.of("alice", "bob")) {
                for (Map.Entry<String, String> stored
                        : redis.commandMap("HGETALL", "shop:orders:{" + user + "}").entrySet()) {
                    orders.add(order(stored.getKey(), stored.getValue()));
                }
            }
        }

        /** Sends an order to the victim node and kills that JVM once the order holds its key. */
        private void killWhileRunningAnOrder(Browser victim) throws Exception {
            victimKey = UUID.randomUUID().toString();
            keysSent.add(victimKey);
            CompletableFuture<Reply> inFlight = victim.orderAsync(victimNode.url(), victimKey,
                    "{\"note\":\"" + victimKey + "\"}");
            String record = idempotencyRecord("alice", victimKey);
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (redis.commandLong("EXISTS", record) == 0) {
                assertThat(System.nanoTime() - deadline).as("the victim node did not take the key within 5 s (is "
                        + "the record still at %s?)", record).isNegative();
                Thread.sleep(1);
            }
            acquiredAt = now(); // the order now waits ORDER_DELAY for its payment before it places anything
            victimNode.kill();
            killedAt = now();
            ordersOfTheVictimKeyAtTheKill = redis.commandMap("HGETALL", "shop:orders:{alice}").values().stream()
                    .filter(json -> json.contains(victimKey)).count();
            try {
                victimFirstAttempt = new AssertionError("answered " + inFlight.get(10, TimeUnit.SECONDS));
            } catch (java.util.concurrent.ExecutionException e) {
                victimFirstAttempt = e.getCause();
            }
        }

        /** The victim and two more tabs of its session retry the key on the surviving nodes, all at once. */
        private List<Thread> retryTheVictimKey(Browser victim) {
            List<Thread> retriers = new ArrayList<>();
            List<String> survivors = nodes.stream().filter(n -> !n.equals(victimNode.url())).toList();
            for (int r = 0; r < VICTIM_RETRIERS; r++) {
                int retrier = r;
                Browser tab = r == 0 ? victim : new Browser().token(victim.token()).session(victim.session());
                Thread thread = new Thread(() -> {
                    long deadline = System.nanoTime() + ORDER_PATIENCE.toNanos();
                    int attempt = retrier;
                    while (System.nanoTime() - deadline < 0) {
                        Reply reply;
                        try {
                            reply = tab.order(survivors.get(attempt++ % survivors.size()), victimKey,
                                    "{\"note\":\"" + victimKey + "\"}");
                        } catch (UncheckedIOException e) {
                            victimRetries.add(new VictimTry(retrier, now() - killedAt, -1, false, null));
                            continue;
                        }
                        boolean replayed = reply.header("Idempotent-Replayed").isPresent();
                        String orderId = reply.status() == 201 ? reply.json().path("orderId").asText() : null;
                        victimRetries.add(new VictimTry(retrier, now() - killedAt, reply.status(), replayed, orderId));
                        if (reply.status() == 201) {
                            answers.add(new Answer(victimKey, orderId, reply.body(), replayed, null));
                            return;
                        }
                        pause(100);
                    }
                }, "victim-retrier-" + r);
                thread.setDaemon(true);
                retriers.add(thread);
                thread.start();
            }
            return retriers;
        }

        void print() {
            System.out.printf("%d requests (%d without an answer), %d orders, %d answers, %d unresolved keys, "
                            + "%d violations; key taken at %d ms, node dead at %d ms; "
                            + "victim's first attempt: %s%n",
                    requests.size(), requests.stream().filter(r -> r.status() < 0).count(), orders.size(),
                    answers.size(), unresolved.size(), violations.size(), acquiredAt, killedAt, victimFirstAttempt);
            System.out.println("statuses: " + requests.stream().collect(Collectors.groupingBy(
                    r -> r.what() + " " + r.status(), TreeMap::new, Collectors.counting())));
            System.out.println("victim retries: " + victimRetries);
            for (Shopper shopper : shoppers) {
                System.out.printf("shopper %d (%s): %d orders, %d retried after a failure, cart %s, at the end %s%n",
                        shopper.index, shopper.user, shopper.orders, shopper.retriedOrders, shopper.cart,
                        shopper.cartAtTheEnd);
            }
            violations.forEach(v -> System.out.println("violation: " + v));
        }
    }

    /** One logged-in client: adds to its cart and orders, on random nodes, retrying as described above. */
    private static final class Shopper implements Runnable {
        final Scenario scenario;
        final int index;
        final String user;
        final Browser browser = new Browser();
        /** What the shopper added since its last order: what its cart must hold. */
        final Map<String, Integer> cart = new TreeMap<>();
        String firstSession;
        String sessionAtTheEnd;
        Map<String, Integer> cartAtTheEnd;
        int orders;
        int retriedOrders;

        Shopper(Scenario scenario, int index, String user) {
            this.scenario = scenario;
            this.index = index;
            this.user = user;
        }

        void start() {
            browser.login(scenario.nodes.get(index % scenario.nodes.size()), user);
            add(scenario.nodes.get(index % scenario.nodes.size()), "sku-1", 1);
            firstSession = browser.session();
            assertThat(firstSession).as("shopper %d's session cookie", index).isNotNull();
        }

        @Override
        public void run() {
            try {
                while (scenario.running) {
                    int adds = 1 + ThreadLocalRandom.current().nextInt(2);
                    for (int i = 0; i < adds; i++) {
                        add(randomNode(), SKUS[ThreadLocalRandom.current().nextInt(SKUS.length)],
                                1 + ThreadLocalRandom.current().nextInt(3));
                    }
                    if (!cart.isEmpty()) { // both adds went unanswered by a node that died: nothing to order
                        order();
                    }
                }
            } catch (RuntimeException | AssertionError e) {
                scenario.violations.add("shopper " + index + " stopped: " + e);
            }
        }

        private void add(String node, String sku, int quantity) {
            long started = scenario.now();
            try {
                Reply reply = browser.post(node, "/cart/items",
                        "{\"sku\":\"" + sku + "\",\"quantity\":" + quantity + "}");
                record(node, "add", started, reply.status());
                if (reply.status() == 200) {
                    cart.merge(sku, quantity, Integer::sum);
                    Map<String, Integer> shown = items(reply.json());
                    if (!shown.equals(cart)) {
                        scenario.violations.add("shopper " + index + ": cart after adding " + quantity + " " + sku
                                + " on " + node + " is " + shown + ", expected " + cart);
                        cart.clear();
                        cart.putAll(shown);
                    }
                    return;
                }
                scenario.violations.add("shopper " + index + ": adding on " + node + " answered " + reply);
            } catch (UncheckedIOException e) {
                record(node, "add", started, -1);
            }
            // No answer: whether the add happened is for a surviving node to say.
            Map<String, Integer> server = readCart(node);
            Map<String, Integer> withAdd = new TreeMap<>(cart);
            withAdd.merge(sku, quantity, Integer::sum);
            if (!server.equals(cart) && !server.equals(withAdd)) {
                scenario.violations.add("shopper " + index + ": after an unanswered add the cart is " + server
                        + ", expected " + cart + " or " + withAdd);
            }
            cart.clear();
            cart.putAll(server);
        }

        private void order() {
            String key = UUID.randomUUID().toString();
            String body = "{\"note\":\"" + key + "\"}";
            scenario.keysSent.add(key);
            Map<String, Integer> expected = new TreeMap<>(cart);
            long deadline = System.nanoTime() + ORDER_PATIENCE.toNanos();
            String node = randomNode();
            boolean retried = false;
            while (System.nanoTime() - deadline < 0) {
                long started = scenario.now();
                Reply reply;
                try {
                    reply = browser.order(node, key, body);
                    record(node, "order", started, reply.status());
                } catch (UncheckedIOException e) {
                    record(node, "order", started, -1);
                    retried = true;
                    node = otherNode(node);
                    continue;
                }
                if (reply.status() == 201) {
                    Answer answer = answer(key, reply, null);
                    if (!items(reply.json().path("items")).equals(expected)) {
                        scenario.violations.add("shopper " + index + ": order " + answer.orderId() + " holds "
                                + reply.json().path("items") + ", the cart was " + expected);
                    }
                    cart.clear();
                    orders++;
                    retriedOrders += retried ? 1 : 0;
                    replayElsewhere(node, key, body);
                    return;
                }
                if (reply.status() != 409) {
                    scenario.violations.add("shopper " + index + ": order on " + node + " answered " + reply);
                }
                retried = true;
                node = otherNode(node);
                pause(200);
            }
            scenario.unresolved.add(key);
            cart.clear();
            cart.putAll(readCart(node));
        }

        /** As a client that lost the first answer would: the same request again, on another node. */
        private void replayElsewhere(String answeredBy, String key, String body) {
            String node = otherNode(answeredBy);
            for (int attempt = 0; attempt < scenario.nodes.size(); attempt++, node = otherNode(node)) {
                long started = scenario.now();
                try {
                    Reply reply = browser.order(node, key, body);
                    record(node, "replay", started, reply.status());
                    if (reply.status() == 201) {
                        answer(key, reply, node);
                    } else {
                        scenario.violations.add("shopper " + index + ": replay on " + node + " answered " + reply);
                    }
                    return;
                } catch (UncheckedIOException e) {
                    record(node, "replay", started, -1);
                }
            }
        }

        private Answer answer(String key, Reply reply, String replayedOn) {
            boolean replayed = reply.header("Idempotent-Replayed").filter("true"::equals).isPresent();
            if (replayedOn != null && !replayed) {
                scenario.violations.add("shopper " + index + ": a repeat of key " + key + " on " + replayedOn
                        + " ran again: " + reply);
            }
            Answer answer = new Answer(key, reply.json().path("orderId").asText(), reply.body(), replayed, replayedOn);
            scenario.answers.add(answer);
            return answer;
        }

        private Map<String, Integer> readCart(String failedNode) {
            String node = otherNode(failedNode);
            for (int attempt = 0; attempt < 2 * scenario.nodes.size(); attempt++, node = otherNode(node)) {
                long started = scenario.now();
                try {
                    Reply reply = browser.get(node, "/cart");
                    record(node, "cart", started, reply.status());
                    if (reply.status() == 200) {
                        return items(reply.json());
                    }
                } catch (UncheckedIOException e) {
                    record(node, "cart", started, -1);
                }
            }
            throw new AssertionError("shopper " + index + " could not read its cart from any node");
        }

        private void record(String node, String what, long started, int status) {
            scenario.requests.add(new Request(node, what, started, scenario.now(), status));
        }

        private String randomNode() {
            return scenario.nodes.get(ThreadLocalRandom.current().nextInt(scenario.nodes.size()));
        }

        private String otherNode(String node) {
            List<String> others = scenario.nodes.stream().filter(n -> !n.equals(node)).toList();
            return others.get(ThreadLocalRandom.current().nextInt(others.size()));
        }
    }

    // ---- helpers

    private static Map<String, Integer> items(JsonNode cartOrItems) {
        JsonNode items = cartOrItems.has("items") ? cartOrItems.path("items") : cartOrItems;
        return new TreeMap<>(Browser.JSON.convertValue(items, new TypeReference<LinkedHashMap<String, Integer>>() {
        }));
    }

    /**
     * Where the idempotency store keeps a key: {@code stateless:i:{SHA-256(scoped key)}}, the key scoped
     * by its owner ({@code user:} and the user's name) as {@code length:owner:key}. Lets the test see
     * the moment a node takes a key.
     */
    private static String idempotencyRecord(String user, String key) throws Exception {
        String owner = "user:" + user;
        String scoped = owner.length() + ":" + owner + ":" + key;
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(scoped.getBytes(StandardCharsets.UTF_8));
        return "stateless:i:{" + Base64.getUrlEncoder().withoutPadding().encodeToString(digest) + "}";
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }


    /** One more shop JVM on this test's Redis, with its order delay and idempotency lease. */
    private static ShopProcess startProcess(int port) throws IOException {
        return ShopProcess.start("P" + (processes.size() + 1), SECRET, redis.uri(), port,
                "--order-delay-ms", Long.toString(ORDER_DELAY.toMillis()),
                "--idempotency-lease-ms", Long.toString(LEASE.toMillis()));
    }
}
