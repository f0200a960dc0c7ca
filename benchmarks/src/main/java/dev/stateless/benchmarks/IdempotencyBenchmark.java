package dev.stateless.benchmarks;

import dev.stateless.redis.RedisIdempotencyKeyStore;
import dev.stateless.redis.RedisSessionStore;
import dev.stateless.servlet.AnonymousKeys;
import dev.stateless.servlet.IdempotencyFilter;
import dev.stateless.servlet.StatelessSessionFilter;
import dev.stateless.testing.RoundTripProxy;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Section 2: the same JSON POST through {@link IdempotencyFilter} with a {@link RedisIdempotencyKeyStore}
 * (a new key per request), without the filter, replayed (a key whose answer is stored), and through
 * both filters by a client with a session that the application reads and changes. Round trips per
 * request are counted exactly by a {@link RoundTripProxy} in a separate sequential pass through a
 * second set of servers whose stores connect through it (the timed rounds never go through it).
 */
final class IdempotencyBenchmark {

    static final String TITLE = "2. Idempotent writes";
    static final List<String> VARIANTS = List.of("N", "I", "R", "S");
    static final Map<String, String> LABELS = Map.of(
            "N", "N. POST without IdempotencyFilter",
            "I", "I. POST through IdempotencyFilter + RedisIdempotencyKeyStore (new key each time)",
            "R", "R. replay: POST repeating a completed key",
            "S", "S. POST through StatelessSessionFilter + IdempotencyFilter, the application reads its session and changes one attribute");

    /** The proxy's quiet time: well above any pause inside one burst of commands on a busy 2-core machine. */
    static final Duration QUIET = Duration.ofMillis(50);

    private static final String KEY_PLACEHOLDER = "000000000000";
    private static final byte[] BODY = ("{\"customer\":\"c-1042\",\"currency\":\"EUR\",\"items\":[{\"sku\":\"SKU-100037\","
            + "\"quantity\":2,\"price\":\"19.90\"},{\"sku\":\"SKU-100111\",\"quantity\":1,\"price\":\"149.00\"}],"
            + "\"shipping\":{\"method\":\"standard\",\"postcode\":\"1012 AB\",\"country\":\"NL\"},\"note\":\"leave at the door\"}")
            .getBytes(StandardCharsets.UTF_8);

    private final Mode mode;
    private final Consumer<String> log;

    IdempotencyBenchmark(Mode mode, Consumer<String> log) {
        this.mode = mode;
        this.log = log;
    }

