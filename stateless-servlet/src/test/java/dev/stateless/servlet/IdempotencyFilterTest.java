package dev.stateless.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stateless.core.StoreUnavailableException;
import dev.stateless.core.idempotency.Acquisition;
import dev.stateless.redis.RedisIdempotencyKeyStore;
import dev.stateless.testing.RedisServer;
import dev.stateless.testing.WithRedis;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.MultipartConfigElement;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.Part;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.Principal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a client of {@link IdempotencyFilter} observes over real HTTP: two embedded Jetty 12 nodes,
 * each with its own {@link RedisIdempotencyKeyStore} on one shared, real Redis, serve an order
 * endpoint ({@link OrdersServlet}) that counts how often it really ran. Tests that need another
 * configuration start their own node. Redis is emptied before each test.
 */
@WithRedis
class IdempotencyFilterTest {

    private static final String KEY = "Idempotency-Key";
    /** The {@code X-User} of a client without a user. */
    static final String ANONYMOUS = "-";
    private static final String REPLAYED = "Idempotent-Replayed";
    private static final String PROBLEM = "application/problem+json";
    private static final Pattern RECORD_KEY = Pattern.compile("stateless:i:\\{[A-Za-z0-9_-]{43}\\}");
    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final Duration RETENTION = Duration.ofMinutes(10);

    private static RedisServer redis;
    private static HttpClient http;
    private static Node nodeA;
    private static Node nodeB;
    private static final OrdersServlet orders = new OrdersServlet();
    private final List<Node> extraNodes = new ArrayList<>();

    @BeforeAll
    static void startRedisAndTwoNodes(RedisServer started) throws Exception {
        redis = started;
        http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        nodeA = Node.start(LEASE, b -> b);
        nodeB = Node.start(LEASE, b -> b);
        // Connect both stores now, so that no scenario depends on how a store makes its first connection.
        awaitStores(nodeA, nodeB);
    }

    @AfterAll
    static void stopNodesAndRedis() {
        if (nodeA != null) {
            nodeA.close();
        }
        if (nodeB != null) {
            nodeB.close();
        }
    }

    @BeforeEach
    void emptyRedis() {
        if (!redis.isRunning()) {
            redis.restart();
            awaitStores(nodeA, nodeB);
        }
        redis.flushAll();
    }

    @AfterEach
    void stopExtraNodes() {
        extraNodes.forEach(Node::close);
        extraNodes.clear();
    }

    private Node startNode(Duration lease, UnaryOperator<IdempotencyFilter.Builder> config) throws Exception {
        Node node = Node.start(lease, config);
        extraNodes.add(node);
        return node;
    }

    // ---- replay

    @Test
    void aRepeatGetsTheFirstAnswerByteForByteMarkedReplayedAndTheHandlerRunsOnce() {
        String key = newKey();
        String body = newBody();

        Reply first = post(nodeA, "/orders", key, body);
        Reply repeat = post(nodeB, "/orders", key, body);

        assertThat(first.status()).isEqualTo(201);
        assertThat(first.header("Location")).matches("/orders/\\d+");
        assertThat(first.header("Content-Type")).startsWith("application/json");
        assertThat(first.text()).contains("\"orderId\":\"");
        assertThat(first.header(REPLAYED)).isNull();

        assertThat(repeat.status()).isEqualTo(201);
        assertThat(repeat.header("Location")).isEqualTo(first.header("Location"));
        assertThat(repeat.header("Content-Type")).isEqualTo(first.header("Content-Type"));
        assertThat(repeat.body()).isEqualTo(first.body());
        assertThat(repeat.header(REPLAYED)).isEqualTo("true");
        assertThat(orders.executions(body)).isEqualTo(1);

        String recordKey = recordKeyOf("tester", key);
        assertThat(redis.commandList("KEYS", "*")).containsExactly(recordKey);
        assertThat(recordKey).matches(RECORD_KEY).doesNotContain(key);
        assertThat(redis.command("HGET", recordKey, "s")).isEqualTo("c");
        assertThat(redis.commandLong("PTTL", recordKey)).isPositive().isLessThanOrEqualTo(RETENTION.toMillis());
    }

    @Test
    void anAnswerWrittenThroughTheWriterIsStoredAndReplayedAsTheSameUtf8Bytes() {
        String key = newKey();
        String body = newBody();

        Reply first = post(nodeA, "/orders?writer=true", key, body);
        Reply repeat = post(nodeB, "/orders?writer=true", key, body);

        assertThat(first.status()).isEqualTo(201);
        assertThat(first.text()).contains("Grüße €");
        assertThat(repeat.body()).isEqualTo(first.body());
        assertThat(repeat.header(REPLAYED)).isEqualTo("true");
        assertThat(orders.executions(body)).isEqualTo(1);
    }

    @Test
    void anAnswerSentWithSendErrorIsReplayedAsTheClientFirstSawIt() {
        String key = newKey();
        String body = newBody();

        Reply first = post(nodeA, "/reject", key, body);
        Reply repeat = post(nodeB, "/reject", key, body);

        assertThat(first.status()).isEqualTo(409);
        assertThat(orders.executions(body)).isEqualTo(1);
        assertThat(repeat.status()).isEqualTo(409);
        assertThat(repeat.header(REPLAYED)).isEqualTo("true");
        assertThat(repeat.header("Content-Type")).as("Content-Type of the replay").isEqualTo(first.header("Content-Type"));
        assertThat(repeat.text()).as("body of the replay").isEqualTo(first.text());
    }

    @Test
    void anAsynchronousAnswerReachesTheClientAndIsTheOneReplayed() {
        String key = newKey();
        String body = newBody();

        Reply first = post(nodeA, "/async", key, body);
        Reply repeat = post(nodeB, "/async", key, body);

        assertThat(orders.executions(body)).isEqualTo(1);
        assertThat(first.status()).as("status the client got").isEqualTo(201);
        assertThat(first.text()).contains("\"orderId\":\"");
        assertThat(repeat.status()).isEqualTo(201);
        assertThat(repeat.body()).isEqualTo(first.body());
    }

