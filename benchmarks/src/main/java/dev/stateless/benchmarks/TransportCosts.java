package dev.stateless.benchmarks;

import dev.stateless.redis.RedisSessionStore;
import dev.stateless.servlet.StatelessSessionFilter;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What Netty's native epoll transport buys Lettuce, over HTTP: variants B and F of section 1 on
 * {@code /rw}, 16 clients, in a child JVM per transport. Lettuce picks its transport once per JVM
 * (epoll when {@code netty-transport-native-epoll} is on the class path, as it is in this jar, unless
 * {@code -Dio.lettuce.core.epoll=false}), so the only way to put the two side by side is two JVMs,
 * one after the other: {@code java -cp stateless-benchmarks.jar dev.stateless.benchmarks.TransportCosts
 * WARMUP_MS SLICE_MS ROUNDS}, with and without the property. The report's section runs both.
 */
final class TransportCosts {

    private static final List<String> VARIANTS = List.of("B", "F");

    private TransportCosts() {
    }

    /** One child's figures for one variant and round. */
    record Figures(double perSecond, double serverCpu, double kernelShare, double redisCpu, long errors) {
    }

    /** Runs the NIO child, then the epoll child; the report's subsection (heading {@code ### 1x.}). */
    static String section(Mode mode, Consumer<String> log) {
        // a fresh JVM: a longer warm-up than the main run's, which follows the whole section
        long warmup = mode.isFull() ? 2_000 : mode.name().equals("quick") ? 1_000 : mode.httpWarmup().toMillis();
        long slice = mode.isFull() ? 1_500 : mode.httpSlice().toMillis();
        int rounds = mode.isFull() ? 3 : mode.rounds();
        Map<String, Map<String, List<Figures>>> byTransport = new LinkedHashMap<>();
        String failure = null;
        for (boolean epoll : new boolean[] {false, true}) {
            try {
                Map<String, Map<String, List<Figures>>> child = child(epoll, warmup, slice, rounds, log);
                byTransport.putAll(child);
            } catch (IOException | RuntimeException e) {
                failure = (epoll ? "epoll" : "NIO") + " child failed: " + e.getMessage();
                log.accept(failure);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = "interrupted";
            }
        }
        StringBuilder md = new StringBuilder();
        md.append("### 1x. Netty's native epoll transport against NIO\n\n");
        md.append("B and F on `/rw`, ").append(Mode.CLIENTS).append(" clients, in a child JVM per transport (Lettuce ")
                .append("picks its transport once per JVM: epoll, since `netty-transport-native-epoll` is on this jar's ")
                .append("class path, or NIO with `-Dio.lettuce.core.epoll=false`), the NIO child first, then the epoll ")
                .append("child; in each, ").append(rounds).append(" interleaved rounds of ").append(slice)
                .append(" ms per variant after a ").append(warmup).append(" ms warm-up. Figures are medians over the ")
                .append("rounds; × NIO is the ratio of the medians (the two JVMs did not run at the same time, so the ")
                .append("machine's load may differ between them).\n\n");
        md.append("| variant | transport | req/s | × NIO | server CPU µs/req | × NIO | kernel share of server CPU | Redis CPU µs/req | errors |\n");
        md.append("|---|---|--:|--:|--:|--:|--:|--:|--:|\n");
        for (String variant : VARIANTS) {
            Figures nio = median(byTransport.getOrDefault("nio", Map.of()).get(variant));
            for (String transport : List.of("nio", "epoll")) {
                Figures f = median(byTransport.getOrDefault(transport, Map.of()).get(variant));
                if (f == null) {
                    md.append("| ").append(variant).append(" | ").append(transport).append(" | - | - | - | - | - | - | - |\n");
                    continue;
                }
                md.append("| ").append(variant).append(" | ").append(transport).append(" | ").append(Fmt.count(f.perSecond()))
                        .append(" | ").append(nio == null ? "-" : Fmt.ratio(f.perSecond() / nio.perSecond()))
                        .append(" | ").append(Fmt.count(f.serverCpu()))
                        .append(" | ").append(nio == null ? "-" : Fmt.ratio(f.serverCpu() / nio.serverCpu()))
                        .append(" | ").append(Math.round(100 * f.kernelShare())).append("%")
                        .append(" | ").append(Fmt.count(f.redisCpu()))
                        .append(" | ").append(f.errors()).append(" |\n");
            }
        }
        if (failure != null) {
            md.append("\n").append(failure).append("\n");
        }
        return md.toString();
    }

