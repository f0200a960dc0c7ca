package dev.stateless.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stateless.jwt.JwtIssuer;
import dev.stateless.jwt.JwtKeys;
import dev.stateless.jwt.JwtVerifier;
import dev.stateless.redis.RedisIdempotencyKeyStore;
import dev.stateless.testing.RedisServer;
import dev.stateless.testing.WithRedis;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The outcomes the filters' metrics count, seen over real HTTP: embedded Jetty 12 with
 * {@link BearerTokenFilter} and {@link IdempotencyFilter} in front of an order endpoint, a
 * {@link RedisIdempotencyKeyStore} on a real Redis, and everything recording into one
 * {@link SimpleMeterRegistry}.
 */
@WithRedis
class FilterMetricsTest {

    private static final byte[] SECRET = JwtKeys.generateHmacSecret();
    private static final String ISSUER = "https://login.test";
    private static final String AUDIENCE = "orders";
    private static final JwtIssuer issuer = JwtIssuer.builder().hmacSecret(SECRET).issuer(ISSUER).audience(AUDIENCE).build();

    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static RedisServer redis;
    private static RedisIdempotencyKeyStore keys;
    private static EmbeddedJetty server;
    private static int port;
    private static final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    /** Requests with body {@code slow} wait here: a first run still in progress. */
    private static volatile CountDownLatch slowEntered = new CountDownLatch(1);
    private static volatile CountDownLatch slowRelease = new CountDownLatch(1);

    @BeforeAll
    static void start(RedisServer started) throws Exception {
        redis = started;
        keys = RedisIdempotencyKeyStore.builder(redis.uri()).commandTimeout(Duration.ofMillis(500))
                .meterRegistry(registry).build();
        JwtVerifier verifier = JwtVerifier.builder().hmacSecret(SECRET).issuers(ISSUER).audiences(AUDIENCE)
                .meterRegistry(registry).build();
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.addFilter(new FilterHolder(BearerTokenFilter.builder(verifier).build()), "/*",
                EnumSet.of(DispatcherType.REQUEST));
        context.addFilter(new FilterHolder(IdempotencyFilter.builder(keys).required(true).meterRegistry(registry).build()),
                "/*", EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(new ServletHolder(new OrderServlet()), "/orders");
        server = EmbeddedJetty.start(context);
        port = server.port();
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
        keys.close();
        registry.close();
    }

    @BeforeEach
    void freshRedisAndMeters() throws InterruptedException {
        redis.reset();
        // after an outage, wait until the store has reconnected: what health() is for
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!keys.health().isUp() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(keys.health().isUp()).isTrue();
        registry.clear();
    }

    @Test
    void firstRunReplayMismatchAndInProgressAreCountedByOutcome() throws Exception {
        String token = issuer.issue("alice");
        assertThat(post(token, "k-1", "one").statusCode()).isEqualTo(201);
        HttpResponse<String> replay = post(token, "k-1", "one");
        assertThat(replay.statusCode()).isEqualTo(201);
        assertThat(replay.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(post(token, "k-1", "another body").statusCode()).isEqualTo(422);

        slowEntered = new CountDownLatch(1);
        slowRelease = new CountDownLatch(1);
        CompletableFuture<HttpResponse<String>> first = http.sendAsync(request(token, "k-2", "slow"),
                HttpResponse.BodyHandlers.ofString());
        assertThat(slowEntered.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(post(token, "k-2", "slow").statusCode()).isEqualTo(409);
        slowRelease.countDown();
        assertThat(first.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(201);

        assertThat(requests("first_run")).isEqualTo(2);
        assertThat(requests("replay")).isEqualTo(1);
        assertThat(requests("fingerprint_mismatch")).isEqualTo(1);
        assertThat(requests("in_progress")).isEqualTo(1);
        // the store's own timers in the same registry
        assertThat(registry.get("stateless.idempotency.acquire").tag("outcome", "acquired").timer().count()).isEqualTo(2);
        assertThat(registry.get("stateless.idempotency.complete").tag("outcome", "done").timer().count()).isEqualTo(2);
        assertThat(registry.get("stateless.token.verify").tag("outcome", "accepted").timer().count()).isEqualTo(5);
    }

    @Test
    void aStoppedRedisIsCountedAs503Unavailable() throws Exception {
        String token = issuer.issue("bob");
        assertThat(post(token, "warm", "x").statusCode()).isEqualTo(201);
        redis.stop();
        assertThat(post(token, "k-3", "x").statusCode()).isEqualTo(503);
        assertThat(requests("unavailable")).isEqualTo(1);
        assertThat(registry.get("stateless.store.unavailable").tag("operation", "idempotency.acquire").counter().count())
                .isEqualTo(1);
    }

    @Test
    void refusedTokensAreCountedByReason() throws Exception {
        Clock hourAgo = Clock.fixed(Instant.now().minus(Duration.ofHours(1)), ZoneOffset.UTC);
        String expired = JwtIssuer.builder().hmacSecret(SECRET).issuer(ISSUER).audience(AUDIENCE).clock(hourAgo)
                .lifetime(Duration.ofMinutes(5)).build().issue("carol");
        String foreign = JwtIssuer.builder().hmacSecret(JwtKeys.generateHmacSecret()).issuer(ISSUER).audience(AUDIENCE)
                .build().issue("mallory");
        String otherAudience = JwtIssuer.builder().hmacSecret(SECRET).issuer(ISSUER).audience("billing").build()
                .issue("dave");
        assertThat(post(expired, "k", "x").statusCode()).isEqualTo(401);
        assertThat(post(foreign, "k", "x").statusCode()).isEqualTo(401);
        assertThat(post(otherAudience, "k", "x").statusCode()).isEqualTo(401);
        assertThat(post("not.a.token", "k", "x").statusCode()).isEqualTo(401);

        assertThat(verifications("expired")).isEqualTo(1);
        assertThat(verifications("bad_signature")).isEqualTo(1);
        assertThat(verifications("wrong_audience")).isEqualTo(1);
        assertThat(verifications("malformed")).isEqualTo(1);
        assertThat(verifications("accepted")).isZero();
        assertThat(registry.find("stateless.idempotency.requests").counters()).isEmpty(); // nothing got that far
    }

    private static double requests(String outcome) {
        var counter = registry.find("stateless.idempotency.requests").tag("outcome", outcome).counter();
        return counter == null ? 0 : counter.count();
    }

    private static long verifications(String outcome) {
        var timer = registry.find("stateless.token.verify").tag("outcome", outcome).timer();
        return timer == null ? 0 : timer.count();
    }

    private static HttpRequest request(String token, String key, String body) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/orders"))
                .header("Authorization", "Bearer " + token)
                .header("Idempotency-Key", "\"" + key + "\"")
                .header("Content-Type", "text/plain")
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    private static HttpResponse<String> post(String token, String key, String body) throws Exception {
        return http.send(request(token, key, body), HttpResponse.BodyHandlers.ofString());
    }

    /** Answers 201; a body of {@code slow} waits until the test lets it go. */
    static final class OrderServlet extends HttpServlet {
        @Override
        protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
            String body = new String(request.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (body.equals("slow")) {
                slowEntered.countDown();
                try {
                    slowRelease.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            response.setStatus(201);
            response.setContentType("text/plain");
            response.getWriter().write("order for " + request.getUserPrincipal().getName());
        }
    }
}
