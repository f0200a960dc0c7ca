package dev.stateless.benchmarks;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One client's cookies, kept as a browser keeps them: every {@code Set-Cookie} of every answer
 * replaces the cookie of that name ({@code Max-Age=0} removes it), and every request sends them all
 * back. That is what lets a server hand its client state that changes from request to request (our
 * filter's {@code SESSION_VERSION}, without which its near cache is never used). A request's bytes
 * are rebuilt only when a cookie changed. Not thread-safe: one client thread at a time.
 */
final class CookieJar {

    private final Map<String, String> cookies = new LinkedHashMap<>();
    private long generation;

    /** A jar holding the {@code name=value} pairs given (as {@link HttpConnection#cookies()} lists them). */
    static CookieJar of(List<String> pairs) {
        CookieJar jar = new CookieJar();
        for (String pair : pairs) {
            jar.receive(pair);
        }
        return jar;
    }

    /**
     * Takes one {@code Set-Cookie} value ({@code name=value; Path=/; ...}).
     *
     * @param header the header's value, attributes included or not
     */
    void receive(String header) {
        int semicolon = header.indexOf(';');
        String pair = semicolon < 0 ? header : header.substring(0, semicolon);
        int equals = pair.indexOf('=');
        if (equals <= 0) {
            return;
        }
        String name = pair.substring(0, equals).trim();
        String value = pair.substring(equals + 1).trim();
        boolean removed = semicolon >= 0 && header.substring(semicolon).toLowerCase(java.util.Locale.ROOT)
                .replace(" ", "").contains(";max-age=0");
        String before = removed ? cookies.remove(name) : cookies.put(name, value);
        if (removed ? before != null : !value.equals(before)) {
            generation++;
        }
    }

    /** The value of one cookie, or null. */
    String get(String name) {
        return cookies.get(name);
    }

    /** The {@code Cookie} header's value: {@code a=1; b=2}. */
    String header() {
        StringBuilder text = new StringBuilder();
        cookies.forEach((name, value) -> text.append(text.length() == 0 ? "" : "; ").append(name).append('=').append(value));
        return text.toString();
    }

    /**
     * A request sent with this jar's cookies.
     *
     * @param head the request without cookies, as {@link HttpConnection#request} builds it (no body)
     */
    Sending sending(byte[] head) {
        return new Sending(head);
    }

    /** One prepared request whose {@code Cookie} header follows the jar. */
    final class Sending {
        private final byte[] head; // without the blank line that ends the headers
        private byte[] bytes;
        private long builtAt = -1;

        private Sending(byte[] request) {
            int end = request.length;
            if (end < 4 || request[end - 4] != '\r' || request[end - 2] != '\r') {
                throw new IllegalArgumentException("a request without a body");
            }
            head = java.util.Arrays.copyOf(request, end - 2);
        }

        CookieJar jar() {
            return CookieJar.this;
        }

        /** The request's bytes with the jar's cookies of now. */
        byte[] bytes() {
            if (builtAt != generation) {
                byte[] cookie = cookies.isEmpty() ? new byte[0]
                        : ("Cookie: " + header() + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
                byte[] all = new byte[head.length + cookie.length + 2];
                System.arraycopy(head, 0, all, 0, head.length);
                System.arraycopy(cookie, 0, all, head.length, cookie.length);
                all[all.length - 2] = '\r';
                all[all.length - 1] = '\n';
                bytes = all;
                builtAt = generation;
            }
            return bytes;
        }
    }
}