    Section run(HttpLoad load) throws Exception {
        List<AutoCloseable> resources = new ArrayList<>();
        try {
            RedisNode redis = RedisNode.start();
            resources.add(redis);
            RedisIdempotencyKeyStore store = RedisIdempotencyKeyStore.builder(redis.uri()).build();
            resources.add(store);
            // One anonymous load generator: scoped by its address (the explicit opt-in for clients without user or session).
            IdempotencyFilter filter = IdempotencyFilter.builder(store).methods("POST").paths("/orders").required(true)
                    .anonymousKeys(AnonymousKeys.SCOPE_BY_CLIENT_ADDRESS).build();
            JettyServer plain = JettyServer.start("N", false, List.of(), new OrderServlet());
            resources.add(plain);
            JettyServer guarded = JettyServer.start("I", false, List.of(filter), new OrderServlet());
            resources.add(guarded);
            RedisSessionStore sessions = RedisSessionStore.builder(redis.uri()).build();
            resources.add(sessions);
            JettyServer withSession = JettyServer.start("S", false, sessionFilters(store, sessions), new OrderServlet(true));
            resources.add(withSession);

            int clients = load.clients();
            HttpLoad.Request[] fresh = new HttpLoad.Request[clients];
            HttpLoad.Request[] freshPlain = new HttpLoad.Request[clients];
            HttpLoad.Request[] replays = new HttpLoad.Request[clients];
            HttpLoad.Request[] withSessions = new HttpLoad.Request[clients];
            try (HttpConnection setup = new HttpConnection(withSession.port())) {
                for (int i = 0; i < clients; i++) {
                    Map<String, String> cookies = new LinkedHashMap<>();
                    newSession(setup, withSession.port(), i, cookies);
                    // one POST first, so that the client carries the version cookie of a saved session, as a browser would
                    post(setup, withSession.port(), "first-" + i, cookies);
                    withSessions[i] = HttpLoad.Request.counting(sessionOrder(withSession.port(), "s-" + i + "-" + KEY_PLACEHOLDER,
                            cookieHeader(cookies)), KEY_PLACEHOLDER);
                }
            }
            try (HttpConnection setup = new HttpConnection(guarded.port())) {
                for (int i = 0; i < clients; i++) {
                    fresh[i] = HttpLoad.Request.counting(order(guarded.port(), "k-" + i + "-" + KEY_PLACEHOLDER), KEY_PLACEHOLDER);
                    freshPlain[i] = HttpLoad.Request.counting(order(plain.port(), "k-" + i + "-" + KEY_PLACEHOLDER), KEY_PLACEHOLDER);
                    byte[] replay = order(guarded.port(), "replayed-" + i);
                    int status = setup.exchange(replay, true);
                    if (status != 201) {
                        throw new IllegalStateException("first POST answered " + status + ": " + setup.body());
                    }
                    replays[i] = HttpLoad.Request.fixed(replay);
                }
            }
            List<HttpCell> cells = List.of(
                    new HttpCell("N", LABELS.get("N"), plain.port(), freshPlain, null, 201),
                    new HttpCell("I", LABELS.get("I"), guarded.port(), fresh, redis, 201),
                    new HttpCell("R", LABELS.get("R"), guarded.port(), replays, redis, 201),
                    new HttpCell("S", LABELS.get("S"), withSession.port(), withSessions, redis, 201));
            log.accept("idempotency: warm-up");
            for (int pass = 0; pass < 2; pass++) {
                for (HttpCell cell : cells) {
                    cell.slice(load, mode.httpWarmup().toNanos(), false);
                }
            }
            for (int round = 0; round < mode.rounds(); round++) {
                Map<HttpCell, Double> measured = new LinkedHashMap<>();
                for (HttpCell cell : HttpCell.rotated(cells, round)) {
                    measured.put(cell, cell.slice(load, mode.httpSlice().toNanos(), true));
                }
                StringBuilder line = new StringBuilder();
                for (HttpCell cell : cells) {
                    cell.ratiosTo(cells.get(0));
                    line.append(' ').append(cell.key).append('=').append(Fmt.count(measured.get(cell)));
                }
                log.accept("idempotency: round " + (round + 1) + "/" + mode.rounds() + line);
            }
            for (HttpCell cell : cells) {
                cell.census(load, mode.censusRequestsPerClient());
            }
            log.accept("idempotency: counting round trips through a RoundTripProxy");
            Map<String, RoundTrips> roundTrips = countRoundTrips(redis, resources, mode.censusRequestsPerClient());
            return report(cells, clients, roundTrips);
        } finally {
            Collections.reverse(resources);
            for (AutoCloseable resource : resources) {
                try {
                    resource.close();
                } catch (Exception e) {
                    log.accept("could not close " + resource + ": " + e);
                }
            }
        }
    }

    private static byte[] order(int port, String key) {
        return HttpConnection.request("POST", "/orders", port, BODY, "Content-Type", "application/json",
                "Idempotency-Key", "\"" + key + "\"");
    }

    private static byte[] sessionOrder(int port, String key, String cookie) {
        return HttpConnection.request("POST", "/orders", port, BODY, "Content-Type", "application/json",
                "Idempotency-Key", "\"" + key + "\"", "Cookie", cookie);
    }

    /** The documented order: IdempotencyFilter before StatelessSessionFilter (the session is saved before the answer is recorded). */
    private static List<Filter> sessionFilters(RedisIdempotencyKeyStore keys, RedisSessionStore sessions) {
        return List.of(IdempotencyFilter.builder(keys).methods("POST").paths("/orders").required(true).build(),
                StatelessSessionFilter.builder(sessions).build());
    }

    /** {@code GET /init}: a new session with the benchmark's 10 attributes; its cookies go into {@code cookies}. */
    private static void newSession(HttpConnection connection, int port, int client, Map<String, String> cookies) throws IOException {
        int status = connection.exchange(HttpConnection.request("GET", "/init", port, null, "X-Client", Integer.toString(client)), true);
        if (status != 200 || connection.cookies().isEmpty()) {
            throw new IllegalStateException("S: /init answered " + status + " with cookies " + connection.cookies() + ": "
                    + connection.body());
        }
        keep(connection, cookies);
    }

