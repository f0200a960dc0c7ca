package dev.stateless.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stateless.core.idempotency.IdempotencyKeyStore;
import dev.stateless.core.idempotency.InMemoryIdempotencyKeyStore;
import dev.stateless.core.token.TokenVerifier;
import dev.stateless.jwt.JwtIssuer;
import dev.stateless.jwt.JwtKeys;
import dev.stateless.jwt.JwtVerifier;
import dev.stateless.redis.RedisRevocationList;
import dev.stateless.testing.RedisServer;
import dev.stateless.testing.Tokens;
import dev.stateless.testing.WithRedis;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link BearerTokenFilter} and {@link IdempotencyFilter} declared as {@code web.xml} declares them:
 * by class name, with init parameters only (no builder, no Java configuration), on embedded Jetty
 * 12, over real HTTP, with a real Redis behind {@code store-uri} and {@code revocation-uri}. The
 * HS256 secret comes from a file ({@code hmac-secret-file}), as a mounted secret would; tokens come
 * from a real {@link JwtIssuer}. {@link AppServlet} answers what the application sees and counts
 * how often an order really ran.
 */
@WithRedis
class FilterDeclarationTest {

    private static final String ISSUER = "https://issuer.test";
    private static final String AUDIENCE = "orders";
    private static final byte[] SECRET = JwtKeys.generateHmacSecret();

    private static RedisServer redis;
    private static Path secretFile;
    private static final JwtIssuer issuer = JwtIssuer.builder().hmacSecret(SECRET).issuer(ISSUER).audience(AUDIENCE).build();
    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final AppServlet app = new AppServlet();
    private static Jetty node;

    @BeforeAll
    static void startRedisAndNode(RedisServer started) throws Exception {
        redis = started;
        secretFile = Files.createTempFile("stateless-hmac-", ".b64",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(secretFile, Base64.getEncoder().encodeToString(SECRET) + "\n");
        node = Jetty.start(bearerParameters(), idempotencyParameters(), Map.of());
    }

    @AfterAll
    static void stop() throws IOException {
        if (node != null) {
            node.close();
        }
        Files.deleteIfExists(secretFile);
    }

    @BeforeEach
    void emptyRedis() {
        redis.flushAll();
    }

    static Map<String, String> bearerParameters() {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("hmac-secret-file", secretFile.toString());
        params.put("issuers", ISSUER);
        params.put("audiences", AUDIENCE);
        params.put("clock-skew", "30");
        params.put("realm", "shop");
        params.put("anonymous", "/health, /public/*");
        params.put("require-role", "/admin/* admin, /ops/* ops admin");
        params.put("revocation-uri", redis.uri());
        return params;
    }

    static Map<String, String> idempotencyParameters() {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("store-uri", redis.uri());
        params.put("key-prefix", "shop:");
        params.put("lease", "PT10S");
        params.put("retention", "PT1H");
        params.put("paths", "/orders/*");
        params.put("required", "true");
        params.put("max-body-size", "1024");
        params.put("stored-headers", "Content-Type, Location");
        return params;
    }

    // ---- BearerTokenFilter

    @Test
    void bearerFilterDeclaredByClassAcceptsATokenFromTheIssuerWithTheSecretFromAFile() {
        HttpResponse<String> response = get("/whoami", issuer.issue("alice"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("principal=alice");
    }

    @Test
    void bearerFilterDeclaredByClassRefusesATokenSignedWithAnotherSecret() {
        JwtIssuer forger = JwtIssuer.builder().hmacSecret(JwtKeys.generateHmacSecret()).issuer(ISSUER).audience(AUDIENCE).build();

        HttpResponse<String> response = get("/whoami", forger.issue("alice"));

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v)
                .startsWith("Bearer realm=\"shop\"").contains("error=\"invalid_token\""));
        assertThat(response.body()).doesNotContain("principal=");
    }

    @Test
    void anonymousPathsFromInitParametersPassWithoutTokenAndOthersAskForOne() {
        assertThat(get("/health", null).body()).isEqualTo("principal=");
        assertThat(get("/public/prices", null).statusCode()).isEqualTo(200);

        HttpResponse<String> refused = get("/whoami", null);
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"shop\"");
    }

    @Test
    void requireRoleRulesFromInitParametersGuardTheirPaths() {
        String clerk = issuer.issue("bob", Map.of("roles", List.of("ops")));
        String admin = issuer.issue("carol", Map.of("roles", List.of("admin")));

        assertThat(get("/admin/users", clerk).statusCode()).isEqualTo(403);
        assertThat(get("/admin/users", admin).statusCode()).isEqualTo(200);
        assertThat(get("/ops/queue", clerk).statusCode()).isEqualTo(200);
        assertThat(get("/ops/queue", admin).statusCode()).as("either role of the rule").isEqualTo(200);
    }

