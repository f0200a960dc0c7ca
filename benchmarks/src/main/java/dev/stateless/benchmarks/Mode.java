package dev.stateless.benchmarks;

import java.time.Duration;
import java.util.List;

/**
 * How long and how much: the full run (the figures in docs/BENCHMARKS.md), a quick smoke run, and
 * a tiny run for the module's own test (it checks the report's shape, not the speed).
 *
 * @param name shown in the report
 * @param httpWarmup warm-up per HTTP variant, done twice, interleaved
 * @param httpSlice one measured slice of one HTTP variant
 * @param rounds measured rounds (every variant once per round, interleaved)
 * @param censusRequestsPerClient requests per client while MONITOR counts commands
 * @param clients concurrent HTTP clients, each with its own session and keep-alive connection
 * @param tokenWarmup warm-up per token variant
 * @param tokenSlice one measured slice of one token variant
 * @param growthSizes live sessions in Redis for the growth section
 * @param growthSlice one measured slice of load or save at one size
 */
record Mode(String name, Duration httpWarmup, Duration httpSlice, int rounds, int censusRequestsPerClient,
        int clients, Duration tokenWarmup, Duration tokenSlice, List<Integer> growthSizes, Duration growthSlice) {

    static final int CLIENTS = 16;

    static Mode full() {
        return new Mode("full", Duration.ofSeconds(3), Duration.ofSeconds(3), 6, 25, CLIENTS,
                Duration.ofSeconds(1), Duration.ofSeconds(1), List.of(1_000, 100_000, 1_000_000), Duration.ofSeconds(2));
    }

    static Mode quick() {
        return new Mode("quick", Duration.ofMillis(300), Duration.ofMillis(800), 3, 10, CLIENTS,
                Duration.ofMillis(200), Duration.ofMillis(200), List.of(100, 1_000), Duration.ofMillis(400));
    }

    static Mode tiny() {
        return new Mode("tiny", Duration.ofMillis(150), Duration.ofMillis(150), 2, 2, CLIENTS,
                Duration.ofMillis(60), Duration.ofMillis(60), List.of(100, 1_000), Duration.ofMillis(100));
    }

    boolean isFull() {
        return name.equals("full");
    }
}
