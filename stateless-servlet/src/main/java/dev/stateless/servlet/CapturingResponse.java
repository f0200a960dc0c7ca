package dev.stateless.servlet;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * Holds the application's answer back until the idempotency filter has stored it. Status and
 * headers go to the real response as they are set (it stays uncommitted, since no body byte
 * reaches it); the body is kept in memory. {@code sendError} becomes a problem document in the
 * body, so that the first answer and its replays are the same bytes; {@code sendRedirect} becomes
 * a status and a {@code Location}.
 *
 * <p>For an asynchronous request, {@link #passThrough()} sends what was held and lets later writes
 * go to the client while still being recorded, for storing when the request completes.
 */
final class CapturingResponse extends HttpServletResponseWrapper {

    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private OutputStream sink = body;
    /** What the application writes to: the current sink, whichever it is. */
    private final OutputStream forward = new OutputStream() {
        @Override
        public void write(int b) throws IOException {
            sink.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            sink.write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            sink.flush();
        }
    };
    private ServletOutputStream stream;
    private PrintWriter writer;

    CapturingResponse(HttpServletResponse response) {
        super(response);
    }

    @Override
    public ServletOutputStream getOutputStream() {
        if (writer != null) {
            throw new IllegalStateException("getWriter() was already called");
        }
        if (stream == null) {
            stream = new ServletOutputStream() {
                @Override
                public void write(int b) throws IOException {
                    forward.write(b);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    forward.write(b, off, len);
                }

                @Override
                public void flush() throws IOException {
                    forward.flush();
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setWriteListener(WriteListener listener) {
                    try {
                        listener.onWritePossible();
                    } catch (IOException e) {
                        listener.onError(e);
                    }
                }
            };
        }
        return stream;
    }

    @Override
    public PrintWriter getWriter() {
        if (stream != null) {
            throw new IllegalStateException("getOutputStream() was already called");
        }
        if (writer == null) {
            String encoding = getCharacterEncoding();
            Charset charset = encoding == null ? StandardCharsets.ISO_8859_1 : Charset.forName(encoding);
            writer = new PrintWriter(new OutputStreamWriter(forward, charset));
        }
        return writer;
    }

    @Override
    public void sendError(int sc, String msg) {
        if (isCommitted()) {
            throw new IllegalStateException("sendError after the response was committed");
        }
        // The container's error page would not be stored; a problem document is, byte for byte.
        resetBuffer();
        setStatus(sc);
        setContentType("application/problem+json");
        byte[] problem = Problems.body(sc, Problems.title(sc), msg);
        body.write(problem, 0, problem.length);
    }

    @Override
    public void sendError(int sc) {
        sendError(sc, null);
    }

    @Override
    public void sendRedirect(String location) {
        sendRedirect(location, SC_FOUND, true);
    }

    @Override
    public void sendRedirect(String location, int sc) {
        sendRedirect(location, sc, true);
    }

    @Override
    public void sendRedirect(String location, boolean clearBuffer) {
        sendRedirect(location, SC_FOUND, clearBuffer);
    }

    @Override
    public void sendRedirect(String location, int sc, boolean clearBuffer) {
        if (clearBuffer) {
            resetBuffer();
        }
        setStatus(sc);
        setHeader("Location", location);
    }

    @Override
    public void flushBuffer() throws IOException {
        if (sink != body) {
            if (writer != null) {
                writer.flush();
            }
            super.flushBuffer();
        }
        // otherwise held back until the answer is stored
    }

    @Override
    public void resetBuffer() {
        if (sink == body) {
            body.reset();
        } else {
            super.resetBuffer();
        }
    }

    @Override
    public void reset() {
        super.reset();
        if (sink == body) {
            body.reset();
        }
    }

    @Override
    public void setContentLength(int len) {
        // the filter sets the length of what it finally sends
    }

    @Override
    public void setContentLengthLong(long len) {
    }

    /** The body recorded so far. */
    byte[] body() {
        if (writer != null) {
            writer.flush();
        }
        return body.toByteArray();
    }

    /**
     * Sends what is held to the client and from now on writes through, still recording: for
     * asynchronous requests, whose answer is stored when they complete.
     */
    void passThrough() throws IOException {
        if (sink != body) {
            return;
        }
        if (writer != null) {
            writer.flush();
        }
        OutputStream client = super.getOutputStream();
        client.write(body.toByteArray());
        sink = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                body.write(b);
                client.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                body.write(b, off, len);
                client.write(b, off, len);
            }

            @Override
            public void flush() throws IOException {
                client.flush();
            }
        };
    }
}
