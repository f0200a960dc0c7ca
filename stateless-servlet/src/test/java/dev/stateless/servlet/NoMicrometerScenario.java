package dev.stateless.servlet;

import dev.stateless.core.Health;
import dev.stateless.core.idempotency.Acquisition;
import dev.stateless.core.session.SessionChanges;
import dev.stateless.core.session.SessionData;
import dev.stateless.core.session.SessionStore;
import dev.stateless.jwt.JwtIssuer;
import dev.stateless.jwt.JwtKeys;
import dev.stateless.jwt.JwtVerifier;
import dev.stateless.redis.RedisIdempotencyKeyStore;
import dev.stateless.redis.RedisRevocationList;
import dev.stateless.redis.RedisSessionStore;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.function.Function;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;

/**
 * Run by {@link WithoutMicrometerTest} in a class loader without Micrometer: uses every store, the
 * verifier and the filters as an application without Micrometer would, and fails (throws) at the
 * first thing that does not work. Given the Redis URI; answers {@link #DONE}.
 */
public final class NoMicrometerScenario implements Function<String, String> {

    static final String DONE = "done without Micrometer";

    @Override
    public String apply(String redisUri) {
        try {
            run(redisUri);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return DONE;
    }

    private static void run(String redisUri) throws Exception {
        try {
            Class.forName("io.micrometer.core.instrument.MeterRegistry");
            throw new AssertionError("Micrometer is on this class path");
        } catch (ClassNotFoundException expected) {
            // as it should be
        }
        // What containers and frameworks do to a filter or bean class: look at all its members.
        for (Class<?> type : List.of(dev.stateless.redis.RedisStores.class, RedisSessionStore.class, RedisIdempotencyKeyStore.class, RedisRevocationList.class,
                JwtVerifier.class, StatelessSessionFilter.class, IdempotencyFilter.class, BearerTokenFilter.class,
                dev.stateless.core.idempotency.Idempotency.class)) {
            type.getDeclaredMethods();
            type.getDeclaredFields();
            type.getDeclaredConstructors();
        }

        try (RedisSessionStore sessions = RedisSessionStore.builder(redisUri).build();
                RedisIdempotencyKeyStore keys = RedisIdempotencyKeyStore.builder(redisUri).build();
                RedisRevocationList revoked = RedisRevocationList.builder(redisUri).build()) {
            SessionData session = sessions.newSession();
            check(sessions.save(SessionChanges.to(session).set("n", sessions.codec().encode(1)).build()), "save");
            check(sessions.load(session.id()).isPresent(), "load");
            sessions.delete(session.id());
            check(keys.acquire("k", "f") instanceof Acquisition.Acquired, "acquire");
            for (Health health : List.of(sessions.health(), keys.health(), revoked.health())) {
                check(health.isUp(), "health " + health);
            }

            byte[] secret = JwtKeys.generateHmacSecret();
            JwtVerifier verifier = JwtVerifier.builder().hmacSecret(secret).revocationList(revoked).build();
            String token = JwtIssuer.builder().hmacSecret(secret).build().issue("alice");
            check(verifier.verify(token).subject().equals("alice"), "verify");

            serve(redisUri, verifier, keys, token);
        }
        try (dev.stateless.redis.RedisStores shared = dev.stateless.redis.RedisStores.builder(redisUri).build()) {
            SessionStore sessions = shared.sessionStore().build();
            check(sessions.load(dev.stateless.core.session.SessionId.generate()).isEmpty(), "load through RedisStores");
            check(shared.health().isUp(), "RedisStores health");
        }
    }

    /** The three filters on Jetty; the session filter from web.xml-style init parameters. */
    private static void serve(String redisUri, JwtVerifier verifier, RedisIdempotencyKeyStore keys, String token)
            throws Exception {
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        EnumSet<DispatcherType> request = EnumSet.of(DispatcherType.REQUEST);
        context.addFilter(new FilterHolder(BearerTokenFilter.builder(verifier).build()), "/*", request);
        context.addFilter(new FilterHolder(IdempotencyFilter.builder(keys).build()), "/*", request);
        FilterHolder sessions = new FilterHolder(StatelessSessionFilter.class);
        sessions.setInitParameter("store-uri", redisUri);
        context.addFilter(sessions, "/*", request);
        context.addServlet(new ServletHolder(new CountingServlet()), "/count");
        try (EmbeddedJetty server = EmbeddedJetty.start(context)) {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            URI uri = URI.create("http://127.0.0.1:" + server.port() + "/count");
            HttpResponse<String> first = http.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + token)
                    .header("Idempotency-Key", "\"once\"").POST(HttpRequest.BodyPublishers.ofString("x")).build(),
                    HttpResponse.BodyHandlers.ofString());
            check(first.statusCode() == 200 && first.body().equals("1"), "first POST: " + first.statusCode());
            String cookie = first.headers().firstValue("Set-Cookie").orElseThrow().split(";", 2)[0];
            HttpResponse<String> replay = http.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + token)
                    .header("Cookie", cookie).header("Idempotency-Key", "\"once\"")
                    .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
            check(replay.body().equals("1") && replay.headers().firstValue("Idempotent-Replayed").isPresent(), "replay");
            HttpResponse<String> again = http.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + token)
                    .header("Cookie", cookie).GET().build(), HttpResponse.BodyHandlers.ofString());
            check(again.body().equals("2"), "session in Redis: " + again.body());
        }
    }

    private static void check(boolean condition, String what) {
        if (!condition) {
            throw new AssertionError("without Micrometer: " + what);
        }
    }

    /** Counts requests in the session. */
    public static final class CountingServlet extends HttpServlet {
        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
            Integer count = (Integer) request.getSession().getAttribute("count");
            int next = count == null ? 1 : count + 1;
            request.getSession().setAttribute("count", next);
            response.setContentType("text/plain");
            response.getWriter().write(Integer.toString(next));
        }
    }
}
