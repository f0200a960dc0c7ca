package dev.stateless.benchmarks;

import dev.stateless.core.session.AttributeCodec;
import dev.stateless.redis.RedisSessionStore;
import dev.stateless.servlet.StatelessSessionFilter;
import jakarta.servlet.Filter;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Section 1: the same servlet in embedded Jetty 12, 16 clients each with its own session, the
 * session held by Jetty (A), by our filter and Redis store (B), by Spring Session's two Redis
 * repositories (C, D), and by our filter with the principal index (E).
 */
final class SessionBenchmark {

    static final String TITLE = "1. Session requests over HTTP";

    /** The variants, in report order. */
    static final List<String> VARIANTS = List.of("A", "B", "C", "D", "E");
    static final Map<String, String> LABELS = Map.of(
            "A", "A. Jetty in-memory sessions (SessionHandler)",
            "B", "B. StatelessSessionFilter + RedisSessionStore",
            "C", "C. Spring Session RedisSessionRepository",
            "D", "D. Spring Session RedisIndexedSessionRepository",
            "E", "E. StatelessSessionFilter + RedisSessionStore, principal index");

    /** The two requests. */
    enum Kind {
        RW("/rw", "read all 10 attributes, change one"),
        RO("/ro", "read all 10 attributes, change nothing");

        final String path;
        final String description;

        Kind(String path, String description) {
            this.path = path;
            this.description = description;
        }
    }

    private final Mode mode;
    private final Consumer<String> log;
    private final List<String> variants;
    private final List<AutoCloseable> resources = new ArrayList<>();
    private final Map<String, RedisNode> redis = new LinkedHashMap<>();
    private final Map<String, JettyServer> servers = new LinkedHashMap<>();
    private final Map<String, String> redisVersion = new LinkedHashMap<>();
    private RedisSessionStore storeB;
    private String costs = "";
    private String layouts = "";

    SessionBenchmark(Mode mode, Consumer<String> log) {
        this(mode, log, VARIANTS);
    }

    /** Only some variants (for profiling one of them); the first is the baseline, and no targets are judged. */
    SessionBenchmark(Mode mode, Consumer<String> log, List<String> variants) {
        this.mode = mode;
        this.log = log;
        this.variants = List.copyOf(variants);
    }

    Section run(HttpLoad load) throws Exception {
        try {
            start();
            Map<Kind, List<HttpCell>> cells = new LinkedHashMap<>();
            for (Kind kind : Kind.values()) {
                cells.put(kind, new ArrayList<>());
            }
            for (String variant : variants) {
                String[] cookies = initSessions(variant, load.clients());
                for (Kind kind : Kind.values()) {
                    cells.get(kind).add(new HttpCell(variant, LABELS.get(variant), servers.get(variant).port(),
                            requests(servers.get(variant).port(), kind, cookies), redis.get(variant), 200));
                }
            }
            List<HttpCell> all = new ArrayList<>();
            cells.values().forEach(all::addAll);
            log.accept("sessions: servers started, sessions created");

            log.accept("sessions: warm-up");
            for (int pass = 0; pass < 2; pass++) {
                for (HttpCell cell : all) {
                    cell.slice(load, mode.httpWarmup().toNanos(), false);
                }
            }
            for (int round = 0; round < mode.rounds(); round++) {
                for (HttpCell cell : HttpCell.rotated(all, round)) {
                    cell.slice(load, mode.httpSlice().toNanos(), true);
                }
                for (List<HttpCell> kindCells : cells.values()) {
                    for (HttpCell cell : kindCells) {
                        cell.ratiosTo(kindCells.get(0));
                    }
                }
                log.accept("sessions: round " + (round + 1) + "/" + mode.rounds() + " " + summary(cells));
            }
            log.accept("sessions: counting Redis commands (MONITOR)");
            for (HttpCell cell : all) {
                cell.census(load, mode.censusRequestsPerClient());
            }
            Map<String, Footprint> footprints = new LinkedHashMap<>();
            for (String variant : variants) {
                if (redis.containsKey(variant)) {
                    footprints.put(variant, footprint(variant, load.clients()));
                }
            }
            if (storeB != null) {
                log.accept("sessions: B's costs, step by step");
                costs = SessionCosts.measure(storeB, redis.get("B"), cells.get(Kind.RW), mode);
                layouts = SessionCosts.layouts(redis.get("B"), footprints.get("C"));
            }
            return report(cells, footprints, load.clients());
        } finally {
            close();
            log.accept("sessions: servers stopped");
        }
    }

