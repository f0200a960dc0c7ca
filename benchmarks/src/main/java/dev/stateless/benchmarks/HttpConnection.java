package dev.stateless.benchmarks;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One HTTP/1.1 keep-alive connection with the least client work there is: the request is a
 * prepared byte array written in one call, and the answer is parsed in place (status, a few headers,
 * the body skipped by its length) without allocating. Chosen over {@code java.net.http.HttpClient},
 * whose per-request objects and executor hand-offs would put the client's CPU in the way of the
 * servers being measured. Not thread-safe: one per client thread.
 */
final class HttpConnection implements AutoCloseable {

    private static final byte[] CONTENT_LENGTH = "content-length:".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TRANSFER_ENCODING = "transfer-encoding:".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONNECTION = "connection:".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SET_COOKIE = "set-cookie:".getBytes(StandardCharsets.US_ASCII);

    private final int port;
    private Socket socket;
    private OutputStream out;
    private InputStream in;
    private final byte[] buffer = new byte[32 * 1024];
    private int position;
    private int limit;
    private final byte[] line = new byte[8 * 1024];
    private int lineLength;
    private final List<String> cookies = new ArrayList<>();
    private final StringBuilder body = new StringBuilder();

    HttpConnection(int port) {
        this.port = port;
    }

    /** A request: method, path, headers (name, value, name, value...), and an optional body. */
    static byte[] request(String method, String path, int port, byte[] content, String... headers) {
        StringBuilder text = new StringBuilder(256).append(method).append(' ').append(path).append(" HTTP/1.1\r\n")
                .append("Host: 127.0.0.1:").append(port).append("\r\n");
        for (int i = 0; i + 1 < headers.length; i += 2) {
            text.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
        }
        if (content != null) {
            text.append("Content-Length: ").append(content.length).append("\r\n");
        }
        text.append("\r\n");
        byte[] head = text.toString().getBytes(StandardCharsets.ISO_8859_1);
        if (content == null) {
            return head;
        }
        byte[] all = new byte[head.length + content.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(content, 0, all, head.length, content.length);
        return all;
    }

    /**
     * Sends a request and reads the whole answer.
     *
     * @return the status code
     * @throws IOException when the connection fails (it is closed; the next call opens a new one)
     */
    int exchange(byte[] request) throws IOException {
        return exchange(request, false);
    }

    /** As {@link #exchange(byte[])}, keeping the Set-Cookie values and the body text for {@link #cookies()} and {@link #body()}. */
    int exchange(byte[] request, boolean keep) throws IOException {
        return exchange(request, keep, null);
    }

    /**
     * As {@link #exchange(byte[], boolean)}, and every Set-Cookie of the answer goes to {@code jar}
     * (when not null), as a browser would keep it.
     */
    int exchange(byte[] request, boolean keep, CookieJar jar) throws IOException {
        if (socket == null) {
            connect();
        }
        try {
            out.write(request);
            out.flush();
            return readResponse(keep, jar);
        } catch (IOException | RuntimeException e) {
            close();
            throw e instanceof IOException io ? io : new IOException(e);
        }
    }

    /** {@code name=value} of each Set-Cookie header of the last answer read with {@code keep}. */
    List<String> cookies() {
        return cookies;
    }

    String body() {
        return body.toString();
    }

    private void connect() throws IOException {
        Socket s = new Socket();
        s.setTcpNoDelay(true);
        s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        s.setSoTimeout(30_000);
        socket = s;
        out = s.getOutputStream();
        in = s.getInputStream();
        position = 0;
        limit = 0;
    }

    private int readResponse(boolean keep, CookieJar jar) throws IOException {
        if (keep) {
            cookies.clear();
            body.setLength(0);
        }
        readLine();
        while (lineLength == 0) {
            readLine(); // tolerate a stray CRLF
        }
        if (lineLength < 12 || line[0] != 'H') {
            throw new IOException("not an HTTP status line");
        }
        int status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
        long contentLength = -1;
        boolean chunked = false;
        boolean close = false;
        while (true) {
            readLine();
            if (lineLength == 0) {
                break;
            }
            if (startsWith(CONTENT_LENGTH)) {
                contentLength = parseLong(CONTENT_LENGTH.length);
            } else if (startsWith(TRANSFER_ENCODING)) {
                chunked = contains("chunked");
            } else if (startsWith(CONNECTION)) {
                close = contains("close");
            } else if ((keep || jar != null) && startsWith(SET_COOKIE)) {
                String value = new String(line, SET_COOKIE.length, lineLength - SET_COOKIE.length, StandardCharsets.ISO_8859_1).trim();
                if (keep) {
                    int semicolon = value.indexOf(';');
                    cookies.add(semicolon < 0 ? value : value.substring(0, semicolon));
                }
                if (jar != null) {
                    jar.receive(value);
                }
            }
        }
        if (chunked) {
            while (true) {
                readLine();
                int size = Integer.parseInt(new String(line, 0, lineLength, StandardCharsets.US_ASCII).split(";")[0].trim(), 16);
                if (size == 0) {
                    readLine();
                    break;
                }
                skip(size, keep);
                readLine();
            }
        } else if (contentLength > 0) {
            skip(contentLength, keep);
        } else if (contentLength < 0 && status != 204 && status != 304) {
            close = true; // body until close: not expected from these servers
        }
        if (close) {
            close();
        }
        return status;
    }

    private void skip(long bytes, boolean keep) throws IOException {
        while (bytes > 0) {
            if (position == limit) {
                fill();
            }
            int n = (int) Math.min(bytes, limit - position);
            if (keep) {
                body.append(new String(buffer, position, n, StandardCharsets.UTF_8));
            }
            position += n;
            bytes -= n;
        }
    }

    private void readLine() throws IOException {
        lineLength = 0;
        while (true) {
            if (position == limit) {
                fill();
            }
            byte b = buffer[position++];
            if (b == '\n') {
                if (lineLength > 0 && line[lineLength - 1] == '\r') {
                    lineLength--;
                }
                return;
            }
            if (lineLength == line.length) {
                throw new IOException("header line too long");
            }
            line[lineLength++] = b;
        }
    }

    private void fill() throws IOException {
        int n = in.read(buffer, 0, buffer.length);
        if (n < 0) {
            throw new EOFException("server closed the connection");
        }
        position = 0;
        limit = n;
    }

    private boolean startsWith(byte[] lowerPrefix) {
        if (lineLength < lowerPrefix.length) {
            return false;
        }
        for (int i = 0; i < lowerPrefix.length; i++) {
            int c = line[i];
            if (c >= 'A' && c <= 'Z') {
                c += 'a' - 'A';
            }
            if (c != lowerPrefix[i]) {
                return false;
            }
        }
        return true;
    }

    private boolean contains(String lower) {
        return new String(line, 0, lineLength, StandardCharsets.ISO_8859_1).toLowerCase().contains(lower);
    }

    private long parseLong(int from) {
        long value = 0;
        for (int i = from; i < lineLength; i++) {
            byte b = line[i];
            if (b >= '0' && b <= '9') {
                value = value * 10 + (b - '0');
            }
        }
        return value;
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
            socket = null;
        }
    }
}
