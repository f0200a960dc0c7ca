package dev.stateless.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stateless.testing.RedisServer;
import dev.stateless.testing.WithRedis;
import java.io.File;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Micrometer is optional: with every jar of this module's test class path except Micrometer's,
 * in a class loader of their own, the stores, the verifier and the three filters load, are
 * introspected the way containers introspect filters, and serve real requests on Jetty and a real
 * Redis ({@link NoMicrometerScenario}).
 */
@WithRedis
class WithoutMicrometerTest {

    @Test
    void everythingWorksWithoutMicrometerOnTheClassPath(RedisServer redis) throws Exception {
        List<URL> urls = new ArrayList<>();
        List<String> left = new ArrayList<>();
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        for (String entry : classPath.split(File.pathSeparator)) {
            if (entry.isEmpty()) {
                continue;
            }
            if (entry.replace('\\', '/').contains("/io/micrometer/")) {
                left.add(entry);
                continue;
            }
            urls.add(toUrl(entry));
        }
        assertThat(left).as("Micrometer's jars, left out").anyMatch(e -> e.contains("micrometer-core"));

        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        try (URLClassLoader isolated = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader())) {
            thread.setContextClassLoader(isolated);
            @SuppressWarnings("unchecked")
            Function<String, String> scenario = (Function<String, String>) isolated
                    .loadClass(NoMicrometerScenario.class.getName()).getConstructor().newInstance();
            assertThat(scenario.getClass().getClassLoader()).isSameAs(isolated);
            assertThat(scenario.apply(redis.uri())).isEqualTo(NoMicrometerScenario.DONE);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    private static URL toUrl(String entry) {
        try {
            return new File(entry).toURI().toURL();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException(entry, e);
        }
    }
}