    /** One POST with a session, as a browser sends it: the cookies it holds, updated from the answer. */
    private static void post(HttpConnection connection, int port, String key, Map<String, String> cookies) throws IOException {
        int status = connection.exchange(sessionOrder(port, key, cookieHeader(cookies)), true);
        if (status != 201) {
            throw new IllegalStateException("S: POST answered " + status + ": " + connection.body());
        }
        keep(connection, cookies);
    }

    private static void keep(HttpConnection connection, Map<String, String> cookies) {
        for (String cookie : connection.cookies()) {
            int equals = cookie.indexOf('=');
            cookies.put(cookie.substring(0, equals), cookie.substring(equals + 1));
        }
    }

    private static String cookieHeader(Map<String, String> cookies) {
        StringBuilder header = new StringBuilder();
        cookies.forEach((name, value) -> header.append(header.length() == 0 ? "" : "; ").append(name).append('=').append(value));
        return header.toString();
    }

    /** Round trips of each measured request, as a {@link RoundTripProxy} counted them. */
    record RoundTrips(List<Long> perRequest) {
        double median() {
            List<Double> values = new ArrayList<>();
            perRequest.forEach(n -> values.add((double) n));
            return Fmt.median(values);
        }

        double mean() {
            return perRequest.stream().mapToLong(Long::longValue).average().orElse(Double.NaN);
        }

        long min() {
            return perRequest.stream().mapToLong(Long::longValue).min().orElse(0);
        }

        long max() {
            return perRequest.stream().mapToLong(Long::longValue).max().orElse(0);
        }

        /** {@code "4.00 (mean 4.00, 4–4 over 25 requests)"}. */
        String describe() {
            return Fmt.perOp(median()) + " (mean " + Fmt.perOp(mean()) + ", " + min() + "–" + max() + " over " + perRequest.size()
                    + " requests)";
        }
    }

    /**
     * A second server per variant, the same filters, with stores that connect through a {@link
     * RoundTripProxy}; one client sends its requests one after the other (a warm-up first: scripts
     * loaded, connections made), and each request's count is read once the proxy has been quiet
     * for twice its quiet time after the answer, so that whatever the filters send after the
     * response counts for that request.
     */
    private Map<String, RoundTrips> countRoundTrips(RedisNode redis, List<AutoCloseable> resources, int requests) throws Exception {
        RoundTripProxy proxy = RoundTripProxy.start(redis.port(), QUIET);
        resources.add(proxy);
        RedisIdempotencyKeyStore keys = RedisIdempotencyKeyStore.builder(proxy.uri()).build();
        resources.add(keys);
        RedisSessionStore sessions = RedisSessionStore.builder(proxy.uri()).build();
        resources.add(sessions);
        JettyServer guarded = JettyServer.start("I-counted", false, List.of(IdempotencyFilter.builder(keys).methods("POST")
                .paths("/orders").required(true).anonymousKeys(AnonymousKeys.SCOPE_BY_CLIENT_ADDRESS).build()), new OrderServlet());
        resources.add(guarded);
        JettyServer withSession = JettyServer.start("S-counted", false, sessionFilters(keys, sessions), new OrderServlet(true));
        resources.add(withSession);
        int warmup = 3;
        Map<String, RoundTrips> counted = new LinkedHashMap<>();
        try (HttpConnection client = new HttpConnection(guarded.port())) {
            counted.put("I", count(proxy, warmup, requests, n -> {
                send(client, order(guarded.port(), "counted-i-" + n));
            }));
            send(client, order(guarded.port(), "counted-replayed"));
            counted.put("R", count(proxy, warmup, requests, n -> {
                send(client, order(guarded.port(), "counted-replayed"));
            }));
        }
        try (HttpConnection client = new HttpConnection(withSession.port())) {
            Map<String, String> cookies = new LinkedHashMap<>();
            newSession(client, withSession.port(), 0, cookies);
            counted.put("S", count(proxy, warmup, requests, n -> {
                post(client, withSession.port(), "counted-s-" + n, cookies);
            }));
        }
        return counted;
    }

    @FunctionalInterface
    private interface Exchange {
        void send(int n) throws IOException;
    }

    private static void send(HttpConnection client, byte[] request) throws IOException {
        int status = client.exchange(request, true);
        if (status != 201) {
            throw new IllegalStateException("POST answered " + status + ": " + client.body());
        }
    }

