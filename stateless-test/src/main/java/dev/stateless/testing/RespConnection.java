package dev.stateless.testing;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * One connection to a Redis server speaking RESP over a plain socket, with no client library in
 * between, so what a test (or a benchmark harness) asks Redis never goes through the client under
 * test. Replies come back as {@code String} (simple and bulk strings, as UTF-8 text), {@code Long},
 * {@link RedisServer.ErrorReply}, {@code List<Object>} of these (with nulls), or {@code null}.
 * Arguments are {@code byte[]} (sent as they are) or anything else (sent as its {@code toString()}
 * in UTF-8).
 *
 * <p>Not thread-safe: one caller at a time. {@link RedisServer#command} opens one per command; open
 * one yourself to keep a connection ({@code SELECT}, {@code MONITOR}, pipelining).
 */
public final class RespConnection implements AutoCloseable {

    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;
    private final String address;

    private RespConnection(Socket socket, String address) throws IOException {
        this.socket = socket;
        this.address = address;
        this.out = new BufferedOutputStream(socket.getOutputStream(), 1 << 16);
        this.in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
    }

    /**
     * Connects to {@code host:port}; {@code timeout} bounds the connect and every later read.
     *
     * @param host the server's host
     * @param port the server's port
     * @param timeout bounds the connect and every read
     * @return the connection; the caller closes it
     * @throws UncheckedIOException when nothing accepts the connection in time
     */
    public static RespConnection open(String host, int port, Duration timeout) {
        int millis = Math.toIntExact(Math.max(1, timeout.toMillis()));
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(host, port), millis);
            socket.setSoTimeout(millis);
            socket.setTcpNoDelay(true);
            return new RespConnection(socket, host + ":" + port);
        } catch (IOException e) {
            closeQuietly(socket);
            throw new UncheckedIOException("cannot connect to redis at " + host + ":" + port, e);
        }
    }

    /**
     * Sends one command and returns its reply, an error reply as a {@link RedisServer.ErrorReply}.
     *
     * @param args the command and its arguments
     * @return the reply
     * @throws UncheckedIOException when the server does not answer
     */
    public Object reply(Object... args) {
        send(args);
        return read();
    }

    /**
     * Sends one command and returns its reply.
     *
     * @param args the command and its arguments
     * @return the reply
     * @throws IllegalStateException when the server answers with an error (the message names it
     *     and the command)
     */
    public Object call(Object... args) {
        Object reply = reply(args);
        if (reply instanceof RedisServer.ErrorReply error) {
            throw new IllegalStateException(error.message() + " (" + args[0] + ")");
        }
        return reply;
    }

    /**
     * {@link #call} for a reply that is text; {@code null} for a null reply.
     *
     * @param args the command and its arguments
     * @return the text, or null
     */
    public String text(Object... args) {
        Object reply = call(args);
        return reply == null ? null : reply.toString();
    }

    /**
     * {@link #call} for a reply that is an integer.
     *
     * @param args the command and its arguments
     * @return the integer
     */
    public long number(Object... args) {
        Object reply = call(args);
        if (reply instanceof Long value) {
            return value;
        }
        throw new IllegalStateException(args[0] + " answered " + render(reply) + ", not an integer");
    }

    /**
     * Sends several commands in one write and returns their replies in order, errors as values.
     *
     * @param commands each command with its arguments
     * @return the replies
     */
    public List<Object> pipeline(List<Object[]> commands) {
        for (Object[] command : commands) {
            write(command);
        }
        flush();
        List<Object> replies = new ArrayList<>(commands.size());
        for (int i = 0; i < commands.size(); i++) {
            replies.add(read());
        }
        return replies;
    }

    /**
     * Sends a command without reading its reply (for {@code MONITOR}); read replies with {@link #read}.
     *
     * @param args the command and its arguments
     */
    public void send(Object... args) {
        write(args);
        flush();
    }

    /**
     * Reads the next reply.
     *
     * @return the reply
     * @throws UncheckedIOException when the connection closes or the read times out
     */
    public Object read() {
        try {
            return read(in);
        } catch (IOException e) {
            throw new UncheckedIOException("redis at " + address + " did not answer", e);
        }
    }

    @Override
    public void close() {
        closeQuietly(socket);
    }

    @Override
    public String toString() {
        return "RespConnection[" + address + "]";
    }

    private void write(Object[] args) {
        Objects.requireNonNull(args, "args");
        if (args.length == 0) {
            throw new IllegalArgumentException("a command needs at least its name");
        }
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (Object arg : args) {
            Objects.requireNonNull(arg, "command arguments must not be null");
            byte[] bytes = arg instanceof byte[] raw ? raw : arg.toString().getBytes(StandardCharsets.UTF_8);
            request.writeBytes(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            request.writeBytes(bytes);
            request.writeBytes(new byte[] {'\r', '\n'});
        }
        try {
            request.writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot send " + args[0] + " to redis at " + address, e);
        }
    }

    private void flush() {
        try {
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot send to redis at " + address, e);
        }
    }

    private static Object read(InputStream in) throws IOException {
        int type = in.read();
        if (type < 0) {
            throw new EOFException("connection closed before a reply");
        }
        String line = readLine(in);
        switch (type) {
            case '+':
                return line;
            case '-':
                return new RedisServer.ErrorReply(line);
            case ':':
                return Long.parseLong(line);
            case '$': {
                int length = Integer.parseInt(line);
                if (length < 0) {
                    return null;
                }
                byte[] bytes = in.readNBytes(length);
                if (bytes.length != length || in.read() != '\r' || in.read() != '\n') {
                    throw new EOFException("truncated bulk string");
                }
                return new String(bytes, StandardCharsets.UTF_8);
            }
            case '*': {
                int count = Integer.parseInt(line);
                if (count < 0) {
                    return null;
                }
                List<Object> elements = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    elements.add(read(in));
                }
                return Collections.unmodifiableList(elements);
            }
            default:
                throw new IOException("unexpected RESP type '" + (char) type + "' followed by " + line);
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(64);
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed inside a reply");
            }
            if (b == '\r') {
                if (in.read() != '\n') {
                    throw new IOException("malformed RESP line ending");
                }
                return line.toString(StandardCharsets.UTF_8);
            }
            line.write(b);
        }
    }

    /**
     * A reply as {@link RedisServer#command} renders it: text as itself, an integer in decimal, an
     * error as {@code (error) MESSAGE}, an array as {@code [a, b, (nil)]}, null as {@code (nil)}.
     */
    static String render(Object reply) {
        if (reply == null) {
            return "(nil)";
        }
        if (reply instanceof List<?> elements) {
            return elements.stream().map(RespConnection::render).collect(Collectors.joining(", ", "[", "]"));
        }
        return reply.toString();
    }

    /**
     * {@link #render}s each element of an array reply (null elements stay {@code null}; a null reply
     * gives an empty list); {@code what} names the command in the error for any other reply.
     */
    static List<String> renderList(Object reply, String what) {
        if (reply == null) {
            return List.of();
        }
        if (!(reply instanceof List<?> elements)) {
            throw new IllegalStateException(what + " answered " + render(reply) + ", not an array");
        }
        List<String> rendered = new ArrayList<>(elements.size());
        for (Object element : elements) {
            rendered.add(element == null ? null : render(element));
        }
        return Collections.unmodifiableList(rendered);
    }

    /** The integer of an integer reply; {@code what} names the command in the error for any other. */
    static long asLong(Object reply, String what) {
        if (reply instanceof Long value) {
            return value;
        }
        throw new IllegalStateException(what + " answered " + render(reply) + ", not an integer");
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
