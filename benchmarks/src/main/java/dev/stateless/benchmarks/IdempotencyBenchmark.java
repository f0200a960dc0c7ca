package dev.stateless.benchmarks;

import dev.stateless.redis.RedisIdempotencyKeyStore;
import dev.stateless.servlet.AnonymousKeys;
import dev.stateless.servlet.IdempotencyFilter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Section 2: the same JSON POST through {@link IdempotencyFilter} with a {@link RedisIdempotencyKeyStore}
 * (a new key per request), without the filter, and replayed (a key whose answer is stored).
 */
final class IdempotencyBenchmark {

    static final String TITLE = "2. Idempotent writes";
    static final List<String> VARIANTS = List.of("N", "I", "R");
    static final Map<String, String> LABELS = Map.of(
            "N", "N. POST without IdempotencyFilter",
            "I", "I. POST through IdempotencyFilter + RedisIdempotencyKeyStore (new key each time)",
            "R", "R. replay: POST repeating a completed key");

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

            int clients = load.clients();
            HttpLoad.Request[] fresh = new HttpLoad.Request[clients];
            HttpLoad.Request[] freshPlain = new HttpLoad.Request[clients];
            HttpLoad.Request[] replays = new HttpLoad.Request[clients];
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
                    new HttpCell("R", LABELS.get("R"), guarded.port(), replays, redis, 201));
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
            return report(cells, clients);
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

    private Section report(List<HttpCell> cells, int clients) {
        StringBuilder md = new StringBuilder();
        md.append("`POST /orders` with a ").append(BODY.length).append("-byte JSON body; the servlet reads it and answers ")
                .append("`201` with a small JSON body and a `Location` header. ").append(clients)
                .append(" clients, keep-alive, each request with its own `Idempotency-Key` (I), or repeating a key whose ")
                .append("answer is stored (R). Filter: `IdempotencyFilter.builder(store).methods(\"POST\").paths(\"/orders\")")
                .append(".required(true).anonymousKeys(AnonymousKeys.SCOPE_BY_CLIENT_ADDRESS)`, store defaults (lease 30 s, retention 24 h). Medians of ").append(mode.rounds())
                .append(" interleaved rounds; × N in the same round.\n\n");
        md.append("| variant | req/s | × N | p50 ms (× N) | p99 ms (× N) | server CPU µs/req (× N) | kernel share of server CPU | Redis CPU µs/req (kernel share) | "
                + "Redis commands/req (all) | top-level commands/req (≈ round trips) | top-level mix | errors |\n");
        md.append("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|--:|\n");
        for (HttpCell cell : cells) {
            boolean redis = cell.redis != null;
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
                    .append(" | ").append(cell.errors == 0 ? "0" : cell.errors + " (" + cell.firstError + ")")
                    .append(" |\n");
        }
        HttpCell n = cells.get(0);
        HttpCell i = cells.get(1);
        HttpCell r = cells.get(2);
        md.append("\nCost of the filter per request: ")
                .append(Fmt.count(i.serverCpuMicrosPerRequest() - n.serverCpuMicrosPerRequest()))
                .append(" µs of server CPU and ").append(Fmt.count(i.redisCpuMicrosPerRequest()))
                .append(" µs of Redis CPU. A replay costs ").append(Fmt.count(r.serverCpuMicrosPerRequest()))
                .append(" µs of server CPU (the application does not run), ").append(Fmt.perOp(r.topLevelPerRequest()))
                .append(" round trip(s), and answers at ").append(Fmt.ratio(r.medianPerSecond() / i.medianPerSecond()))
                .append(" the rate of a first request.\n");
        List<Target> targets = List.of(new Target(TITLE, "I round trips per request (acquire + complete)", "≤ 2",
                Fmt.perOp(i.topLevelPerRequest()) + " (" + i.census.topLevelMix(i.censusRequests) + ")",
                i.censusRequests > 0 && i.topLevelPerRequest() <= 2.0 + 1e-9));
        return new Section(TITLE, md.toString(), targets);
    }

    /** The application: reads the order and answers 201 Created. */
    static final class OrderServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;
        private final AtomicLong ids = new AtomicLong();

        @Override
        protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
            byte[] order = request.getInputStream().readAllBytes();
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
