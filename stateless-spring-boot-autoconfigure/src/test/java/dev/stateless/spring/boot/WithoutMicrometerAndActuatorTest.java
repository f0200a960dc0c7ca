package dev.stateless.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stateless.testing.RedisServer;
import dev.stateless.testing.WithRedis;
import java.io.File;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Truly absent, not only hidden from the context ({@code FilteredClassLoader} in
 * {@link StatelessMetricsTest}): with this module's test class path minus Micrometer's,
 * {@code spring-boot-health}'s and Actuator's jars, in a class loader of their own, the auto-configuration loads,
 * is introspected by Spring and makes working stores and filters ({@link BareContextScenario}).
 */
@WithRedis
class WithoutMicrometerAndActuatorTest {

    @Test
    void theAutoConfigurationWorksWithNeitherOnTheClassPath(RedisServer redis) throws Exception {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> entries = Arrays.stream(classPath.split(File.pathSeparator)).filter(e -> !e.isEmpty()).toList();
        List<String> kept = entries.stream().filter(e -> !absent(e)).toList();
        assertThat(entries).filteredOn(WithoutMicrometerAndActuatorTest::absent)
                .anyMatch(e -> e.contains("micrometer-core"));

        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        URL[] urls = kept.stream().map(WithoutMicrometerAndActuatorTest::url).toArray(URL[]::new);
        try (URLClassLoader bare = new URLClassLoader(urls, ClassLoader.getPlatformClassLoader())) {
            thread.setContextClassLoader(bare);
            // on Spring Boot 3.5 (-Dversions=boot35) spring-boot-health is not on the class path at all
            for (String gone : List.of("io.micrometer.core.instrument.MeterRegistry",
                    "org.springframework.boot.health.contributor.HealthIndicator",
                    "org.springframework.boot.actuate.health.HealthIndicator")) {
                assertThatThrownBy(() -> bare.loadClass(gone)).as(gone).isInstanceOf(ClassNotFoundException.class);
            }
            @SuppressWarnings("unchecked")
            Function<String, String> scenario = (Function<String, String>) bare
                    .loadClass(BareContextScenario.class.getName()).getConstructor().newInstance();
            assertThat(scenario.getClass().getClassLoader()).isSameAs(bare);
            assertThat(scenario.apply(redis.uri())).isEqualTo(BareContextScenario.DONE);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    private static boolean absent(String entry) {
        String path = entry.replace('\\', '/');
        return path.contains("/io/micrometer/") || path.contains("/spring-boot-health/")
                || path.contains("/spring-boot-actuator");
    }

    private static URL url(String entry) {
        try {
            return new File(entry).toURI().toURL();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException(entry, e);
        }
    }
}
