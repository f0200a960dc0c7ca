package dev.stateless.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(RedisClusterExtension.class)
class RedisClusterTest {

    private static RedisCluster cluster;

    @BeforeAll
    static void startCluster(RedisCluster started) {
        cluster = started;
    }

    @BeforeEach
    void empty() {
        cluster.flushAll();
    }

    @Test
    void threeMastersOnLoopbackShareAllSlotsAndEveryNodeSaysOk() {
        List<Integer> ports = cluster.ports();

        assertThat(ports).hasSize(3).isSorted().doesNotHaveDuplicates();
        assertThat(cluster.uri()).isEqualTo("redis-cluster://127.0.0.1:" + ports.get(0) + ",127.0.0.1:" + ports.get(1)
                + ",127.0.0.1:" + ports.get(2));
        assertThat(cluster.slotRange(ports.get(0))).containsExactly(0, 5460);
        assertThat(cluster.slotRange(ports.get(1))).containsExactly(5461, 10922);
        assertThat(cluster.slotRange(ports.get(2))).containsExactly(10923, 16383);
        for (int port : ports) {
            assertThat(cluster.clusterInfo(port)).containsEntry("cluster_state", "ok")
                    .containsEntry("cluster_slots_assigned", "16384").containsEntry("cluster_known_nodes", "3")
                    .containsEntry("cluster_size", "3");
            assertThat(cluster.command(port, "CONFIG", "GET", "save")).isEqualTo("[save, ]");
        }
    }

    @Test
    void aKeyLivesOnTheNodeOfItsHashTagSlotAndOtherNodesRedirect() {
        String key = "stateless:s:{abc}";
        int slot = cluster.slotOf(key);
        int owner = cluster.portOf(key);

        assertThat(slot).isEqualTo(cluster.slotOf("{abc}")).isEqualTo(cluster.slotOf("abc"));
        assertThat(cluster.command(owner, "SET", key, "v")).isEqualTo("OK");
        assertThat(cluster.dbSize(owner)).isEqualTo(1);
        for (int port : cluster.ports()) {
            if (port != owner) {
                assertThat(cluster.command(port, "GET", key)).isEqualTo("(error) MOVED " + slot + " 127.0.0.1:" + owner);
                assertThat(cluster.dbSize(port)).isZero();
            }
        }
        assertThat(cluster.keys().get(owner)).containsExactly(key);

        cluster.flushAll();
        assertThat(cluster.dbSizes().values()).containsOnly(0L);
    }
}
