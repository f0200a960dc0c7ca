package dev.stateless.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lettuce.core.RedisClient;
import org.junit.jupiter.api.Test;

/**
 * Lettuce and Netty versions that cannot work are refused when a store is built, naming the
 * versions needed, instead of failing at the first Redis call.
 */
class LettuceRuntimeTest {

    @Test
    void theSupportedCombinationsPass() {
        assertThat(LettuceRuntime.problem("6.6", "4.1.128.Final", false)).isEmpty();
        assertThat(LettuceRuntime.problem("6.8", "4.2.15.Final", true)).isEmpty();
        assertThat(LettuceRuntime.problem("7.7", "4.2.13.Final", true)).isEmpty();
        assertThat(LettuceRuntime.problem(null, "4.1.128.Final", false)).as("a jar without a manifest").isEmpty();
    }

    @Test
    void lettuce7OnNetty41NamesBothWaysOut() {
        assertThat(LettuceRuntime.problem("7.7", "4.1.128.Final", false)).hasValueSatisfying(message -> assertThat(message)
                .contains("Lettuce 7.7 needs Netty 4.2", "Netty 4.1.128.Final", "Lettuce 6.6 to 6.8", "io.netty:netty-bom 4.2"));
    }

    @Test
    void aLettuceOlderThanTheRangeNamesTheVersionNeeded() {
        assertThat(LettuceRuntime.problem("6.5", "4.1.118.Final", false))
                .hasValue("stateless-redis needs Lettuce 6.6 or newer (io.lettuce:lettuce-core), but 6.5"
                        + " is on the classpath");
        assertThat(LettuceRuntime.problem("5.3", "4.1.118.Final", false)).isPresent();
    }

    /**
     * Runs where Lettuce 7 meets Netty 4.1 on the test classpath, as .ci/run arranges with
     * {@code -Dversions=lowest -Dtest.lettuce.version=7.7.0.RELEASE}: building a store fails at once.
     */
    @Test
    void onLettuce7AndNetty41BuildingAStoreFailsWithTheVersionsNeeded() {
        boolean netty42;
        try {
            Class.forName("io.netty.channel.MultiThreadIoEventLoopGroup");
            netty42 = true;
        } catch (ClassNotFoundException e) {
            netty42 = false;
        }
        String lettuce = RedisClient.class.getPackage().getSpecificationVersion();
        assumeTrue(!netty42 && lettuce.startsWith("7."), "needs Lettuce 7 on Netty 4.1");

        assertThatThrownBy(() -> RedisSessionStore.builder("redis://127.0.0.1:1").build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("needs Netty 4.2")
                .hasMessageContaining("Lettuce 6.6 to 6.8");
    }
}