    private static Figures median(List<Figures> runs) {
        if (runs == null || runs.isEmpty()) {
            return null;
        }
        List<Double> rate = new ArrayList<>();
        List<Double> cpu = new ArrayList<>();
        List<Double> kernel = new ArrayList<>();
        List<Double> redis = new ArrayList<>();
        long errors = 0;
        for (Figures f : runs) {
            rate.add(f.perSecond());
            cpu.add(f.serverCpu());
            kernel.add(f.kernelShare());
            redis.add(f.redisCpu());
            errors += f.errors();
        }
        return new Figures(Fmt.median(rate), Fmt.median(cpu), Fmt.median(kernel), Fmt.median(redis), errors);
    }

    /** Starts a child JVM and reads its result lines: transport -> variant -> figures per round. */
    private static Map<String, Map<String, List<Figures>>> child(boolean epoll, long warmup, long slice, int rounds,
            Consumer<String> log) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        if (!epoll) {
            command.add("-Dio.lettuce.core.epoll=false");
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(TransportCosts.class.getName());
        command.add(Long.toString(warmup));
        command.add(Long.toString(slice));
        command.add(Integer.toString(rounds));
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Map<String, Map<String, List<Figures>>> results = new LinkedHashMap<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (!line.startsWith("RESULT ")) {
                    continue;
                }
                Map<String, String> fields = new LinkedHashMap<>();
                for (String part : line.substring("RESULT ".length()).split(" ")) {
                    int equals = part.indexOf('=');
                    fields.put(part.substring(0, equals), part.substring(equals + 1));
                }
                results.computeIfAbsent(fields.get("transport"), t -> new LinkedHashMap<>())
                        .computeIfAbsent(fields.get("variant"), v -> new ArrayList<>())
                        .add(new Figures(Double.parseDouble(fields.get("perSecond")), Double.parseDouble(fields.get("serverCpu")),
                                Double.parseDouble(fields.get("kernelShare")), Double.parseDouble(fields.get("redisCpu")),
                                Long.parseLong(fields.get("errors"))));
            }
        }
        int exit = process.waitFor();
        if (exit != 0) {
            throw new IllegalStateException("exit code " + exit);
        }
        String transport = results.keySet().stream().findFirst().orElse("none");
        log.accept("sessions: " + (epoll ? "epoll" : "NIO") + " child ran on " + transport);
        if (results.isEmpty()) {
            throw new IllegalStateException("no results");
        }
        return results;
    }

    /** The child: B and F on {@code /rw}; one {@code RESULT} line per variant and round. */
    public static void main(String[] args) throws Exception {
        BenchmarkMain.quietLogging();
        long warmup = Long.parseLong(args[0]) * 1_000_000;
        long slice = Long.parseLong(args[1]) * 1_000_000;
        int rounds = Integer.parseInt(args[2]);
        String transport = io.lettuce.core.resource.EpollProvider.isAvailable() ? "epoll" : "nio";
        List<AutoCloseable> resources = new ArrayList<>();
        try (HttpLoad load = new HttpLoad(Mode.CLIENTS)) {
            List<HttpCell> cells = new ArrayList<>();
            for (String variant : VARIANTS) {
                RedisNode redis = RedisNode.start();
                resources.add(redis);
                RedisSessionStore store = variant.equals("F") ? SessionBenchmark.nearCacheStore(redis.uri())
                        : RedisSessionStore.builder(redis.uri()).build();
                resources.add(store);
                JettyServer server = JettyServer.start(variant, false, List.of(StatelessSessionFilter.builder(store).build()),
                        new SessionServlet());
                resources.add(server);
                CookieJar[] jars = SessionBenchmark.initSessions(server.port(), variant, load.clients());
                cells.add(new HttpCell(variant, variant, server.port(),
                        SessionBenchmark.requests(server.port(), SessionBenchmark.Kind.RW, jars), redis, 200));
            }
            for (HttpCell cell : cells) {
                cell.slice(load, warmup, false);
            }
            for (int round = 0; round < rounds; round++) {
                for (HttpCell cell : HttpCell.rotated(cells, round)) {
                    cell.slice(load, slice, true);
                }
            }
            for (HttpCell cell : cells) {
                for (int round = 0; round < cell.perSecond.size(); round++) {
                    System.out.printf(java.util.Locale.ROOT,
                            "RESULT transport=%s variant=%s round=%d perSecond=%.1f serverCpu=%.2f kernelShare=%.3f redisCpu=%.2f errors=%d%n",
                            transport, cell.key, round, cell.perSecond.get(round), cell.cpus.get(round), cell.serverSystemShare(),
                            cell.redisCpus.get(round), round == 0 ? cell.errors : 0);
                }
            }
        } finally {
            java.util.Collections.reverse(resources);
            for (AutoCloseable resource : resources) {
                try {
                    resource.close();
                } catch (Exception e) {
                    // exiting anyway
                }
            }
        }
        System.out.flush();
        System.exit(0);
    }
}
