package dev.stateless.testing;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A real Redis Cluster for tests: three master processes (no replicas) on free loopback ports, the
 * 16384 slots split {@code 0-5460 / 5461-10922 / 10923-16383} in port order. The fixture assigns the
 * slots and introduces the nodes itself (no {@code redis-cli}), then waits until every node reports
 * {@code cluster_state:ok} and knows three masters. Works on Redis 6.2 (the embedded-redis binary)
 * and later. No mocks, no client library: {@link #command} speaks RESP to one node and does not
 * follow {@code MOVED}, so a test sees exactly what each node holds.
 *
 * <pre>{@code
 * static RedisCluster cluster;
 * @BeforeAll static void startCluster() { cluster = RedisCluster.start(); }
 * @AfterAll static void stopCluster() { cluster.close(); }
 * @BeforeEach void empty() { cluster.flushAll(); }
 * ... RedisSessionStore.builder(cluster.uri()) ...
 * }</pre>
 *
 * <p>Thread-safe. A JVM shutdown hook kills every node still running.
 */
public final class RedisCluster implements AutoCloseable {

    /** Hash slots of a Redis Cluster. */
    public static final int SLOTS = 16384;

    private static final int MASTERS = 3;
    private static final Duration FORM_TIMEOUT = Duration.ofSeconds(20);
    /** Slots per CLUSTER ADDSLOTS call: Redis 6.2 has no ADDSLOTSRANGE. */
    private static final int SLOTS_PER_CALL = 1000;

    private final Path workDir;
    private final List<Integer> ports;
    private final RedisProcess[] nodes; // guarded by this; by ascending port
    private final List<int[]> ranges; // per node: first and last slot

    private RedisCluster(Path workDir, List<RedisProcess> nodes, List<int[]> ranges) {
        this.workDir = workDir;
        this.nodes = nodes.toArray(new RedisProcess[0]);
        this.ports = nodes.stream().map(RedisProcess::port).toList();
        this.ranges = List.copyOf(ranges);
    }

    /**
     * Starts three nodes, assigns the slots, makes them meet and waits (at most 20 s) until the
     * cluster is ok on every node.
     *
     * @return the running cluster; the test stops it
     * @throws IllegalStateException when a node does not start or the cluster does not form; the
     *     message says which and holds the tail of the node's log
     */
    public static RedisCluster start() {
        Path workDir = RedisProcess.tempDir("stateless-redis-cluster-");
        List<RedisProcess> nodes = new ArrayList<>();
        try {
            Set<Integer> taken = new HashSet<>();
            for (int n = 0; n < MASTERS; n++) {
                RedisProcess node = launchNode(workDir, taken);
                taken.add(node.port());
                taken.add(node.port() + 10_000);
                nodes.add(node);
            }
            nodes.sort((a, b) -> Integer.compare(a.port(), b.port()));
            // as redis-cli --cluster create splits them
            List<int[]> ranges = List.of(new int[] {0, 5460}, new int[] {5461, 10922}, new int[] {10923, SLOTS - 1});
            RedisCluster cluster = new RedisCluster(workDir, nodes, ranges);
            cluster.form();
            return cluster;
        } catch (RuntimeException e) {
            nodes.forEach(RedisProcess::kill);
            RedisProcess.deleteTree(workDir);
            throw e;
        }
    }

    private static RedisProcess launchNode(Path workDir, Set<Integer> taken) {
        IllegalStateException portTaken = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            int port = FreePorts.withBusPort(taken);
            try {
                return launchNode(workDir, port);
            } catch (IllegalStateException e) {
                // Another process may take the port (or the bus port) between our probe and the bind.
                if (e.getMessage() == null || !e.getMessage().contains("Address already in use")) {
                    throw e;
                }
                portTaken = e;
            }
        }
        throw portTaken;
    }

    private static RedisProcess launchNode(Path workDir, int port) {
        // The node writes its id, its slots and the other nodes to the config file: a node started
        // again on the same port with the same file rejoins the cluster with its slots.
        return RedisProcess.launch("node-" + port, workDir, port, List.of(
                "--port", Integer.toString(port),
                "--cluster-enabled", "yes",
                "--cluster-config-file", workDir.resolve("nodes-" + port + ".conf").toString(),
                "--cluster-node-timeout", "2000",
                "--save", "",
                "--appendonly", "no",
                "--bind", RedisProcess.LOOPBACK,
                "--protected-mode", "no",
                "--daemonize", "no",
                "--dir", workDir.toString()));
    }

    private void form() {
        for (int n = 0; n < nodes.length; n++) {
            RedisProcess node = nodes[n];
            // Distinct epochs up front, as redis-cli --cluster create does: no epoch collision to settle.
            node.expectOk("CLUSTER", "SET-CONFIG-EPOCH", Integer.toString(n + 1));
            int[] range = ranges.get(n);
            for (int from = range[0]; from <= range[1]; from += SLOTS_PER_CALL) {
                int to = Math.min(range[1], from + SLOTS_PER_CALL - 1);
                List<String> args = new ArrayList<>(2 + to - from + 1);
                args.add("CLUSTER");
                args.add("ADDSLOTS");
                for (int slot = from; slot <= to; slot++) {
                    args.add(Integer.toString(slot));
                }
                node.expectOk(args.toArray(new String[0]));
            }
        }
        RedisProcess first = nodes[0];
        for (RedisProcess other : List.of(nodes).subList(1, nodes.length)) {
            first.expectOk("CLUSTER", "MEET", RedisProcess.LOOPBACK, Integer.toString(other.port()));
        }
        awaitOk(FORM_TIMEOUT);
    }

    /**
     * Waits (at most {@code timeout}) until every node reports {@code cluster_state:ok}, all slots
     * ok, three known nodes, all of them connected masters on 127.0.0.1.
     *
     * @param timeout the longest wait
     * @throws IllegalStateException when that does not happen in time; the message says what is
     *     wrong and holds the tail of every node's log
     */
    public void awaitOk(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String lastProblem;
        while (true) {
            try {
                lastProblem = problem();
            } catch (RuntimeException e) {
                lastProblem = "a node does not answer: " + e.getMessage();
            }
            if (lastProblem == null) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("the cluster is not ok after " + timeout.toSeconds() + " s: "
                        + lastProblem + "\n" + snapshot().stream().map(n -> n + ":\n" + n.logTail())
                        .collect(Collectors.joining("\n")));
            }
            try {
                TimeUnit.MILLISECONDS.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the cluster", e);
            }
        }
    }

    /** What keeps the cluster from being ok, or null when it is ok on every node. */
    private String problem() {
        for (RedisProcess node : snapshot()) {
            Map<String, String> info = node.info("CLUSTER", "INFO");
            if (!"ok".equals(info.get("cluster_state"))
                    || !Integer.toString(SLOTS).equals(info.get("cluster_slots_ok"))
                    || !Integer.toString(MASTERS).equals(info.get("cluster_known_nodes"))
                    || !Integer.toString(MASTERS).equals(info.get("cluster_size"))) {
                return node + " reports " + info;
            }
            String table = node.command("CLUSTER", "NODES");
            List<String> lines = table.lines().filter(l -> !l.isBlank()).toList();
            long healthy = lines.stream()
                    .filter(l -> l.contains(" " + RedisProcess.LOOPBACK + ":") && l.contains("master")
                            && !l.contains("fail") && !l.contains("handshake") && l.contains(" connected"))
                    .count();
            if (healthy != MASTERS) {
                return node + " sees " + table;
            }
        }
        return null;
    }

    /**
     * {@code redis-cluster://127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3}: every node is a seed.
     *
     * @return the URI
     */
    public String uri() {
        return "redis-cluster://" + ports.stream().map(port -> RedisProcess.LOOPBACK + ":" + port)
                .collect(Collectors.joining(","));
    }

    /**
     * The masters' ports, ascending; the first owns the lowest slots.
     *
     * @return the ports
     */
    public List<Integer> ports() {
        return ports;
    }

    /**
     * The first and last slot served by the master on {@code port}.
     *
     * @param port a node's port
     * @return the first and the last slot
     */
    public int[] slotRange(int port) {
        return ranges.get(indexOf(port)).clone();
    }

    /**
     * The port of the master that serves {@code slot}.
     *
     * @param slot a slot, 0 to 16383
     * @return the port
     */
    public int portOfSlot(int slot) {
        if (slot < 0 || slot >= SLOTS) {
            throw new IllegalArgumentException("no slot " + slot);
        }
        for (int n = 0; n < ranges.size(); n++) {
            if (slot >= ranges.get(n)[0] && slot <= ranges.get(n)[1]) {
                return ports.get(n);
            }
        }
        throw new IllegalStateException("slot " + slot + " is not assigned");
    }

    /**
     * The slot of {@code key}, as the cluster computes it ({@code CLUSTER KEYSLOT}, hash tags included).
     *
     * @param key a key
     * @return the slot
     */
    public int slotOf(String key) {
        return (int) runningNode().commandLong("CLUSTER", "KEYSLOT", key);
    }

    /**
     * The port of the master that holds (or would hold) {@code key}.
     *
     * @param key a key
     * @return the port
     */
    public int portOf(String key) {
        return portOfSlot(slotOf(key));
    }

    /**
     * Sends one command to the node on {@code port} and renders the reply as {@link
     * RedisServer#command} does ({@code "(error) MOVED ..."} for a key this node does not serve).
     *
     * @param port a node's port
     * @param args the command and its arguments
     * @return the rendered reply
     */
    public String command(int port, String... args) {
        return node(port).command(args);
    }

    /**
     * Sends one command to the node on {@code port} and returns the parsed reply, as {@link
     * RedisServer#reply}.
     *
     * @param port a node's port
     * @param args the command and its arguments
     * @return the reply
     */
    public Object reply(int port, String... args) {
        return node(port).reply(args);
    }

    /**
     * An integer reply of the node on {@code port}.
     *
     * @param port a node's port
     * @param args the command and its arguments
     * @return the integer
     */
    public long commandLong(int port, String... args) {
        return node(port).commandLong(args);
    }

    /**
     * An array reply of the node on {@code port}, elements rendered as by {@link #command}.
     *
     * @param port a node's port
     * @param args the command and its arguments
     * @return the elements
     */
    public List<String> commandList(int port, String... args) {
        return node(port).commandList(args);
    }

    /**
     * Keys held by the node on {@code port} ({@code DBSIZE}).
     *
     * @param port a node's port
     * @return the number of keys
     */
    public long dbSize(int port) {
        return commandLong(port, "DBSIZE");
    }

    /**
     * Keys held per master, by port.
     *
     * @return the numbers of keys by port
     */
    public Map<Integer, Long> dbSizes() {
        Map<Integer, Long> sizes = new LinkedHashMap<>();
        for (RedisProcess node : snapshot()) {
            sizes.put(node.port(), node.commandLong("DBSIZE"));
        }
        return sizes;
    }

    /**
     * Every key on every master ({@code KEYS *} on each; a test fixture may).
     *
     * @return the keys by port
     */
    public Map<Integer, List<String>> keys() {
        Map<Integer, List<String>> keys = new LinkedHashMap<>();
        for (RedisProcess node : snapshot()) {
            keys.put(node.port(), node.commandList("KEYS", "*"));
        }
        return keys;
    }

    /** Deletes every key on every running master. */
    public void flushAll() {
        for (RedisProcess node : snapshot()) {
            if (node.isRunning()) {
                node.expectOk("FLUSHALL");
            }
        }
    }

    /**
     * {@code CLUSTER INFO} of the node on {@code port}, as a map.
     *
     * @param port a node's port
     * @return the fields
     */
    public Map<String, String> clusterInfo(int port) {
        return node(port).info("CLUSTER", "INFO");
    }

    /**
     * Whether the node on {@code port} is alive.
     *
     * @param port a node's port
     * @return whether it runs
     */
    public boolean isRunning(int port) {
        return node(port).isRunning();
    }

    /**
     * Kills the node on {@code port} (SIGKILL, as in a crash). With no replicas its slots are lost
     * until the end of the test: the other nodes report {@code cluster_state:fail} once the node
     * timeout (2 s) has passed and then refuse every command with {@code CLUSTERDOWN}.
     *
     * @param port a node's port
     */
    public void kill(int port) {
        node(port).kill();
    }

    /**
     * Starts the node on {@code port} again (killing it first if it runs), empty but with its node
     * id and slots from its config file, and waits (at most 20 s) until the whole cluster is ok
     * again.
     *
     * @param port a node's port
     */
    public void restart(int port) {
        int index = indexOf(port);
        RedisProcess old;
        synchronized (this) {
            old = nodes[index];
        }
        old.kill();
        RedisProcess started = launchNode(workDir, port);
        synchronized (this) {
            nodes[index] = started;
        }
        awaitOk(FORM_TIMEOUT);
    }

    /** Kills every node. */
    public void stop() {
        for (RedisProcess node : snapshot()) {
            node.kill();
        }
    }

    /** Kills every node and deletes the working directory (logs, node configs). */
    @Override
    public void close() {
        stop();
        RedisProcess.deleteTree(workDir);
    }

    @Override
    public String toString() {
        return "RedisCluster[" + uri() + ", " + RedisProcess.binary() + "]";
    }

    private synchronized RedisProcess node(int port) {
        return nodes[indexOf(port)];
    }

    private synchronized List<RedisProcess> snapshot() {
        return List.of(nodes);
    }

    private int indexOf(int port) {
        int index = ports.indexOf(port);
        if (index >= 0) {
            return index;
        }
        throw new IllegalArgumentException("no node of this cluster on port " + port + " (ports: " + ports() + ")");
    }

    private RedisProcess runningNode() {
        return snapshot().stream().filter(RedisProcess::isRunning).findFirst()
                .orElseThrow(() -> new IllegalStateException("no node of the cluster is running"));
    }
}
