package dev.stateless.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy in front of one Redis server that counts network round trips exactly, for tests and
 * benchmarks that must prove how many times a request waits for Redis.
 *
 * <p>The rule: the proxy holds what clients send (over every connection through it) and passes it
 * on to Redis in batches. A batch starts with the first byte held and is released when no client
 * has sent anything for the quiet time (default {@value #DEFAULT_QUIET_MILLIS} ms); each batch is
 * one round trip. Replies go back to the clients at once. So commands a client sends without
 * waiting for an answer (a pipeline, several asynchronous commands in flight, commands of several
 * connections sent at the same moment) are one round trip, and a command sent after waiting for a
 * reply is another: it cannot be sent before the previous batch was released. Every command costs
 * at least the quiet time in latency, so point only the measuring pass of a benchmark at the proxy.
 *
 * <pre>{@code
 * try (RoundTripProxy proxy = RoundTripProxy.start(redis.port());
 *         RedisSessionStore store = RedisSessionStore.builder(proxy.uri()).build()) {
 *     long before = proxy.roundTrips();
 *     store.load(id);
 *     assertThat(proxy.roundTrips() - before).isEqualTo(1);
 * }
 * }</pre>
 *
 * <p>A batch is counted as soon as its first byte arrives, so {@link #roundTrips()} read after a
 * reply came back includes everything sent before it. Connection set-up by a client library
 * (HELLO, CLIENT SETINFO, SELECT) counts too: compare counts taken before and after the code under
 * test. Half-closes pass through (a client's end of input reaches Redis after its held bytes, and
 * Redis's end reaches the client after its replies); a client whose Redis connection cannot be made,
 * or whose Redis connection fails, is disconnected. Thread-safe; one daemon thread, which {@link
 * #close()} ends.
 */
public final class RoundTripProxy implements AutoCloseable {

    /** The default quiet time, in milliseconds. */
    public static final long DEFAULT_QUIET_MILLIS = 30;

    /** Replies waiting for a slow client beyond this stop the proxy reading from its Redis connection. */
    private static final int REPLY_BACKLOG_LIMIT = 1 << 20;

    private final InetSocketAddress redis;
    private final long quietNanos;
    private final Selector selector;
    private final ServerSocketChannel listener;
    private final int port;
    private final Thread thread;
    private final AtomicLong roundTrips = new AtomicLong();
    private final ByteBuffer readBuffer = ByteBuffer.allocate(1 << 16);

    // selector thread only
    private final Set<Pair> pairs = new LinkedHashSet<>();
    private boolean batchOpen;
    private long lastClientByte;

    private volatile boolean closing;

    private RoundTripProxy(InetSocketAddress redis, Duration quietTime) throws IOException {
        this.redis = redis;
        this.quietNanos = quietTime.toNanos();
        this.selector = Selector.open();
        try {
            this.listener = ServerSocketChannel.open();
            listener.bind(new InetSocketAddress(InetAddress.getByName(FreePorts.LOOPBACK), 0), 128);
            listener.configureBlocking(false);
            listener.register(selector, SelectionKey.OP_ACCEPT);
            this.port = ((InetSocketAddress) listener.getLocalAddress()).getPort();
        } catch (IOException | RuntimeException e) {
            selector.close();
            throw e;
        }
        this.thread = new Thread(this::loop, "round-trip-proxy-" + port);
        thread.setDaemon(true);
    }

    /**
     * Starts a proxy on a free loopback port in front of the Redis server on {@code 127.0.0.1:redisPort},
     * with the default quiet time.
     *
     * @param redisPort the Redis server's port on 127.0.0.1
     * @return the running proxy; the caller closes it
     * @throws UncheckedIOException when the proxy cannot listen
     */
    public static RoundTripProxy start(int redisPort) {
        return start(FreePorts.LOOPBACK, redisPort, Duration.ofMillis(DEFAULT_QUIET_MILLIS));
    }

    /**
     * Starts a proxy on a free loopback port in front of the Redis server on {@code 127.0.0.1:redisPort}.
     *
     * @param redisPort the Redis server's port on 127.0.0.1
     * @param quietTime how long no client may send anything before the held bytes go to Redis;
     *     longer than the longest pause inside one burst of commands the code under test sends
     * @return the running proxy; the caller closes it
     * @throws IllegalArgumentException when the quiet time is not positive
     * @throws UncheckedIOException when the proxy cannot listen
     */
    public static RoundTripProxy start(int redisPort, Duration quietTime) {
        return start(FreePorts.LOOPBACK, redisPort, quietTime);
    }

    /**
     * Starts a proxy on a free loopback port in front of the Redis server on {@code redisHost:redisPort}.
     *
     * @param redisHost the Redis server's host
     * @param redisPort the Redis server's port
     * @param quietTime how long no client may send anything before the held bytes go to Redis
     * @return the running proxy; the caller closes it
     * @throws IllegalArgumentException when the quiet time is not positive or the port is not one
     * @throws UncheckedIOException when the proxy cannot listen
     */
    public static RoundTripProxy start(String redisHost, int redisPort, Duration quietTime) {
        if (quietTime.isNegative() || quietTime.isZero()) {
            throw new IllegalArgumentException("quietTime must be positive, was " + quietTime);
        }
        if (redisPort <= 0 || redisPort > 65_535) {
            throw new IllegalArgumentException("no port " + redisPort);
        }
        try {
            RoundTripProxy proxy = new RoundTripProxy(new InetSocketAddress(redisHost, redisPort), quietTime);
            proxy.thread.start();
            return proxy;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a round-trip proxy for " + redisHost + ":" + redisPort, e);
        }
    }

    /**
     * The port the proxy listens on, on 127.0.0.1.
     *
     * @return the port
     */
    public int port() {
        return port;
    }

    /**
     * {@code redis://127.0.0.1:PORT}: the proxy, for a client that should be counted.
     *
     * @return the URI
     */
    public String uri() {
        return "redis://" + FreePorts.LOOPBACK + ":" + port;
    }

    /**
     * Round trips so far: batches of client bytes, counted from the first byte of each (a batch
     * still held counts).
     *
     * @return the number of batches since the start
     */
    public long roundTrips() {
        return roundTrips.get();
    }

    /**
     * Stops listening, disconnects every client and its Redis connection, and ends the proxy's
     * thread (waits for it up to 5 s). Bytes still held are dropped. Idempotent.
     */
    @Override
    public void close() {
        closing = true;
        selector.wakeup();
        if (Thread.currentThread() != thread) {
            try {
                // join, not a latch counted down in the loop's finally: when close returns, the thread
                // has ended, not merely finished its clean-up
                thread.join(TimeUnit.SECONDS.toMillis(5));
                if (thread.isAlive()) {
                    thread.interrupt();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return "RoundTripProxy[" + uri() + " -> " + redis.getHostString() + ":" + redis.getPort() + ", round trips "
                + roundTrips() + "]";
    }

    // ---- the selector thread

    private void loop() {
        try {
            while (!closing) {
                long timeoutMillis = 0; // block
                if (batchOpen) {
                    long left = lastClientByte + quietNanos - System.nanoTime();
                    if (left <= 0) {
                        release();
                        continue;
                    }
                    timeoutMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(left + 999_999));
                }
                selector.select(timeoutMillis);
                Set<SelectionKey> selected = selector.selectedKeys();
                for (SelectionKey key : selected) {
                    handle(key);
                }
                selected.clear();
            }
        } catch (IOException | ClosedSelectorException e) {
            // the selector failed: nothing left to serve
        } finally {
            for (Pair pair : new ArrayList<>(pairs)) {
                pair.close();
            }
            closeQuietly(listener);
            try {
                selector.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    private void handle(SelectionKey key) {
        if (!key.isValid()) {
            return;
        }
        if (key.channel() == listener) {
            accept();
            return;
        }
        End end = (End) key.attachment();
        Pair pair = end.pair;
        try {
            if (key.isValid() && key.isWritable()) {
                pair.flush(end.client);
            }
            if (key.isValid() && key.isReadable()) {
                pair.read(end.client);
            }
            pair.settle();
        } catch (IOException e) {
            pair.close();
        }
    }

    private void accept() {
        SocketChannel client;
        try {
            client = listener.accept();
        } catch (IOException e) {
            return;
        }
        if (client == null) {
            return;
        }
        SocketChannel upstream = null;
        try {
            client.configureBlocking(false);
            client.socket().setTcpNoDelay(true);
            upstream = SocketChannel.open();
            upstream.socket().connect(redis, 5_000);
            upstream.configureBlocking(false);
            upstream.socket().setTcpNoDelay(true);
            Pair pair = new Pair(client, upstream);
            pair.clientKey = client.register(selector, SelectionKey.OP_READ, new End(pair, true));
            pair.upstreamKey = upstream.register(selector, SelectionKey.OP_READ, new End(pair, false));
            pairs.add(pair);
        } catch (IOException e) {
            // Redis does not accept: the client sees its connection end
            closeQuietly(client);
            closeQuietly(upstream);
        }
    }

    private void held(int bytes) {
        if (bytes <= 0) {
            return;
        }
        lastClientByte = System.nanoTime();
        if (!batchOpen) {
            batchOpen = true;
            roundTrips.incrementAndGet();
        }
    }

    /** The quiet time has passed: every connection's held bytes go to Redis. */
    private void release() {
        batchOpen = false;
        for (Pair pair : new ArrayList<>(pairs)) {
            try {
                pair.release();
                pair.settle();
            } catch (IOException e) {
                pair.close();
            }
        }
    }

    private static void closeQuietly(java.nio.channels.Channel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    private record End(Pair pair, boolean client) {
    }

    /** A client connection and its own connection to Redis. */
    private final class Pair {
        final SocketChannel client;
        final SocketChannel upstream;
        SelectionKey clientKey;
        SelectionKey upstreamKey;
        final Bytes held = new Bytes(); // client bytes not yet released
        final Bytes toRedis = new Bytes(); // released, not yet written
        final Bytes toClient = new Bytes(); // replies not yet written
        boolean clientEnded; // the client shut down its output
        boolean redisEnded; // Redis shut down its output
        boolean redisShut; // we passed the client's end on
        boolean clientShut; // we passed Redis's end on
        boolean closed;

        Pair(SocketChannel client, SocketChannel upstream) {
            this.client = client;
            this.upstream = upstream;
        }

        void read(boolean fromClient) throws IOException {
            SocketChannel from = fromClient ? client : upstream;
            readBuffer.clear();
            int n = from.read(readBuffer);
            if (n < 0) {
                if (fromClient) {
                    clientEnded = true;
                } else {
                    redisEnded = true;
                }
                return;
            }
            readBuffer.flip();
            if (fromClient) {
                held.append(readBuffer);
                held(n);
            } else {
                toClient.append(readBuffer);
                toClient.writeTo(client);
            }
        }

        void release() throws IOException {
            if (held.size() > 0) {
                toRedis.append(held);
                held.clear();
                toRedis.writeTo(upstream);
            }
        }

        void flush(boolean toClientSide) throws IOException {
            if (toClientSide) {
                toClient.writeTo(client);
            } else {
                toRedis.writeTo(upstream);
            }
        }

        /** Passes ends of input on once everything before them is written; closes when both are done. */
        void settle() throws IOException {
            if (closed) {
                return;
            }
            if (clientEnded && !redisShut && held.size() == 0 && toRedis.size() == 0) {
                redisShut = true;
                upstream.shutdownOutput();
            }
            if (redisEnded && !clientShut && toClient.size() == 0) {
                clientShut = true;
                client.shutdownOutput();
            }
            if (redisShut && clientShut) {
                close();
                return;
            }
            int clientOps = (clientEnded ? 0 : SelectionKey.OP_READ) | (toClient.size() > 0 ? SelectionKey.OP_WRITE : 0);
            int upstreamOps = (redisEnded || toClient.size() > REPLY_BACKLOG_LIMIT ? 0 : SelectionKey.OP_READ)
                    | (toRedis.size() > 0 ? SelectionKey.OP_WRITE : 0);
            clientKey.interestOps(clientOps);
            upstreamKey.interestOps(upstreamOps);
        }

        void close() {
            if (closed) {
                return;
            }
            closed = true;
            pairs.remove(this);
            closeQuietly(client);
            closeQuietly(upstream);
        }
    }

    /** A growable byte queue. */
    private static final class Bytes {
        private ByteBuffer buffer = ByteBuffer.allocate(0); // in read mode: position to limit is queued

        int size() {
            return buffer.remaining();
        }

        void clear() {
            buffer.clear().limit(0);
        }

        void append(ByteBuffer source) {
            if (source.remaining() == 0) {
                return;
            }
            if (buffer.capacity() - buffer.limit() < source.remaining()) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(2 * buffer.capacity(), size() + source.remaining()) + 1024);
                bigger.put(buffer);
                bigger.flip();
                buffer = bigger;
            }
            int position = buffer.position();
            buffer.position(buffer.limit());
            buffer.limit(buffer.limit() + source.remaining());
            buffer.put(source);
            buffer.position(position);
        }

        void append(Bytes other) {
            append(other.buffer.duplicate());
        }

        void writeTo(SocketChannel channel) throws IOException {
            while (buffer.hasRemaining()) {
                if (channel.write(buffer) == 0) {
                    return; // the socket is full: OP_WRITE resumes
                }
            }
            clear();
        }
    }
}
