package dev.stateless.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the whole harness in its tiny mode (real Redis servers, real Jetty servers, every section,
 * slices of a tenth of a second) and checks the report's shape: every section, every variant's row,
 * every target marked met or missed, no failed request. It says nothing about the speed.
 */
class BenchmarkReportTest {

    @TempDir
    static Path dir;

    static String report;

    @BeforeAll
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    static void runTheTinyBenchmark() throws Exception {
        Report result = BenchmarkMain.run(Mode.tiny(), new LinkedHashSet<>(BenchmarkMain.ALL_SECTIONS), line -> { });
        Path file = dir.resolve("BENCHMARKS.md");
        result.write(file);
        report = Files.readString(file, StandardCharsets.UTF_8);
    }

    @Test
    void hasTheMachineTheVersionsAndTheReadingGuide() {
        assertThat(report).startsWith("# Benchmarks")
                .contains("## Machine and versions", "## How to run", "## How to read", "## Targets")
                .contains("| CPU | ", "| memory | ", "| OS | ", "| JVM | ")
                .contains("| stateless | ", "| Redis | 6.", "| Jetty | 12.", "| Spring Session | 4.");
        assertThat(report).doesNotContain("| ?");
    }

    @Test
    void hasAllFourSectionsInOrder() {
        int sessions = report.indexOf("## 1. Session requests over HTTP");
        int idempotency = report.indexOf("## 2. Idempotent writes");
        int tokens = report.indexOf("## 3. Token verification");
        int growth = report.indexOf("## 4. Growth");
        assertThat(sessions).isPositive();
        assertThat(idempotency).isGreaterThan(sessions);
        assertThat(tokens).isGreaterThan(idempotency);
        assertThat(growth).isGreaterThan(tokens);
    }

    @Test
    void hasARowForEverySessionVariantAndBothRequests() {
        String section = section("## 1. Session requests over HTTP", "## 2.");
        for (String variant : SessionBenchmark.VARIANTS) {
            String label = SessionBenchmark.LABELS.get(variant);
            // one row in 1a (/rw), one in 1b (/ro), in 1c (large /rw) for the large variants
            int tables = SessionBenchmark.LARGE_VARIANTS.contains(variant) ? 3 : 2;
            assertThat(rows(section, "| " + label + " | ")).as(label).hasSize(tables);
        }
        assertThat(section).contains("### 1a. `GET /rw`", "### 1b. `GET /ro`", "### 1c. `GET /rw`: read all attributes, "
                + "change one, large session", "### 1d. Redis commands", "### 1e. Bytes per session", "### 1f. Where B's CPU",
                "### 1g. Read your writes across two nodes", "### 1h. Netty's native epoll transport");
        for (String variant : List.of("B", "C", "D", "E", "F")) {
            assertThat(rows(section, "| " + variant + " | `/rw` | ")).as(variant + " census").hasSize(1);
            assertThat(rows(section, "| " + variant + " | `/ro` | ")).as(variant + " census").hasSize(1);
        }
        for (String variant : List.of("C", "F")) {
            assertThat(rows(section, "| " + variant + " | `/rw`, large | ")).as(variant + " large census").hasSize(1);
        }
    }

    @Test
    void bytesPerSessionCoverBothShapesAndSpringJson() {
        String section = section("### 1e. Bytes per session", "### 1f.");
        for (String shape : List.of("standard", "large")) {
            for (String variant : SessionBenchmark.VARIANTS) {
                if (!variant.equals("A") && (shape.equals("standard") || SessionBenchmark.LARGE_VARIANTS.contains(variant))) {
                    assertThat(rows(section, "| " + shape + " | " + SessionBenchmark.LABELS.get(variant) + " | "))
                            .as(shape + " " + variant).hasSize(1);
                }
            }
            assertThat(rows(section, "| " + shape + " | Spring Session RedisSessionRepository, JSON layout | "))
                    .as(shape + " Spring JSON").hasSize(1);
        }
    }