    private static RoundTrips count(RoundTripProxy proxy, int warmup, int requests, Exchange exchange) throws IOException {
        List<Long> perRequest = new ArrayList<>();
        settle(proxy);
        for (int n = 0; n < warmup + requests; n++) {
            long before = proxy.roundTrips();
            exchange.send(n);
            settle(proxy);
            if (n >= warmup) {
                perRequest.add(proxy.roundTrips() - before);
            }
        }
        return new RoundTrips(perRequest);
    }

    /** Waits until the proxy has counted nothing new for twice its quiet time. */
    private static void settle(RoundTripProxy proxy) {
        long seen = proxy.roundTrips();
        long quietSince = System.nanoTime();
        while (System.nanoTime() - quietSince < 2 * QUIET.toNanos()) {
            try {
                TimeUnit.MILLISECONDS.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            long now = proxy.roundTrips();
            if (now != seen) {
                seen = now;
                quietSince = System.nanoTime();
            }
        }
    }

    private Section report(List<HttpCell> cells, int clients, Map<String, RoundTrips> roundTrips) {
        StringBuilder md = new StringBuilder();
        md.append("`POST /orders` with a ").append(BODY.length).append("-byte JSON body; the servlet reads it and answers ")
                .append("`201` with a small JSON body and a `Location` header. ").append(clients)
                .append(" clients, keep-alive, each request with its own `Idempotency-Key` (I, S), or repeating a key whose ")
                .append("answer is stored (R). Filter: `IdempotencyFilter.builder(store).methods(\"POST\").paths(\"/orders\")")
                .append(".required(true).anonymousKeys(AnonymousKeys.SCOPE_BY_CLIENT_ADDRESS)`, store defaults (lease 30 s, retention 24 h). ")
                .append("S: `IdempotencyFilter` (the same, without `anonymousKeys`: keys are scoped by the session) before ")
                .append("`StatelessSessionFilter.builder(sessionStore).build()` (the documented order), both stores on the same ")
                .append("`redis-server`; each client has its own session of section 1's 10 attributes (made in setup with one ")
                .append("`GET /init` and one `POST`) and sends its `SESSION` and `SESSION_VERSION` cookies (in the timed rounds the ones from setup, ")
                .append("as section 1 sends its cookies: without a near cache the store reads Redis whatever the version); the servlet ")
                .append("reads all 10 attributes and changes the counter. Medians of ").append(mode.rounds())
                .append(" interleaved rounds; × N in the same round.\n\n");
        md.append("| variant | req/s | × N | p50 ms (× N) | p99 ms (× N) | server CPU µs/req (× N) | kernel share of server CPU | Redis CPU µs/req (kernel share) | "
                + "Redis commands/req (all) | top-level commands/req | top-level mix | round trips/req (measured) | errors |\n");
        md.append("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|--:|--:|\n");
        for (HttpCell cell : cells) {
            boolean redis = cell.redis != null;
            RoundTrips counted = roundTrips.get(cell.key);
            md.append("| ").append(cell.label)
                    .append(" | ").append(Fmt.count(cell.medianPerSecond()))
                    .append(" | ").append(Fmt.ratio(cell.ratioToBaseline))
                    .append(" | ").append(cell.p50())
                    .append(" | ").append(cell.p99())
                    .append(" | ").append(cell.serverCpu())
                    .append(" | ").append(cell.kernelShare())
                    .append(" | ").append(cell.redisCpu())
                    .append(" | ").append(redis ? Fmt.perOp(cell.commandsPerRequest()) : "-")
                    .append(" | ").append(redis ? Fmt.perOp(cell.topLevelPerRequest()) : "0")
                    .append(" | ").append(redis ? cell.census.topLevelMix(cell.censusRequests)
                            + "; in scripts: " + cell.census.inScriptMix(cell.censusRequests) : "-")
                    .append(" | ").append(counted == null ? (redis ? "-" : "0") : counted.describe())
                    .append(" | ").append(cell.errors == 0 ? "0" : cell.errors + " (" + cell.firstError + ")")
                    .append(" |\n");
        }
        md.append("\n**Round trips (measured)**: a separate pass, not timed: a second Jetty server per variant with the same ")
                .append("filters, whose stores connect through the test kit's `RoundTripProxy`, which holds what the clients send ")
                .append("and passes it to Redis once nothing more has come for ").append(QUIET.toMillis())
                .append(" ms, each such batch one round trip (commands pipelined or in flight together count once; a command sent ")
                .append("after waiting for a reply counts again). One client sends its requests one after another, keeping its ")
                .append("cookies as a browser does, after 3 warm-up requests; each request's count includes whatever the filters ")
                .append("send after the answer. Median per request (mean, range). The top-level commands come from the ")
                .append("MONITOR pass and bound the round trips from above.\n");
        HttpCell n = cells.get(0);
        HttpCell i = cells.get(1);
        HttpCell r = cells.get(2);
        HttpCell withSession = cells.get(3);
        md.append("\nCost of the filter per request: ")
                .append(Fmt.count(i.serverCpuMicrosPerRequest() - n.serverCpuMicrosPerRequest()))
                .append(" µs of server CPU and ").append(Fmt.count(i.redisCpuMicrosPerRequest()))
                .append(" µs of Redis CPU. A replay costs ").append(Fmt.count(r.serverCpuMicrosPerRequest()))
                .append(" µs of server CPU (the application does not run), ").append(Fmt.perOp(roundTrips.get("R").median()))
                .append(" round trip(s), and answers at ").append(Fmt.ratio(r.medianPerSecond() / i.medianPerSecond()))
                .append(" the rate of a first request. With a session (S) a request costs ")
                .append(Fmt.count(withSession.serverCpuMicrosPerRequest())).append(" µs of server CPU, ")
                .append(Fmt.count(withSession.redisCpuMicrosPerRequest())).append(" µs of Redis CPU and ")
                .append(Fmt.perOp(roundTrips.get("S").median())).append(" round trips.\n");
        List<Target> targets = List.of(
                roundTripTarget("I round trips per request (acquire + complete)", i, roundTrips.get("I")),
                roundTripTarget("S idempotent POST with a session (load, acquire, run, save, complete), round trips", withSession,
                        roundTrips.get("S")));
        return new Section(TITLE, md.toString(), targets);
    }

    /** Judged on the median of the counted round trips per request; the census's top-level commands shown beside. */
    private static Target roundTripTarget(String what, HttpCell cell, RoundTrips counted) {
        boolean met = !counted.perRequest().isEmpty() && counted.median() <= 2.0 + 1e-9;
        return new Target(TITLE, what, "≤ 2", counted.describe() + "; top-level commands " + Fmt.perOp(cell.topLevelPerRequest())
                + " (" + cell.census.topLevelMix(cell.censusRequests) + ")", met);
    }

    /**
     * The application: reads the order and answers 201 Created. With sessions (S) it also reads all
     * 10 attributes of the client's session and changes one (the counter), and {@code GET /init}
     * creates the session.
     */
    static final class OrderServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;
        private final AtomicLong ids = new AtomicLong();
        private final boolean sessions;

        OrderServlet() {
            this(false);
        }

        OrderServlet(boolean sessions) {
            this.sessions = sessions;
        }

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            if (!sessions || !request.getRequestURI().equals("/init")) {
                response.sendError(404);
                return;
            }
            HttpSession session = request.getSession(true);
            SessionAttributes.populate(session, Integer.parseInt(request.getHeader("X-Client")));
            byte[] body = ("ok " + SessionAttributes.readAll(session) + "\n").getBytes(StandardCharsets.US_ASCII);
            response.setContentType("text/plain");
            response.setContentLength(body.length);
            response.getOutputStream().write(body);
        }

        @Override
        protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
            byte[] order = request.getInputStream().readAllBytes();
            if (sessions) {
                HttpSession session = request.getSession(false);
                if (session == null || SessionAttributes.readAll(session) < 0) {
                    response.sendError(410, "no session");
                    return;
                }
                Long counter = (Long) session.getAttribute(SessionAttributes.COUNTER);
                session.setAttribute(SessionAttributes.COUNTER, counter + 1);
            }
            long id = ids.incrementAndGet();
            byte[] body = ("{\"id\":" + id + ",\"status\":\"accepted\",\"bytes\":" + order.length + "}")
                    .getBytes(StandardCharsets.UTF_8);
            response.setStatus(201);
            response.setHeader("Location", "/orders/" + id);
            response.setContentType("application/json");
            response.setContentLength(body.length);
            response.getOutputStream().write(body);
        }
    }
}