    Map<String, String> redisVersion() {
        return redisVersion;
    }

    private static String summary(Map<Kind, List<HttpCell>> cells) {
        StringBuilder text = new StringBuilder();
        cells.forEach((kind, list) -> {
            text.append(kind.name()).append(':');
            for (HttpCell cell : list) {
                text.append(' ').append(cell.key).append('=').append(Fmt.count(cell.perSecond.get(cell.perSecond.size() - 1)));
            }
            text.append("  ");
        });
        return text.toString().trim();
    }

    private void start() {
        for (String variant : variants) {
            if (!variant.equals("A")) {
                RedisNode node = RedisNode.start();
                resources.add(node);
                redis.put(variant, node);
            }
        }
        redis.values().stream().findFirst().ifPresent(node -> redisVersion.put("redis", node.version()));
        for (String variant : variants) {
            switch (variant) {
                case "A" -> servers.put("A", server("A", true, List.of()));
                case "B" -> {
                    RedisSessionStore store = RedisSessionStore.builder(redis.get("B").uri()).build();
                    storeB = store;
                    resources.add(store);
                    servers.put("B", server("B", false, List.of(StatelessSessionFilter.builder(store).build())));
                }
                case "C" -> {
                    SpringSessions spring = SpringSessions.plain(redis.get("C").port());
                    resources.add(spring);
                    servers.put("C", server("C", false, List.of(spring.filter())));
                }
                case "D" -> {
                    SpringSessions spring = SpringSessions.indexed(redis.get("D").port());
                    resources.add(spring);
                    servers.put("D", server("D", false, List.of(spring.filter())));
                }
                case "E" -> {
                    RedisSessionStore store = RedisSessionStore.builder(redis.get("E").uri()).build();
                    resources.add(store);
                    servers.put("E", server("E", false, List.of(StatelessSessionFilter.builder(store)
                            .principalResolver(request -> Optional.ofNullable(request.getHeader("X-User")))
                            .build())));
                }
                default -> throw new IllegalArgumentException("no session variant " + variant);
            }
        }
    }

    private JettyServer server(String name, boolean jettySessions, List<Filter> filters) {
        JettyServer server = JettyServer.start(name, jettySessions, filters, new SessionServlet());
        resources.add(server);
        return server;
    }

    /** Creates one session per client; returns each client's Cookie header value. */
    private String[] initSessions(String variant, int clients) throws IOException {
        int port = servers.get(variant).port();
        String[] cookies = new String[clients];
        try (HttpConnection connection = new HttpConnection(port)) {
            for (int i = 0; i < clients; i++) {
                byte[] request = HttpConnection.request("GET", "/init", port, null,
                        "X-Client", Integer.toString(i), "X-User", "user-" + i);
                int status = connection.exchange(request, true);
                if (status != 200 || connection.cookies().isEmpty()) {
                    throw new IllegalStateException("variant " + variant + ": /init answered " + status
                            + " with cookies " + connection.cookies() + ": " + connection.body());
                }
                cookies[i] = String.join("; ", connection.cookies());
            }
        }
        return cookies;
    }

