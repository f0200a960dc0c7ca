package dev.stateless.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The touch interval text options get when a near cache is on and none is given. */
class NearCacheTouchIntervalTest {

    @Test
    void oneMinuteOrATenthOfAShortIdleTimeout() {
        assertThat(RedisSessionStoreProvider.nearCacheTouchInterval(null)).isEqualTo(Duration.ofMinutes(1));
        assertThat(RedisSessionStoreProvider.nearCacheTouchInterval("PT30M")).isEqualTo(Duration.ofMinutes(1));
        assertThat(RedisSessionStoreProvider.nearCacheTouchInterval("PT10M")).isEqualTo(Duration.ofMinutes(1));
        assertThat(RedisSessionStoreProvider.nearCacheTouchInterval("120")).isEqualTo(Duration.ofSeconds(12));
        assertThat(RedisSessionStoreProvider.nearCacheTouchInterval("0")).isEqualTo(Duration.ofMinutes(1));
    }
}
