package dev.stateless.benchmarks;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * One measured thing over HTTP (a variant and a kind of request) and everything its slices added up
 * to: throughput per round, latency over all rounds, server and Redis CPU, Redis commands.
 */
final class HttpCell {

    private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();

    final String key;
    final String label;
    final int port;
    final HttpLoad.Request[] requests;
    final RedisNode redis;
    final int expectedStatus;

    final List<Double> perSecond = new ArrayList<>();
    final List<Double> ratioToBaseline = new ArrayList<>();
    // per round: latency percentiles (ns) and server CPU per request (µs), and their ratios to the baseline
    final List<Double> p50s = new ArrayList<>();
    final List<Double> p99s = new ArrayList<>();
    final List<Double> cpus = new ArrayList<>();
    final List<Double> p50Ratio = new ArrayList<>();
    final List<Double> p99Ratio = new ArrayList<>();
    final List<Double> cpuRatio = new ArrayList<>();
    /** Per round: Redis CPU per request (µs), when the cell has a Redis. */
    final List<Double> redisCpus = new ArrayList<>();
    final Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    long requestsDone;
    long errors;
    String firstError;
    long serverCpuNanos;
    long serverSystemNanos;
    long jitNanos;
    long clientCpuNanos;
    /** Threads this JVM started during the cell's timed slices (by anything: every variant shares the JVM). */
    long threadsStarted;
    double redisCpuSeconds;
    double redisSystemSeconds;
    final Map<String, Long> commands = new HashMap<>();
    CommandCensus.Counts census = CommandCensus.Counts.NONE;
    long censusRequests;

    HttpCell(String key, String label, int port, HttpLoad.Request[] requests, RedisNode redis, int expectedStatus) {
        this.key = key;
        this.label = label;
        this.port = port;
        this.requests = requests;
        this.redis = redis;
        this.expectedStatus = expectedStatus;
    }

    /** Runs one slice; when {@code record}, adds it to the figures and returns its throughput. */
    double slice(HttpLoad load, long nanos, boolean record) {
        RedisNode.Snapshot redisBefore = record && redis != null ? redis.snapshot() : null;
        long jitBefore = ProcessCpu.jitNanos();
        long cpuBefore = ProcessCpu.nanos();
        long systemBefore = ProcessCpu.systemNanos();
        long startedBefore = THREADS.getTotalStartedThreadCount();
        HttpLoad.Slice slice = load.run(port, requests, nanos, 0, expectedStatus);
        long started = THREADS.getTotalStartedThreadCount() - startedBefore;
        long cpu = ProcessCpu.nanos() - cpuBefore;
        long system = ProcessCpu.systemNanos() - systemBefore;
        long jit = ProcessCpu.jitNanos() - jitBefore;
        if (slice.errors() > 0 && firstError == null) {
            firstError = slice.firstError();
        }
        if (!record) {
            return slice.perSecond();
        }
        if (redisBefore != null) {
            RedisNode.Snapshot redisAfter = redis.snapshot();
            redisAfter.callsSince(redisBefore).forEach((name, n) -> commands.merge(name, n, Long::sum));
            redisCpuSeconds += redisAfter.cpuSince(redisBefore);
            redisCpus.add(redisAfter.cpuSince(redisBefore) * 1e6 / Math.max(1, slice.requests()));
            redisSystemSeconds += redisAfter.systemSince(redisBefore);
        }
        perSecond.add(slice.perSecond());
        p50s.add((double) slice.latency().getValueAtPercentile(50));
        p99s.add((double) slice.latency().getValueAtPercentile(99));
        cpus.add((cpu - slice.clientCpuNanos() - jit) / 1e3 / Math.max(1, slice.requests()));
        latency.add(slice.latency());
        requestsDone += slice.requests();
        errors += slice.errors();
        clientCpuNanos += slice.clientCpuNanos();
        serverCpuNanos += cpu - slice.clientCpuNanos() - jit;
        jitNanos += jit;
        threadsStarted += started;
        serverSystemNanos += Math.max(0, system - slice.clientSystemNanos());
        return slice.perSecond();
    }

