package dev.stateless.jwt;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A real HTTP server on 127.0.0.1 that serves a JWKS document (at any path) and counts requests.
 * Tests change what it answers while it runs: another body, an error status, a held response.
 */
final class JwksServer implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "jwks-server");
        t.setDaemon(true);
        return t;
    });
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicReference<String> body = new AtomicReference<>("{\"keys\":[]}");
    private volatile int status = 200;
    private volatile boolean chunked;
    private volatile CountDownLatch gate = new CountDownLatch(0);

    JwksServer() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    static JwksServer serving(String jwks) {
        JwksServer server = new JwksServer();
        server.serve(jwks);
        return server;
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/.well-known/jwks.json");
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    JwksServer serve(String jwks) {
        body.set(jwks);
        status = 200;
        return this;
    }

    JwksServer answer(int status) {
        this.status = status;
        return this;
    }

    /** Sends bodies without Content-Length (chunked), so the client cannot tell the size up front. */
    JwksServer chunked(boolean chunked) {
        this.chunked = chunked;
        return this;
    }

    /** Holds every response until {@link #release()}. */
    JwksServer hold() {
        gate = new CountDownLatch(1);
        return this;
    }

    void release() {
        gate.countDown();
    }

    int requests() {
        return requests.get();
    }

    /** Waits until at least this many requests arrived, at most 5 s. */
    void awaitRequests(int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (requests.get() < count && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
    }

    /** Stops answering: connections are refused from now on. */
    void stop() {
        release();
        server.stop(0);
    }

    @Override
    public void close() {
        stop();
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        requests.incrementAndGet();
        try (exchange) {
            try {
                gate.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            byte[] bytes = body.get().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/jwk-set+json");
            exchange.sendResponseHeaders(status, chunked ? 0 : bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }
}
