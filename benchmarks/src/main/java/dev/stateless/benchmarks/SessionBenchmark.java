package dev.stateless.benchmarks;

import dev.stateless.core.session.AttributeCodec;
import dev.stateless.redis.RedisSessionStore;
import dev.stateless.servlet.StatelessSessionFilter;
import jakarta.servlet.Filter;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Section 1: the same servlet in embedded Jetty 12, 16 clients each with its own session, the
 * session held by Jetty (A), by our filter and Redis store (B), by Spring Session's two Redis
 * repositories (C, D), by our filter with the principal index (E), and by our filter with the
 * store's near cache (F). The clients keep cookies as browsers do ({@link CookieJar}). The standard
 * session runs every variant on both requests; the large one ({@link SessionShape#LARGE}) runs
 * {@link #LARGE_VARIANTS} on {@code /rw}.
 */
final class SessionBenchmark {

    static final String TITLE = "1. Session requests over HTTP";

    /** The variants, in report order. */
    static final List<String> VARIANTS = List.of("A", "B", "C", "D", "E", "F");
    static final Map<String, String> LABELS = Map.of(
            "A", "A. Jetty in-memory sessions (SessionHandler)",
            "B", "B. StatelessSessionFilter + RedisSessionStore",
            "C", "C. Spring Session RedisSessionRepository",
            "D", "D. Spring Session RedisIndexedSessionRepository",
            "E", "E. StatelessSessionFilter + RedisSessionStore, principal index",
            "F", "F. StatelessSessionFilter + RedisSessionStore with near cache");
    /**
     * The variants the large session runs (on {@code /rw}): the baseline, the peer, ours with the near
     * cache (B's large figures were left out to keep the full run within 15 minutes; B stores the
     * same bytes as F).
     */
    static final List<String> LARGE_VARIANTS = List.of("A", "C", "F");
    /** F's near cache: at most this much heap, copies at most this old (the documented default age). */
    static final long NEAR_CACHE_BYTES = 64L << 20;
    static final Duration NEAR_CACHE_AGE = Duration.ofSeconds(1);

    /** The two requests. */
    enum Kind {
        RW("/rw", "read all attributes, change one"),
        RO("/ro", "read all attributes, change nothing");

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
    /** Per shape: each variant's own redis-server and Jetty server. */
    private final Map<SessionShape, Map<String, RedisNode>> redis = new LinkedHashMap<>();
    private final Map<SessionShape, Map<String, JettyServer>> servers = new LinkedHashMap<>();
    private final Map<String, String> redisVersion = new LinkedHashMap<>();
    private RedisSessionStore storeB;
    private String costs = "";
    /** JVM CPU of one {@code RedisSessionStore.save} round trip alone (µs); 0 until measured. */
    private double saveMicros;
    /** What decoding and re-encoding the attributes alone costs a read-only request; null until measured. */
    private CodecCosts.Result codecFloor;
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

    /** The variants a shape runs, in report order. */
    private List<String> variants(SessionShape shape) {
        return shape == SessionShape.STANDARD ? variants
                : variants.stream().filter(LARGE_VARIANTS::contains).toList();
    }

    /** The requests a shape runs. */
    private static List<Kind> kinds(SessionShape shape) {
        return shape == SessionShape.STANDARD ? List.of(Kind.values()) : List.of(Kind.RW);
    }

    /** The measured cells: per shape, per kind, in variant order (the first is the baseline). */
    private final Map<SessionShape, Map<Kind, List<HttpCell>>> cells = new LinkedHashMap<>();

    Section run(HttpLoad load) throws Exception {
        try {
            start();
            List<HttpCell> all = new ArrayList<>();
            for (SessionShape shape : SessionShape.values()) {
                Map<Kind, List<HttpCell>> byKind = new LinkedHashMap<>();
                for (Kind kind : kinds(shape)) {
                    byKind.put(kind, new ArrayList<>());
                }
                cells.put(shape, byKind);
                for (String variant : variants(shape)) {
                    int port = servers.get(shape).get(variant).port();
                    CookieJar[] jars = initSessions(port, variant, load.clients());
                    for (Kind kind : kinds(shape)) {
                        HttpCell cell = new HttpCell(variant, LABELS.get(variant), port, requests(port, kind, jars),
                                redis.get(shape).get(variant), 200);
                        byKind.get(kind).add(cell);
                        all.add(cell);
                    }
                }
            }
            log.accept("sessions: servers started, sessions created");

            // One pass of warm-up: the variants share Jetty's and the filter's code, which the first
            // cells already warm; a second pass did not change the figures.
            log.accept("sessions: warm-up");
            for (HttpCell cell : all) {
                cell.slice(load, mode.httpWarmup().toNanos(), false);
            }
            for (int round = 0; round < mode.rounds(); round++) {
                for (HttpCell cell : HttpCell.rotated(all, round)) {
                    cell.slice(load, mode.httpSlice().toNanos(), true);
                }
                for (Map<Kind, List<HttpCell>> byKind : cells.values()) {
                    for (List<HttpCell> kindCells : byKind.values()) {
                        for (HttpCell cell : kindCells) {
                            cell.ratiosTo(kindCells.get(0));
                        }
                    }
                }
                log.accept("sessions: round " + (round + 1) + "/" + mode.rounds() + " " + summary(cells));
            }
            log.accept("sessions: counting Redis commands (MONITOR)");
            for (HttpCell cell : all) {
                // a few requests first, uncounted, so that the census sees a warm node (F's copies
                // are at most a second old; other cells ran in between)
                load.run(cell.port, cell.requests, 0, 2, 200);
                cell.census(load, mode.censusRequestsPerClient());
            }
            Map<SessionShape, Map<String, Footprint>> footprints = new LinkedHashMap<>();
            for (SessionShape shape : SessionShape.values()) {
                Map<String, Footprint> byVariant = new LinkedHashMap<>();
                for (String variant : variants(shape)) {
                    if (redis.get(shape).containsKey(variant)) {
                        byVariant.put(variant, footprint(redis.get(shape).get(variant), load.clients()));
                    }
                }
                footprints.put(shape, byVariant);
            }
            Map<SessionShape, Long> springJson = new LinkedHashMap<>();
            if (variants.equals(VARIANTS)) {
                for (SessionShape shape : SessionShape.values()) {
                    springJson.put(shape, SpringSessions.jsonBytes(shape.values(0)));
                }
            }
            Map<Kind, List<HttpCell>> standard = cells.get(SessionShape.STANDARD);
            if (storeB != null) {
                log.accept("sessions: B's costs, step by step");
                SessionCosts.Costs measured = SessionCosts.measure(storeB, redis.get(SessionShape.STANDARD).get("B"),
                        standard.get(Kind.RW), mode);
                costs = measured.markdown();
                saveMicros = measured.saveJvmMicros();
                layouts = SessionCosts.layouts(redis.get(SessionShape.STANDARD).get("B"),
                        footprints.get(SessionShape.STANDARD).get("C"));
                log.accept("sessions: attribute handling floor");
                codecFloor = CodecCosts.measure(storeB.codec(), SessionShape.STANDARD.values(0), mode.rounds(),
                        mode.httpSlice().toNanos() / 3);
            }
            String readYourWrites = "";
            ReadYourWrites.Result check = null;
            String transports = "";
            if (variants.equals(VARIANTS)) {
                log.accept("sessions: read-your-writes across two nodes");
                check = ReadYourWrites.run(mode);
                readYourWrites = check.markdown();
                log.accept("sessions: epoll against NIO (child JVMs)");
                transports = TransportCosts.section(mode, log);
            }
            return report(footprints, springJson, load.clients(), readYourWrites, check, transports);
        } finally {
            close();
            log.accept("sessions: servers stopped");
        }
    }

    Map<String, String> redisVersion() {
        return redisVersion;
    }

    private static String summary(Map<SessionShape, Map<Kind, List<HttpCell>>> cells) {
        StringBuilder text = new StringBuilder();
        cells.forEach((shape, byKind) -> byKind.forEach((kind, list) -> {
            text.append(shape == SessionShape.STANDARD ? "" : "large ").append(kind.name()).append(':');
            for (HttpCell cell : list) {
                text.append(' ').append(cell.key).append('=').append(Fmt.count(cell.perSecond.get(cell.perSecond.size() - 1)));
            }
            text.append("  ");
        }));
        return text.toString().trim();
    }

    private void start() {
        for (SessionShape shape : SessionShape.values()) {
            Map<String, RedisNode> nodes = new LinkedHashMap<>();
            Map<String, JettyServer> jetties = new LinkedHashMap<>();
            redis.put(shape, nodes);
            servers.put(shape, jetties);
            for (String variant : variants(shape)) {
                if (!variant.equals("A")) {
                    RedisNode node = RedisNode.start();
                    resources.add(node);
                    nodes.put(variant, node);
                }
            }
            nodes.values().stream().findFirst().ifPresent(node -> redisVersion.putIfAbsent("redis", node.version()));
            for (String variant : variants(shape)) {
                jetties.put(variant, switch (variant) {
                    case "A" -> server(variant, shape, true, List.of());
                    case "B" -> {
                        RedisSessionStore store = RedisSessionStore.builder(nodes.get(variant).uri()).build();
                        if (shape == SessionShape.STANDARD) {
                            storeB = store;
                        }
                        resources.add(store);
                        yield server(variant, shape, false, List.of(StatelessSessionFilter.builder(store).build()));
                    }
                    case "C" -> {
                        SpringSessions spring = SpringSessions.plain(nodes.get(variant).port());
                        resources.add(spring);
                        yield server(variant, shape, false, List.of(spring.filter()));
                    }
                    case "D" -> {
                        SpringSessions spring = SpringSessions.indexed(nodes.get(variant).port());
                        resources.add(spring);
                        yield server(variant, shape, false, List.of(spring.filter()));
                    }
                    case "E" -> {
                        RedisSessionStore store = RedisSessionStore.builder(nodes.get(variant).uri()).build();
                        resources.add(store);
                        yield server(variant, shape, false, List.of(StatelessSessionFilter.builder(store)
                                .principalResolver(request -> Optional.ofNullable(request.getHeader("X-User")))
                                .build()));
                    }
                    case "F" -> {
                        RedisSessionStore store = nearCacheStore(nodes.get(variant).uri());
                        resources.add(store);
                        yield server(variant, shape, false, List.of(StatelessSessionFilter.builder(store).build()));
                    }
                    default -> throw new IllegalArgumentException("no session variant " + variant);
                });
            }
        }
    }

    /**
     * F's store: as B's, with the near cache, and the touch interval the store provider sets with a
     * near cache (one minute; with none every answer from the near cache would send a touch).
     */
    static RedisSessionStore nearCacheStore(String uri) {
        return RedisSessionStore.builder(uri).nearCache(NEAR_CACHE_BYTES, NEAR_CACHE_AGE)
                .touchInterval(Duration.ofMinutes(1)).build();
    }

    private JettyServer server(String name, SessionShape shape, boolean jettySessions, List<Filter> filters) {
        JettyServer server = JettyServer.start(shape == SessionShape.STANDARD ? name : name + "-large", jettySessions,
                filters, new SessionServlet(shape));
        resources.add(server);
        return server;
    }

    /** Creates one session per client; returns each client's cookies. */
    static CookieJar[] initSessions(int port, String variant, int clients) throws IOException {
        CookieJar[] jars = new CookieJar[clients];
        try (HttpConnection connection = new HttpConnection(port)) {
            for (int i = 0; i < clients; i++) {
                byte[] request = HttpConnection.request("GET", "/init", port, null,
                        "X-Client", Integer.toString(i), "X-User", "user-" + i);
                int status = connection.exchange(request, true);
                if (status != 200 || connection.cookies().isEmpty()) {
                    throw new IllegalStateException("variant " + variant + ": /init answered " + status
                            + " with cookies " + connection.cookies() + ": " + connection.body());
                }
                jars[i] = CookieJar.of(connection.cookies());
            }
        }
        return jars;
    }

    /** Each client's request, sending its cookies and keeping what the answers set, as a browser. */
    static HttpLoad.Request[] requests(int port, Kind kind, CookieJar[] jars) {
        HttpLoad.Request[] requests = new HttpLoad.Request[jars.length];
        for (int i = 0; i < jars.length; i++) {
            requests[i] = HttpLoad.Request.browsing(jars[i], HttpConnection.request("GET", kind.path, port, null,
                    "X-Client", Integer.toString(i), "X-User", "user-" + i));
        }
        return requests;
    }

    /** Bytes Redis holds per session: MEMORY USAGE of every key, by kind of key, over the sessions. */
    private static Footprint footprint(RedisNode node, int sessions) {
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

    private Section report(Map<SessionShape, Map<String, Footprint>> footprints, Map<SessionShape, Long> springJson,
            int clients, String readYourWrites, ReadYourWrites.Result check, String transports) {
        Map<Kind, List<HttpCell>> standard = cells.get(SessionShape.STANDARD);
        StringBuilder md = new StringBuilder();
        md.append("Embedded Jetty ").append(org.eclipse.jetty.util.Jetty.VERSION).append(" (ee10), one server per variant, the same servlet; ")
                .append(clients).append(" concurrent clients (raw-socket HTTP/1.1, keep-alive), each with its own session; ")
                .append("each client keeps its cookies as a browser does (every `Set-Cookie` replaces the cookie, every ")
                .append("request sends them all back), so our filter's `SESSION_VERSION` cookie reaches F's near cache. ")
                .append("Each variant's Redis is its own `redis-server` on loopback. F's store: `RedisSessionStore.builder(uri)")
                .append(".nearCache(").append(NEAR_CACHE_BYTES >> 20).append(" MiB, ").append(NEAR_CACHE_AGE.toMillis())
                .append(" ms).touchInterval(1 min)` (the touch interval the store provider sets with a near cache); ")
                .append("B is the same filter and store without it. Throughput and latency: median of ").append(mode.rounds())
                .append(" interleaved rounds of ").append(mode.httpSlice().toMillis()).append(" ms per variant, after one ")
                .append(mode.httpWarmup().toMillis()).append(" ms warm-up slice each; × A: the ratio to A measured in the ")
                .append("same round (median, with the range over rounds).\n\n");
        md.append(attributeSizes()).append("\n");
        int sub = 0;
        for (Map.Entry<SessionShape, Map<Kind, List<HttpCell>>> byShape : cells.entrySet()) {
            SessionShape shape = byShape.getKey();
            for (Map.Entry<Kind, List<HttpCell>> byKind : byShape.getValue().entrySet()) {
                Kind kind = byKind.getKey();
                md.append("### 1").append((char) ('a' + sub++)).append(". `GET ").append(kind.path).append("`: ")
                        .append(kind.description).append(shape == SessionShape.STANDARD ? "" : ", large session")
                        .append("\n\n");
                table(md, byKind.getValue(), footprints.get(shape));
            }
        }
        md.append("### 1").append((char) ('a' + sub++)).append(". Redis commands per request (MONITOR census)\n\n");
        md.append("Counted with MONITOR in a separate pass of ").append(mode.censusRequestsPerClient())
                .append(" requests per client after the timed rounds (each preceded by 2 uncounted requests per client, ")
                .append("so that the node is warm). Top level: sent by the client (each at most one ")
                .append("round trip; Lettuce may pipeline some). In scripts: run by Redis inside EVAL/EVALSHA.\n\n");
        md.append("| variant | request | top-level commands/req | in-script commands/req |\n|---|---|---|---|\n");
        cells.forEach((shape, byKind) -> byKind.forEach((kind, list) -> {
            for (HttpCell cell : list) {
                if (cell.redis != null) {
                    md.append("| ").append(cell.key).append(" | `").append(kind.path).append('`')
                            .append(shape == SessionShape.STANDARD ? "" : ", large").append(" | ")
                            .append(cell.census.topLevelMix(cell.censusRequests)).append(" | ")
                            .append(cell.census.inScriptMix(cell.censusRequests)).append(" |\n");
                }
            }
        }));
        md.append("\nSpring Session's `SessionRepositoryFilter` reads the session again after saving it (to decide whether "
                + "to send the cookie), hence two HGETALL; it commits when the response is committed (here: when the "
                + "declared Content-Length is written) and again when the filter ends, and each save of an existing "
                + "session first checks EXISTS. Our filter loads once (a plain HGETALL; a due idle-expiry refresh, at "
                + "most once a minute, rides on the save or goes alone as a small script) and saves once (one script: "
                + "HMGET, HSET of the delta, HMGET, PEXPIRE). "
                + "F loads from its near cache when its copy is at least the version the client's `SESSION_VERSION` "
                + "cookie names, and from Redis otherwise (no copy yet, a copy older than "
                + NEAR_CACHE_AGE.toMillis() + " ms, or one dropped by Redis's invalidation report of a change).");
        cells.forEach((shape, byKind) -> byKind.forEach((kind, list) -> list.stream().filter(c -> c.key.equals("F"))
                .forEach(f -> md.append(" F `").append(kind.path).append('`')
                        .append(shape == SessionShape.STANDARD ? "" : " (large)").append(": ")
                        .append(Fmt.perOp(f.censusRequests == 0 ? 0 : (f.census.topLevel().getOrDefault("hgetall", 0L)
                                + f.census.inScripts().getOrDefault("hgetall", 0L)) / (double) f.censusRequests))
                        .append(" loads from Redis per request (HGETALL), the rest from the near cache."))));
        md.append(" Whether a node's own save keeps its copy: the own-write probe in the read-your-writes subsection.\n");
        if (codecFloor != null && variants.contains("A") && variants.contains("F")) {
            HttpCell aRo = find(standard.get(Kind.RO), "A");
            HttpCell fRoCell = find(standard.get(Kind.RO), "F");
            double gap = fRoCell.serverCpuMicrosPerRequest() - aRo.serverCpuMicrosPerRequest();
            md.append("\nWhere F's read-only request spends more than A's: ").append(Fmt.count(fRoCell.serverCpuMicrosPerRequest()))
                    .append(" µs of server CPU against A's ").append(Fmt.count(aRo.serverCpuMicrosPerRequest()))
                    .append(" µs (").append(Fmt.count(gap)).append(" µs more). Jetty's in-memory sessions hand the ")
                    .append("application the same objects on every request; the filter gives each request its own ")
                    .append("(so that one request's in-place change cannot leak into another's, and is saved) and, at the ")
                    .append("end, checks the mutable ones for changes made in place. F takes them from the values its copy ")
                    .append("keeps decoded: strings and numbers as they are, the JDK's own collections (the session's cart ")
                    .append("and history) as a fresh copy each, compared with the kept ones at the end. That work alone, ")
                    .append("measured on one thread without HTTP or Redis (the same codec and session, median of ")
                    .append(mode.rounds()).append(" rounds): copying the ").append(codecFloor.mutable())
                    .append(" mutable values and comparing them ").append(String.format(java.util.Locale.ROOT, "%.1f",
                            codecFloor.checkMicros())).append(" µs, ").append(gap > 0 ? Fmt.count(100 * codecFloor.checkMicros() / gap)
                            + "% of the difference" : "more than the difference").append(". Without kept values (B, or the ")
                    .append("first request on a copy) decoding the ").append(codecFloor.attributes()).append(" attributes adds ")
                    .append(String.format(java.util.Locale.ROOT, "%.1f", codecFloor.decodeMicros()))
                    .append(" µs; encoding the mutable ones again and comparing the bytes, what values of other types still ")
                    .append("get, would add ").append(String.format(java.util.Locale.ROOT, "%.1f", codecFloor.reencodeMicros()))
                    .append(" µs. The rest of the difference is the filter's own handling of the request (its request and ")
                    .append("response wrappers, the id and version cookies, the near cache's look-up), not measured step by ")
                    .append("step here. With A at ")
                    .append(Fmt.count(aRo.serverCpuMicrosPerRequest())).append(" µs, 0.80× of A's rate allows F ")
                    .append(Fmt.count(aRo.serverCpuMicrosPerRequest() / 0.8)).append(" µs per request in all.\n");
        }
        if (saveMicros > 0 && variants.contains("A") && variants.contains("C") && variants.contains("F")) {
            HttpCell aRw = find(standard.get(Kind.RW), "A");
            HttpCell cRw = find(standard.get(Kind.RW), "C");
            HttpCell fRw = find(standard.get(Kind.RW), "F");
            double a = aRw.serverCpuMicrosPerRequest();
            double c = cRw.serverCpuMicrosPerRequest();
            double f = fRw.serverCpuMicrosPerRequest();
            md.append("\nWhat limits F's read-and-change request (`/rw`): ").append(Fmt.count(f))
                    .append(" µs of server CPU against A's ").append(Fmt.count(a)).append(" µs and C's ")
                    .append(Fmt.count(c)).append(" µs. F sends one round trip, the save (its load is served by the copy). ")
                    .append("That round trip alone, on one thread without contention (`RedisSessionStore.save` in the ")
                    .append("step-by-step table below), costs ").append(Fmt.perOp(saveMicros))
                    .append(" µs of JVM CPU, ").append(saveMicros >= a ? "more than" : "close to")
                    .append(" A's whole request. At 0.50× of A's rate F would have ").append(Fmt.count(2 * a))
                    .append(" µs per request for the save, the filter and Jetty together. C's server CPU per request is ")
                    .append(Fmt.ratio(c / f)).append(" F's; 2.5× would take F to about ").append(Fmt.count(c / 2.5))
                    .append(" µs. F spends ").append(Fmt.count(f - a)).append(" µs more than A; the save's round trip ")
                    .append("alone, without contention, costs ").append(Fmt.count(saveMicros)).append(" µs")
                    .append(saveMicros + a > 2 * a ? ", and with it plus Jetty's own work (A's whole request, "
                            + Fmt.count(a) + " µs) F is at " + Fmt.count(saveMicros + a)
                            + " µs before the filter does anything: one Lettuce round trip per request cannot reach 0.50× of A" : "")
                    .append(". Redis's report of every save to the node's tracking connection is part of it (measured apart, ")
                    .append("with reports off: about a tenth of F's `/rw` server CPU; docs/DESIGN.md, \"Change reports\").\n");
        }
        if (!variants.equals(VARIANTS)) {
            md.append("\n").append(costs);
            return new Section(TITLE, md.toString(), List.of()); // a partial run for profiling
        }
        md.append("\n### 1").append((char) ('a' + sub++)).append(". Bytes per session in Redis\n\n");
        md.append("`MEMORY USAGE key SAMPLES 0` of every key in the variant's Redis, divided by the ").append(clients)
                .append(" sessions (shared keys are split among them). Spring JSON: the same session written once by ")
                .append("Spring Session's `RedisSessionRepository` with `GenericJackson2JsonRedisSerializer` as its ")
                .append("`springSessionDefaultRedisSerializer` (the JSON layout its guide shows), to a scratch ")
                .append("`redis-server`, `MEMORY USAGE` of its key.\n\n");
        md.append("| shape | variant | bytes/session | × C (JDK) | × Spring JSON | payload (hash field names + values) | keys |\n")
                .append("|---|---|--:|--:|--:|--:|---|\n");
        footprints.forEach((shape, byVariant) -> {
            String name = shape.name().toLowerCase(java.util.Locale.ROOT);
            double bytesC = byVariant.get("C").bytesPerSession();
            double json = springJson.get(shape);
            byVariant.forEach((variant, footprint) -> md.append("| ").append(name).append(" | ").append(LABELS.get(variant))
                    .append(" | ").append(Fmt.bytes(footprint.bytesPerSession())).append(" | ")
                    .append(Fmt.ratio(footprint.bytesPerSession() / bytesC)).append(" | ")
                    .append(Fmt.ratio(footprint.bytesPerSession() / json)).append(" | ")
                    .append(Fmt.bytes(footprint.payloadPerSession())).append(" | ")
                    .append(footprint.breakdown()).append(" |\n"));
            md.append("| ").append(name).append(" | Spring Session RedisSessionRepository, JSON layout | ")
                    .append(Fmt.bytes(json)).append(" | ").append(Fmt.ratio(json / bytesC)).append(" | 1.00× | - | session hash ")
                    .append(Fmt.bytes(json)).append(" |\n");
        });
        md.append("\n").append(layouts).append("\n").append(costs.replace("### 1e.", "### 1" + (char) ('a' + sub++) + "."))
                .append("\n");
        md.append(readYourWrites.replace("### 1x.", "### 1" + (char) ('a' + sub++) + ".")).append("\n");
        md.append(transports.replace("### 1x.", "### 1" + (char) ('a' + sub++) + ".")).append("\n");

        List<Target> targets = new ArrayList<>();
        HttpCell a = find(standard.get(Kind.RW), "A");
        HttpCell bRw = find(standard.get(Kind.RW), "B");
        HttpCell bRo = find(standard.get(Kind.RO), "B");
        HttpCell cRw = find(standard.get(Kind.RW), "C");
        HttpCell fRw = find(standard.get(Kind.RW), "F");
        HttpCell fRo = find(standard.get(Kind.RO), "F");
        targets.add(new Target(TITLE, "F read-only request (`/ro`) vs A (Jetty in-memory)", "≥ 0.80×",
                Fmt.ratio(fRo.ratioToBaseline) + "; B " + Fmt.ratio(bRo.medianRatio()), fRo.medianRatio() >= 0.80));
        targets.add(new Target(TITLE, "F round trips, `/ro` (warm node)", "0",
                roundTrips(fRo) + "; B " + Fmt.perOp(bRo.topLevelPerRequest()),
                fRo.censusRequests > 0 && fRo.census.topLevelTotal() == 0));
        targets.add(new Target(TITLE, "F read all + change one (`/rw`) vs A (Jetty in-memory)", "≥ 0.50×",
                Fmt.ratio(fRw.ratioToBaseline) + "; B " + Fmt.ratio(bRw.medianRatio()), fRw.medianRatio() >= 0.50));
        targets.add(new Target(TITLE, "F round trips, `/rw` (read all, change one)", "≤ 1",
                roundTrips(fRw) + "; B " + Fmt.perOp(bRw.topLevelPerRequest()),
                fRw.censusRequests > 0 && fRw.topLevelPerRequest() <= 1.0 + 1e-9));
        List<Double> fOverC = perRound(fRw.perSecond, cRw.perSecond);
        List<Double> bOverC = perRound(bRw.perSecond, cRw.perSecond);
        targets.add(new Target(TITLE, "F read all + change one (`/rw`) vs C (Spring `RedisSessionRepository`)", "≥ 2.50×",
                Fmt.ratio(fOverC) + "; B " + Fmt.ratio(Fmt.median(bOverC)), Fmt.median(fOverC) >= 2.50));
        List<Double> redisFOverC = perRound(fRw.redisCpus, cRw.redisCpus);
        targets.add(new Target(TITLE, "Redis CPU per `/rw` request, F vs C", "≤ 0.80×",
                Fmt.ratio(redisFOverC) + " (" + Fmt.count(Fmt.median(fRw.redisCpus)) + " vs "
                        + Fmt.count(Fmt.median(cRw.redisCpus)) + " µs); B " + Fmt.ratio(Fmt.median(perRound(bRw.redisCpus,
                        cRw.redisCpus))), Fmt.median(redisFOverC) <= 0.80));
        footprints.forEach((shape, byVariant) -> {
            double f = byVariant.get("F").bytesPerSession();
            double json = springJson.get(shape);
            targets.add(new Target(TITLE, "F bytes per session vs Spring JSON, " + shape.name().toLowerCase(java.util.Locale.ROOT)
                    + " session", "≤ 0.60×", Fmt.ratio(f / json) + " (" + Fmt.bytes(f) + " vs " + Fmt.bytes(json)
                    + " bytes; × C (JDK) " + Fmt.ratio(f / byVariant.get("C").bytesPerSession()) + ")", f <= 0.60 * json));
        });
        targets.add(new Target(TITLE, "read-your-writes across two nodes with near caches: stale reads", "0",
                check.stale() + " of " + Fmt.count(check.reads()), check.stale() == 0 && check.reads() > 0));
        long jit = 0;
        long process = 0;
        List<String> client = new ArrayList<>();
        List<String> threads = new ArrayList<>();
        for (Map.Entry<SessionShape, Map<Kind, List<HttpCell>>> byShape : cells.entrySet()) {
            for (Map.Entry<Kind, List<HttpCell>> byKind : byShape.getValue().entrySet()) {
                for (HttpCell cell : byKind.getValue()) {
                    jit += cell.jitNanos;
                    process += cell.jitNanos + cell.serverCpuNanos + cell.clientCpuNanos;
                    String name = cell.key + byKind.getKey().path + (byShape.getKey() == SessionShape.STANDARD ? "" : " large");
                    client.add(name + " " + Fmt.perOp(cell.clientCpuMicrosPerRequest()));
                    threads.add(name + " " + Fmt.perOp(cell.threadsStartedPerThousand()));
                }
            }
        }
        md.append("JIT compiler threads used ").append(Math.round(100.0 * jit / Math.max(1, process)))
                .append("% of this JVM's CPU during the timed slices; that CPU is left out of the server figures.\n\n");
        md.append("Client CPU (not counted in server CPU), µs/req: ");
        md.append(String.join(", ", client)).append(".\n\n");
        md.append("Threads this JVM started during each cell's timed slices, per 1,000 requests (by anything in the JVM; "
                + "a thread per request, as the JDK's default async pool starts on one or two CPUs, would cost every "
                + "variant measured here): ").append(String.join(", ", threads)).append(".\n");
        return new Section(TITLE, md.toString(), targets);
    }

    private static void table(StringBuilder md, List<HttpCell> list, Map<String, Footprint> footprints) {
        md.append("| variant | req/s | × A | p50 ms (× A) | p99 ms (× A) | server CPU µs/req (× A) | kernel share of server CPU | Redis CPU µs/req (kernel share) | "
                + "Redis commands/req (all, incl. in scripts) | top-level commands/req (≈ round trips) | "
                + "bytes/session in Redis | errors |\n");
        md.append("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
        for (HttpCell cell : list) {
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

    private static String roundTrips(HttpCell cell) {
        String mix = cell.census.topLevelMix(cell.censusRequests);
        return Fmt.perOp(cell.topLevelPerRequest()) + " (" + (mix.equals("-") ? "no command" : mix) + ")";
    }

    private static List<Double> perRound(List<Double> ours, List<Double> theirs) {
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < Math.min(ours.size(), theirs.size()); i++) {
            ratios.add(ours.get(i) / theirs.get(i));
        }
        return ratios;
    }

    private static HttpCell find(List<HttpCell> cells, String key) {
        return cells.stream().filter(c -> c.key.equals(key)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no cell " + key));
    }

    private static String attributeSizes() {
        AttributeCodec json = AttributeCodec.json();
        StringBuilder text = new StringBuilder();
        for (SessionShape shape : SessionShape.values()) {
            Map<String, Object> values = shape.values(0);
            long ours = 0;
            long jdk = 0;
            long chars = 0;
            for (Object value : values.values()) {
                ours += json.encode(value).length;
                jdk += SpringSessions.serializedSize(value);
                chars += value.toString().length();
            }
            if (shape == SessionShape.STANDARD) {
                text.append("The session: ").append(String.join(", ", SessionAttributes.NAMES))
                        .append(" (strings, a `Map<String,Integer>` cart of 20 items, a `List<String>` of 20 paths, a `Long`); ");
            } else {
                text.append("The large session (`/rw` only, variants ").append(String.join(", ", LARGE_VARIANTS))
                        .append("): ").append(shape.description).append("; ");
            }
            text.append(Fmt.bytes(chars)).append(" characters as text, ").append(Fmt.bytes(ours))
                    .append(" bytes encoded by our JSON codec, ").append(Fmt.bytes(jdk))
                    .append(" bytes by Spring's default JDK serialization.\n");
        }
        return text.toString().replace(".\nThe large", ".\n\nThe large");
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