    @Test
    void anAsynchronousAnswerWrittenToTheResponseOfItsAsyncContextIsTheOneReplayed() {
        // startAsync() without arguments: the container's context would hand out its unwrapped response,
        // whose bytes the filter never sees; a retry then replayed an empty 201
        assertRunsOnceAndTheRetryReplaysTheCreatedOrder("/async?viaContext=true");
    }

    @Test
    void anAnswerWrittenInAnAsyncDispatchIsTheOneReplayed() {
        // the container dispatches the request and response the cycle started with: were they its
        // unwrapped ones, the filter would record an empty 201
        assertRunsOnceAndTheRetryReplaysTheCreatedOrder("/async?dispatched=true");
    }

    @Test
    void anAnswerATimeoutListenerWritesThroughItsEventsContextIsTheOneReplayed() {
        // the container's context in the event would hand out its unwrapped response, and complete
        // without recording first (the retry got 409 "in progress")
        assertRunsOnceAndTheRetryReplaysTheCreatedOrder("/async?onTimeout=true");
    }

    /** A POST to {@code path} on node A, then its retry on node B: one order, the same 201 replayed. */
    private void assertRunsOnceAndTheRetryReplaysTheCreatedOrder(String path) {
        String key = newKey();
        String body = newBody();

        Reply first = post(nodeA, path, key, body);
        Reply repeat = post(nodeB, path, key, body);

        assertThat(orders.executions(body)).isEqualTo(1);
        assertThat(first.status()).isEqualTo(201);
        assertThat(first.text()).contains("\"orderId\":\"");
        assertThat(repeat.status()).isEqualTo(201);
        assertThat(repeat.header(REPLAYED)).isEqualTo("true");
        assertThat(repeat.header("Location")).isEqualTo(first.header("Location"));
        assertThat(repeat.body()).isEqualTo(first.body());
    }

    @Test
    void anAsynchronousAnswerIsRecordedBeforeItReachesTheClientSoTheNextRequestReplaysIt() {
        // The application's own completion listener is still busy when the client has its answer:
        // the record must not wait for it (it did, and the immediate retry got 409 "in progress").
        assertRecordedBeforeTheAppsCompletionListenerReturns("/async?busy=true");
    }

    @Test
    void anAnswerWrittenInAnAsyncDispatchIsRecordedBeforeItReachesTheClient() {
        // the dispatch ends the cycle without a complete(): the filter records at its end, as the
        // container would otherwise send the answer and only then run the completion listeners
        assertRecordedBeforeTheAppsCompletionListenerReturns("/async?busy=true&dispatched=true");
    }

    private void assertRecordedBeforeTheAppsCompletionListenerReturns(String path) {
        String key = newKey();
        String body = newBody();
        completionListenerMayReturn = new CountDownLatch(1);
        try {
            Reply first = post(nodeA, path, key, body);
            Reply repeat = post(nodeB, path, key, body);

            assertThat(first.status()).isEqualTo(201);
            assertThat(repeat.status()).as("the retry right after the answer").isEqualTo(201);
            assertThat(repeat.header(REPLAYED)).isEqualTo("true");
            assertThat(repeat.body()).isEqualTo(first.body());
            assertThat(orders.executions(body)).isEqualTo(1);
        } finally {
            completionListenerMayReturn.countDown();
        }
    }

    @Test
    void aMultipartUploadWithAKeyReachesTheApplicationIntactAndIsReplayed() {
        String key = newKey();
        String content = "invoice " + UUID.randomUUID();
        String multipart = "--XYZ\r\nContent-Disposition: form-data; name=\"doc\"; filename=\"a.txt\"\r\n"
                + "Content-Type: text/plain\r\n\r\n" + content + "\r\n--XYZ--\r\n";
        Reply unkeyed = send(HttpRequest.newBuilder(nodeA.uri("/upload"))
                .header("Content-Type", "multipart/form-data; boundary=XYZ")
                .POST(HttpRequest.BodyPublishers.ofString(multipart)));
        assertThat(unkeyed.status()).as("the upload works without the filter's involvement").isEqualTo(201);
        assertThat(unkeyed.text()).isEqualTo("doc=" + content);

        Reply first = send(HttpRequest.newBuilder(nodeA.uri("/upload")).header(KEY, key)
                .header("Content-Type", "multipart/form-data; boundary=XYZ")
                .POST(HttpRequest.BodyPublishers.ofString(multipart)));
        Reply repeat = send(HttpRequest.newBuilder(nodeB.uri("/upload")).header(KEY, key)
                .header("Content-Type", "multipart/form-data; boundary=XYZ")
                .POST(HttpRequest.BodyPublishers.ofString(multipart)));

        assertThat(first.status()).isEqualTo(201);
        assertThat(first.text()).isEqualTo("doc=" + content);
        assertThat(repeat.header(REPLAYED)).isEqualTo("true");
        assertThat(repeat.body()).isEqualTo(first.body());
    }

    // ---- concurrency

    @Test
    void aFreshNodeAnswersABurstOfRequestsWithoutSpurious503() throws Exception {
        Node fresh = startNode(LEASE, b -> b); // its store has not connected to Redis yet
        int clients = 32;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            CountDownLatch ready = new CountDownLatch(clients);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Reply>> replies = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                replies.add(pool.submit(() -> {
                    ready.countDown();
                    go.await();
                    return post(fresh, "/orders", newKey(), newBody());
                }));
            }
            assertThat(ready.await(10, TimeUnit.SECONDS)).isTrue();
            go.countDown();
            List<Integer> statuses = new ArrayList<>();
            for (Future<Reply> reply : replies) {
                statuses.add(reply.get(30, TimeUnit.SECONDS).status());
            }