    private static HttpLoad.Request[] requests(int port, Kind kind, String[] cookies) {
        HttpLoad.Request[] requests = new HttpLoad.Request[cookies.length];
        for (int i = 0; i < cookies.length; i++) {
            requests[i] = HttpLoad.Request.fixed(HttpConnection.request("GET", kind.path, port, null,
                    "Cookie", cookies[i], "X-Client", Integer.toString(i), "X-User", "user-" + i));
        }
        return requests;
    }

    /** Bytes Redis holds per session: MEMORY USAGE of every key, by kind of key, over the sessions. */
    private Footprint footprint(String variant, int sessions) {
        RedisNode node = redis.get(variant);
        Map<String, long[]> byKind = new LinkedHashMap<>(); // kind -> {keys, bytes}
        long total = 0;
        long payload = 0;
        for (String key : node.keys()) {
            long bytes = node.memoryUsage(key);
            total += bytes;
            payload += node.hashPayload(key);
            long[] sum = byKind.computeIfAbsent(keyKind(key), k -> new long[2]);
            sum[0]++;
            sum[1] += bytes;
        }
        StringBuilder breakdown = new StringBuilder();
        byKind.forEach((kind, sum) -> {
            if (breakdown.length() > 0) {
                breakdown.append(" + ");
            }
            breakdown.append(kind).append(' ').append(Fmt.bytes((double) sum[1] / sessions));
            if (sum[0] != sessions) {
                breakdown.append(" (").append(sum[0]).append(sum[0] == 1 ? " key shared)" : " keys shared)");
            }
        });
        return new Footprint((double) total / sessions, (double) payload / sessions, breakdown.toString());
    }

    private static String keyKind(String key) {
        if (key.startsWith("stateless:s:")) {
            return "session hash";
        }
        if (key.startsWith("stateless:p:")) {
            return "principal index";
        }
        if (key.startsWith("spring:session:sessions:expires:")) {
            return "expires key";
        }
        if (key.startsWith("spring:session:sessions:")) {
            return "session hash";
        }
        if (key.startsWith("spring:session:expirations:")) {
            return "expirations set";
        }
        return "other";
    }

    /**
     * @param bytesPerSession MEMORY USAGE of every key, per session
     * @param payloadPerSession field names plus values of the hashes, per session: what the client wrote
     * @param breakdown bytes per session by kind of key
     */
    record Footprint(double bytesPerSession, double payloadPerSession, String breakdown) {
    }

