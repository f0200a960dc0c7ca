package dev.stateless.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stateless.jwt.JwtKeys;
import dev.stateless.jwt.JwtVerifier;
import dev.stateless.redis.RedisIdempotencyKeyStore;
import dev.stateless.redis.RedisRevocationList;
import dev.stateless.redis.RedisSessionStore;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Each store, the verifier and each filter says in one INFO line at startup what it was
 * configured with, and never a secret: not a Redis password, not a key. (The test's SLF4J
 * binding writes to {@code System.err}, captured here.)
 */
class StartupLogTest {

    private static final String PASSWORD = "s3cr3t-pw";
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private PrintStream previous;
    private final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeEach
    void captureLog() {
        previous = System.err;
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restoreLog() throws Exception {
        System.setErr(previous);
        for (AutoCloseable c : closing) {
            c.close();
        }
    }

    private String log() {
        System.err.flush();
        return captured.toString(StandardCharsets.UTF_8);
    }

    @Test
    void storesNameTheirEndpointAndOptionsWithoutThePassword() {
        // Stores connect on first use, so nothing needs to listen on these ports.
        closing.add(RedisSessionStore.builder("redis://app:" + PASSWORD + "@127.0.0.1:6390/2").build());
        closing.add(RedisIdempotencyKeyStore.builder("rediss://:" + PASSWORD + "@127.0.0.1:6391").build());
        closing.add(RedisRevocationList.builder("redis-sentinel://:" + PASSWORD + "@127.0.0.1:26379/0#mymaster").build());
        closing.add(RedisSessionStore.builder("redis-cluster://app:" + PASSWORD + "@127.0.0.1:7000,127.0.0.1:7001")
                .keyPrefix("shop:").build());

        String log = log();
        assertThat(log).doesNotContain(PASSWORD)
                .contains("RedisSessionStore - RedisSessionStore[redis://***@127.0.0.1:6390/2, keyPrefix=stateless:, "
                        + "idleTimeout=PT30M")
                .contains("RedisIdempotencyKeyStore[rediss://***@127.0.0.1:6391/0, keyPrefix=stateless:, lease=PT30S")
                .contains("RedisRevocationList[redis-sentinel://***@127.0.0.1:26379/0#mymaster")
                .contains("RedisSessionStore[redis-cluster://***@127.0.0.1:7000,127.0.0.1:7001, keyPrefix=shop:");
        assertThat(log.lines().filter(l -> l.contains(" INFO ")).count()).isEqualTo(4);
    }

    @Test
    void theVerifierAndTheFiltersSayWhatTheyCheckButNoKey() throws Exception {
        byte[] secret = JwtKeys.generateHmacSecret();
        JwtVerifier verifier = JwtVerifier.builder().hmacSecret(secret).issuers("https://login.test").audiences("orders")
                .build();
        ServletContextHandler context = new ServletContextHandler();
        EnumSet<DispatcherType> request = EnumSet.of(DispatcherType.REQUEST);
        context.addFilter(new FilterHolder(BearerTokenFilter.builder(verifier).anonymous("/health").build()), "/*", request);
        FilterHolder idempotency = new FilterHolder(IdempotencyFilter.class);
        idempotency.setInitParameter("store-uri", "redis://:" + PASSWORD + "@127.0.0.1:6392");
        idempotency.setInitParameter("required", "true");
        context.addFilter(idempotency, "/*", request);
        FilterHolder sessions = new FilterHolder(StatelessSessionFilter.class);
        sessions.setInitParameter("store-uri", "redis://user:" + PASSWORD + "@127.0.0.1:6393");
        context.addFilter(sessions, "/*", request);
        context.addServlet(new ServletHolder(new HttpServlet() { }), "/*");
        try (EmbeddedJetty server = EmbeddedJetty.start(context)) {
            String log = log();
            assertThat(log).doesNotContain(PASSWORD)
                    .doesNotContain(Base64.getEncoder().encodeToString(secret))
                    .doesNotContain(Base64.getUrlEncoder().withoutPadding().encodeToString(secret))
                    .contains("JwtVerifier - JwtVerifier[algorithms=[HS256], keys=1")
                    .contains("audiences=[orders]")
                    .contains("BearerTokenFilter - BearerTokenFilter[verifier=JwtVerifier[")
                    .contains("anonymous=[/health]")
                    .contains("IdempotencyFilter - IdempotencyFilter[store=RedisIdempotencyKeyStore[redis://***@127.0.0.1:6392/0")
                    .contains("required=true")
                    .contains("StatelessSessionFilter - StatelessSessionFilter: store RedisSessionStore[redis://***@127.0.0.1:6393/0");
        }
    }
}
