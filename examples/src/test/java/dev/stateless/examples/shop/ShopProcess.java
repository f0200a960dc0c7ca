package dev.stateless.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** One {@code ShopMain} JVM started from the test class path (no packaged jar needed), its output in a file. */
final class ShopProcess {

    private final String label;
    private final Process process;
    private final Path log;
    private final int port;

    private ShopProcess(String label, Process process, Path log, int port) {
        this.label = label;
        this.process = process;
        this.log = log;
        this.port = port;
    }

    /** A {@code ShopMain} command line with these arguments and environment (no inherited secret). */
    static ProcessBuilder builder(Path log, Map<String, String> env, String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                ShopMain.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
        builder.environment().remove("SHOP_JWT_SECRET");
        builder.environment().putAll(env);
        return builder;
    }

    /** Starts one node on {@code port} against {@code redisUri}, with more ShopMain arguments if given. */
    static ShopProcess start(String label, String secret, String redisUri, int port, String... more) throws IOException {
        Path log = Files.createTempFile("shop-" + label + "-", ".log");
        log.toFile().deleteOnExit();
        List<String> args = new ArrayList<>(List.of("--redis", redisUri, "--port", Integer.toString(port), "--nodes", "1"));
        args.addAll(List.of(more));
        Process process = builder(log, Map.of("SHOP_JWT_SECRET", secret), args.toArray(String[]::new)).start();
        return new ShopProcess(label, process, log, port);
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    void awaitHealthy(Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        Throwable last = null;
        while (System.nanoTime() - deadline < 0) {
            if (!process.isAlive()) {
                throw new AssertionError("process " + label + " exited with " + process.exitValue()
                        + " before answering /health:\n" + output());
            }
            try {
                if (new Browser().get(url(), "/health").status() == 200) {
                    return;
                }
            } catch (UncheckedIOException e) {
                last = e; // not listening yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError("process " + label + " did not answer /health on " + url() + " within "
                + within.toSeconds() + " s:\n" + output(), last);
    }

    /** SIGKILL on Linux: no shutdown hook runs, nothing is flushed or released. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        assertThat(process.waitFor(10, TimeUnit.SECONDS)).as("process %s died", label).isTrue();
    }

    String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(output unreadable: " + e.getMessage() + ")";
        }
    }

    void printOutput() {
        System.err.println("---- output of shop process " + label + " (" + url() + ") ----");
        System.err.println(output());
    }

    void stop() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try {
            Files.deleteIfExists(log);
        } catch (IOException ignored) {
            // a temp file; deleteOnExit takes it otherwise
        }
    }
}