    /** After a round: this round's figures as ratios to the baseline's figures of the same round. */
    void ratiosTo(HttpCell baseline) {
        int last = perSecond.size() - 1;
        ratioToBaseline.add(perSecond.get(last) / baseline.perSecond.get(last));
        p50Ratio.add(p50s.get(last) / baseline.p50s.get(last));
        p99Ratio.add(p99s.get(last) / baseline.p99s.get(last));
        cpuRatio.add(cpus.get(last) / baseline.cpus.get(last));
    }

    /** Counts, with MONITOR on, the commands of {@code perClient} requests from each client. */
    void census(HttpLoad load, int perClient) {
        if (redis == null) {
            return;
        }
        CommandCensus watching = CommandCensus.watch(redis);
        HttpLoad.Slice slice = load.run(port, requests, 0, perClient, expectedStatus);
        census = watching.finish();
        censusRequests = slice.requests();
        errors += slice.errors();
    }

    double medianPerSecond() {
        return Fmt.median(perSecond);
    }

    double medianRatio() {
        return Fmt.median(ratioToBaseline);
    }

    /** Redis commands per request from INFO commandstats: top-level and in-script together. */
    double commandsPerRequest() {
        return redis == null ? 0 : commands.values().stream().mapToLong(Long::longValue).sum() / (double) requestsDone;
    }

    double topLevelPerRequest() {
        return censusRequests == 0 ? 0 : census.topLevelTotal() / (double) censusRequests;
    }

    double inScriptsPerRequest() {
        return censusRequests == 0 ? 0 : census.inScriptsTotal() / (double) censusRequests;
    }

    /** Server CPU per request: the median over rounds. */
    double serverCpuMicrosPerRequest() {
        return Fmt.median(cpus);
    }

    /** The kernel's share of the server CPU (system calls, wake-ups, loopback TCP). */
    double serverSystemShare() {
        return serverCpuNanos == 0 ? 0 : (double) serverSystemNanos / serverCpuNanos;
    }

    /** Threads started during the timed slices, per 1,000 requests. */
    double threadsStartedPerThousand() {
        return requestsDone == 0 ? 0 : threadsStarted * 1000.0 / requestsDone;
    }

    double clientCpuMicrosPerRequest() {
        return clientCpuNanos / 1e3 / requestsDone;
    }

    double redisCpuMicrosPerRequest() {
        return redis == null ? 0 : redisCpuSeconds * 1e6 / requestsDone;
    }

    /** {@code "148 (4.93×)"}: server CPU per request (median over rounds) and its ratio to the baseline. */
    String serverCpu() {
        return Fmt.count(Fmt.median(cpus)) + " (" + Fmt.ratio(Fmt.median(cpuRatio)) + ")";
    }

    /** The kernel's share of the server CPU over all rounds: {@code "35%"}. */
    String kernelShare() {
        return Math.round(100 * serverSystemShare()) + "%";
    }

    String redisCpu() {
        if (redis == null) {
            return "-";
        }
        long share = redisCpuSeconds == 0 ? 0 : Math.round(100 * redisSystemSeconds / redisCpuSeconds);
        return Fmt.count(redisCpuMicrosPerRequest()) + " (" + share + "%)";
    }

    /** Median over rounds of the round's p50, with its ratio to the baseline: {@code "1.90 (3.96×)"}. */
    String p50() {
        return Fmt.millis(Fmt.median(p50s)) + " (" + Fmt.ratio(Fmt.median(p50Ratio)) + ")";
    }

    String p99() {
        return Fmt.millis(Fmt.median(p99s)) + " (" + Fmt.ratio(Fmt.median(p99Ratio)) + ")";
    }

    /** Runs each cell once per round, in an order that rotates from round to round. */
    static List<HttpCell> rotated(List<HttpCell> cells, int round) {
        List<HttpCell> order = new ArrayList<>(cells.size());
        for (int i = 0; i < cells.size(); i++) {
            order.add(cells.get((i + round) % cells.size()));
        }
        return order;
    }
}