            System.out.printf("[fresh node burst] %d clients: %d x 201, %d x 503%n", clients,
                    statuses.stream().filter(st -> st == 201).count(), statuses.stream().filter(st -> st == 503).count());
            assertThat(statuses).containsOnly(201);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void concurrentDuplicatesOnTwoNodesRunTheHandlerOnceAndGetTheAnswerOrAConflict() throws Exception {
        int clients = 64;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            for (int round = 1; round <= 5; round++) {
                String key = newKey();
                String body = newBody();
                CountDownLatch ready = new CountDownLatch(clients);
                CountDownLatch go = new CountDownLatch(1);
                List<Future<Reply>> replies = new ArrayList<>();
                for (int i = 0; i < clients; i++) {
                    Node node = i % 2 == 0 ? nodeA : nodeB;
                    replies.add(pool.submit(() -> {
                        ready.countDown();
                        go.await();
                        return post(node, "/orders?delay=300", key, body);
                    }));
                }
                assertThat(ready.await(10, TimeUnit.SECONDS)).isTrue();
                go.countDown();
                List<Reply> answers = new ArrayList<>();
                for (Future<Reply> reply : replies) {
                    answers.add(reply.get(30, TimeUnit.SECONDS));
                }

                assertThat(orders.executions(body)).as("executions in round %d", round).isEqualTo(1);
                List<Reply> created = answers.stream().filter(r -> r.status() == 201).toList();
                List<Reply> conflicts = answers.stream().filter(r -> r.status() == 409).toList();
                assertThat(created.size() + conflicts.size()).as("201 or 409 in round %d", round).isEqualTo(clients);
                assertThat(created).filteredOn(r -> r.header(REPLAYED) == null).hasSize(1);
                byte[] answer = created.get(0).body();
                assertThat(created).allSatisfy(r -> assertThat(r.body()).isEqualTo(answer));
                assertThat(conflicts).allSatisfy(r -> {
                    assertThat(r.header("Content-Type")).startsWith(PROBLEM);
                    assertThat(r.header("Retry-After")).matches("[1-9]\\d*");
                    assertThat(r.text()).contains("\"status\":409");
                });
                System.out.printf("[concurrency] round %d: %d clients, %d x 201 (%d replayed), %d x 409, executions=%d%n",
                        round, clients, created.size(), created.size() - 1, conflicts.size(), orders.executions(body));

                Reply later = post(nodeB, "/orders?delay=300", key, body);
                assertThat(later.status()).isEqualTo(201);
                assertThat(later.body()).isEqualTo(answer);
                assertThat(orders.executions(body)).isEqualTo(1);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- fingerprints

    @Test
    void theSameKeyWithAnotherBodyIsRefusedWith422AndDoesNotRun() {
        String key = newKey();
        String body = newBody();
        String other = newBody();
        assertThat(post(nodeA, "/orders", key, body).status()).isEqualTo(201);

        Reply reused = post(nodeB, "/orders", key, other);

        assertProblem(reused, 422);
        assertThat(orders.executions(other)).isZero();
        assertThat(orders.executions(body)).isEqualTo(1);
        assertThat(post(nodeA, "/orders", key, body).header(REPLAYED)).isEqualTo("true");
    }

    @Test
    void theSameKeyOnAnotherPathOrWithAnotherQueryIsRefusedWith422() {
        String key = newKey();
        String body = newBody();
        assertThat(post(nodeA, "/orders", key, body).status()).isEqualTo(201);
        int before = orders.total();

        assertProblem(post(nodeA, "/orders/express", key, body), 422);
        assertProblem(post(nodeB, "/orders?priority=high", key, body), 422);

        assertThat(orders.total()).isEqualTo(before);
        assertThat(orders.executions(body)).isEqualTo(1);
    }

    @Test
    void theSameKeyWhileTheFirstStillRunsWithAnotherBodyIsRefusedWith422() throws Exception {
        String key = newKey();
        String body = newBody();
        CompletableFuture<Reply> first = CompletableFuture.supplyAsync(() -> post(nodeA, "/orders?delay=500", key, body));
        awaitExecutions(body, 1);

        assertProblem(post(nodeB, "/orders?delay=500", key, newBody()), 422);

        assertThat(first.get(10, TimeUnit.SECONDS).status()).isEqualTo(201);
    }

    // ---- what is stored

    @Test
    void aServerErrorIsNotStoredSoARetryRunsAgain() {
        String key = newKey();
        String body = newBody();

        Reply failed = post(nodeA, "/fail", key, body);
        Reply retried = post(nodeB, "/fail", key, body);
        Reply repeated = post(nodeA, "/fail", key, body);

        assertThat(failed.status()).isEqualTo(500);
        assertThat(failed.header(REPLAYED)).isNull();
        assertThat(retried.status()).isEqualTo(201);
        assertThat(retried.header(REPLAYED)).isNull();
        assertThat(repeated.status()).isEqualTo(201);
        assertThat(repeated.header(REPLAYED)).isEqualTo("true");
        assertThat(repeated.body()).isEqualTo(retried.body());
        assertThat(orders.executions(body)).isEqualTo(2);
    }

    @Test
    void aClientErrorIsStoredAndReplayed() {
        String key = newKey();
        String body = newBody();

        Reply first = post(nodeA, "/bad", key, body);
        Reply repeat = post(nodeB, "/bad", key, body);

        assertThat(first.status()).isEqualTo(400);
        assertThat(first.header(REPLAYED)).isNull();
        assertThat(repeat.status()).isEqualTo(400);
        assertThat(repeat.header(REPLAYED)).isEqualTo("true");
        assertThat(repeat.body()).isEqualTo(first.body());
        assertThat(repeat.header("Content-Type")).isEqualTo(first.header("Content-Type"));
        assertThat(orders.executions(body)).isEqualTo(1);
        assertThat(redis.command("HGET", recordKeyOf("tester", key), "s")).isEqualTo("c");
    }

    @Test
    void anExceptionReleasesTheKeySoARetryRunsAgain() {
        String key = newKey();
        String body = newBody();

        Reply first = post(nodeA, "/boom", key, body);
        assertThat(first.status()).isEqualTo(500);
        assertThat(redis.command("HGET", recordKeyOf("tester", key), "s")).isEqualTo("r");

        Reply retry = post(nodeB, "/boom", key, body);
        assertThat(retry.status()).isEqualTo(500);
        assertThat(retry.header(REPLAYED)).isNull();
        assertThat(orders.executions(body)).isEqualTo(2);
    }

    @Test
    void aHeaderThatIsNotConfiguredToBeStoredIsNotReplayed() {
        String key = newKey();
        String body = newBody();

        Reply first = post(nodeA, "/orders", key, body);
        Reply repeat = post(nodeB, "/orders", key, body);

        assertThat(first.header("X-Handled-By")).isNotNull();
        assertThat(repeat.header("X-Handled-By")).isNull();
        assertThat(repeat.body()).isEqualTo(first.body());
    }

    // ---- body limits

    @Test
    void aBodyOverTheLimitIsRefusedWith413AndNothingIsStored() throws Exception {
        Node small = startNode(LEASE, b -> b.maxBodySize(1024));
        String key = newKey();
        String big = bodyOfSize(2048);

        Reply declared = post(small, "/orders", key, big);

        assertProblem(declared, 413);
        assertThat(orders.executions(big)).isZero();
        assertThat(redis.commandLong("DBSIZE")).isZero();
    }

    @Test
    void aChunkedBodyOverTheLimitIsRefusedWith413AndNothingIsStored() throws Exception {
        Node small = startNode(LEASE, b -> b.maxBodySize(1024));
        String key = newKey();
        String big = bodyOfSize(4096);

        Reply chunked = send(HttpRequest.newBuilder(small.uri("/orders"))
                .header(KEY, key)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(
                        () -> new ByteArrayInputStream(big.getBytes(StandardCharsets.UTF_8)))));

        assertProblem(chunked, 413);
        assertThat(orders.executions(big)).isZero();
        assertThat(redis.commandLong("DBSIZE")).isZero();
    }

    @Test
    void aBodyOfExactlyTheLimitIsAcceptedAlsoWhenChunked() throws Exception {
        Node small = startNode(LEASE, b -> b.maxBodySize(1024));
        String body = bodyOfSize(1024);

        assertThat(post(small, "/orders", newKey(), body).status()).isEqualTo(201);
        Reply chunked = send(HttpRequest.newBuilder(small.uri("/orders"))
                .header(KEY, newKey())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(
                        () -> new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)))));
        assertThat(chunked.status()).isEqualTo(201);
        assertThat(orders.executions(body)).isEqualTo(2);
    }

    @Test
    void aChunkedFormBodyOverTheLimitIsRefusedWith413LikeAnyOtherBody() throws Exception {
        Node small = startNode(LEASE, b -> b.maxBodySize(1024));
        String form = "item=" + UUID.randomUUID() + "&pad=" + "x".repeat(4096);
        int before = orders.total();

        Reply declared = send(HttpRequest.newBuilder(small.uri("/orders"))
                .header(KEY, newKey())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)));
        Reply chunked = send(HttpRequest.newBuilder(small.uri("/orders"))
                .header(KEY, newKey())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofInputStream(
                        () -> new ByteArrayInputStream(form.getBytes(StandardCharsets.UTF_8)))));

        assertProblem(declared, 413);
        assertProblem(chunked, 413);
        assertThat(orders.total()).isEqualTo(before);
        assertThat(redis.commandLong("DBSIZE")).isZero();
    }

    // ---- missing and malformed keys

    @Test
    void aRequiredKeyThatIsMissingIs400AndDoesNotRun() throws Exception {
        Node strict = startNode(LEASE, b -> b.required(true));
        String body = newBody();

        Reply missing = post(strict, "/orders", null, body);

        assertProblem(missing, 400);
        assertThat(orders.executions(body)).isZero();
        assertThat(redis.commandLong("DBSIZE")).isZero();
    }

    @Test
    void anOptionalKeyThatIsMissingRunsTheRequestEveryTimeUnprotected() {
        String body = newBody();

        Reply first = post(nodeA, "/orders", null, body);
        Reply second = post(nodeA, "/orders", null, body);

        assertThat(first.status()).isEqualTo(201);
        assertThat(second.status()).isEqualTo(201);
        assertThat(second.header(REPLAYED)).isNull();
        assertThat(second.body()).isNotEqualTo(first.body());
        assertThat(orders.executions(body)).isEqualTo(2);
        assertThat(redis.commandLong("DBSIZE")).isZero();
    }

    @Test
    void malformedKeysAre400AndStoreNothing() {
        List<List<String>> malformed = List.of(
                List.of(""),
                List.of("\"\""),
                List.of("a".repeat(300)),
                List.of("\"" + "a".repeat(256) + "\""),
                List.of("\"abc"),
                List.of("\"abc\"def"),
                List.of("ab c"),
                List.of("ab\tc"),
                List.of("ab\"c"),
                List.of("\"a\\bc\""),
                List.of("abc", "abc"),
                List.of("abc", "def"));
        for (List<String> values : malformed) {
            String body = newBody();
            HttpRequest.Builder request = HttpRequest.newBuilder(nodeA.uri("/orders"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body));
            values.forEach(v -> request.header(KEY, v));

            Reply reply = send(request);

            assertThat(reply.status()).as("status for %s", values).isEqualTo(400);
            assertThat(reply.header("Content-Type")).as("type for %s", values).startsWith(PROBLEM);
            assertThat(orders.executions(body)).as("executions for %s", values).isZero();
        }
        assertThat(redis.commandLong("DBSIZE")).isZero();
    }

    @Test
    void keysWithControlOrNonAsciiCharactersAre400AndStoreNothing() {
        // HttpClient refuses to send these, so they go over a plain socket.
        List<byte[]> malformed = List.of(
                "\u0001abc".getBytes(StandardCharsets.ISO_8859_1),
                "ab\u007fc".getBytes(StandardCharsets.ISO_8859_1),
                "cl\u00e9".getBytes(StandardCharsets.ISO_8859_1),
                "cl\u00e9".getBytes(StandardCharsets.UTF_8),
                "\"ab\u0001c\"".getBytes(StandardCharsets.ISO_8859_1));
        for (byte[] value : malformed) {
            String body = newBody();

            int status = rawPost(nodeA, value, body);

            String shown = Base64.getEncoder().encodeToString(value);
            assertThat(status).as("status for base64 %s", shown).isEqualTo(400);
            assertThat(orders.executions(body)).as("executions for base64 %s", shown).isZero();
        }
        assertThat(redis.commandLong("DBSIZE")).isZero();
    }

    @Test
    void aQuotedKeyAndTheSameBareKeyNameTheSameKey() {
        String bare = "abc-" + UUID.randomUUID();
        String body = newBody();

        Reply quoted = post(nodeA, "/orders", "\"" + bare + "\"", body);
        Reply plain = post(nodeB, "/orders", bare, body);

        assertThat(quoted.status()).isEqualTo(201);
        assertThat(plain.status()).isEqualTo(201);
        assertThat(plain.header(REPLAYED)).isEqualTo("true");
        assertThat(plain.body()).isEqualTo(quoted.body());
        assertThat(orders.executions(body)).isEqualTo(1);
        assertThat(redis.commandList("KEYS", "*")).containsExactly(recordKeyOf("tester", bare));
    }

    @Test
    void aQuotedKeyMayCarryEscapedQuotesAndBackslashes() {
        String body = newBody();
        String key = "a\"b\\c-" + UUID.randomUUID();
        String header = "\"" + key.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";

        Reply first = post(nodeA, "/orders", header, body);
        Reply repeat = post(nodeB, "/orders", header, body);

        assertThat(first.status()).isEqualTo(201);
        assertThat(repeat.header(REPLAYED)).isEqualTo("true");
        assertThat(redis.commandList("KEYS", "*")).containsExactly(recordKeyOf("tester", key));
    }

    @Test
    void aKeyOfTheMaximumLengthIsAccepted() {
        String key = "k".repeat(255);
        String body = newBody();

        assertThat(post(nodeA, "/orders", key, body).status()).isEqualTo(201);
        assertThat(post(nodeA, "/orders", "\"" + key + "\"", body).header(REPLAYED)).isEqualTo("true");
        assertThat(orders.executions(body)).isEqualTo(1);
    }

    // ---- methods

    @Test
    void getAndMethodsThatAreNotConfiguredAreNotIntercepted() {
        String key = newKey();
        String op = UUID.randomUUID().toString();

        for (String method : List.of("GET", "GET", "PUT", "PUT", "DELETE")) {
            Reply reply = send(HttpRequest.newBuilder(nodeA.uri("/orders?op=" + op))
                    .header(KEY, key)
                    .method(method, method.equals("PUT") ? HttpRequest.BodyPublishers.ofString(op)
                            : HttpRequest.BodyPublishers.noBody()));
            assertThat(reply.status()).as(method).isEqualTo(200);
            assertThat(reply.header(REPLAYED)).as(method).isNull();
        }

        assertThat(orders.executions("op:" + op)).isEqualTo(5);
        assertThat(redis.commandLong("DBSIZE")).isZero();
    }

    @Test
    void patchIsInterceptedByDefault() {
        String key = newKey();
        String body = newBody();

        Reply first = send(HttpRequest.newBuilder(nodeA.uri("/orders")).header(KEY, key)
                .method("PATCH", HttpRequest.BodyPublishers.ofString(body)));
        Reply repeat = send(HttpRequest.newBuilder(nodeB.uri("/orders")).header(KEY, key)
                .method("PATCH", HttpRequest.BodyPublishers.ofString(body)));

        assertThat(first.status()).isEqualTo(201);
        assertThat(repeat.header(REPLAYED)).isEqualTo("true");
        assertThat(repeat.body()).isEqualTo(first.body());
        assertThat(orders.executions(body)).isEqualTo(1);
    }

    // ---- in progress, leases, heartbeats

    @Test
    void withWaitForInProgressADuplicateWaitsAndGetsTheFirstAnswerInsteadOf409() throws Exception {
        Node patient = startNode(LEASE, b -> b.waitForInProgress(Duration.ofSeconds(3)));
        String key = newKey();
        String body = newBody();

        CompletableFuture<Reply> first = CompletableFuture.supplyAsync(() -> post(patient, "/orders?delay=800", key, body));
        awaitExecutions(body, 1);
        Reply duplicate = post(patient, "/orders?delay=800", key, body);

        Reply original = first.get(10, TimeUnit.SECONDS);
        assertThat(original.status()).isEqualTo(201);
        assertThat(duplicate.status()).isEqualTo(201);
        assertThat(duplicate.header(REPLAYED)).isEqualTo("true");
        assertThat(duplicate.body()).isEqualTo(original.body());
        assertThat(orders.executions(body)).isEqualTo(1);
    }

    @Test
    void withoutWaitingADuplicateDuringTheFirstGets409WithRetryAfter() throws Exception {
        String key = newKey();
        String body = newBody();

        CompletableFuture<Reply> first = CompletableFuture.supplyAsync(() -> post(nodeA, "/orders?delay=500", key, body));
        awaitExecutions(body, 1);
        Reply duplicate = post(nodeB, "/orders?delay=500", key, body);

        assertProblem(duplicate, 409);
        long retryAfter = Long.parseLong(duplicate.header("Retry-After"));
        assertThat(retryAfter).isBetween(1L, LEASE.toSeconds());
        assertThat(first.get(10, TimeUnit.SECONDS).status()).isEqualTo(201);
        assertThat(orders.executions(body)).isEqualTo(1);
    }

    @Test
    void aHolderWhoseLeaseExpiredIsTakenOverAndItsLateCompletionIsRefused() throws Exception {
        Node shortLease = startNode(Duration.ofMillis(500), b -> b);
        String key = newKey();
        String body = newBody();
        String scopedKey = "11:user:tester:" + key;
        // A node that took the key and then hung or died, before answering.
        long zombie = ((Acquisition.Acquired) shortLease.store().acquire(scopedKey,
                fingerprint("POST", "/orders", null, body))).token();

        Reply whileHeld = post(shortLease, "/orders", key, body);
        assertProblem(whileHeld, 409);
        assertThat(orders.executions(body)).isZero();

        Thread.sleep(600);
        Reply takeover = post(shortLease, "/orders", key, body);
        assertThat(takeover.status()).isEqualTo(201);
        assertThat(orders.executions(body)).isEqualTo(1);

        assertThat(shortLease.store().complete(scopedKey, zombie, "zombie answer".getBytes(StandardCharsets.UTF_8)))
                .isFalse();
        assertThat(shortLease.store().extend(scopedKey, zombie)).isFalse();
        assertThat(shortLease.store().release(scopedKey, zombie)).isFalse();
        Reply replay = post(nodeA, "/orders", key, body);
        assertThat(replay.status()).isEqualTo(201);
        assertThat(replay.header(REPLAYED)).isEqualTo("true");
        assertThat(replay.body()).isEqualTo(takeover.body());
        assertThat(orders.executions(body)).isEqualTo(1);
    }

    @Test
    void theHeartbeatKeepsTheLeaseOfARequestSlowerThanTheLeaseSoDuplicatesGet409() throws Exception {
        Node heartbeat = startNode(Duration.ofMillis(500), b -> b.heartbeat(Duration.ofMillis(150)));
        String key = newKey();
        String body = newBody();

        CompletableFuture<Reply> slow = CompletableFuture.supplyAsync(() -> post(heartbeat, "/slow", key, body));
        awaitExecutions(body, 1);
        List<Integer> duplicates = new ArrayList<>();
        for (int i = 0; i < 5; i++) { // at about 0, 250, 500, 750, 1000 ms, i.e. up to twice the lease
            duplicates.add(post(i % 2 == 0 ? heartbeat : nodeA, "/slow", key, body).status());
            Thread.sleep(250);
        }
        Reply original = slow.get(10, TimeUnit.SECONDS);

        assertThat(duplicates).containsOnly(409);
        assertThat(original.status()).isEqualTo(201);
        assertThat(orders.executions(body)).isEqualTo(1);
        Reply replay = post(nodeB, "/slow", key, body);
        assertThat(replay.header(REPLAYED)).isEqualTo("true");
        assertThat(replay.body()).isEqualTo(original.body());
    }

    // ---- scoping

    @Test
    void usersSharingAKeyNeverSeeEachOthersAnswers() {
        String key = newKey();
        String body = newBody();

        Reply alice = post(nodeA, "/orders", key, body, "alice");
        Reply bob = post(nodeB, "/orders", key, body, "bob");
        Reply aliceAgain = post(nodeB, "/orders", key, body, "alice");
        Reply bobAgain = post(nodeA, "/orders", key, body, "bob");
        Reply anonymous = post(nodeA, "/orders", key, body, ANONYMOUS);

        assertThat(alice.status()).isEqualTo(201);
        assertThat(bob.status()).isEqualTo(201);
        assertThat(bob.header(REPLAYED)).isNull();
        assertThat(orders.executions(body)).isEqualTo(2);
        assertThat(alice.text()).contains("\"user\":\"alice\"");
        assertThat(bob.text()).contains("\"user\":\"bob\"");
        assertThat(aliceAgain.header(REPLAYED)).isEqualTo("true");
        assertThat(aliceAgain.body()).isEqualTo(alice.body());
        assertThat(bobAgain.header(REPLAYED)).isEqualTo("true");
        assertThat(bobAgain.body()).isEqualTo(bob.body());
        assertProblem(anonymous, 400);
        assertThat(redis.commandList("KEYS", "*")).containsExactlyInAnyOrder(
                recordKeyOf("alice", key), recordKeyOf("bob", key));
        assertThat(redis.commandList("KEYS", "*")).noneMatch(k -> k.contains("alice") || k.contains("bob"));
    }

    // ---- outages

    @Test
    void withRedisDownAnIdempotentRequestIs503AndDoesNotRunThenWorksAfterRestart() throws Exception {
        Node failOpen = startNode(LEASE, b -> b.failOpen(true));
        String key = newKey();
        String body = newBody();
        redis.stop();

        long started = System.nanoTime();
        Reply down = post(nodeA, "/orders", key, body);
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertProblem(down, 503);
        assertThat(down.header("Retry-After")).isNotNull();
        assertThat(took).isLessThan(Duration.ofSeconds(5));
        assertThat(orders.executions(body)).isZero();

        String openBody = newBody();
        Reply open = post(failOpen, "/orders", newKey(), openBody);
        assertThat(open.status()).isEqualTo(201);
        assertThat(orders.executions(openBody)).isEqualTo(1);

        Reply unkeyed = post(nodeA, "/orders", null, newBody());
        assertThat(unkeyed.status()).as("a request without a key needs no store").isEqualTo(201);

        redis.restart();
        awaitStores(nodeA, nodeB, failOpen);
        Reply up = post(nodeA, "/orders", key, body);
        Reply replay = post(nodeB, "/orders", key, body);
        assertThat(up.status()).isEqualTo(201);
        assertThat(replay.header(REPLAYED)).isEqualTo("true");
        assertThat(replay.body()).isEqualTo(up.body());
        assertThat(orders.executions(body)).isEqualTo(1);
    }

    // ---- cost

    @Test
    void aFirstRequestCostsTwoScriptCallsAndAReplayOne() {
        String key = newKey();
        String body = newBody();

        redis.command("CONFIG", "RESETSTAT");
        assertThat(post(nodeA, "/orders", key, body).status()).isEqualTo(201);
        long first = redis.calls("evalsha");
        long firstEval = redis.calls("eval");

        redis.command("CONFIG", "RESETSTAT");
        assertThat(post(nodeB, "/orders", key, body).header(REPLAYED)).isEqualTo("true");
        long replay = redis.calls("evalsha");

        redis.command("CONFIG", "RESETSTAT");
        assertThat(post(nodeB, "/orders", key, newBody()).status()).isEqualTo(422);
        long mismatch = redis.calls("evalsha");

        redis.command("CONFIG", "RESETSTAT");
        assertThat(post(nodeB, "/orders", null, newBody()).status()).isEqualTo(201);
        long unkeyed = redis.calls("evalsha") + redis.calls("eval");

        System.out.printf("[round trips] IdempotencyFilter evalsha per request: first=%d (eval %d), replay=%d,"
                + " mismatch(422)=%d, without key=%d%n", first, firstEval, replay, mismatch, unkeyed);
        assertThat(first).isEqualTo(2);
        assertThat(firstEval).isZero();
        assertThat(replay).isEqualTo(1);
        assertThat(mismatch).isEqualTo(1);
        assertThat(unkeyed).isZero();
    }

    // ---- helpers: requests

    record Reply(int status, Map<String, List<String>> headers, byte[] body) {
        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .findFirst().map(e -> e.getValue().get(0)).orElse(null);
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private static Reply post(Node node, String pathAndQuery, String key, String body) {
        return post(node, pathAndQuery, key, body, null);
    }

    private static Reply post(Node node, String pathAndQuery, String key, String body, String user) {
        HttpRequest.Builder request = HttpRequest.newBuilder(node.uri(pathAndQuery))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            request.header(KEY, key);
        }
        if (user != null) {
            request.header("X-User", user);
        }
        return send(request);
    }

    private static Reply send(HttpRequest.Builder request) {
        return send(http, request);
    }

    /** Sends a request and reads the whole answer; shared with {@link IdempotencyAttackTest}. */
    static Reply send(HttpClient client, HttpRequest.Builder request) {
        try {
            HttpResponse<byte[]> response = client.send(request.timeout(Duration.ofSeconds(20)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            return new Reply(response.statusCode(), response.headers().map(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** POSTs with a raw {@code Idempotency-Key} value over a socket and returns the status code. */
    private static int rawPost(Node node, byte[] keyValue, String body) {
        byte[] content = body.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.writeBytes(("POST /orders HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + content.length + "\r\nConnection: close\r\n" + KEY + ": ")
                .getBytes(StandardCharsets.US_ASCII));
        request.writeBytes(keyValue);
        request.writeBytes("\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        request.writeBytes(content);
        try (Socket socket = new Socket(node.uri("/").getHost(), node.uri("/").getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.toByteArray());
            out.flush();
            InputStream in = socket.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            String statusLine = response.substring(0, response.indexOf("\r\n"));
            return Integer.parseInt(statusLine.split(" ")[1]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void assertProblem(Reply reply, int status) {
        assertThat(reply.status()).isEqualTo(status);
        assertThat(reply.header("Content-Type")).startsWith(PROBLEM);
        assertThat(reply.text()).contains("\"status\":" + status);
        assertThat(reply.header(REPLAYED)).isNull();
    }

    private static String newKey() {
        return "key-" + UUID.randomUUID();
    }

    private static String newBody() {
        return "{\"item\":\"" + UUID.randomUUID() + "\",\"quantity\":2}";
    }

    private static String bodyOfSize(int size) {
        String prefix = "{\"item\":\"" + UUID.randomUUID() + "\",\"pad\":\"";
        String suffix = "\"}";
        return prefix + "x".repeat(size - prefix.length() - suffix.length()) + suffix;
    }

    private static void awaitExecutions(String body, int count) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (orders.executions(body) < count) {
            assertThat(System.nanoTime()).as("handler started in time").isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    // ---- helpers: what the filter computes, to find and forge its records

    /** The Redis key of a client's key: SHA-256 of the length-prefixed owner and key. */
    private static String recordKeyOf(String user, String key) {
        String owner = "user:" + user;
        return "stateless:i:{" + sha256(owner.length() + ":" + owner + ":" + key) + "}";
    }

    private static String fingerprint(String method, String path, String query, String body) {
        String text = method + '\n' + path + '\n' + (query == null ? "" : query) + '\n' + "application/json" + '\n'
                + sha256(body);
        return sha256(text);
    }

    private static String sha256(String text) {
        try {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(
                    MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void awaitStores(Node... nodes) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        for (Node node : nodes) {
            while (true) {
                try {
                    node.store().acquire("probe-" + UUID.randomUUID(), "probe");
                    break;
                } catch (StoreUnavailableException e) {
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException interrupted) {
                        Thread.currentThread().interrupt();
                        throw e;
                    }
                }
            }
        }
    }

    // ---- the nodes

    /** One Jetty node: user filter, then the idempotency filter, then {@link OrdersServlet}, all at {@code /*}. */
    record Node(EmbeddedJetty jetty, URI base, RedisIdempotencyKeyStore store) implements AutoCloseable {

        static Node start(Duration lease, UnaryOperator<IdempotencyFilter.Builder> config) throws Exception {
            RedisIdempotencyKeyStore store = RedisIdempotencyKeyStore.builder(redis.uri())
                    .lease(lease)
                    .retention(RETENTION)
                    .commandTimeout(Duration.ofSeconds(1))
                    .build();
            IdempotencyFilter filter = config.apply(IdempotencyFilter.builder(store)).build();

            HttpConfiguration httpConfig = new HttpConfiguration();
            httpConfig.setSendServerVersion(false);
            ServletContextHandler context = new ServletContextHandler("/", ServletContextHandler.NO_SESSIONS);
            ServletHolder servlet = new ServletHolder("orders", orders);
            servlet.setAsyncSupported(true);
            servlet.getRegistration().setMultipartConfig(
                    new MultipartConfigElement(System.getProperty("java.io.tmpdir"), 1 << 20, 1 << 20, 0));
            context.addServlet(servlet, "/*");
            FilterHolder users = new FilterHolder(UserFilter.withDefault("tester"));
            users.setName("users");
            users.setAsyncSupported(true);
            context.addFilter(users, "/*", EnumSet.of(DispatcherType.REQUEST));
            FilterHolder idempotency = new FilterHolder(filter);
            idempotency.setName("idempotency");
            idempotency.setAsyncSupported(true);
            context.addFilter(idempotency, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
            EmbeddedJetty jetty = EmbeddedJetty.start(httpConfig, context);
            return new Node(jetty, URI.create("http://127.0.0.1:" + jetty.port()), store);
        }

        URI uri(String pathAndQuery) {
            return URI.create(base + pathAndQuery);
        }

        @Override
        public void close() {
            try {
                jetty.close();
            } finally {
                store.close();
            }
        }
    }

    /**
     * Stands in for authentication: the user named in {@code X-User} becomes the request's principal;
     * without the header there is none, or, made with {@link #withDefault}, the default user
     * ({@code X-User: -} is then a client without a user).
     */
    static final class UserFilter implements Filter {
        private final String defaultUser;

        UserFilter() {
            this(null);
        }

        private UserFilter(String defaultUser) {
            this.defaultUser = defaultUser;
        }

        static UserFilter withDefault(String user) {
            return new UserFilter(user);
        }

        @Override
        public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException {
            HttpServletRequest request = (HttpServletRequest) req;
            String named = request.getHeader("X-User");
            if (ANONYMOUS.equals(named)) {
                chain.doFilter(req, res);
                return;
            }
            String user = named == null ? defaultUser : named;
            if (user == null) {
                chain.doFilter(req, res);
                return;
            }
            Principal principal = () -> user;
            chain.doFilter(new HttpServletRequestWrapper(request) {
                @Override
                public Principal getUserPrincipal() {
                    return principal;
                }

                @Override
                public String getRemoteUser() {
                    return user;
                }
            }, res);
        }
    }

    /**
     * The application: {@code POST /orders} creates an order (201, Location, JSON with a fresh id)
     * after {@code delay} ms; {@code /fail} answers 500 the first time and 201 after; {@code /bad}
     * answers 400; {@code /reject} calls {@code sendError(409)}; {@code /async} creates the order on
     * another thread after {@code startAsync()} (with {@code ?viaContext}, writing to the response the
     * {@code AsyncContext} hands out; with {@code ?onTimeout}, in its timeout listener through the
     * event's context); {@code /upload} echoes its multipart parts; {@code /boom} throws; {@code /slow} takes 1.5 s.
     * Other methods answer 200. Every
     * run counts as an execution of its body ({@code "op:" + op} for requests without one).
     */
    /** What {@code /async?busy=true}'s own completion listener waits for. */
    static volatile CountDownLatch completionListenerMayReturn = new CountDownLatch(0);

    static final class OrdersServlet extends HttpServlet {
        private final Map<String, AtomicInteger> executions = new ConcurrentHashMap<>();
        private final AtomicInteger total = new AtomicInteger();
        private final AtomicInteger orderNumbers = new AtomicInteger();

        int executions(String body) {
            AtomicInteger count = executions.get(body);
            return count == null ? 0 : count.get();
        }

        int total() {
            return total.get();
        }

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response)
                throws IOException, ServletException {
            if (request.getRequestURI().equals("/upload")) {
                StringBuilder parts = new StringBuilder();
                for (Part part : request.getParts()) {
                    parts.append(part.getName()).append('=')
                            .append(new String(part.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
                }
                response.setStatus(201);
                response.setContentType("text/plain;charset=utf-8");
                response.getOutputStream().write(parts.toString().getBytes(StandardCharsets.UTF_8));
                return;
            }
            String body = new String(request.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String method = request.getMethod();
            boolean write = method.equals("POST") || method.equals("PATCH");
            String op = write ? body : "op:" + request.getParameter("op");
            int run = executions.computeIfAbsent(op, k -> new AtomicInteger()).incrementAndGet();
            total.incrementAndGet();
            response.setHeader("X-Handled-By", Integer.toString(request.getLocalPort()));
            if (!write) {
                response.setStatus(200);
                response.setContentType("text/plain");
                response.getOutputStream().write(("handled " + method).getBytes(StandardCharsets.UTF_8));
                return;
            }
            String path = request.getRequestURI();
            String delay = request.getParameter("delay");
            if (path.equals("/slow")) {
                sleep(1500);
            } else if (delay != null) {
                sleep(Long.parseLong(delay));
            }
            if (path.equals("/reject")) {
                response.sendError(409, "out of stock");
                return;
            }
            if (path.equals("/async") && request.getDispatcherType() == DispatcherType.ASYNC) {
                answerCreated(request, response, false); // the dispatch of ?dispatched
                return;
            }
            if (path.equals("/async")) {
                AsyncContext async = request.startAsync();
                if (request.getParameter("busy") != null) {
                    // the application's own completion listener, still busy after the answer left
                    async.addListener(new OnAsyncComplete(() -> {
                        try {
                            completionListenerMayReturn.await(10, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }));
                }
                if (request.getParameter("dispatched") != null) {
                    async.dispatch(); // answers in the async dispatch, above
                    return;
                }
                if (request.getParameter("onTimeout") != null) {
                    // the answer is the timeout listener's, through the context its event carries
                    async.setTimeout(50);
                    async.addListener(new AsyncListener() {
                        @Override
                        public void onTimeout(AsyncEvent event) throws IOException {
                            AsyncContext context = event.getAsyncContext();
                            try {
                                answerCreated((HttpServletRequest) context.getRequest(),
                                        (HttpServletResponse) context.getResponse(), false);
                            } finally {
                                context.complete();
                            }
                        }

                        @Override
                        public void onComplete(AsyncEvent event) {
                        }

                        @Override
                        public void onError(AsyncEvent event) {
                        }

                        @Override
                        public void onStartAsync(AsyncEvent event) {
                        }
                    });
                    return;
                }
                boolean viaContext = request.getParameter("viaContext") != null;
                async.start(() -> {
                    sleep(50);
                    try {
                        if (viaContext) {
                            // as many apps write it: the request and response the context hands out
                            answerCreated((HttpServletRequest) async.getRequest(), (HttpServletResponse) async.getResponse(),
                                    false);
                        } else {
                            answerCreated(request, response, false);
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    } finally {
                        async.complete();
                    }
                });
                return;
            }
            if (path.equals("/boom")) {
                throw new IllegalStateException("the order service blew up");
            }
            if (path.equals("/bad")) {
                response.setStatus(400);
                response.setContentType("application/json");
                response.getOutputStream().write(("{\"error\":\"quantity\",\"ref\":\"" + UUID.randomUUID() + "\"}")
                        .getBytes(StandardCharsets.UTF_8));
                return;
            }
            if (path.equals("/fail") && run == 1) {
                response.setStatus(500);
                response.setContentType("application/json");
                response.getOutputStream().write("{\"error\":\"database\"}".getBytes(StandardCharsets.UTF_8));
                return;
            }
            answerCreated(request, response, "true".equals(request.getParameter("writer")));
        }

        private void answerCreated(HttpServletRequest request, HttpServletResponse response, boolean writer)
                throws IOException {
            int number = orderNumbers.incrementAndGet();
            String user = request.getRemoteUser();
            String json = "{\"orderId\":\"" + UUID.randomUUID() + "\",\"number\":" + number + ",\"user\":"
                    + (user == null ? "null" : "\"" + user + "\"") + ",\"note\":\"Grüße €\"}";
            response.setStatus(201);
            response.setHeader("Location", "/orders/" + number);
            response.setContentType("application/json");
            if (writer) {
                response.getWriter().write(json);
            } else {
                response.getOutputStream().write(json.getBytes(StandardCharsets.UTF_8));
            }
        }

        private static void sleep(long millis) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
