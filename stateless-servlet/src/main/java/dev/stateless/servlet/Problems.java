package dev.stateless.servlet;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/** Writes RFC 9457 {@code application/problem+json} answers; the text never echoes client input. */
final class Problems {

    private Problems() {
    }

    /**
     * Answers with a problem. The rest of a small request body is read first (unless the problem is
     * that it is too large), so that the connection stays usable: a container that finds unread
     * content closes the connection, and a client reusing it sees a failure instead of this answer.
     */
    static void send(HttpServletRequest request, HttpServletResponse response, int status, String title, String detail)
            throws IOException {
        if (response.isCommitted()) {
            return;
        }
        if (status != HttpServletResponse.SC_REQUEST_ENTITY_TOO_LARGE) {
            drain(request);
        }
        response.resetBuffer();
        response.setStatus(status);
        response.setContentType("application/problem+json");
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Cache-Control", "no-store");
        if (status == HttpServletResponse.SC_SERVICE_UNAVAILABLE) {
            response.setHeader("Retry-After", "1");
        }
        byte[] body = body(status, title, detail);
        response.setContentLength(body.length);
        // Straight to the container's response: the session wrappers must not react to this write.
        try {
            OutputStream out = response.getOutputStream();
            out.write(body);
            out.flush();
        } catch (IllegalStateException writerTaken) {
            // The application already took the writer; the body is ASCII, so any charset carries it.
            PrintWriter writer = response.getWriter();
            writer.write(new String(body, StandardCharsets.US_ASCII));
            writer.flush();
        }
    }

    private static final int DRAIN_LIMIT = 64 * 1024;

    private static void drain(HttpServletRequest request) {
        long length = request.getContentLengthLong();
        if (length == 0 || length > DRAIN_LIMIT) {
            return;
        }
        try (InputStream in = request.getInputStream()) {
            byte[] buffer = new byte[8192];
            long read = 0;
            int n;
            while (read < DRAIN_LIMIT && (n = in.read(buffer)) > 0) {
                read += n;
            }
        } catch (IOException | IllegalStateException e) {
            // already read as a reader, or the client is gone: nothing to drain
        }
    }

    /** The problem document; {@code detail} may be null. */
    static byte[] body(int status, String title, String detail) {
        return ("{\"type\":\"about:blank\",\"title\":\"" + json(title) + "\",\"status\":" + status
                + (detail == null ? "" : ",\"detail\":\"" + json(detail) + "\"") + "}").getBytes(StandardCharsets.UTF_8);
    }

    /** A short title for a status, for problems the application raised with {@code sendError}. */
    static String title(int status) {
        return switch (status) {
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 409 -> "Conflict";
            case 410 -> "Gone";
            case 413 -> "Content Too Large";
            case 415 -> "Unsupported Media Type";
            case 422 -> "Unprocessable Content";
            case 429 -> "Too Many Requests";
            case 500 -> "Internal Server Error";
            case 503 -> "Service Unavailable";
            default -> status >= 500 ? "Server Error" : "Client Error";
        };
    }

    private static String json(String text) {
        StringBuilder out = new StringBuilder(text.length() + 8);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }
}
