package dev.stateless.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.stateless.testing.RedisServer;
import dev.stateless.testing.WithRedis;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The command line, and the demo it runs. */
@WithRedis
class ShopMainTest {

    private static RedisServer redis;

    @BeforeAll
    static void startRedis(RedisServer started) {
        redis = started;
    }

    @Test
    void withoutOptionsOneNodeServesOnPort8080WithAnEmbeddedRedis() {
        ShopMain.Options options = ShopMain.parse(new String[0]);

        assertThat(options).isEqualTo(new ShopMain.Options(8080, 1, null, false, Duration.ofMillis(200)));
    }

    @Test
    void everyOptionIsRead() {
        ShopMain.Options options = ShopMain.parse(new String[] {"--port", "9000", "--nodes", "4", "--redis",
                "redis://localhost:6380", "--order-delay-ms", "50", "--demo"});

        assertThat(options).isEqualTo(new ShopMain.Options(9000, 4, "redis://localhost:6380", true, Duration.ofMillis(50)));
    }

    @Test
    void theDemoRunsThreeNodesUnlessToldOtherwise() {
        assertThat(ShopMain.parse(new String[] {"--demo"}).nodes()).isEqualTo(3);
        assertThat(ShopMain.parse(new String[] {"--demo", "--nodes", "2"}).nodes()).isEqualTo(2);
        assertThat(ShopMain.parse(new String[] {"--nodes", "2", "--demo"}).nodes()).isEqualTo(2);
        assertThat(ShopMain.parse(new String[] {"--demo"}).demo()).isTrue();
    }

    @Test
    void portZeroMeansAnEphemeralPortPerNode() {
        assertThat(ShopMain.parse(new String[] {"--port", "0", "--nodes", "16"}).port()).isZero();
    }

    @Test
    void secureAndSentinelRedisUrisAreAccepted() {
        assertThat(ShopMain.parse(new String[] {"--redis", "rediss://cache:6380"}).redis()).isEqualTo("rediss://cache:6380");
        assertThat(ShopMain.parse(new String[] {"--redis", "redis-sentinel://s1:26379/0#mymaster"}).redis())
                .isEqualTo("redis-sentinel://s1:26379/0#mymaster");
    }

    @Test
    void helpAsksForTheUsage() {
        assertThat(ShopMain.parse(new String[] {"--help"})).isNull();
        assertThat(ShopMain.parse(new String[] {"-h"})).isNull();
        assertThat(ShopMain.usage()).contains("--port").contains("--nodes").contains("--redis").contains("--demo")
                .contains("--order-delay-ms").contains("SHOP_JWT_SECRET");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            --bogus                        | unknown option --bogus
            --port abc                     | --port must be a number, was 'abc'
            --port -1                      | --port must be between 0 and 65535, was -1
            --port 65536                   | --port must be between 0 and 65535, was 65536
            --port                         | --port needs a value
            --nodes 0                      | --nodes must be between 1 and 16, was 0
            --nodes 17                     | --nodes must be between 1 and 16, was 17
            --nodes many                   | --nodes must be a number, was 'many'
            --redis not-a-uri              | --redis must be a URI such as redis://localhost:6379
            --redis                        | --redis needs a value
            --order-delay-ms -5            | --order-delay-ms must be between 0 and 60000, was -5
            --order-delay-ms 99999999999   | --order-delay-ms must be a number, was '99999999999'
            --port 65535 --nodes 2         | --port 65535 leaves no room for 2 nodes
            """)
    void badOptionsAreRefusedWithOneLineNamingTheOption(String args, String message) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ShopMain.parse(args.trim().split("\\s+")))
                .withMessage(message)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void theDemoHoldsEveryStepAgainstThreeNodes() throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int status;
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            status = ShopMain.run(new ShopMain.Options(0, 3, redis.uri(), true, Duration.ofMillis(200)));
        } finally {
            System.setOut(original);
        }
        String output = captured.toString(StandardCharsets.UTF_8);
        System.out.print(output);

        assertThat(status).as(output).isZero();
        assertThat(output).contains("[demo] 3 nodes: ").contains("[demo] every step held").doesNotContain("FAILED");
        assertThat(output.lines().filter(l -> l.matches("\\[demo] \\d+\\. .*"))).hasSize(7)
                .allSatisfy(line -> assertThat(line).endsWith(" ok"));
        assertThat(redis.commandLong("HLEN", "shop:orders:{alice}")).isEqualTo(1);
    }
}
