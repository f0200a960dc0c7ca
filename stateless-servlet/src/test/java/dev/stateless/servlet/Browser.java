package dev.stateless.servlet;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * A client that keeps its session id itself, like a browser (cookies) or an API client (a header),
 * so a test decides which node gets which id. Not thread-safe for concurrent sends that change the id.
 */
final class Browser {

    private static final Duration TIMEOUT = Duration.ofSeconds(15);

    private final HttpClient http;
    private final String headerName; // null: ids travel in cookies
    private final boolean acceptsCookies;
    private final Map<String, String> cookies = new LinkedHashMap<>();
    private String headerValue;

    private Browser(HttpClient http, String headerName) {
        this(http, headerName, true);
    }

    private Browser(HttpClient http, String headerName, boolean acceptsCookies) {
        this.http = http;
        this.headerName = headerName;
        this.acceptsCookies = acceptsCookies;
    }

    /** Refuses every cookie, like a browser with cookies turned off: only URLs can carry an id. */
    static Browser withoutCookies(HttpClient http) {
        return new Browser(http, null, false);
    }

    /** Keeps cookies from Set-Cookie and sends them back. */
    static Browser withCookies(HttpClient http) {
        return new Browser(http, null);
    }

    /** Keeps the id from the response header {@code name} and sends it back in the same header. */
    static Browser withHeader(HttpClient http, String name) {
        return new Browser(http, name);
    }

    static HttpClient newHttpClient() {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    /** The value of a cookie this client holds, or null. */
    synchronized String cookie(String name) {
        return cookies.get(name);
    }

    /** Sets a cookie by hand (a forged one, another browser's, ...); null removes it. */
    synchronized Browser cookie(String name, String value) {
        if (value == null) {
            cookies.remove(name);
        } else {
            cookies.put(name, value);
        }
        return this;
    }

    synchronized String header() {
        return headerValue;
    }

    Reply get(ContainerNode node, String pathAndQuery) {
        return send(node, "GET", pathAndQuery);
    }

    Reply post(ContainerNode node, String pathAndQuery) {
        return send(node, "POST", pathAndQuery);
    }

    Reply send(ContainerNode node, String method, String pathAndQuery) {
        return send(node, method, pathAndQuery, null, HttpRequest.BodyPublishers.noBody());
    }

    /** POSTs {@code form} as {@code application/x-www-form-urlencoded}, like an HTML form. */
    Reply postForm(ContainerNode node, String pathAndQuery, Map<String, String> form) {
        String body = form.entrySet().stream()
                .map(e -> java.net.URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + java.net.URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return send(node, "POST", pathAndQuery, "application/x-www-form-urlencoded",
                HttpRequest.BodyPublishers.ofString(body));
    }

    private Reply send(ContainerNode node, String method, String pathAndQuery, String contentType,
            HttpRequest.BodyPublisher body) {
        try {
            HttpRequest.Builder builder = requestBuilder(node, method, pathAndQuery, body);
            if (contentType != null) {
                builder.header("Content-Type", contentType);
            }
            HttpResponse<byte[]> response = http.send(builder.build(), HttpResponse.BodyHandlers.ofByteArray());
            remember(response.headers());
            return new Reply(response.statusCode(), response.headers(), new String(response.body(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + pathAndQuery + " on " + node.base() + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Sends without waiting; the future completes when the whole answer is in. */
    CompletableFuture<Reply> sendAsync(ContainerNode node, String method, String pathAndQuery) {
        return http.sendAsync(request(node, method, pathAndQuery), HttpResponse.BodyHandlers.ofByteArray())
                .thenApply(response -> {
                    remember(response.headers());
                    return new Reply(response.statusCode(), response.headers(),
                            new String(response.body(), StandardCharsets.UTF_8));
                });
    }

    /**
     * Sends and returns as soon as the status line and headers are in, with the body still to be
     * read from the stream.
     */
    HttpResponse<InputStream> sendStreaming(ContainerNode node, String method, String pathAndQuery) {
        try {
            HttpResponse<InputStream> response = http.send(request(node, method, pathAndQuery),
                    HttpResponse.BodyHandlers.ofInputStream());
            remember(response.headers());
            return response;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private HttpRequest request(ContainerNode node, String method, String pathAndQuery) {
        return requestBuilder(node, method, pathAndQuery, HttpRequest.BodyPublishers.noBody()).build();
    }

    private synchronized HttpRequest.Builder requestBuilder(ContainerNode node, String method, String pathAndQuery,
            HttpRequest.BodyPublisher body) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(node.base().resolve(pathAndQuery))
                .timeout(TIMEOUT)
                .method(method, body);
        if (!cookies.isEmpty()) {
            builder.header("Cookie", cookies.entrySet().stream()
                    .map(c -> c.getKey() + "=" + c.getValue())
                    .collect(Collectors.joining("; ")));
        }
        if (headerName != null && headerValue != null) {
            builder.header(headerName, headerValue);
        }
        return builder;
    }

    private synchronized void remember(HttpHeaders headers) {
        for (String setCookie : acceptsCookies ? headers.allValues("Set-Cookie") : List.<String>of()) {
            SetCookie cookie = SetCookie.parse(setCookie);
            if (cookie.expires()) {
                cookies.remove(cookie.name());
            } else {
                cookies.put(cookie.name(), cookie.value());
            }
        }
        if (headerName != null) {
            headers.firstValue(headerName).ifPresent(v -> headerValue = v.isEmpty() ? null : v);
        }
    }

    /** One answer, body read whole. */
    record Reply(int status, HttpHeaders headers, String body) {

        Optional<String> header(String name) {
            return headers.firstValue(name);
        }

        List<String> setCookies() {
            return headers.allValues("Set-Cookie");
        }

        /** The Set-Cookie of this name, parsed; empty when the answer sets none. */
        Optional<SetCookie> setCookie(String name) {
            return setCookies().stream().map(SetCookie::parse).filter(c -> c.name().equals(name)).reduce((a, b) -> b);
        }

        /** The {@code key=value} lines of {@code /info}. */
        Map<String, String> lines() {
            Map<String, String> map = new LinkedHashMap<>();
            for (String line : body.split("\r?\n")) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    map.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
            return map;
        }

        URI location() {
            return URI.create(header("Location").orElseThrow());
        }
    }

    /** A Set-Cookie header: name, value and attributes (names lower-cased; flags map to ""). */
    record SetCookie(String name, String value, Map<String, String> attributes) {

        static SetCookie parse(String header) {
            String[] parts = header.split(";");
            String pair = parts[0].trim();
            int eq = pair.indexOf('=');
            Map<String, String> attributes = new LinkedHashMap<>();
            for (int i = 1; i < parts.length; i++) {
                String part = parts[i].trim();
                int e = part.indexOf('=');
                if (e < 0) {
                    attributes.put(part.toLowerCase(Locale.ROOT), "");
                } else {
                    attributes.put(part.substring(0, e).trim().toLowerCase(Locale.ROOT), part.substring(e + 1).trim());
                }
            }
            return new SetCookie(pair.substring(0, eq), pair.substring(eq + 1), attributes);
        }

        boolean expires() {
            return "0".equals(attributes.get("max-age")) || value.isEmpty();
        }

        Optional<String> attribute(String name) {
            return Optional.ofNullable(attributes.get(name.toLowerCase(Locale.ROOT)));
        }
    }
}
