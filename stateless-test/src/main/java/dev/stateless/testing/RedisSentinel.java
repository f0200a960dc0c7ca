package dev.stateless.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A real Sentinel set-up for tests: one master, one replica ({@code --replicaof}) and one sentinel
 * process (the same {@code redis-server} binary with {@code --sentinel}) that monitors the master as
 * {@value #MASTER_NAME} with a quorum of 1, declares it down after 1 s and may fail over every 3 s.
 * {@link #start()} returns once the replica is in sync and the sentinel knows it, so a failover can
 * be staged at once: {@link #killMaster()} then {@link #awaitFailover}.
 *
 * <pre>{@code
 * RedisSentinel sentinel = RedisSentinel.start();
 * SessionStore store = RedisSessionStore.builder(sentinel.uri()).build(); // redis-sentinel://...#mymaster
 * }</pre>
 *
 * <p>Thread-safe. A JVM shutdown hook kills every process still running.
 */
public final class RedisSentinel implements AutoCloseable {

    /** The name the sentinel monitors the master under. */
    public static final String MASTER_NAME = "mymaster";

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(20);

    private final Path workDir;
    private final RedisProcess master;
    private final RedisProcess replica;
    private final RedisProcess sentinel;

    private RedisSentinel(Path workDir, RedisProcess master, RedisProcess replica, RedisProcess sentinel) {
        this.workDir = workDir;
        this.master = master;
        this.replica = replica;
        this.sentinel = sentinel;
    }

    /**
     * Starts master, replica and sentinel and waits (at most 20 s) until the replica is in sync and
     * the sentinel has discovered it.
     *
     * @return the running set-up; the test stops it
     */
    public static RedisSentinel start() {
        Path workDir = RedisProcess.tempDir("stateless-redis-sentinel-");
        Set<Integer> taken = new HashSet<>();
        RedisProcess master = null;
        RedisProcess replica = null;
        RedisProcess sentinel = null;
        try {
            int masterPort = FreePorts.withBusPort(taken);
            taken.add(masterPort);
            master = RedisProcess.launch("master-" + masterPort, workDir, masterPort, dataNodeArgs(workDir, masterPort));
            int replicaPort = FreePorts.withBusPort(taken);
            taken.add(replicaPort);
            List<String> replicaArgs = new ArrayList<>(dataNodeArgs(workDir, replicaPort));
            replicaArgs.addAll(List.of("--replicaof", RedisProcess.LOOPBACK, Integer.toString(masterPort)));
            replica = RedisProcess.launch("replica-" + replicaPort, workDir, replicaPort, replicaArgs);
            RedisProcess replicaNode = replica;
            await("the replica is in sync with the master",
                    () -> "up".equals(replicaNode.info("INFO", "replication").get("master_link_status")), replica);

            int sentinelPort = FreePorts.withBusPort(taken);
            Path config = workDir.resolve("sentinel-" + sentinelPort + ".conf");
            Files.writeString(config, String.join("\n",
                    "port " + sentinelPort,
                    "bind " + RedisProcess.LOOPBACK,
                    "protected-mode no",
                    "daemonize no",
                    "dir " + workDir,
                    "sentinel monitor " + MASTER_NAME + " " + RedisProcess.LOOPBACK + " " + masterPort + " 1",
                    "sentinel down-after-milliseconds " + MASTER_NAME + " 1000",
                    "sentinel failover-timeout " + MASTER_NAME + " 3000",
                    "sentinel parallel-syncs " + MASTER_NAME + " 1",
                    ""), StandardCharsets.UTF_8);
            // The config file comes first; the sentinel rewrites it as it learns the topology.
            sentinel = RedisProcess.launch("sentinel-" + sentinelPort, workDir, sentinelPort,
                    List.of(config.toString(), "--sentinel"));
            RedisProcess sentinelNode = sentinel;
            // Found through the master's INFO first; a replica it may promote only once it has its
            // own link to it and an INFO from it (else SENTINEL FAILOVER answers NOGOODSLAVE).
            await("the sentinel has a promotable replica", () -> {
                Map<String, String> known = replicaAsSeenBy(sentinelNode);
                return known != null && known.get("name").endsWith(":" + replicaPort)
                        && "slave".equals(known.get("flags")) && "ok".equals(known.get("master-link-status"))
                        && !known.getOrDefault("runid", "").isEmpty();
            }, sentinel);
            return new RedisSentinel(workDir, master, replica, sentinel);
        } catch (IOException e) {
            killAll(master, replica, sentinel);
            RedisProcess.deleteTree(workDir);
            throw new UncheckedIOException("cannot write the sentinel configuration", e);
        } catch (RuntimeException e) {
            killAll(master, replica, sentinel);
            RedisProcess.deleteTree(workDir);
            throw e;
        }
    }

    /** The one replica in {@code SENTINEL REPLICAS}, as field/value pairs, or null when there is none. */
    private static Map<String, String> replicaAsSeenBy(RedisProcess sentinel) {
        Object reply = sentinel.reply("SENTINEL", "REPLICAS", MASTER_NAME);
        if (!(reply instanceof List<?> replicas) || replicas.size() != 1 || !(replicas.get(0) instanceof List<?> flat)) {
            return null;
        }
        Map<String, String> fields = new LinkedHashMap<>();
        for (int n = 0; n + 1 < flat.size(); n += 2) {
            fields.put(String.valueOf(flat.get(n)), String.valueOf(flat.get(n + 1)));
        }
        return fields;
    }

    private static List<String> dataNodeArgs(Path workDir, int port) {
        return List.of(
                "--port", Integer.toString(port),
                "--save", "",
                "--appendonly", "no",
                "--bind", RedisProcess.LOOPBACK,
                "--protected-mode", "no",
                "--daemonize", "no",
                "--dbfilename", "dump-" + port + ".rdb",
                "--dir", workDir.toString());
    }

    /**
     * {@code redis-sentinel://127.0.0.1:SENTINELPORT#mymaster}, Lettuce's Sentinel URI.
     *
     * @return the URI
     */
    public String uri() {
        return "redis-sentinel://" + RedisProcess.LOOPBACK + ":" + sentinel.port() + "#" + MASTER_NAME;
    }

    /**
     * The sentinel's port.
     *
     * @return the port
     */
    public int sentinelPort() {
        return sentinel.port();
    }

    /**
     * The port of the process started as master (it stays this port after a failover, dead).
     *
     * @return the port
     */
    public int initialMasterPort() {
        return master.port();
    }

    /**
     * The port of the process started as replica (the master after a failover).
     *
     * @return the port
     */
    public int initialReplicaPort() {
        return replica.port();
    }

    /**
     * The master's port as the sentinel reports it now ({@code SENTINEL GET-MASTER-ADDR-BY-NAME}).
     *
     * @return the port
     */
    public int masterPort() {
        List<String> address = sentinel.commandList("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME);
        return Integer.parseInt(address.get(1));
    }

    /**
     * Sends one command to the process on {@code port} (master, replica or sentinel), rendered as {@link
     * RedisServer#command}.
     *
     * @param port a node's port
     * @param args the command and its arguments
     * @return the rendered reply
     */
    public String command(int port, String... args) {
        return node(port).command(args);
    }

    /**
     * An integer reply of the process on {@code port}.
     *
     * @param port a node's port
     * @param args the command and its arguments
     * @return the integer
     */
    public long commandLong(int port, String... args) {
        return node(port).commandLong(args);
    }

    /**
     * {@code INFO section} of the process on {@code port}, as a map.
     *
     * @param port a node's port
     * @param section an {@code INFO} section, e.g. {@code replication}
     * @return the fields
     */
    public Map<String, String> info(int port, String section) {
        return node(port).info("INFO", section);
    }

    /**
     * Runs {@code WAIT 1 timeout} on the initial master: returns once the replica has acknowledged
     * every write made so far (or the timeout passed), with the number of replicas that did.
     *
     * @param timeout the longest wait
     * @return the number of replicas that acknowledged
     */
    public long awaitReplicated(Duration timeout) {
        return master.commandLong("WAIT", "1", Long.toString(timeout.toMillis()));
    }

    /** Deletes every key (on the master; the replica follows). */
    public void flushAll() {
        RedisProcess current = node(masterPort());
        current.expectOk("FLUSHALL");
    }

    /** Kills the initial master with SIGKILL, as in a crash. */
    public void killMaster() {
        master.kill();
    }

    /**
     * Asks the sentinel for a failover while both processes run ({@code SENTINEL FAILOVER}): the
     * replica is promoted, the old master becomes its replica, and the sentinel disconnects the old
     * master's clients. Returns at once; see {@link #awaitFailover}.
     */
    public void failover() {
        // NOGOODSLAVE while the sentinel's view of the replica is momentarily stale: ask again
        await("the sentinel accepts SENTINEL FAILOVER", () -> {
            Object reply = sentinel.reply("SENTINEL", "FAILOVER", MASTER_NAME);
            if (reply instanceof RedisServer.ErrorReply error && error.message().startsWith("NOGOODSLAVE")) {
                return false;
            }
            if (!"OK".equals(reply)) {
                throw new IllegalStateException("SENTINEL FAILOVER answered " + RespConnection.render(reply));
            }
            return true;
        }, Duration.ofSeconds(10), sentinel);
    }

    /**
     * Waits until the sentinel names the replica as master and the replica reports {@code
     * role:master}; returns its port.
     *
     * @param timeout the longest wait
     * @return the new master's port
     * @throws IllegalStateException when that does not happen within {@code timeout}; the message
     *     holds the tail of the sentinel's log
     */
    public int awaitFailover(Duration timeout) {
        await("the sentinel promotes the replica",
                () -> masterPort() == replica.port()
                        && "master".equals(replica.info("INFO", "replication").get("role")), timeout, sentinel);
        return replica.port();
    }

    /** Kills every process. */
    public void stop() {
        killAll(sentinel, replica, master);
    }

    /** Kills every process and deletes the working directory (logs, configs). */
    @Override
    public void close() {
        stop();
        RedisProcess.deleteTree(workDir);
    }

    @Override
    public String toString() {
        return "RedisSentinel[" + uri() + ", master " + master.port() + ", replica " + replica.port() + "]";
    }

    private RedisProcess node(int port) {
        for (RedisProcess node : List.of(master, replica, sentinel)) {
            if (node.port() == port) {
                return node;
            }
        }
        throw new IllegalArgumentException("no process of this set-up on port " + port);
    }

    private static void killAll(RedisProcess... nodes) {
        for (RedisProcess node : nodes) {
            if (node != null) {
                node.kill();
            }
        }
    }

    private static void await(String what, Supplier<Boolean> condition, RedisProcess logOf) {
        await(what, condition, READY_TIMEOUT, logOf);
    }

    private static void await(String what, Supplier<Boolean> condition, Duration timeout, RedisProcess logOf) {
        long deadline = System.nanoTime() + timeout.toNanos();
        RuntimeException last = null;
        while (true) {
            try {
                if (condition.get()) {
                    return;
                }
            } catch (RuntimeException e) {
                last = e; // a process that is not answering yet
            }
            if (System.nanoTime() - deadline > 0) {
                IllegalStateException failure = logOf.failure("timed out after " + timeout.toMillis() + " ms waiting until "
                        + what);
                if (last != null) {
                    failure.addSuppressed(last);
                }
                throw failure;
            }
            try {
                TimeUnit.MILLISECONDS.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting until " + what, e);
            }
        }
    }
}
