package dev.stateless.servlet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The legacy webapp fixture ({@code src/test/webapp-legacy}, classes in
 * {@code dev.stateless.servlet.legacy}) laid out as a real exploded webapp in a temporary directory,
 * with its classes in {@code WEB-INF/classes}, so each node loads them with its own webapp class
 * loader and scans them for annotations, as a deployed WAR would be.
 *
 * <p>Only the filter declaration's values differ between copies: the store URI, or no filter at all
 * (the containers' own sessions, the baseline).
 */
final class LegacyWebapp {

    /** The context path the fixture is deployed at. */
    static final String CONTEXT_PATH = "/shop";
    /** The user of the fixture's FORM login realm ({@code clerk} role). */
    static final String USER = "alice";
    static final String PASSWORD = "wonderland";
    static final String ROLE = "clerk";

    /**
     * Whether the filter declaration carries {@code codec=serializable} and
     * {@code codec-types=dev.stateless.servlet.legacy.**} (the web.xml section between the
     * {@code codec-params} markers). On: the app's own types are named, as the README tells a legacy
     * app to do. {@code -Dstateless.fixture.codec-params=false} runs the fixture without them (the
     * JSON codec, which refuses the app's types loudly).
     */
    static final boolean CODEC_PARAMS = Boolean.parseBoolean(
            System.getProperty("stateless.fixture.codec-params", "true"));

    private static final String FIXTURE_PACKAGE = "dev/stateless/servlet/legacy";

    private LegacyWebapp() {
    }

    /** A copy whose {@code web.xml} declares our filter on {@code storeUri}. */
    static Path withFilter(String storeUri) {
        return copy(storeUri);
    }

    /** A copy without our filter: the container's own sessions. */
    static Path withoutFilter() {
        return copy(null);
    }

    /**
     * A copy whose filter is switched at run time, as an operator migrating a running service does:
     * {@code /admin/rollout?percent=N} ({@link dev.stateless.servlet.legacy.MigrationSwitch}), 0 at
     * start (the container's sessions), with write-through on.
     */
    static Path withMigrationSwitch(String storeUri) {
        return withMigrationSwitch(storeUri, true, false);
    }

    /** As {@link #withMigrationSwitch(String)}, with write-through and end-adopted as given. */
    static Path withMigrationSwitch(String storeUri, boolean writeThrough, boolean endAdopted) {
        return copy(storeUri, true, writeThrough, endAdopted);
    }

    private static Path copy(String storeUri) {
        return copy(storeUri, false, false, false);
    }

    private static Path copy(String storeUri, boolean migrationSwitch, boolean writeThrough, boolean endAdopted) {
        try {
            Path dir = Files.createTempDirectory("legacy-webapp-");
            copyTree(source(), dir);
            copyTree(fixtureClasses(), dir.resolve("WEB-INF/classes").resolve(FIXTURE_PACKAGE));
            Path webXml = dir.resolve("WEB-INF/web.xml");
            String xml = Files.readString(webXml);
            if (!migrationSwitch) {
                xml = cut(xml, "migration-switch");
            }
            xml = xml.replace("@WRITE_THROUGH@", Boolean.toString(writeThrough))
                    .replace("@END_ADOPTED@", Boolean.toString(endAdopted));
            if (storeUri == null) {
                xml = cut(xml, "stateless-filter");
            } else {
                xml = xml.replace("@STORE_URI@", storeUri);
                if (!CODEC_PARAMS) {
                    xml = cut(xml, "codec-params");
                }
            }
            Files.writeString(webXml, xml);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes {@code dir} and what is in it, if it is still there (Jetty deletes its temp directory itself). */
    static void delete(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String cut(String xml, String marker) {
        String begin = "<!-- " + marker + ":begin -->";
        String end = "<!-- " + marker + ":end -->";
        int from = xml.indexOf(begin);
        int to = xml.indexOf(end);
        if (from < 0 || to < from) {
            throw new IllegalStateException("web.xml lacks the markers " + begin + " ... " + end);
        }
        return xml.substring(0, from) + xml.substring(to + end.length());
    }

    private static Path source() {
        for (Path candidate : new Path[] {
                Path.of(System.getProperty("basedir", "."), "src/test/webapp-legacy"),
                Path.of("stateless-servlet/src/test/webapp-legacy")}) {
            if (Files.isRegularFile(candidate.resolve("WEB-INF/web.xml"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("src/test/webapp-legacy not found from " + Path.of("").toAbsolutePath());
    }

    private static Path fixtureClasses() {
        URL marker = LegacyWebapp.class.getResource("/" + FIXTURE_PACKAGE + "/CartBean.class");
        try {
            return Path.of(marker.toURI()).getParent();
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("compiled fixture classes not found under test-classes/" + FIXTURE_PACKAGE, e);
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
