package dev.stateless.benchmarks;

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
import java.util.ArrayList;
import java.util.List;

/**
 * The harness's own Redis connection: plain RESP over a socket, so that what it asks (INFO,
 * MEMORY USAGE, filling the growth database) never goes through a client under test. Bulk strings
 * come back as UTF-8 text, integers as {@code Long}, arrays as {@code List}. Not thread-safe.
 */
final class Resp implements AutoCloseable {

    /** An error answered by Redis. */
    static final class RespError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RespError(String message) {
            super(message);
        }
    }

    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;

    Resp(int port) {
        try {
            socket = new Socket();
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(600_000);
            out = new BufferedOutputStream(socket.getOutputStream(), 1 << 16);
            in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot connect to redis on port " + port, e);
        }
    }

    /** One command; an error reply is thrown as {@link RespError}. Arguments: String, byte[] or numbers. */
    Object call(Object... args) {
        try {
            write(args);
            out.flush();
            Object reply = read(in);
            if (reply instanceof RespError e) {
                throw new RespError(e.getMessage() + " (" + args[0] + ")");
            }
            return reply;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String text(Object... args) {
        Object reply = call(args);
        return reply == null ? null : reply.toString();
    }

    long number(Object... args) {
        return (Long) call(args);
    }

    /** Several commands in one write; replies in order, errors as {@link RespError} objects. */
    List<Object> pipeline(List<Object[]> commands) {
        try {
            for (Object[] command : commands) {
                write(command);
            }
            out.flush();
            List<Object> replies = new ArrayList<>(commands.size());
            for (int i = 0; i < commands.size(); i++) {
                replies.add(read(in));
            }
            return replies;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends without reading the reply (for MONITOR-style streams); the caller reads with {@link #readReply()}. */
    void send(Object... args) {
        try {
            write(args);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Object readReply() throws IOException {
        return read(in);
    }

    private void write(Object[] args) throws IOException {
        out.write('*');
        out.write(ascii(Integer.toString(args.length)));
        out.write('\r');
        out.write('\n');
        for (Object arg : args) {
            byte[] bytes = arg instanceof byte[] b ? b : arg.toString().getBytes(StandardCharsets.UTF_8);
            out.write('$');
            out.write(ascii(Integer.toString(bytes.length)));
            out.write('\r');
            out.write('\n');
            out.write(bytes);
            out.write('\r');
            out.write('\n');
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static Object read(InputStream in) throws IOException {
        int type = in.read();
        if (type < 0) {
            throw new EOFException("redis closed the connection");
        }
        String line = readLine(in);
        switch (type) {
            case '+':
                return line;
            case '-':
                return new RespError(line);
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
                return elements;
            }
            default:
                throw new IOException("unexpected RESP type '" + (char) type + "'");
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(64);
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("redis closed the connection inside a reply");
            }
            if (b == '\r') {
                in.read(); // '\n'
                return line.toString(StandardCharsets.UTF_8);
            }
            line.write(b);
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
