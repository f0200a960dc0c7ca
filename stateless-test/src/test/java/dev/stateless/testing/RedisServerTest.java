package dev.stateless.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RedisServerTest {

    private RedisServer redis;

    @BeforeEach
    void startRedis() {
        redis = RedisServer.start();
    }

    @AfterEach
    void stopRedis() {
        redis.close();
    }

    @Test
    void startedServerAnswersPingOnItsLoopbackPort() {
        assertThat(redis.isRunning()).isTrue();
        assertThat(redis.command("PING")).isEqualTo("PONG");
        if (!redis.isExternal()) {
            assertThat(redis.uri()).isEqualTo("redis://127.0.0.1:" + redis.port());
            assertThat(redis.host()).isEqualTo("127.0.0.1");
            assertThat(redis.commandMap("CONFIG", "GET", "save")).containsEntry("save", "");
            assertThat(redis.commandMap("CONFIG", "GET", "appendonly")).containsEntry("appendonly", "no");
        }
    }

    @Test
    void commandRendersEveryKindOfReply() {
        redis.flushAll();
        assertThat(redis.command("SET", "k", "välue")).isEqualTo("OK");
        assertThat(redis.command("GET", "k")).isEqualTo("välue");
        assertThat(redis.command("GET", "missing")).isNull();
        assertThat(redis.command("INCR", "n")).isEqualTo("1");
        assertThat(redis.commandLong("INCR", "n")).isEqualTo(2);
        assertThat(redis.command("INCR", "k")).startsWith("(error) ERR");
        assertThat(redis.reply("INCR", "k")).isInstanceOf(RedisServer.ErrorReply.class);
        assertThat(redis.commandLong("DBSIZE")).isEqualTo(2);

        redis.command("RPUSH", "list", "a", "", "c");
        assertThat(redis.commandList("LRANGE", "list", "0", "-1")).containsExactly("a", "", "c");
        assertThat(redis.command("LRANGE", "list", "0", "-1")).isEqualTo("[a, , c]");
        assertThat(redis.commandList("LRANGE", "nothing", "0", "-1")).isEmpty();

        redis.command("HSET", "hash", "f1", "v1", "f2", "v2");
        assertThat(redis.commandMap("HGETALL", "hash")).containsExactly(
                org.assertj.core.api.Assertions.entry("f1", "v1"), org.assertj.core.api.Assertions.entry("f2", "v2"));
        assertThat(redis.commandList("HMGET", "hash", "f1", "none")).containsExactly("v1", null);

        // Lua false becomes a null bulk string, a table a nested array.
        assertThat(redis.command("EVAL", "return {1, {'a', false}, 'b'}", "0")).isEqualTo("[1, [a, (nil)], b]");
        assertThatThrownBy(() -> redis.commandLong("GET", "k")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> redis.commandList("GET", "k")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void flushAllEmptiesTheServer() {
        redis.command("SET", "a", "1");
        redis.command("SET", "b", "2");

        redis.flushAll();

        assertThat(redis.commandLong("DBSIZE")).isZero();
    }

    @Test
    void callsCountsCommandsSinceResetstat() {
        assertThat(redis.command("CONFIG", "RESETSTAT")).isEqualTo("OK");
        redis.command("ECHO", "one");
        redis.command("ECHO", "two");

        assertThat(redis.calls("echo")).isEqualTo(2);
        assertThat(redis.calls("hgetall")).isZero();
    }

    @Test
    void stoppedServerRefusesConnections() {
        redis.stop();

        assertThat(redis.isRunning()).isFalse();
        assertThatThrownBy(() -> {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", redis.port()), 1000);
            }
        }).isInstanceOf(ConnectException.class);
        assertThatThrownBy(() -> redis.command("PING")).isInstanceOf(UncheckedIOException.class);
        redis.stop(); // stopping twice is harmless
    }

    @Test
    void restartedServerAnswersOnTheSamePortAndIsEmpty() {
        int port = redis.port();
        redis.command("SET", "before", "restart");
        redis.stop();

        redis.restart();

        assertThat(redis.isRunning()).isTrue();
        assertThat(redis.port()).isEqualTo(port);
        assertThat(redis.command("PING")).isEqualTo("PONG");
        assertThat(redis.command("GET", "before")).isNull();
    }

    @Test
    void resetStartsAStoppedServerAgainAndEmptiesARunningOne() {
        int port = redis.port();
        redis.command("SET", "k", "v");
        redis.reset();
        assertThat(redis.commandLong("DBSIZE")).isZero();

        redis.stop();
        redis.reset();

        assertThat(redis.isRunning()).isTrue();
        assertThat(redis.port()).isEqualTo(port);
        assertThat(redis.command("PING")).isEqualTo("PONG");
    }

    @Test
    void restartOfARunningServerBouncesIt() {
        redis.command("SET", "k", "v");

        redis.restart();

        assertThat(redis.command("PING")).isEqualTo("PONG");
        assertThat(redis.commandLong("DBSIZE")).isZero();
    }

    @Test
    void failedStartReportsTheTailOfTheServerLog() throws IOException {
        assumeFalse(redis.isExternal(), "starts a process of its own");
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            assertThatThrownBy(() -> RedisServer.startOn(taken.getLocalPort()))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("port " + taken.getLocalPort())
                    .hasMessageContaining("Address already in use");
        }
    }
}