    private Section report(Map<Kind, List<HttpCell>> cells, Map<String, Footprint> footprints, int clients) {
        StringBuilder md = new StringBuilder();
        md.append("Embedded Jetty ").append(org.eclipse.jetty.util.Jetty.VERSION).append(" (ee10), one server per variant, the same servlet; ")
                .append(clients).append(" concurrent clients (raw-socket HTTP/1.1, keep-alive), each with its own session of ")
                .append("10 attributes; each variant's Redis is its own `redis-server` on loopback. ")
                .append("Throughput and latency: median of ").append(mode.rounds()).append(" interleaved rounds of ")
                .append(mode.httpSlice().toMillis()).append(" ms per variant; × A: the ratio to A measured in the same round ")
                .append("(median, with the range over rounds).\n\n");
        md.append(attributeSizes()).append("\n");
        for (Kind kind : Kind.values()) {
            md.append("### ").append(kind == Kind.RW ? "1a" : "1b").append(". `GET ").append(kind.path).append("`: ")
                    .append(kind.description).append("\n\n");
            md.append("| variant | req/s | × A | p50 ms (× A) | p99 ms (× A) | server CPU µs/req (× A) | kernel share of server CPU | Redis CPU µs/req (kernel share) | "
                    + "Redis commands/req (all, incl. in scripts) | top-level commands/req (≈ round trips) | "
                    + "bytes/session in Redis | errors |\n");
            md.append("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
            for (HttpCell cell : cells.get(kind)) {
                Footprint footprint = footprints.get(cell.key);
                md.append("| ").append(cell.label)
                        .append(" | ").append(Fmt.count(cell.medianPerSecond()))
                        .append(" | ").append(Fmt.ratio(cell.ratioToBaseline))
                        .append(" | ").append(cell.p50())
                        .append(" | ").append(cell.p99())
                        .append(" | ").append(cell.serverCpu())
                        .append(" | ").append(cell.kernelShare())
                        .append(" | ").append(cell.redisCpu())
                        .append(" | ").append(cell.redis == null ? "-" : Fmt.perOp(cell.commandsPerRequest()))
                        .append(" | ").append(cell.redis == null ? "-" : Fmt.perOp(cell.topLevelPerRequest()))
                        .append(" | ").append(footprint == null ? "-" : Fmt.bytes(footprint.bytesPerSession()))
                        .append(" | ").append(cell.errors == 0 ? "0" : cell.errors + " (" + cell.firstError + ")")
                        .append(" |\n");
            }
            md.append("\n");
        }
        md.append("### 1c. Redis commands per request (MONITOR census)\n\n");
        md.append("Counted with MONITOR in a separate pass of ").append(mode.censusRequestsPerClient())
                .append(" requests per client after the timed rounds. Top level: sent by the client (each at most one "
                        + "round trip; Lettuce may pipeline some). In scripts: run by Redis inside EVAL/EVALSHA.\n\n");
        md.append("| variant | request | top-level commands/req | in-script commands/req |\n|---|---|---|---|\n");
        for (Kind kind : Kind.values()) {
            for (HttpCell cell : cells.get(kind)) {
                if (cell.redis != null) {
                    md.append("| ").append(cell.key).append(" | `").append(kind.path).append("` | ")
                            .append(cell.census.topLevelMix(cell.censusRequests)).append(" | ")
                            .append(cell.census.inScriptMix(cell.censusRequests)).append(" |\n");
                }
            }
        }
        md.append("\nSpring Session's `SessionRepositoryFilter` reads the session again after saving it (to decide whether "
                + "to send the cookie), hence two HGETALL; it commits when the response is committed (here: when the "
                + "declared Content-Length is written) and again when the filter ends, and each save of an existing "
                + "session first checks EXISTS. Our filter loads once (one script: TYPE, HGETALL, and the idle-expiry "
                + "touch at most once a minute) and saves once (one script: HMGET, HSET of the delta, HMGET, PEXPIRE).\n");
        if (!variants.equals(VARIANTS)) {
            md.append("\n").append(costs);
            return new Section(TITLE, md.toString(), List.of()); // a partial run for profiling
        }
        md.append("\n### 1d. Bytes per session in Redis\n\n");
        md.append("`MEMORY USAGE key SAMPLES 0` of every key in the variant's Redis, divided by the ").append(clients)
                .append(" sessions (shared keys are split among them).\n\n");
        md.append("| variant | bytes/session | × C | payload (hash field names + values) | keys |\n|---|--:|--:|--:|---|\n");
        double bytesC = footprints.get("C").bytesPerSession();
        footprints.forEach((variant, footprint) -> md.append("| ").append(LABELS.get(variant)).append(" | ")
                .append(Fmt.bytes(footprint.bytesPerSession())).append(" | ")
                .append(Fmt.ratio(footprint.bytesPerSession() / bytesC)).append(" | ")
                .append(Fmt.bytes(footprint.payloadPerSession())).append(" | ")
                .append(footprint.breakdown()).append(" |\n"));
        md.append("\n").append(layouts).append("\n").append(costs).append("\n");

        List<Target> targets = new ArrayList<>();
        for (Kind kind : Kind.values()) {
            List<HttpCell> list = cells.get(kind);
            HttpCell b = list.get(1);
            HttpCell c = list.get(2);
            List<Double> bOverC = new ArrayList<>();
            for (int i = 0; i < b.perSecond.size(); i++) {
                bOverC.add(b.perSecond.get(i) / c.perSecond.get(i));
            }
            targets.add(new Target(TITLE, "B throughput vs C, `" + kind.path + "`", "≥ 1.80×", Fmt.ratio(bOverC),
                    Fmt.median(bOverC) >= 1.8));
            targets.add(new Target(TITLE, "B throughput vs A, `" + kind.path + "`", "≥ 0.70×", Fmt.ratio(b.ratioToBaseline),
                    b.medianRatio() >= 0.7));
        }
        for (String variant : List.of("B", "E")) {
            HttpCell rw = cells.get(Kind.RW).get(VARIANTS.indexOf(variant));
            HttpCell ro = cells.get(Kind.RO).get(VARIANTS.indexOf(variant));
            targets.add(new Target(TITLE, variant + " round trips, `/rw` (read all, change one)", "≤ 2",
                    Fmt.perOp(rw.topLevelPerRequest()) + " (" + rw.census.topLevelMix(rw.censusRequests) + ")",
                    rw.censusRequests > 0 && rw.topLevelPerRequest() <= 2.0 + 1e-9));
            targets.add(new Target(TITLE, variant + " round trips, `/ro` (read only)", "≤ 1",
                    Fmt.perOp(ro.topLevelPerRequest()) + " (" + ro.census.topLevelMix(ro.censusRequests) + ")",
                    ro.censusRequests > 0 && ro.topLevelPerRequest() <= 1.0 + 1e-9));
        }
        double bytesB = footprints.get("B").bytesPerSession();
        targets.add(new Target(TITLE, "B bytes per session vs C", "≤ 0.60×",
                Fmt.ratio(bytesB / bytesC) + " (" + Fmt.bytes(bytesB) + " vs " + Fmt.bytes(bytesC) + " bytes)",
                bytesB <= 0.6 * bytesC));
        long jit = 0;
        long process = 0;
        for (Kind kind : Kind.values()) {
            for (HttpCell cell : cells.get(kind)) {
                jit += cell.jitNanos;
                process += cell.jitNanos + cell.serverCpuNanos + cell.clientCpuNanos;
            }
        }
        md.append("JIT compiler threads used ").append(Math.round(100.0 * jit / Math.max(1, process)))
                .append("% of this JVM's CPU during the timed slices; that CPU is left out of the server figures.\n\n");
        md.append("Client CPU (not counted in server CPU), µs/req: ");
        List<String> client = new ArrayList<>();
        for (Kind kind : Kind.values()) {
            for (HttpCell cell : cells.get(kind)) {
                client.add(cell.key + kind.path + " " + Fmt.perOp(cell.clientCpuMicrosPerRequest()));
            }
        }
        md.append(String.join(", ", client)).append(".\n");
        return new Section(TITLE, md.toString(), targets);
    }

    private static String attributeSizes() {
        Map<String, Object> values = SessionAttributes.values(0);
        AttributeCodec json = AttributeCodec.json();
        long ours = 0;
        long jdk = 0;
        long text = 0;
        for (Object value : values.values()) {
            ours += json.encode(value).length;
            jdk += SpringSessions.serializedSize(value);
            text += value.toString().length();
        }
        return "The session: " + String.join(", ", SessionAttributes.NAMES) + " (strings, a `Map<String,Integer>` cart of 20 items, "
                + "a `List<String>` of 20 paths, a `Long`); " + Fmt.bytes(text) + " characters as text, "
                + Fmt.bytes(ours) + " bytes encoded by our JSON codec, " + Fmt.bytes(jdk)
                + " bytes by Spring's default JDK serialization.\n";
    }

    /** Closes in reverse order: servers, then the stores they use, then the Redis servers. */
    private void close() {
        java.util.Collections.reverse(resources);
        for (AutoCloseable resource : resources) {
            try {
                resource.close();
            } catch (Exception e) {
                log.accept("could not close " + resource + ": " + e);
            }
        }
        resources.clear();
    }
}
