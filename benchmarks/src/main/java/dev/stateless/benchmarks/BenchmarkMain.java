package dev.stateless.benchmarks;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Runs every benchmark and rewrites docs/BENCHMARKS.md:
 * {@code java -jar benchmarks/target/stateless-benchmarks.jar [--quick] [--out FILE] [--only SECTIONS]}.
 */
public final class BenchmarkMain {

    static final List<String> ALL_SECTIONS = List.of("sessions", "idempotency", "tokens", "growth", "stores");

    private BenchmarkMain() {
    }

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println("usage: java -jar stateless-benchmarks.jar [--quick] [--out FILE] [--only sessions,idempotency,tokens,growth,stores]");
            System.exit(2);
            return;
        }
        Report report = run(options.mode(), options.sections(), options.sessionVariants(), BenchmarkMain::log);
        report.write(options.out());
        log("wrote " + options.out().toAbsolutePath());
        long missed = report.targets().stream().filter(t -> !t.met()).count();
        log(report.targets().size() + " targets: " + (report.targets().size() - missed) + " met, " + missed + " missed");
        System.exit(0); // non-daemon threads of the peers (Spring's scheduler) must not keep the JVM alive
    }

    /** Everything the report needs; used by the main method and by the module's test. */
    static Report run(Mode mode, Set<String> sections, Consumer<String> log) throws Exception {
        return run(mode, sections, SessionBenchmark.VARIANTS, log);
    }

    static Report run(Mode mode, Set<String> sections, List<String> sessionVariants, Consumer<String> log) throws Exception {
        quietLogging();
        long start = System.nanoTime();
        Report report = new Report(mode);
        log.accept("mode " + mode.name() + ", sections " + sections);
        try (HttpLoad load = new HttpLoad(mode.clients())) {
            if (sections.contains("sessions")) {
                long t = System.nanoTime();
                SessionBenchmark sessions = new SessionBenchmark(mode, log, sessionVariants);
                report.add(sessions.run(load));
                report.redisVersion(sessions.redisVersion().getOrDefault("redis", "?"));
                log.accept("sessions took " + seconds(t));
            }
            if (sections.contains("idempotency")) {
                long t = System.nanoTime();
                report.add(new IdempotencyBenchmark(mode, log).run(load));
                log.accept("idempotency took " + seconds(t));
            }
        }
        if (sections.contains("tokens")) {
            long t = System.nanoTime();
            report.add(new TokenBenchmark(mode, log).run());
            log.accept("tokens took " + seconds(t));
        }
        if (sections.contains("growth")) {
            long t = System.nanoTime();
            GrowthBenchmark growth = new GrowthBenchmark(mode, log);
            report.add(growth.run());
            report.redisVersion(growth.redisVersion());
            log.accept("growth took " + seconds(t));
        }
        if (sections.contains("stores")) {
            long t = System.nanoTime();
            report.add(StoreCosts.section(mode, log));
            log.accept("stores took " + seconds(t));
        }
        report.took(Duration.ofNanos(System.nanoTime() - start));
        return report;
    }

    private static String seconds(long since) {
        return (System.nanoTime() - since) / 1_000_000_000 + " s";
    }

    static void quietLogging() {
        setDefault("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        setDefault("org.slf4j.simpleLogger.showDateTime", "true");
    }

    private static void setDefault(String property, String value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, value);
        }
    }

    private static final long STARTED = System.nanoTime();

    private static void log(String line) {
        System.out.printf("[bench %5.1f s] %s%n", (System.nanoTime() - STARTED) / 1e9, line);
        System.out.flush();
    }

    /** Command-line options. */
    record Options(Mode mode, Set<String> sections, List<String> sessionVariants, Path out) {

        static Options parse(String[] args) {
            Mode mode = Mode.full();
            Set<String> sections = new LinkedHashSet<>(ALL_SECTIONS);
            Path out = null;
            List<String> variants = SessionBenchmark.VARIANTS;
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--quick" -> mode = Mode.quick();
                    case "--tiny" -> mode = Mode.tiny();
                    case "--out" -> {
                        if (++i >= args.length) {
                            throw new IllegalArgumentException("--out needs a file");
                        }
                        out = Path.of(args[i]);
                    }
                    case "--only" -> {
                        if (++i >= args.length) {
                            throw new IllegalArgumentException("--only needs section names");
                        }
                        sections = new LinkedHashSet<>();
                        for (String name : args[i].split(",")) {
                            if (!ALL_SECTIONS.contains(name.trim())) {
                                throw new IllegalArgumentException("unknown section '" + name + "'; sections: " + ALL_SECTIONS);
                            }
                            sections.add(name.trim());
                        }
                    }
                    case "--variants" -> {
                        // profiling aid: only these session variants, the first one the baseline
                        if (++i >= args.length) {
                            throw new IllegalArgumentException("--variants needs variant letters, e.g. A,B");
                        }
                        variants = List.of(args[i].split(","));
                        if (!SessionBenchmark.VARIANTS.containsAll(variants)) {
                            throw new IllegalArgumentException("session variants are " + SessionBenchmark.VARIANTS);
                        }
                    }
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
            if (out == null) {
                out = sections.size() == ALL_SECTIONS.size() && variants.equals(SessionBenchmark.VARIANTS)
                        ? Path.of("docs", "BENCHMARKS.md")
                        : Path.of("benchmarks", "target", "BENCHMARKS-partial.md");
            }
            return new Options(mode, sections, variants, out);
        }
    }
}
