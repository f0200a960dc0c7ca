package dev.stateless.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(RedisSentinelExtension.class)
class RedisSentinelTest {

    private static RedisSentinel sentinel;

    @BeforeAll
    static void start(RedisSentinel started) {
        sentinel = started;
    }

    @Test
    void aMasterWithAnInSyncReplicaWatchedByOneSentinel() {
        int master = sentinel.initialMasterPort();
        int replica = sentinel.initialReplicaPort();

        assertThat(sentinel.uri()).isEqualTo("redis-sentinel://127.0.0.1:" + sentinel.sentinelPort() + "#mymaster");
        assertThat(sentinel.masterPort()).isEqualTo(master);
        assertThat(sentinel.info(master, "replication")).containsEntry("role", "master")
                .containsEntry("connected_slaves", "1");
        assertThat(sentinel.info(replica, "replication")).containsEntry("role", "slave")
                .containsEntry("master_port", Integer.toString(master)).containsEntry("master_link_status", "up");
        assertThat(sentinel.info(sentinel.sentinelPort(), "server")).containsEntry("redis_mode", "sentinel");
    }

    @Test
    void aWriteAcknowledgedByTheReplicaIsReadableThere() {
        sentinel.command(sentinel.initialMasterPort(), "SET", "k", "v");

        assertThat(sentinel.awaitReplicated(Duration.ofSeconds(2))).isEqualTo(1);
        assertThat(sentinel.command(sentinel.initialReplicaPort(), "GET", "k")).isEqualTo("v");
        sentinel.flushAll();
    }
}