    @Test
    void aTokenRevokedInRedisIsRefusedThroughTheRevocationUri() {
        String token = issuer.issue("dave");
        String jti = JwtVerifier.builder().hmacSecret(SECRET).build().verify(token).tokenId().orElseThrow();
        assertThat(get("/whoami", token).statusCode()).isEqualTo(200);

        try (RedisRevocationList revocations = RedisRevocationList.builder(redis.uri()).build()) {
            revocations.revoke(Tokens.token(ISSUER, jti, Instant.now().plus(Duration.ofMinutes(5))), Duration.ZERO);
        }

        HttpResponse<String> refused = get("/whoami", token);
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v)
                .contains("revoked"));
    }

    // ---- IdempotencyFilter

    @Test
    void idempotencyFilterDeclaredByClassReplaysTheFirstAnswerFromRedis() {
        String token = issuer.issue("alice");
        String key = UUID.randomUUID().toString();
        String body = "{\"item\":\"" + UUID.randomUUID() + "\"}";

        HttpResponse<String> first = post("/orders/new", token, key, body);
        HttpResponse<String> repeat = post("/orders/new", token, key, body);

        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(first.headers().firstValue("Idempotent-Replayed")).isEmpty();
        assertThat(repeat.statusCode()).isEqualTo(201);
        assertThat(repeat.body()).isEqualTo(first.body());
        assertThat(repeat.headers().firstValue("Location")).isEqualTo(first.headers().firstValue("Location"));
        assertThat(repeat.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(app.runs(body)).isEqualTo(1);
        // the record is where key-prefix says, scoped by the token's subject
        assertThat(redis.commandList("KEYS", "shop:i:*")).hasSize(1);
        assertThat(redis.commandList("KEYS", "stateless:i:*")).isEmpty();
        assertThat(redis.commandLong("PTTL", redis.commandList("KEYS", "shop:i:*").get(0)))
                .isPositive().isLessThanOrEqualTo(Duration.ofHours(1).toMillis());
    }

    @Test
    void idempotencyOptionsFromInitParametersAreApplied() {
        String token = issuer.issue("alice");

        HttpResponse<String> missingKey = post("/orders/new", token, null, "{}");
        assertThat(missingKey.statusCode()).as("required=true").isEqualTo(400);

        HttpResponse<String> tooLarge = post("/orders/new", token, UUID.randomUUID().toString(), "x".repeat(2000));
        assertThat(tooLarge.statusCode()).as("max-body-size=1024").isEqualTo(413);

        HttpResponse<String> otherPath = post("/carts/new", token, null, "{}");
        assertThat(otherPath.statusCode()).as("paths=/orders/*").isEqualTo(201);
        assertThat(app.runs("x".repeat(2000))).isZero();
    }

    @Test
    void filtersUseTheStoreAndVerifierTheApplicationPutInServletContextAttributes() throws Exception {
        Map<String, Object> attributes = Map.of(
                TokenVerifier.class.getName(), JwtVerifier.builder().hmacSecret(SECRET).build(),
                IdempotencyKeyStore.class.getName(), InMemoryIdempotencyKeyStore.builder().build());
        try (Jetty attributed = Jetty.start(Map.of("anonymous", "/health"), Map.of("required", "true"), attributes)) {
            String token = issuer.issue("erin");
            String key = UUID.randomUUID().toString();
            String body = "{\"item\":\"" + UUID.randomUUID() + "\"}";

            assertThat(attributed.get("/whoami", token).body()).isEqualTo("principal=erin");
            HttpResponse<String> first = attributed.post("/orders/new", token, key, body);
            HttpResponse<String> repeat = attributed.post("/orders/new", token, key, body);

            assertThat(repeat.headers().firstValue("Idempotent-Replayed")).hasValue("true");
            assertThat(repeat.body()).isEqualTo(first.body());
            assertThat(app.runs(body)).isEqualTo(1);
            assertThat(redis.commandList("KEYS", "*")).as("nothing went to Redis").isEmpty();
        }
    }

    // ---- startup errors

    @Test
    void anUnknownBearerParameterFailsStartupNamingFilterAndParameter() {
        Map<String, String> params = bearerParameters();
        params.put("audience", AUDIENCE); // the option is "audiences"

        assertThat(Jetty.startupFailure(params, idempotencyParameters()))
                .isEqualTo("BearerTokenFilter: unknown parameters [audience]");
    }

    @Test
    void aBadBearerValueFailsStartupNamingFilterAndParameter() {
        Map<String, String> params = bearerParameters();
        params.put("clock-skew", "soon");

        assertThat(Jetty.startupFailure(params, idempotencyParameters()))
                .isEqualTo("BearerTokenFilter: clock-skew must be a duration such as PT30M or 1800, was 'soon'");
    }

    @Test
    void aSecretFromAnUnsetEnvironmentVariableFailsStartupNamingTheVariable() {
        Map<String, String> params = bearerParameters();
        params.remove("hmac-secret-file");
        params.put("hmac-secret-env", "STATELESS_TEST_SECRET_THAT_IS_NOT_SET");

        assertThat(Jetty.startupFailure(params, idempotencyParameters())).isEqualTo("BearerTokenFilter: hmac-secret-env: "
                + "the environment variable 'STATELESS_TEST_SECRET_THAT_IS_NOT_SET' is not set or empty");
    }

    @Test
    void aSecretWrittenIntoTheParametersIsRefused() {
        Map<String, String> params = bearerParameters();
        params.remove("hmac-secret-file");
        params.put("hmac-secret", Base64.getEncoder().encodeToString(SECRET));

        String failure = Jetty.startupFailure(params, idempotencyParameters());

        assertThat(failure).startsWith("BearerTokenFilter: hmac-secret is not accepted")
                .contains("hmac-secret-env").contains("hmac-secret-file")
                .doesNotContain(Base64.getEncoder().encodeToString(SECRET));
    }

    @Test
    void aRoleRuleWithoutRoleFailsStartupNamingTheParameter() {
        Map<String, String> params = bearerParameters();
        params.put("require-role", "/admin/* admin, /ops/*");

        assertThat(Jetty.startupFailure(params, idempotencyParameters())).startsWith(
                "BearerTokenFilter: require-role has a rule for /ops/* that names no role");
    }

    @Test
    void anUnknownIdempotencyParameterFailsStartupNamingFilterAndParameter() {
        Map<String, String> params = idempotencyParameters();
        params.put("max-body", "1024");

        assertThat(Jetty.startupFailure(bearerParameters(), params))
                .isEqualTo("IdempotencyFilter: unknown init parameters [max-body]");
    }

    @Test
    void aBadIdempotencyValueFailsStartupNamingFilterAndParameter() {
        Map<String, String> params = idempotencyParameters();
        params.put("max-body-size", "1MB");

        assertThat(Jetty.startupFailure(bearerParameters(), params)).isEqualTo(
                "IdempotencyFilter: max-body-size must be a whole number between 0 and 9223372036854775807, was '1MB'");
    }

    @Test
    void theRecordLimitFromInitParametersAnswers429ForANewKeyOverIt() throws Exception {
        Map<String, String> params = idempotencyParameters();
        params.put("max-records-per-hour", "1");
        params.put("anonymous-keys", "scope-by-client-address");
        params.put("max-form-keys", "10");
        try (Jetty limited = Jetty.start(bearerParameters(), params, Map.of())) {
            String token = issuer.issue("frank");

            HttpResponse<String> first = limited.post("/orders/new", token, UUID.randomUUID().toString(), "{}");
            HttpResponse<String> second = limited.post("/orders/new", token, UUID.randomUUID().toString(), "{}");

            assertThat(first.statusCode()).isEqualTo(201);
            assertThat(second.statusCode()).isEqualTo(429);
            assertThat(second.headers().firstValue("Retry-After")).isPresent();
        }
    }

    @Test
    void aBadAnonymousKeysValueFailsStartupNamingIt() {
        Map<String, String> params = idempotencyParameters();
        params.put("anonymous-keys", "allow");

        assertThat(Jetty.startupFailure(bearerParameters(), params)).isEqualTo(
                "IdempotencyFilter: anonymous-keys must be refuse or scope-by-client-address, was 'allow'");
    }

    @Test
    void aHeartbeatNotShorterThanTheLeaseFailsStartupNamingIt() {
        Map<String, String> params = idempotencyParameters();
        params.put("heartbeat", "PT10S");

        assertThat(Jetty.startupFailure(bearerParameters(), params))
                .startsWith("IdempotencyFilter: heartbeat must be positive and shorter than the lease (PT10S)");
    }

    @Test
    void anIdempotencyFilterWithoutStoreFailsStartupSayingWhatItNeeds() {
        Map<String, String> params = idempotencyParameters();
        params.remove("store-uri");
        params.remove("key-prefix");
        params.remove("lease");
        params.remove("retention");

        assertThat(Jetty.startupFailure(bearerParameters(), params)).isEqualTo("IdempotencyFilter: needs the init "
                + "parameter 'store-uri' (such as redis://host:6379) or an IdempotencyKeyStore in the servlet context "
                + "attribute 'dev.stateless.core.idempotency.IdempotencyKeyStore'");
    }

    // ---- helpers

    private static HttpResponse<String> get(String path, String token) {
        return node.get(path, token);
    }

    private static HttpResponse<String> post(String path, String token, String key, String body) {
        return node.post(path, token, key, body);
    }

    static HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static HttpRequest.Builder request(URI base, String path, String token) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return request;
    }

    /** One Jetty 12 node with the two filters declared by class name, and {@link AppServlet}. */
    static final class Jetty implements AutoCloseable {
        private final EmbeddedJetty jetty;
        private final URI base;

        private Jetty(EmbeddedJetty jetty) {
            this.jetty = jetty;
            this.base = jetty.base();
        }

        static Jetty start(Map<String, String> bearer, Map<String, String> idempotency, Map<String, Object> attributes)
                throws Exception {
            ServletContextHandler context = new ServletContextHandler("/", ServletContextHandler.NO_SESSIONS);
            attributes.forEach(context::setAttribute);
            context.addFilter(declared("auth", BearerTokenFilter.class.getName(), bearer), "/*",
                    EnumSet.of(DispatcherType.REQUEST));
            context.addFilter(declared("idempotency", IdempotencyFilter.class.getName(), idempotency), "/*",
                    EnumSet.of(DispatcherType.REQUEST));
            ServletHolder servlet = new ServletHolder("app", app);
            servlet.setAsyncSupported(true);
            context.addServlet(servlet, "/*");
            EmbeddedJetty jetty = EmbeddedJetty.start(context);
            return new Jetty(jetty);
        }

        /** As {@code <filter><filter-class>...</filter-class><init-param>...</init-param><async-supported>true</async-supported></filter>}. */
        private static FilterHolder declared(String name, String className, Map<String, String> params) {
            FilterHolder holder = new FilterHolder();
            holder.setName(name);
            holder.setClassName(className);
            holder.setInitParameters(params);
            holder.setAsyncSupported(true);
            return holder;
        }

        /** The message of the {@link ServletException} that stopped the node from starting. */
        static String startupFailure(Map<String, String> bearer, Map<String, String> idempotency) {
            try (Jetty started = start(bearer, idempotency, Map.of())) {
                throw new AssertionError("the node started");
            } catch (AssertionError e) {
                throw e;
            } catch (Exception e) {
                for (Throwable t = e; t != null; t = t.getCause()) {
                    if (t instanceof ServletException && t.getMessage() != null
                            && (t.getMessage().startsWith("BearerTokenFilter") || t.getMessage().startsWith("IdempotencyFilter"))) {
                        return t.getMessage();
                    }
                }
                throw new AssertionError("startup failed without the filter's ServletException", e);
            }
        }

        HttpResponse<String> get(String path, String token) {
            return send(request(base, path, token).GET().build());
        }

        HttpResponse<String> post(String path, String token, String key, String body) {
            HttpRequest.Builder request = request(base, path, token).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body));
            if (key != null) {
                request.header("Idempotency-Key", key);
            }
            return send(request.build());
        }

        @Override
        public void close() {
            jetty.close();
        }
    }

    /** Answers who the caller is; a POST is an "order" that counts its runs by body. */
    static final class AppServlet extends HttpServlet {
        private final Map<String, AtomicInteger> runs = new java.util.concurrent.ConcurrentHashMap<>();
        private final AtomicInteger ids = new AtomicInteger();

        int runs(String body) {
            AtomicInteger n = runs.get(body);
            return n == null ? 0 : n.get();
        }

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            response.setContentType("text/plain;charset=UTF-8");
            String principal = request.getUserPrincipal() == null ? "" : request.getUserPrincipal().getName();
            response.getWriter().print("principal=" + principal);
        }

        @Override
        protected void doPut(HttpServletRequest request, HttpServletResponse response) throws IOException {
            doPost(request, response);
        }

        @Override
        protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
            String body = new String(request.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            runs.computeIfAbsent(body, b -> new AtomicInteger()).incrementAndGet();
            int id = ids.incrementAndGet();
            response.setStatus(201);
            response.setHeader("Location", "/orders/" + id);
            response.setContentType("application/json");
            response.getWriter().print("{\"order\":" + id + ",\"by\":\""
                    + (request.getUserPrincipal() == null ? "" : request.getUserPrincipal().getName()) + "\"}");
        }
    }
}
