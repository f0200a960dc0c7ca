package dev.stateless.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lettuce.core.RedisClient;
import io.netty.util.Version;
import org.junit.jupiter.api.Test;

/**
 * The build's version profiles ({@code -Dversions=lowest|boot4}) swap Lettuce and Netty on the test
 * classpath; this proves the tests of this module really ran on the versions the profile names.
 */
class ClasspathVersionsTest {

    @Test
    void testsRunOnTheLettuceTheProfileNames() {
        String expected = System.getProperty("stateless.expect.lettuce");
        assumeTrue(expected != null, "not a version profile run");
        assertThat(RedisClient.class.getPackage().getImplementationVersion()).startsWith(expected);
    }

    @Test
    void testsRunOnTheNettyTheProfileNames() {
        String expected = System.getProperty("stateless.expect.netty");
        assumeTrue(expected != null, "not a version profile run");
        assertThat(Version.identify().values()).isNotEmpty()
                .allSatisfy(v -> assertThat(v.artifactVersion()).as(v.artifactId()).isEqualTo(expected));
    }
}
