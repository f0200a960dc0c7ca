package dev.stateless.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lettuce.core.RedisClient;
import io.netty.util.Version;
import java.util.List;
import java.util.Map;
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
        // the modules every Netty line has; Lettuce 7 also brings netty-codec-base, which 4.1 lacks
        Map<String, Version> netty = Version.identify();
        for (String module : List.of("netty-common", "netty-buffer", "netty-transport", "netty-handler", "netty-resolver")) {
            assertThat(netty.get(module)).as(module).isNotNull();
            assertThat(netty.get(module).artifactVersion()).as(module).isEqualTo(expected);
        }
    }
}
