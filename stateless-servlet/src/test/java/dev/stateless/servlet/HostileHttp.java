package dev.stateless.servlet;

import dev.stateless.testing.RedisServer;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServlet;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Server;

/**
 * What the {@code Hostile*} tests share: a Jetty 12 node started from a filter chain and a servlet,
 * a raw HTTP/1.1 client that sends exactly the bytes a test gives it (header values the JDK client
 * refuses to send), and a census of the commands a real Redis ran.
 */
final class HostileHttp {

    private HostileHttp() {
    }

    /** Closes each of these that is not null, going on past any that fails (for {@code @AfterAll}). */
    static void closeAll(AutoCloseable... resources) {
        for (AutoCloseable resource : resources) {
            try {
                if (resource != null) {
                    resource.close();
                }
            } catch (Exception e) {
                // keep closing the rest
            }
        }
    }

    // ---- Jetty

    /** One embedded Jetty node on a free loopback port; the filters run in the given order at {@code /*}. */
    record Node(EmbeddedJetty jetty, int port) implements AutoCloseable {

        static Node start(int requestHeaderSize, HttpServlet servlet, Filter... filters) {
            return start(requestHeaderSize, new ServletHolder("app", servlet), filters);
        }

        static Node start(int requestHeaderSize, ServletHolder servlet, Filter... filters) {
            HttpConfiguration config = new HttpConfiguration();
            config.setRequestHeaderSize(requestHeaderSize);
            config.setSendServerVersion(false);
            try {
                EmbeddedJetty jetty = EmbeddedJetty.start(config, EmbeddedJetty.context(servlet, true, List.of(filters)));
                return new Node(jetty, jetty.port());
            } catch (Exception e) {
                throw new IllegalStateException("Jetty did not start", e);
            }
        }

        @Override
        public void close() {
            jetty.close();
        }
    }

    // ---- raw HTTP

    /**
     * One answer read off the socket. {@code status} is 0 when the server closed the connection
     * without answering (which a test may accept for a request the container refuses outright).
     */
    record Response(int status, Map<String, List<String>> headers, byte[] body) {

        Optional<String> header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
        }

        List<String> headers(String name) {
            return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        boolean isProblem() {
            return header("Content-Type").map(t -> t.startsWith("application/problem+json")).orElse(false);
        }

        @Override
        public String toString() {
            String text = text();
            return "HTTP " + status + " " + headers + " " + (text.length() > 300 ? text.substring(0, 300) + "…" : text);
        }
    }

    /** A request head: request line, then header lines, as raw bytes (ISO-8859-1 for text given as a String). */
    static final class Request {
        private final ByteArrayOutputStream head = new ByteArrayOutputStream();
        private byte[] body = new byte[0];
        private boolean chunked;
        private boolean contentLength = true;
        private boolean halfClose;

        Request(String method, String target) {
            line(method + " " + target + " HTTP/1.1");
            line("Host: 127.0.0.1");
            line("Connection: close");
        }

        static Request get(String target) {
            return new Request("GET", target);
        }

        static Request post(String target) {
            return new Request("POST", target);
        }

        /** Adds a header line whose text is sent as ISO-8859-1 (one byte per char up to U+00FF). */
        Request header(String name, String value) {
            return line(name + ": " + value);
        }

        /** Adds a header line whose value is sent byte for byte. */
        Request header(String name, byte[] value) {
            head.writeBytes((name + ": ").getBytes(StandardCharsets.ISO_8859_1));
            head.writeBytes(value);
            head.writeBytes(new byte[] {'\r', '\n'});
            return this;
        }

        Request line(String text) {
            head.writeBytes(text.getBytes(StandardCharsets.ISO_8859_1));
            head.writeBytes(new byte[] {'\r', '\n'});
            return this;
        }

        Request body(String contentType, byte[] content) {
            header("Content-Type", contentType);
            this.body = content;
            return this;
        }

        /** Sends the body with chunked transfer coding, so the server learns its size only by reading it. */
        Request chunked() {
            this.chunked = true;
            return this;
        }

        /** Sends no Content-Length (the test wrote its own, or wants none). */
        Request noContentLength() {
            this.contentLength = false;
            return this;
        }

        /** Half-closes the connection after the body: the server sees the end of the input. */
        Request halfClose() {
            this.halfClose = true;
            return this;
        }