    /**
     * The threads started during the timed slices, per 1,000 requests, are reported for every cell,
     * and nothing in the JVM starts a thread per request (the JDK's default async pool does, on one or
     * two CPUs: a deferred touch timed with it cost each of B's and E's {@code /rw} requests a thread,
     * started half a second later, in whichever cell ran then).
     */
    @Test
    void nothingInTheJvmStartsAThreadPerRequest() {
        String section = section("## 1. Session requests over HTTP", "## 2.");
        Matcher line = Pattern.compile("Threads this JVM started during each cell's "
                + "timed slices, per 1,000 requests [^:]*: (.*)\\.\n").matcher(section);
        assertThat(line.find()).isTrue();
        java.util.Map<String, Double> perThousand = new java.util.LinkedHashMap<>();
        for (String cell : line.group(1).split(", ")) {
            int space = cell.lastIndexOf(' ');
            perThousand.put(cell.substring(0, space), Double.parseDouble(cell.substring(space + 1)));
        }
        assertThat(perThousand).containsKeys("A/rw", "B/rw", "E/rw", "F/rw", "F/ro", "F/rw large");
        // a thread per request shows in whichever cell runs when the threads start: every cell is checked
        perThousand.forEach((cell, threads) -> assertThat(threads).as(cell).isLessThan(100));
    }

    @Test
    void readYourWritesFoundNoStaleRead() {
        String section = section("### 1g. Read your writes", "### 1h.");
        // reads, stale reads (0), probes, probes fresh at once, median, p99, max
        assertThat(section).containsPattern("\\| " + ReadYourWrites.rounds(Mode.tiny()) + " \\| 0 \\| \\d+ \\| \\d+ \\| [\\d.]+ \\| ");
    }

    @Test
    void epollAndNioRanInTheirOwnJvms() {
        String section = section("### 1h. Netty's native epoll transport", "JIT compiler threads");
        for (String variant : List.of("B", "F")) {
            assertThat(rows(section, "| " + variant + " | nio | ")).as(variant + " nio").singleElement().asString()
                    .doesNotContain("| - |").endsWith("| 0 |");
            assertThat(rows(section, "| " + variant + " | epoll | ")).as(variant + " epoll").singleElement().asString()
                    .doesNotContain("| - |").endsWith("| 0 |");
        }
        assertThat(section).doesNotContain("child failed");
    }

    @Test
    void hasARowForEveryIdempotencyVariant() {
        String section = section("## 2. Idempotent writes", "## 3.");
        for (String variant : IdempotencyBenchmark.VARIANTS) {
            assertThat(rows(section, "| " + IdempotencyBenchmark.LABELS.get(variant) + " | ")).as(variant).hasSize(1);
        }
    }

    @Test
    void hasARowForEveryAlgorithmImplementationAndThreadCount() {
        String section = section("## 3. Token verification", "## 4.");
        for (String algorithm : TokenBenchmark.ALGORITHMS) {
            for (int threads : TokenBenchmark.THREADS) {
                for (String implementation : TokenBenchmark.IMPLEMENTATIONS) {
                    Pattern row = Pattern.compile("^\\| " + algorithm + " \\(\\d+ chars\\) \\| " + threads + " \\| "
                            + Pattern.quote(TokenBenchmark.LABELS.get(implementation)) + " \\| [\\d,]+ \\| ", Pattern.MULTILINE);
                    assertThat(row.matcher(section).find()).as(algorithm + " " + threads + " " + implementation).isTrue();
                }
            }
        }
    }

    @Test
    void hasLoadAndSaveForEveryGrowthSize() {
        String section = section("## 4. Growth", "## 5.");
        for (int size : Mode.tiny().growthSizes()) {
            String count = Fmt.count(size);
            assertThat(rows(section, "| " + count + " | load | ")).as(count + " load").hasSize(1);
            assertThat(rows(section, "| " + count + " | save | ")).as(count + " save").hasSize(1);
            assertThat(rows(section, "| " + count + " | ")).as(count + " memory").hasSize(3);
        }
        // the Cluster part: load and save on the small and on the big Cluster
        assertThat(section).contains("### On a Cluster");
        assertThat(rows(section, "| Cluster, ")).hasSize(4);
        for (String row : rows(section, "| Cluster, ")) {
            assertThat(row).as(row).matches("^\\| Cluster, [\\d,]+ keys \\| [\\d,]+ \\| (load|save) \\| .* \\| 0 \\|$");
        }
    }

