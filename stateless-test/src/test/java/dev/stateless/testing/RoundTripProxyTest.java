package dev.stateless.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@WithRedis
class RoundTripProxyTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private static RedisServer redis;
    private RoundTripProxy proxy;

    @BeforeAll
    static void redis(RedisServer started) {
        redis = started;
    }

    @BeforeEach
    void startProxy() {
        redis.flushAll();
        proxy = RoundTripProxy.start(redis.host(), redis.port(), Duration.ofMillis(RoundTripProxy.DEFAULT_QUIET_MILLIS));
    }

    @AfterEach
    void closeProxy() {
        proxy.close();
    }

    private RespConnection connect() {
        return RespConnection.open(FreePorts.LOOPBACK, proxy.port(), TIMEOUT);
    }

    @Test
    void oneCommandIsOneRoundTrip() {
        try (RespConnection connection = connect()) {
            assertThat(proxy.roundTrips()).as("connecting sends nothing").isZero();

            assertThat(connection.call("SET", "k", "v")).isEqualTo("OK");

            assertThat(proxy.roundTrips()).isEqualTo(1);
        }
        assertThat(proxy.uri()).isEqualTo("redis://127.0.0.1:" + proxy.port());
    }

    @Test
    void aPipelineOfThreeCommandsIsOneRoundTrip() {
        try (RespConnection connection = connect()) {
            List<Object> replies = connection.pipeline(List.of(
                    new Object[] {"SET", "n", "1"},
                    new Object[] {"INCR", "n"},
                    new Object[] {"GET", "n"}));

            assertThat(replies).containsExactly("OK", 2L, "2");
            assertThat(proxy.roundTrips()).isEqualTo(1);
        }
    }

    @Test
    void threeSequentialCommandsAreThreeRoundTrips() {
        try (RespConnection connection = connect()) {
            connection.call("SET", "n", "1");
            connection.call("INCR", "n");
            assertThat(connection.text("GET", "n")).isEqualTo("2");

            assertThat(proxy.roundTrips()).isEqualTo(3);
        }
    }

    @Test
    void twoCommandsInFlightBeforeEitherAnswerAreOneRoundTrip() {
        try (RespConnection connection = connect()) {
            connection.send("SET", "a", "1");
            connection.send("SET", "b", "2");

            assertThat(connection.read()).isEqualTo("OK");
            assertThat(connection.read()).isEqualTo("OK");
            assertThat(proxy.roundTrips()).isEqualTo(1);
            assertThat(redis.commandList("MGET", "a", "b")).containsExactly("1", "2");
        }
    }

    @Test
    void commandsOfManyConnectionsSentTogetherAreOneRoundTripAndEachLaterCommandAnother() {
        List<RespConnection> connections = new ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                connections.add(connect());
            }
            for (int i = 0; i < connections.size(); i++) {
                connections.get(i).send("SET", "k" + i, Integer.toString(i));
            }
            for (RespConnection connection : connections) {
                assertThat(connection.read()).isEqualTo("OK");
            }
            assertThat(proxy.roundTrips()).isEqualTo(1);

            for (int i = 0; i < connections.size(); i++) {
                assertThat(connections.get(i).text("GET", "k" + i)).isEqualTo(Integer.toString(i));
            }
            assertThat(proxy.roundTrips()).isEqualTo(1 + 20);
        } finally {
            connections.forEach(RespConnection::close);
        }
    }

    @Test
    void aLargeValueGoesThroughWhole() {
        byte[] value = new byte[4 << 20];
        for (int i = 0; i < value.length; i++) {
            value[i] = (byte) ('a' + i % 26);
        }
        try (RespConnection connection = connect()) {
            assertThat(connection.call("SET", "big", value)).isEqualTo("OK");
            assertThat(connection.number("STRLEN", "big")).isEqualTo(value.length);
            assertThat(connection.text("GET", "big").getBytes(StandardCharsets.UTF_8)).isEqualTo(value);

            assertThat(proxy.roundTrips()).isEqualTo(3);
        }
    }

    @Test
    void aClientThatHalfClosesStillGetsItsRepliesThenTheEnd() throws IOException {
        try (Socket socket = rawConnect()) {
            socket.getOutputStream().write("PING\r\nECHO hello\r\n".getBytes(StandardCharsets.US_ASCII));
            socket.shutdownOutput();

            assertThat(readToEnd(socket.getInputStream())).isEqualTo("+PONG\r\n$5\r\nhello\r\n");
            assertThat(proxy.roundTrips()).isEqualTo(1);
        }
    }

    @Test
    void redisClosingTheConnectionEndsTheClientsAfterItsReplies() throws IOException {
        try (Socket socket = rawConnect()) {
            socket.getOutputStream().write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));

            assertThat(readToEnd(socket.getInputStream())).isEqualTo("+OK\r\n");
        }
        try (RespConnection connection = connect()) {
            assertThat(connection.call("PING")).as("the proxy still serves").isEqualTo("PONG");
        }
    }

    @Test
    void aClientWhoseRedisIsNotThereIsDisconnected() throws IOException {
        try (RoundTripProxy nowhere = RoundTripProxy.start(FreePorts.loopback());
                Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(FreePorts.LOOPBACK, nowhere.port()), 5_000);
            socket.setSoTimeout(5_000);

            assertThat(socket.getInputStream().read()).isEqualTo(-1);
        }
    }

    @Test
    void closeDisconnectsEveryClientStopsListeningAndEndsItsThread() throws InterruptedException {
        RespConnection connection = connect();
        try {
            connection.call("PING");
            int port = proxy.port();

            proxy.close();
            proxy.close();

            assertThatThrownBy(connection::read).isInstanceOf(UncheckedIOException.class);
            assertThatThrownBy(() -> RespConnection.open(FreePorts.LOOPBACK, port, TIMEOUT))
                    .isInstanceOf(UncheckedIOException.class);
            assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                    .doesNotContain("round-trip-proxy-" + port);
        } finally {
            connection.close();
        }
    }

    @Test
    void aQuietTimeMustBePositive() {
        assertThatThrownBy(() -> RoundTripProxy.start(redis.port(), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("quietTime");
    }

    private Socket rawConnect() throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress(FreePorts.LOOPBACK, proxy.port()), 5_000);
        socket.setSoTimeout(5_000);
        return socket;
    }

    private static String readToEnd(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buffer = new byte[1024];
        for (int n; (n = in.read(buffer)) >= 0; ) {
            all.write(buffer, 0, n);
        }
        return all.toString(StandardCharsets.US_ASCII);
    }
}
