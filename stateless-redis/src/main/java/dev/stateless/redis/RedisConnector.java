package dev.stateless.redis;

import dev.stateless.core.CorruptDataException;
import dev.stateless.core.Health;
import dev.stateless.core.StatelessException;
import dev.stateless.core.StoreUnavailableException;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.resource.ClientResources;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One shared, auto-reconnecting Lettuce connection (standalone, Sentinel or Cluster) with the
 * error policy of every Redis store: while Redis is away, commands fail at once or within the
 * command timeout with a {@link StoreUnavailableException}, and the connection comes back by itself.
 * The first connection is made lazily, so an application starts even while Redis is down. The
 * stores use only single-key commands and single-key scripts, so Cluster routes each call to the
 * node that owns its hash tag.
 */
final class RedisConnector implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RedisConnector.class);

    /** Error replies that mean "not now" rather than "never": cluster down, failover, loading. */
    private static final List<String> TRANSIENT_ERRORS = List.of("CLUSTERDOWN", "TRYAGAIN", "LOADING", "MASTERDOWN",
            "READONLY", "BUSY", "NOREPLICAS");

    /**
     * Prefix of the error replies by which the stores' scripts report data they cannot read
     * ({@code redis.error_reply('CORRUPT ...')}); they become {@link CorruptDataException}.
     */
    static final String CORRUPT = "CORRUPT";

    /** After a failed connection attempt, calls fail fast for this long before the next try. */
    private static final Duration RECONNECT_PAUSE = Duration.ofMillis(500);

    private final RedisClient client;
    private final RedisClusterClient clusterClient;
    private final Duration timeout;
    /** The shared resources this connector took from {@link SharedResources}, or null for the user's own. */
    private final ClientResources sharedResources;
    /** Lettuce's event executors (the shared set or the user's): short tasks that never wait. */
    private final ScheduledExecutorService scheduler;
    /**
     * Threads for the rare non-blocking calls that must wait for something first (the first
     * connection, see {@link #connected()}). Never the JDK's default async pool: with one or two
     * CPUs that one starts a new thread for every task.
     */
    private final ExecutorService waiting;
    /** The endpoint without its password. */
    private final String endpoint;
    private final ReentrantLock connecting = new ReentrantLock();
    private volatile StatefulConnection<byte[], byte[]> connection;
    private volatile RedisClusterAsyncCommands<byte[], byte[]> commands;
    private volatile long nextConnectAttempt = System.nanoTime();
    private volatile boolean closed;

    /**
     * A connector on {@code endpoint}; with {@code userResources} null it takes the application's
     * {@link SharedResources} (released on close; with {@code meterRegistry}, a Micrometer
     * {@code MeterRegistry}, the set that records Lettuce's command latencies into it), else it uses
     * the caller's, which it never shuts down.
     */
    RedisConnector(RedisEndpoint endpoint, Duration timeout, ClientResources userResources, Object meterRegistry) {
        LettuceRuntime.check();
        this.timeout = timeout;
        this.endpoint = endpoint.describe();
        this.sharedResources = userResources == null ? SharedResources.acquire(meterRegistry) : null;
        ClientResources resources = userResources == null ? sharedResources : userResources;
        this.scheduler = resources.eventExecutorGroup();
        this.waiting = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 10, TimeUnit.SECONDS, new SynchronousQueue<>(),
                task -> {
                    Thread thread = new Thread(task, "stateless-redis-connect");
                    thread.setDaemon(true);
                    return thread;
                });
        endpoint.uris().forEach(uri -> uri.setTimeout(timeout));
        SocketOptions socket = SocketOptions.builder().connectTimeout(timeout).keepAlive(true).build();
        if (endpoint.cluster()) {
            this.client = null;
            this.clusterClient = RedisClusterClient.create(resources, endpoint.uris());
            clusterClient.setOptions(ClusterClientOptions.builder()
                    .autoReconnect(true)
                    // Lettuce opens the connection to each master on its first command; rejecting while
                    // disconnected would fail that command. Queued commands still end at the timeout.
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.DEFAULT)
                    // No timer per command inside Lettuce: await() bounds every wait itself.
                    .timeoutOptions(TimeoutOptions.builder().timeoutCommands(false).build())
                    .socketOptions(socket)
                    // Follow failovers and resharding: refresh the slot map on MOVED/ASK and now and then.
                    .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                            .enableAllAdaptiveRefreshTriggers()
                            .enablePeriodicRefresh(Duration.ofSeconds(30))
                            .build())
                    .build());
        } else {
            this.clusterClient = null;
            this.client = RedisClient.create(resources, endpoint.uris().get(0));
            client.setOptions(ClientOptions.builder()
                    .autoReconnect(true)
                    // Fail fast while disconnected instead of queueing requests behind an outage.
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    // No timer per command inside Lettuce: await() bounds every wait itself.
                    .timeoutOptions(TimeoutOptions.builder().timeoutCommands(false).build())
                    .socketOptions(socket)
                    .build());
        }
    }

    RedisClusterAsyncCommands<byte[], byte[]> async() {
        RedisClusterAsyncCommands<byte[], byte[]> c = commands;
        if (c != null) {
            return c;
        }
        connection();
        return commands;
    }

    private StatefulConnection<byte[], byte[]> connection() {
        StatefulConnection<byte[], byte[]> c = connection;
        if (c != null) {
            return c;
        }
        // Right after a failed attempt, fail fast instead of queueing behind a dead server.
        if (System.nanoTime() - nextConnectAttempt < 0) {
            throw unavailable("Redis is unavailable (the last connection attempt failed)", null);
        }
        boolean locked;
        try {
            // One thread connects; the others wait for it, at most one command timeout.
            locked = connecting.tryLock(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable("interrupted while connecting to Redis", e);
        }
        if (!locked) {
            throw unavailable("Redis did not accept a connection within " + timeout, null);
        }
        try {
            if (closed) {
                throw new IllegalStateException("the store is closed");
            }
            if (connection == null) {
                if (System.nanoTime() - nextConnectAttempt < 0) {
                    throw unavailable("Redis is unavailable (the last connection attempt failed)", null);
                }
                try {
                    if (clusterClient != null) {
                        StatefulRedisClusterConnection<byte[], byte[]> cluster = clusterClient.connect(ByteArrayCodec.INSTANCE);
                        commands = cluster.async();
                        connection = cluster;
                    } else {
                        StatefulRedisConnection<byte[], byte[]> single = client.connect(ByteArrayCodec.INSTANCE);
                        commands = single.async();
                        connection = single;
                    }
                } catch (RedisException e) {
                    nextConnectAttempt = System.nanoTime() + RECONNECT_PAUSE.toNanos();
                    throw unavailable("cannot connect to Redis: " + firstLine(e.getMessage()), e);
                }
            }
            return connection;
        } finally {
            connecting.unlock();
        }
    }

    /**
     * One {@code PING} (on Cluster one {@code CLUSTER INFO}, DOWN unless {@code cluster_state:ok}):
     * UP with its round trip, or DOWN with the reason. Never throws, never waits longer than
     * connecting plus the command timeout (at once while the connection is known down).
     */
    Health health(String store) {
        Map<String, String> details = new LinkedHashMap<>();
        details.put("store", store);
        details.put("endpoint", endpoint);
        long start = System.nanoTime();
        try {
            if (clusterClient != null) {
                // A node that answers PING says nothing of the slots: ask for the cluster's own verdict.
                String state = clusterState(await(async().clusterInfo()));
                details.put("cluster_state", state);
                if (!state.equals("ok")) {
                    return Health.down(Duration.ofNanos(System.nanoTime() - start), "cluster_state:" + state, details);
                }
            } else {
                await(async().ping());
            }
            return Health.up(Duration.ofNanos(System.nanoTime() - start), details);
        } catch (RuntimeException e) {
            String error = e instanceof IllegalStateException ? "the store is closed" : firstLine(e.getMessage());
            return Health.down(Duration.ofNanos(System.nanoTime() - start), error, details);
        }
    }

    /** The {@code cluster_state} line of a {@code CLUSTER INFO} reply ({@code ok}, {@code fail}). */
    private static String clusterState(String info) {
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("cluster_state:")) {
                return line.substring("cluster_state:".length()).strip();
            }
        }
        return "unknown";
    }

    /** Where this connector connects, without the password. */
    String endpoint() {
        return endpoint;
    }

    /**
     * Standalone and Sentinel: a second connection on which Redis reports (client-side tracking,
     * broadcast mode) every change of a key starting with {@code prefix}; each changed key goes to
     * {@code changed}, through {@code delivery}. Whenever reports may have been missed (the
     * connection was lost, or Redis flushed its tracking table), {@code lost} runs. Cluster: null
     * (not offered; callers rely on their own bounds). Requires Redis 6 or later.
     */
    AutoCloseable trackChanges(String prefix, java.util.function.Consumer<String> changed, Runnable lost,
            java.util.concurrent.Executor delivery) {
        if (client == null) {
            return null;
        }
        StatefulRedisConnection<byte[], byte[]> tracking = client.connect(ByteArrayCodec.INSTANCE);
        io.lettuce.core.TrackingArgs args = io.lettuce.core.TrackingArgs.Builder.enabled().bcast()
                .prefixes(java.nio.charset.StandardCharsets.UTF_8, prefix);
        tracking.addListener(message -> {
            if (!"invalidate".equals(message.getType())) {
                return;
            }
            List<Object> content = message.getContent(io.lettuce.core.codec.StringCodec.UTF8::decodeKey);
            Object keys = content.size() > 1 ? content.get(1) : null;
            delivery.execute(() -> {
                if (keys instanceof List<?> list) {
                    list.forEach(key -> changed.accept(String.valueOf(key)));
                } else {
                    lost.run(); // a null list: Redis dropped its tracking state (FLUSHALL, memory limit)
                }
            });
        });
        tracking.addListener(new io.lettuce.core.RedisConnectionStateListener() {
            @Override
            public void onRedisConnected(io.lettuce.core.RedisChannelHandler<?, ?> connection,
                    java.net.SocketAddress address) {
                // After a reconnect the server no longer tracks for us: report again, and forget.
                delivery.execute(lost);
                tracking.async().clientTracking(args);
            }

            @Override
            public void onRedisDisconnected(io.lettuce.core.RedisChannelHandler<?, ?> connection) {
                delivery.execute(lost);
            }
        });
        await(tracking.async().clientTracking(args));
        return tracking::close;
    }

    /** Runs one Lua script by SHA, loading it again if Redis forgot it (restart, SCRIPT FLUSH). */
    <T> RedisFuture<T> evalAsync(RedisScript script, ScriptOutputType type, byte[][] keys, byte[]... args) {
        return async().evalsha(script.sha(), type, keys, args);
    }

    /**
     * Runs one Lua script without blocking the caller: the answer, or a failure translated as
     * {@link #await} would ({@link StoreUnavailableException} when Redis is away or slower than
     * the command timeout), arrives through the future; nothing is thrown here. Before the first
     * connection exists, connecting happens on another thread.
     */
    <T> CompletableFuture<T> evalNonBlocking(RedisScript script, ScriptOutputType type, byte[][] keys,
            byte[]... args) {
        return connected()
                // Connecting is bounded by connection() itself; the command gets the timeout of its own.
                .thenCompose(c -> this.<T>send(c, script, false, type, keys, args)
                        .exceptionallyCompose(e -> unwrap(e) instanceof RedisNoScriptException
                                ? this.<T>send(c, script, true, type, keys, args)
                                : CompletableFuture.failedFuture(e))
                        .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS))
                .exceptionallyCompose(e -> CompletableFuture.failedFuture(translated(e)));
    }

    /**
     * {@code HGETALL key} without blocking the caller: the hash, or a failure translated as
     * {@link #await} would, arrives through the future; nothing is thrown here. Before the first
     * connection exists, connecting happens on another thread.
     */
    CompletableFuture<Map<byte[], byte[]>> readHash(byte[] key) {
        return connected()
                .thenCompose(c -> {
                    try {
                        // Connecting is bounded by connection() itself; the command gets the timeout of its own.
                        return c.hgetall(key).toCompletableFuture().orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
                    } catch (RuntimeException e) {
                        return CompletableFuture.<Map<byte[], byte[]>>failedFuture(e);
                    }
                })
                .exceptionallyCompose(e -> CompletableFuture.failedFuture(translated(e)));
    }

    /**
     * The commands, without blocking the caller: at once once connected, else after connecting on
     * a thread of {@link #waiting}.
     */
    private CompletableFuture<RedisClusterAsyncCommands<byte[], byte[]>> connected() {
        RedisClusterAsyncCommands<byte[], byte[]> ready = commands;
        if (ready != null) {
            return CompletableFuture.completedFuture(ready);
        }
        try {
            return CompletableFuture.supplyAsync(this::async, waiting);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new IllegalStateException("the store is closed"));
        }
    }

    /**
     * Where a store runs its own short tasks later (Lettuce's event executors): they must not wait
     * for anything. Tasks scheduled after {@link #close} may be rejected.
     */
    ScheduledExecutorService scheduler() {
        return scheduler;
    }

    /**
     * Threads for a store's rare tasks that wait for Redis and must not run on Lettuce's own
     * threads; idle ones end after 10 s.
     */
    Executor waiting() {
        return waiting;
    }

    /** A failure of a non-blocking call as {@link #await} would throw it. */
    private RuntimeException translated(Throwable e) {
        Throwable cause = unwrap(e);
        return cause instanceof TimeoutException
                ? unavailable("Redis did not answer within " + timeout, cause)
                : cause instanceof StatelessException known ? known : translate(cause);
    }

    /**
     * Waits for a future of a non-blocking call of this connector ({@link #readHash},
     * {@link #evalNonBlocking}), which bounds its own wait; throws its failure as {@link #await} would.
     */
    <T> T join(CompletableFuture<T> future) {
        try {
            // The call bounds connecting and the command itself; this bound only guards against a bug.
            return future.get(3 * timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable("interrupted while waiting for Redis", e);
        } catch (TimeoutException e) {
            throw unavailable("Redis did not answer within " + timeout, e);
        } catch (ExecutionException e) {
            throw translated(e.getCause());
        }
    }

    /** EVALSHA of {@code script}, or EVAL of its body (after NOSCRIPT). */
    private <T> CompletableFuture<T> send(RedisClusterAsyncCommands<byte[], byte[]> c, RedisScript script,
            boolean whole, ScriptOutputType type, byte[][] keys, byte[][] args) {
        try {
            RedisFuture<T> sent = whole ? c.eval(script.body(), type, keys, args)
                    : c.evalsha(script.sha(), type, keys, args);
            return sent.toCompletableFuture();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    <T> T eval(RedisScript script, ScriptOutputType type, byte[][] keys, byte[]... args) {
        return awaitScript(evalAsync(script, type, keys, args), script, type, keys, args);
    }

    /** Awaits a script result, falling back to EVAL (one more round trip) on NOSCRIPT. */
    <T> T awaitScript(RedisFuture<T> pending, RedisScript script, ScriptOutputType type, byte[][] keys, byte[]... args) {
        try {
            return await(pending);
        } catch (NoScript e) {
            log.debug("script {} not cached by Redis; sending it again", script.name());
            return await(async().eval(script.body(), type, keys, args));
        }
    }

    <T> T await(RedisFuture<T> future) {
        return await(future, f -> f);
    }

    <T, R> R await(RedisFuture<T> future, Function<T, R> then) {
        try {
            return then.apply(future.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable("interrupted while waiting for Redis", e);
        } catch (TimeoutException e) {
            future.cancel(false); // the answer, if it ever comes, is dropped
            throw unavailable("Redis did not answer within " + timeout, e);
        } catch (ExecutionException e) {
            throw translate(e.getCause());
        }
    }

    private static RuntimeException translate(Throwable cause) {
        if (cause instanceof RedisNoScriptException) {
            return new NoScript();
        }
        if (cause instanceof RedisCommandExecutionException e) {
            String message = firstLine(e.getMessage());
            if (TRANSIENT_ERRORS.stream().anyMatch(message::startsWith)) {
                // The server cannot serve right now (cluster down, failover, loading): retry later.
                return unavailable("Redis is unavailable: " + message, e);
            }
            if (message.startsWith(CORRUPT) || message.contains("WRONGTYPE")
                    || message.contains("hash value is not an integer")) {
                // Under one of our keys sits something we did not write: another type, a counter
                // that is not a number (HINCRBY), or what our scripts report as CORRUPT.
                return new CorruptDataException("Redis holds data the store cannot read: " + message, e);
            }
            // Redis answered with an error: the server's state is not what we expect.
            return new StatelessException("Redis refused a command: " + message, e);
        }
        if (cause instanceof RedisException || cause instanceof java.io.IOException) {
            return unavailable("Redis is unavailable: " + firstLine(cause.getMessage()), cause);
        }
        if (cause instanceof RuntimeException r) {
            return r;
        }
        return unavailable("Redis call failed: " + cause, cause);
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    static StoreUnavailableException unavailable(String message, Throwable cause) {
        return new StoreUnavailableException(message, cause);
    }

    @Override
    public void close() {
        connecting.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            if (connection != null) {
                connection.close();
            }
        } finally {
            connecting.unlock();
        }
        if (clusterClient != null) {
            clusterClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        } else {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        waiting.shutdown();
        if (sharedResources != null) {
            SharedResources.release(sharedResources);
        }
    }

    /** Internal signal: EVALSHA named a script that Redis does not have. */
    static final class NoScript extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NoScript() {
            super(null, null, false, false);
        }
    }
}
