package dev.stateless.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RespConnectionTest {

    @RegisterExtension
    static final RedisExtension redis = new RedisExtension();

    @BeforeEach
    void empty() {
        redis.server().flushAll();
    }

    @Test
    void oneConnectionKeepsItsDatabaseAndSendsBytesAsTheyAre() {
        byte[] binary = {0, (byte) 0xff, '\r', '\n'};
        try (RespConnection connection = redis.server().connect()) {
            assertThat(connection.call("SELECT", 3)).isEqualTo("OK");
            assertThat(connection.call("SET", "k", binary)).isEqualTo("OK");
            assertThat(connection.number("STRLEN", "k")).isEqualTo(4);
            assertThat(connection.text("ECHO", "välue")).isEqualTo("välue");
        }
        assertThat(redis.server().commandLong("DBSIZE")).as("database 0").isZero();
    }

    @Test
    void aPipelineAnswersInOrderWithErrorsAsValues() {
        try (RespConnection connection = redis.server().connect()) {
            List<Object> replies = connection.pipeline(List.of(
                    new Object[] {"SET", "n", "1"},
                    new Object[] {"INCR", "n"},
                    new Object[] {"HGET", "n", "f"},
                    new Object[] {"GET", "missing"}));

            assertThat(replies.subList(0, 2)).containsExactly("OK", 2L);
            assertThat(replies.get(2)).isInstanceOf(RedisServer.ErrorReply.class)
                    .hasToString("(error) WRONGTYPE Operation against a key holding the wrong kind of value");
            assertThat(replies.get(3)).isNull();
        }
    }

    @Test
    void callThrowsOnAnErrorReplyNamingTheCommandWhileReplyReturnsIt() {
        try (RespConnection connection = redis.server().connect()) {
            connection.call("SET", "text", "abc");

            assertThatThrownBy(() -> connection.call("INCR", "text")).isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("ERR").hasMessageEndingWith("(INCR)");
            assertThat(connection.reply("INCR", "text")).isInstanceOf(RedisServer.ErrorReply.class);
            assertThatThrownBy(() -> connection.number("GET", "text")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("not an integer");
        }
    }

    @Test
    void sendAndReadFollowAStreamOfReplies() {
        try (RespConnection monitor = redis.server().connect()) {
            monitor.send("MONITOR");
            assertThat(monitor.read()).isEqualTo("OK");

            redis.server().command("ECHO", "seen-by-monitor");

            String line;
            do {
                line = (String) monitor.read();
            } while (!line.contains("\"ECHO\""));
            assertThat(line).contains("\"seen-by-monitor\"");
        }
    }

    @Test
    void nothingListeningIsAnUncheckedIOExceptionNamingTheAddress() {
        int port = FreePorts.loopback();

        assertThatThrownBy(() -> RespConnection.open(FreePorts.LOOPBACK, port, Duration.ofSeconds(1)))
                .isInstanceOf(UncheckedIOException.class).hasMessageContaining("127.0.0.1:" + port);
    }

    @Test
    void freePortsWithABusPortAreDistinctAndBothBindable() {
        Set<Integer> taken = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            int port = FreePorts.withBusPort(taken);
            assertThat(port).isBetween(20_000, 29_999);
            assertThat(taken).doesNotContain(port, port + 10_000);
            taken.add(port);
            taken.add(port + 10_000);
        }
    }
}
