package dev.stateless.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/** Assembles docs/BENCHMARKS.md: the machine, the versions, how to run and read, targets, sections. */
final class Report {

    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private final Mode mode;
    private final ZonedDateTime started = ZonedDateTime.now(ZoneOffset.UTC);
    private final double loadAtStart = OS.getSystemLoadAverage();
    private final List<Section> sections = new ArrayList<>();
    private String redisVersion = "?";
    private Duration took = Duration.ZERO;

    Report(Mode mode) {
        this.mode = mode;
    }

    void add(Section section) {
        sections.add(section);
    }

    void took(Duration took) {
        this.took = took;
    }

    void redisVersion(String version) {
        this.redisVersion = version;
    }

    List<Target> targets() {
        List<Target> all = new ArrayList<>();
        sections.forEach(s -> all.addAll(s.targets()));
        return all;
    }

    String render() {
        Properties versions = versions();
        StringBuilder md = new StringBuilder();
        md.append("# Benchmarks\n\n");
        md.append("Written by `benchmarks/target/stateless-benchmarks.jar` (").append(mode.name()).append(" run) on ")
                .append(started.format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'", Locale.ROOT)))
                .append(", in ").append(took.toSeconds() / 60).append(" min ").append(took.toSeconds() % 60)
                .append(" s. Do not edit by hand: run the jar again.\n\n");
        if (!mode.isFull()) {
            md.append("> **This is a ").append(mode.name()).append(" run**: slices are short and the growth sizes tiny, "
                    + "so the figures only show that everything works. Run without `--quick` for real figures.\n\n");
        }
        md.append("## Machine and versions\n\n");
        md.append("| | |\n|---|---|\n");
        md.append("| CPU | ").append(Runtime.getRuntime().availableProcessors()).append(" cores, ").append(cpuModel()).append(" |\n");
        md.append("| memory | ").append(OS.getTotalMemorySize() / (1024 * 1024 * 1024)).append(" GiB |\n");
        md.append("| OS | ").append(osName()).append(" (").append(System.getProperty("os.name")).append(' ')
                .append(System.getProperty("os.version")).append(", ").append(System.getProperty("os.arch")).append(") |\n");
        md.append("| JVM | ").append(System.getProperty("java.vm.name")).append(' ')
                .append(System.getProperty("java.runtime.version")).append(" (").append(System.getProperty("java.vm.vendor"))
                .append("), max heap ").append(Runtime.getRuntime().maxMemory() / (1024 * 1024)).append(" MiB, ")
                .append(gcNames()).append(" |\n");
        md.append("| load average | ").append(String.format(Locale.ROOT, "%.2f", loadAtStart)).append(" at start, ")
                .append(String.format(Locale.ROOT, "%.2f", OS.getSystemLoadAverage()))
                .append(" at end (other processes share the machine; ratios are measured side by side, interleaved) |\n");
        md.append("| stateless | ").append(versions.getProperty("stateless", "?")).append(gitCommit()).append(" |\n");
        md.append("| Redis | ").append(redisVersion).append(" (`redis-server` from the embedded-redis jar, loopback, no persistence) |\n");
        md.append("| Jetty | ").append(org.eclipse.jetty.util.Jetty.VERSION).append(" (ee10) |\n");
        md.append("| Spring Session | ").append(versions.getProperty("spring-session", "?")).append(", Spring Data Redis ")
                .append(versions.getProperty("spring-data-redis", "?")).append(" |\n");
        md.append("| Lettuce | ").append(versions.getProperty("lettuce", "?")).append(" (shared by our stores and Spring Data Redis) |\n");
        md.append("| Nimbus JOSE+JWT | ").append(versions.getProperty("nimbus", "?")).append(" |\n");
        md.append("| Jackson | ").append(versions.getProperty("jackson", "?")).append(" |\n");
        md.append("| run | ").append(mode.name()).append(": ").append(mode.rounds()).append(" rounds; HTTP slices ")
                .append(mode.httpSlice().toMillis()).append(" ms (warm-up 2 × ").append(mode.httpWarmup().toMillis())
                .append(" ms per variant; section 1: one warm-up slice); token slices ").append(mode.tokenSlice().toMillis()).append(" ms; growth slices ")
                .append(mode.growthSlice().toMillis()).append(" ms |\n\n");

        md.append(HOW_TO_RUN).append(HOW_TO_READ);

        md.append("## Targets\n\n| section | what | goal | measured | met? |\n|---|---|---|---|---|\n");
        for (Target t : targets()) {
            md.append("| ").append(t.section().substring(0, t.section().indexOf('.'))).append(" | ").append(t.what())
                    .append(" | ").append(t.goal()).append(" | ").append(t.measured()).append(" | ")
                    .append(Fmt.metOrMissed(t.met())).append(" |\n");
        }
        md.append('\n');
        for (Section section : sections) {
            md.append("## ").append(section.title()).append("\n\n").append(section.markdown()).append('\n');
            if (!section.targets().isEmpty()) {
                md.append("Targets of this section: ");
                List<String> marks = new ArrayList<>();
                for (Target t : section.targets()) {
                    marks.add(t.what() + " " + t.goal() + ": " + t.measured() + ", " + Fmt.metOrMissed(t.met()));
                }
                md.append(String.join("; ", marks)).append(".\n\n");
            }
        }
        return md.toString();
    }

    void write(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, render(), StandardCharsets.UTF_8);
    }