    @Test
    void marksEveryTargetMetOrMissed() {
        String targets = section("## Targets", "## 1.");
        List<String> rows = rows(targets, "| ").stream().skip(1).toList(); // without the header
        // 9 for sessions (issue 14's, judged on F), 2 for idempotency, 8 for tokens (4 algorithms x 1 and 2
        // threads), 2 for growth, 4 for stores
        assertThat(rows).hasSize(25);
        for (String row : rows) {
            assertThat(row).as(row).containsPattern("\\| \\*\\*(met|missed)\\*\\* \\|$");
        }
        assertThat(targets).contains("F read-only request (`/ro`) vs A", "F round trips, `/ro` (warm node)",
                "F read all + change one (`/rw`) vs A", "F round trips, `/rw`", "F read all + change one (`/rw`) vs C",
                "Redis CPU per `/rw` request, F vs C", "F bytes per session vs Spring JSON, standard session",
                "F bytes per session vs Spring JSON, large session", "read-your-writes across two nodes", "I round trips",
                "S idempotent POST with a session", "flat on one server", "flat on a Cluster", "ours vs Nimbus, HS256",
                "ours vs Nimbus, RS256", "ours vs Nimbus, ES256",
                "ours vs Nimbus, EdDSA", "bytes per session vs Spring, large session",
                "Redis CPU per load + save vs Spring, standard session");
    }

    @Test
    void storeCostsCoverBothShapesAndTheCommit() {
        String section = section("## 5. Store operations", null);
        for (String shape : List.of("standard", "large")) {
            assertThat(rows(section, "| " + shape + " | ")).as(shape).hasSize(5); // bytes, load, save, near cache, load + save
        }
        assertThat(section).contains("`saveAsync` and `completeAsync`", "EVALSHA 1.00");
    }

    @Test
    void everyTableRowHasAsManyColumnsAsItsHeader() {
        String[] lines = report.split("\n");
        int tables = 0;
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].startsWith("|") && (i == 0 || !lines[i - 1].startsWith("|"))) {
                tables++;
                long columns = lines[i].chars().filter(c -> c == '|').count();
                assertThat(lines[i + 1]).as("rule under " + lines[i]).startsWith("|-");
                for (int j = i + 1; j < lines.length && lines[j].startsWith("|"); j++) {
                    assertThat(lines[j].chars().filter(c -> c == '|').count()).as(lines[j]).isEqualTo(columns);
                }
            }
        }
        assertThat(tables).isGreaterThanOrEqualTo(12);
    }

    @Test
    void noRequestFailed() {
        Matcher errors = Pattern.compile("^\\| [A-Z]\\. .* \\| (\\d+)( \\(.*\\))? \\|$", Pattern.MULTILINE)
                .matcher(section("## 1.", "## 3."));
        int rows = 0;
        while (errors.find()) {
            rows++;
            assertThat(errors.group(1)).as(errors.group()).isEqualTo("0");
        }
        assertThat(rows).isEqualTo(2 * SessionBenchmark.VARIANTS.size() + SessionBenchmark.LARGE_VARIANTS.size()
                + IdempotencyBenchmark.VARIANTS.size());
        Matcher failures = Pattern.compile("^\\| [\\d,]+ \\| (load|save) \\| .* \\| (\\d+) \\|$", Pattern.MULTILINE)
                .matcher(section("## 4. Growth", "## 5."));
        while (failures.find()) {
            assertThat(failures.group(2)).as(failures.group()).isEqualTo("0");
        }
    }

    private static String section(String from, String to) {
        int start = report.indexOf(from);
        assertThat(start).as(from).isNotNegative();
        int end = to == null ? report.length() : report.indexOf(to, start + from.length());
        return report.substring(start, end < 0 ? report.length() : end);
    }

    private static List<String> rows(String text, String prefix) {
        List<String> rows = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.startsWith(prefix)) {
                rows.add(line);
            }
        }
        return rows;
    }
}