        byte[] bytes() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(head.toByteArray());
            if (chunked) {
                out.writeBytes("Transfer-Encoding: chunked\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                for (int at = 0; at < body.length; at += 1000) {
                    int n = Math.min(1000, body.length - at);
                    out.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(body, at, n);
                    out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
                }
                out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            } else {
                if (contentLength && body.length > 0) {
                    out.writeBytes(("Content-Length: " + body.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
                }
                out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
                out.writeBytes(body);
            }
            return out.toByteArray();
        }

        Response send(Node node) {
            return send(node, 15_000);
        }

        Response send(Node node, int timeoutMillis) {
            try (Socket socket = new Socket("127.0.0.1", node.port())) {
                socket.setSoTimeout(timeoutMillis);
                OutputStream out = socket.getOutputStream();
                try {
                    out.write(bytes());
                    out.flush();
                    if (halfClose) {
                        socket.shutdownOutput();
                    }
                } catch (SocketException refusedMidway) {
                    // The server may answer and close before it read everything (a 413, a 431).
                }
                return read(socket.getInputStream());
            } catch (SocketTimeoutException e) {
                throw new AssertionError("no answer within " + timeoutMillis + " ms (the server hangs)", e);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static Response read(InputStream in) throws IOException {
        byte[] all;
        try {
            all = in.readAllBytes();
        } catch (SocketException reset) {
            return new Response(0, Map.of(), new byte[0]);
        }
        String text = new String(all, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        if (end < 0) {
            return new Response(0, Map.of(), all);
        }
        String[] lines = text.substring(0, end).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, List<String>> headers = new TreeMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.computeIfAbsent(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(lines[i].substring(colon + 1).trim());
        }
        byte[] body = java.util.Arrays.copyOfRange(all, end + 4, all.length);
        if (headers.getOrDefault("transfer-encoding", List.of()).contains("chunked")) {
            body = dechunk(body);
        }
        return new Response(status, headers, body);
    }

    private static byte[] dechunk(byte[] chunked) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int at = 0;
        while (at < chunked.length) {
            int lineEnd = indexOf(chunked, at);
            if (lineEnd < 0) {
                break;
            }
            String sizeText = new String(chunked, at, lineEnd - at, StandardCharsets.US_ASCII).split(";")[0].trim();
            int size = Integer.parseInt(sizeText, 16);
            if (size == 0) {
                break;
            }
            out.write(chunked, lineEnd + 2, Math.min(size, chunked.length - lineEnd - 2));
            at = lineEnd + 2 + size + 2;
        }
        return out.toByteArray();
    }

    private static int indexOf(byte[] data, int from) {
        for (int i = from; i + 1 < data.length; i++) {
            if (data[i] == '\r' && data[i + 1] == '\n') {
                return i;
            }
        }
        return -1;
    }

    // ---- Redis census

    /** Commands a test's own inspection runs; never counted against the code under test. */
    private static final Set<String> INSPECTION = Set.of("info", "dbsize", "keys", "flushall", "config", "config|resetstat",
            "type");

    /** Commands that only read (or set up a connection): everything else counts as a write. */
    static final Set<String> READ_ONLY = Set.of("exists", "get", "hget", "hmget", "hgetall", "hlen", "type", "ttl",
            "pttl", "zrange", "zrangebyscore", "zcard", "scan", "hello", "client", "client|setinfo", "client|setname",
            "ping", "select", "command", "auth", "echo");

    /** Per command (lower case), how often Redis ran it, from {@code INFO commandstats}. */
    static Map<String, Long> commandStats(RedisServer redis) {
        Map<String, Long> stats = new LinkedHashMap<>();
        for (String line : redis.command("INFO", "commandstats").split("\r?\n")) {
            if (!line.startsWith("cmdstat_")) {
                continue;
            }
            String name = line.substring("cmdstat_".length(), line.indexOf(':'));
            for (String part : line.substring(line.indexOf(':') + 1).split(",")) {
                if (part.startsWith("calls=")) {
                    stats.put(name, Long.parseLong(part.substring("calls=".length())));
                }
            }
        }
        return stats;
    }

    /** The commands run between two censuses, minus the tests' own inspection commands. */
    static Map<String, Long> commandsBetween(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> ran = new TreeMap<>();
        after.forEach((name, calls) -> {
            long delta = calls - before.getOrDefault(name, 0L);
            if (delta > 0 && !INSPECTION.contains(name)) {
                ran.put(name, delta);
            }
        });
        return ran;
    }

    /** The commands in {@code ran} that may write. */
    static Map<String, Long> writes(Map<String, Long> ran) {
        Map<String, Long> writes = new TreeMap<>(ran);
        writes.keySet().removeAll(READ_ONLY);
        return writes;
    }
}