    private static final String HOW_TO_RUN = """
            ## How to run

            ```
            mvn -pl benchmarks -am package -DskipTests
            java -jar benchmarks/target/stateless-benchmarks.jar            # full run, about 10 minutes; rewrites docs/BENCHMARKS.md
            java -jar benchmarks/target/stateless-benchmarks.jar --quick    # smoke check, under 2 minutes
            ```

            Options: `--out FILE` writes the report elsewhere; `--only sessions,idempotency,tokens,growth,stores` runs
            some sections (and writes to `benchmarks/target/BENCHMARKS-partial.md` unless `--out` is given);
            `--variants B` (or `A,B`, ...) runs only those session variants, for profiling one of them.
            Run it on an otherwise quiet machine if you can; everything (Jetty servers, clients, Redis servers)
            runs on this one machine, over loopback. The module's test (`BenchmarkReportTest`) runs a tiny
            version of the whole thing and checks the report's shape, not the figures.

            """;

    private static final String HOW_TO_READ = """
            ## How to read

            - **Interleaved rounds.** Every variant of a section runs once per round (A B C D E F, A B C D E F, ... with
              the starting variant rotating), after a warm-up of every variant, all in one JVM. Each figure is the
              median over the rounds; every ratio (`× A`, `× Nimbus`, ...) is computed within a round against the
              baseline measured in that same round, then the median is shown with the range over rounds in
              brackets. Ratios are the figures to trust on a shared machine; absolute req/s move with the load.
            - **Throughput** is completed requests per second with 16 clients in a closed loop (each sends its
              next request when the answer to the previous one is in). **p50/p99** are the latencies the
              clients saw in a round (median over rounds), with their ratio to the baseline's in the same round.
            - **Server CPU µs/req**: CPU time of this JVM (Jetty, Lettuce, GC: all threads) minus the client
              threads and the JIT compiler threads, per request, median over rounds, with the ratio to the
              baseline's. **Kernel share**: how much of it the kernel used (system calls, thread wake-ups,
              loopback TCP), from `/proc/self/stat`. **Redis CPU µs/req**: `used_cpu_user + used_cpu_sys` of
              that variant's own redis-server, per request. On 2 cores, server + client + Redis CPU per
              request bound the throughput.
            - **Redis commands/req (all)** is from `INFO commandstats` deltas over the timed slices, which count
              the commands a Lua script runs as well as those the client sends. **Top-level commands/req** is
              what the client sent (EVALSHA/EVAL plus plain commands), from a separate MONITOR pass; each is at
              most one network round trip (fewer if the client pipelines), so it bounds the round trips; section 2
              counts them exactly (**round trips/req (measured)**, through the test kit's `RoundTripProxy`).
            - **Bytes/session** is `MEMORY USAGE` (all samples) of every key the variant wrote, divided by its
              sessions; for the indexed Spring repository that includes the shadow `expires` keys and its share
              of the per-minute expiration sets.
            - **Token verification** figures are verifications per second of one valid token (signature, header
              and claims checks), per algorithm, with 1 and 2 threads. The JDK row is the signature check alone
              (`Mac`/`Signature` over the prepared signing input): the floor any verifier pays.
            - **Growth**: single-thread latency of `RedisSessionStore.load` and `save` against databases that hold
              that many live sessions (filled with pipelined Lua), and Redis memory per live session
              (`used_memory` delta / sessions); then the same on a 3-master Redis Cluster with few and with very
              many keys (10^7 in the full run).
            - **Store operations**: one thread calling `RedisSessionStore` and Spring Session's
              `RedisSessionRepository` (each on its own `redis-server`) in interleaved rounds, for two session
              shapes; Redis CPU per operation, commands from `INFO commandstats`, bytes from `MEMORY USAGE`.
              Single-thread Redis CPU includes one network read and write per top-level command, which
              concurrent clients share; section 1 has the figures under load.
            - **met / missed**: each target of the issue, judged on the median (ratios), on the census
              or the measured count (round trips) or on the byte counts.

            """;

    private static Properties versions() {
        Properties properties = new Properties();
        try (InputStream in = Report.class.getResourceAsStream("versions.properties")) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            // versions unknown
        }
        return properties;
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return System.getProperty("os.arch");
    }

    private static String osName() {
        try {
            for (String line : Files.readAllLines(Path.of("/etc/os-release"))) {
                if (line.startsWith("PRETTY_NAME=")) {
                    return line.substring("PRETTY_NAME=".length()).replace("\"", "");
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return System.getProperty("os.name");
    }

    private static String gcNames() {
        List<String> names = new ArrayList<>();
        ManagementFactory.getGarbageCollectorMXBeans().forEach(gc -> names.add(gc.getName()));
        return String.join(" + ", names);
    }

    /** The commit of the working tree the jar was run from, when there is one. */
    private static String gitCommit() {
        try {
            Process git = new ProcessBuilder("git", "describe", "--always", "--dirty").redirectErrorStream(true).start();
            String out = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (git.waitFor(5, TimeUnit.SECONDS) && git.exitValue() == 0 && !out.isEmpty() && !out.contains(" ")) {
                return " (git " + out + ")";
            }
        } catch (IOException | RuntimeException e) {
            // no git
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return "";
    }

    /** Sections in the order of the issue. */
    static final Map<String, String> SECTION_KEYS = Map.of(
            "sessions", SessionBenchmark.TITLE,
            "idempotency", "2. Idempotent writes",
            "tokens", "3. Token verification",
            "growth", "4. Growth",
            "stores", StoreCosts.TITLE);
}
