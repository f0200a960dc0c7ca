package dev.stateless.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stateless.redis.RedisIdempotencyKeyStore;
import dev.stateless.redis.RedisSessionStore;
import dev.stateless.testing.RedisServer;
import dev.stateless.testing.RoundTripProxy;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An idempotent request that changes its session: {@link IdempotencyFilter} in front of
 * {@link StatelessSessionFilter} (their documented order), sessions and keys each in their own
 * Redis, so that either can fail while the other answers. The session's save goes out with the
 * answer's record; whichever of the two fails after the application ran, the client is told, and
 * the key never lets the request run again.
 */
class IdempotentSessionTest {

    private static RedisServer sessionsRedis;
    private static RedisServer keysRedis;
    private static RedisSessionStore sessions;
    private static RedisIdempotencyKeyStore keys;
    private static EmbeddedJetty server;
    /** The same filters in the other order: the session filter in front. */
    private static EmbeddedJetty sessionFirst;
    private static final AtomicInteger runs = new AtomicInteger();

    /**
     * {@code POST /orders} counts an order in the session ({@code X-Pause: sessions|keys} first
     * pauses that Redis's writes, as an outage after the run would); {@code POST /fail} counts one
     * and throws; {@code POST /async} counts one on another thread; {@code GET /orders} shows the count.
     */
    static final class OrderServlet extends HttpServlet {
        @Override
        protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
            runs.incrementAndGet();
            if (request.getRequestURI().equals("/async")) {
                AsyncContext async = request.startAsync(request, response);
                async.start(() -> {
                    try {
                        int n = count(request.getSession()) + 1;
                        request.getSession().setAttribute("orders", n);
                        answer((HttpServletResponse) async.getResponse(), n);
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    } finally {
                        async.complete();
                    }
                });
                return;
            }
            HttpSession session = request.getSession();
            int n = count(session) + 1;
            session.setAttribute("orders", n);
            if (request.getRequestURI().equals("/fail")) {
                throw new IllegalStateException("the application failed after changing its session");
            }
            String pause = request.getHeader("X-Pause");
            if (pause != null) {
                (pause.equals("sessions") ? sessionsRedis : keysRedis).command("CLIENT", "PAUSE", "3000", "WRITE");
            }
            answer(response, n);
        }

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            response.getWriter().print(count(request.getSession()));
        }

        private static int count(HttpSession session) {
            return session.getAttribute("orders") instanceof Integer n ? n : 0;
        }

        private static void answer(HttpServletResponse response, int n) throws IOException {
            response.setStatus(201);
            response.setContentType("text/plain");
            response.getWriter().print("order " + n);
        }
    }

    @BeforeAll
    static void start() throws Exception {
        sessionsRedis = RedisServer.start();
        keysRedis = RedisServer.start();
        sessions = RedisSessionStore.builder(sessionsRedis.uri()).commandTimeout(Duration.ofMillis(500)).build();
        keys = RedisIdempotencyKeyStore.builder(keysRedis.uri()).commandTimeout(Duration.ofMillis(500)).build();
        IdempotencyFilter idempotency = IdempotencyFilter.builder(keys).methods("POST").build();
        server = EmbeddedJetty.start(EmbeddedJetty.context(new ServletHolder(new OrderServlet()), true,
                List.of(idempotency, StatelessSessionFilter.builder(sessions).build())));
        sessionFirst = EmbeddedJetty.start(EmbeddedJetty.context(new ServletHolder(new OrderServlet()), true,
                List.of(StatelessSessionFilter.builder(sessions).build(), IdempotencyFilter.builder(keys).methods("POST")
                        .build())));
    }

    @AfterEach
    void unpause() {
        sessionsRedis.command("CLIENT", "UNPAUSE");
        keysRedis.command("CLIENT", "UNPAUSE");
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
        sessionFirst.close();
        sessions.close();
        keys.close();
        sessionsRedis.close();
        keysRedis.close();
    }

    /** A browser: keeps the session and version cookies it is given. */
    private static final class Client {
        private final HttpClient http = HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
        private final int port;

        Client(int port) throws Exception {
            this.port = port;
            assertThat(get().body()).isEqualTo("0");
        }

        HttpResponse<String> post(String path, String key, String... headers) throws Exception {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).header("Content-Type", "application/json")
                    .header("Idempotency-Key", "\"" + key + "\"");
            for (int i = 0; i < headers.length; i += 2) {
                request.header(headers[i], headers[i + 1]);
            }
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        }

        HttpResponse<String> get() throws Exception {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/orders")).build(),
                    HttpResponse.BodyHandlers.ofString());
        }
    }

    @Test
    void aRetriedPostRunsOnceAndItsSessionChangeIsKept() throws Exception {
        for (EmbeddedJetty node : List.of(server, sessionFirst)) {
            Client client = new Client(node.port());
            int before = runs.get();

            HttpResponse<String> first = client.post("/orders", "k-1");
            HttpResponse<String> retry = client.post("/orders", "k-1");

            assertThat(first.statusCode()).isEqualTo(201);
            assertThat(first.body()).isEqualTo("order 1");
            assertThat(retry.statusCode()).isEqualTo(201);
            assertThat(retry.body()).isEqualTo("order 1");
            assertThat(retry.headers().firstValue("Idempotent-Replayed")).hasValue("true");
            assertThat(runs.get() - before).isEqualTo(1);
            assertThat(client.get().body()).isEqualTo("1");
        }
    }

    @Test
    void aSessionThatCannotBeSavedAfterTheRunIsToldToTheClientAndTheKeyDoesNotRunAgain() throws Exception {
        Client client = new Client(server.port());
        int before = runs.get();

        HttpResponse<String> first = client.post("/orders", "k-2", "X-Pause", "sessions");
        unpause();
        HttpResponse<String> retry = client.post("/orders", "k-2");

        assertThat(first.statusCode()).isEqualTo(500);
        assertThat(first.body()).contains("Session Not Saved").contains("recorded");
        assertThat(retry.statusCode()).as("the recorded answer").isEqualTo(201);
        assertThat(retry.body()).isEqualTo("order 1");
        assertThat(runs.get() - before).as("runs of the application").isEqualTo(1);
        // The save timed out: Redis may still apply it once the pause ends, as the answer's "may not" says.
        assertThat(client.get().body()).isIn("0", "1");
    }

    @Test
    void anAnswerThatCannotBeRecordedIsToldToTheClientTheSessionIsSavedAndTheKeyDoesNotRunAgain() throws Exception {
        Client client = new Client(server.port());
        int before = runs.get();

        HttpResponse<String> first = client.post("/orders", "k-3", "X-Pause", "keys");
        unpause();
        HttpResponse<String> retry = client.post("/orders", "k-3");

        assertThat(first.statusCode()).isEqualTo(500);
        assertThat(first.body()).contains("Answer Not Recorded");
        assertThat(retry.statusCode()).as("never a second run: a replay, a recorded failure, or in progress")
                .isIn(201, 409, 500);
        assertThat(runs.get() - before).as("runs of the application").isEqualTo(1);
        assertThat(client.get().body()).isEqualTo("1");
    }

    @Test
    void anApplicationThatFailsStillHasItsSessionSavedAndTheKeyIsFreedForARetry() throws Exception {
        Client client = new Client(server.port());
        int before = runs.get();

        HttpResponse<String> first = client.post("/fail", "k-4");

        assertThat(first.statusCode()).isEqualTo(500);
        assertThat(client.get().body()).as("saved even when the application failed").isEqualTo("1");
        assertThat(client.post("/fail", "k-4").statusCode()).isEqualTo(500);
        assertThat(runs.get() - before).as("a failure before any recorded answer may run again").isEqualTo(2);
        assertThat(client.get().body()).isEqualTo("2");
    }

    @Test
    void anAsynchronousIdempotentRequestSavesItsSessionAndRecordsItsAnswer() throws Exception {
        Client client = new Client(server.port());
        int before = runs.get();

        HttpResponse<String> first = client.post("/async", "k-5");
        HttpResponse<String> retry = client.post("/async", "k-5");

        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(first.body()).isEqualTo("order 1");
        assertThat(retry.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(retry.body()).isEqualTo("order 1");
        assertThat(runs.get() - before).isEqualTo(1);
        assertThat(client.get().body()).isEqualTo("1");
    }

    @Test
    void aReplayDoesNotChangeTheSession() throws Exception {
        Client client = new Client(server.port());
        client.post("/orders", "k-6");
        client.post("/orders", "k-7");

        assertThat(client.post("/orders", "k-6").body()).isEqualTo("order 1");
        assertThat(client.get().body()).isEqualTo("2");
    }

    @Test
    void anIdempotentPostWithASessionWaitsForTwoRoundTripsAndAReplayForOne() throws Exception {
        try (RoundTripProxy proxy = RoundTripProxy.start(sessionsRedis.port());
                RedisSessionStore viaProxy = RedisSessionStore.builder(proxy.uri()).build();
                RedisIdempotencyKeyStore keysViaProxy = RedisIdempotencyKeyStore.builder(proxy.uri()).build();
                EmbeddedJetty node = EmbeddedJetty.start(EmbeddedJetty.context(new ServletHolder(new OrderServlet()), true,
                        List.of(IdempotencyFilter.builder(keysViaProxy).methods("POST").build(),
                                StatelessSessionFilter.builder(viaProxy).build())))) {
            Client client = new Client(node.port());
            assertThat(client.post("/orders", "rt-warm-up").statusCode()).isEqualTo(201); // connections, scripts

            long start = proxy.roundTrips();
            HttpResponse<String> first = client.post("/orders", "rt-1");
            long firstTrips = proxy.roundTrips() - start;
            HttpResponse<String> replay = client.post("/orders", "rt-1");
            long replayTrips = proxy.roundTrips() - start - firstTrips;

            assertThat(first.statusCode()).isEqualTo(201);
            assertThat(replay.headers().firstValue("Idempotent-Replayed")).hasValue("true");
            assertThat(firstTrips).as("load with acquire, then save with complete").isEqualTo(2);
            assertThat(replayTrips).as("acquire (the session's load goes with it, unused)").isEqualTo(1);
            assertThat(client.get().body()).isEqualTo("2");
        }
    }
}
