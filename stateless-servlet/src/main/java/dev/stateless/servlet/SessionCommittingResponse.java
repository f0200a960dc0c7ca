package dev.stateless.servlet;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.function.UnaryOperator;

/**
 * Runs a hook once, just before the response is committed: on flush, close, sendError,
 * sendRedirect, or a write that would fill the buffer or reach the declared content length. That
 * is how the session is saved before the client can see the answer and send its next request.
 */
final class SessionCommittingResponse extends HttpServletResponseWrapper {

    /** UTF-8 needs at most 3 bytes per char (4 per surrogate pair): count chars pessimistically. */
    private static final int MAX_BYTES_PER_CHAR = 3;

    private final HookedAction beforeCommit;
    private long written;
    private long contentLength = -1;
    private ServletOutputStream stream;
    private PrintWriter writer;

    /** The hook; it must be safe to call more than once. */
    interface HookedAction {
        void run() throws IOException;
    }

    private final UnaryOperator<String> urlEncoder;

    /** @param urlEncoder adds the session id to URLs the application encodes (URL rewriting) */
    SessionCommittingResponse(HttpServletResponse response, HookedAction beforeCommit, UnaryOperator<String> urlEncoder) {
        super(response);
        this.beforeCommit = beforeCommit;
        this.urlEncoder = urlEncoder;
    }

    @Override
    public String encodeURL(String url) {
        return urlEncoder.apply(url);
    }

    @Override
    public String encodeRedirectURL(String url) {
        return urlEncoder.apply(url);
    }

    private boolean fired;

    void fire() throws IOException {
        if (!fired) {
            fired = true;
            beforeCommit.run();
        }
    }

    private void beforeWrite(long bytes) throws IOException {
        if (fired) {
            return;
        }
        written += bytes;
        int buffer = getBufferSize();
        // Containers commit when the buffer fills, and Jetty also on any single write larger than
        // a quarter of it (it skips aggregation): fire before either can happen.
        if (written >= buffer || bytes >= buffer / 4 || (contentLength >= 0 && written >= contentLength)) {
            fire();
        }
    }

    @Override
    public void sendError(int sc, String msg) throws IOException {
        fire();
        super.sendError(sc, msg);
    }

    @Override
    public void sendError(int sc) throws IOException {
        fire();
        super.sendError(sc);
    }

    @Override
    public void sendRedirect(String location) throws IOException {
        fire();
        super.sendRedirect(location);
    }

    @Override
    public void sendRedirect(String location, int sc) throws IOException {
        fire();
        super.sendRedirect(location, sc);
    }

    @Override
    public void sendRedirect(String location, boolean clearBuffer) throws IOException {
        fire();
        super.sendRedirect(location, clearBuffer);
    }

    @Override
    public void sendRedirect(String location, int sc, boolean clearBuffer) throws IOException {
        fire();
        super.sendRedirect(location, sc, clearBuffer);
    }

    @Override
    public void flushBuffer() throws IOException {
        fire();
        super.flushBuffer();
    }

    @Override
    public void setContentLength(int len) {
        contentLength = len;
        super.setContentLength(len);
    }

    @Override
    public void setContentLengthLong(long len) {
        contentLength = len;
        super.setContentLengthLong(len);
    }

    @Override
    public void setHeader(String name, String value) {
        trackContentLength(name, value);
        super.setHeader(name, value);
    }

    @Override
    public void addHeader(String name, String value) {
        trackContentLength(name, value);
        super.addHeader(name, value);
    }

    private void trackContentLength(String name, String value) {
        if ("Content-Length".equalsIgnoreCase(name) && value != null) {
            try {
                contentLength = Long.parseLong(value.trim());
            } catch (NumberFormatException ignored) {
                // the container will reject it; nothing to track
            }
        }
    }

    @Override
    public ServletOutputStream getOutputStream() throws IOException {
        if (stream == null) {
            stream = new CommittingStream(super.getOutputStream());
        }
        return stream;
    }

    @Override
    public PrintWriter getWriter() throws IOException {
        if (writer == null) {
            writer = new CommittingWriter(super.getWriter());
        }
        return writer;
    }

    private final class CommittingStream extends ServletOutputStream {
        private final ServletOutputStream delegate;

        CommittingStream(ServletOutputStream delegate) {
            this.delegate = delegate;
        }

        @Override
        public void write(int b) throws IOException {
            beforeWrite(1);
            delegate.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            beforeWrite(len);
            delegate.write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            fire();
            delegate.flush();
        }

        @Override
        public void close() throws IOException {
            fire();
            delegate.close();
        }

        @Override
        public boolean isReady() {
            return delegate.isReady();
        }

        @Override
        public void setWriteListener(WriteListener listener) {
            delegate.setWriteListener(listener);
        }
    }

    private final class CommittingWriter extends PrintWriter {
        private final PrintWriter delegate;

        CommittingWriter(PrintWriter delegate) {
            super(delegate);
            this.delegate = delegate;
        }

        private void before(int chars) {
            try {
                beforeWrite((long) chars * MAX_BYTES_PER_CHAR);
            } catch (IOException e) {
                setError();
            }
        }

        @Override
        public void write(int c) {
            before(1);
            delegate.write(c);
        }

        @Override
        public void write(char[] buf, int off, int len) {
            before(len);
            delegate.write(buf, off, len);
        }

        @Override
        public void write(String s, int off, int len) {
            before(len);
            delegate.write(s, off, len);
        }

        @Override
        public void println() {
            before(2);
            delegate.println();
        }

        @Override
        public void flush() {
            try {
                fire();
            } catch (IOException e) {
                setError();
            }
            delegate.flush();
        }

        @Override
        public void close() {
            try {
                fire();
            } catch (IOException e) {
                setError();
            }
            delegate.close();
        }

        @Override
        public boolean checkError() {
            return super.checkError() || delegate.checkError();
        }
    }
}
