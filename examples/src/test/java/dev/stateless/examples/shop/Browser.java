package dev.stateless.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

/**
 * One user agent over real HTTP: its own session cookie (kept by hand, so a test can see and reuse
 * it) and its own bearer token. Every answer is checked for leaked stack traces. Thread-safe enough
 * for one test thread plus the odd asynchronous request.
 */
final class Browser {

    static final ObjectMapper JSON = new ObjectMapper();

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private static final Pattern STACK_TRACE = Pattern.compile(
            "(?m)(^\\s*at [\\w$.]+\\(|Exception|\\.java:\\d+|Caused by)");

    private volatile String session; // the SESSION cookie value, or null
    private volatile String token; // the bearer token, or null

    String session() {
        return session;
    }

    Browser session(String value) {
        this.session = value;
        return this;
    }

    String token() {
        return token;
    }

    Browser token(String value) {
        this.token = value;
        return this;
    }

    /** Logs in as {@code user} (password {@code user-pw}) and keeps the token. */
    String login(String node, String user) {
        Reply reply = post(node, "/login", "{\"username\":\"" + user + "\",\"password\":\"" + user + "-pw\"}");
        assertThat(reply.status()).as("login of %s: %s", user, reply.body()).isEqualTo(200);
        token = reply.json().path("access_token").asText();
        return token;
    }

    Reply get(String node, String path) {
        return send(node, "GET", path, null);
    }

    Reply post(String node, String path, String body) {
        return send(node, "POST", path, body);
    }

    /** A POST /orders with this Idempotency-Key (sent as a Structured Field string; null sends none). */
    Reply order(String node, String key, String body) {
        return send(node, "POST", "/orders", body, key == null ? new String[0] : new String[] {"Idempotency-Key", quoted(key)});
    }

    CompletableFuture<Reply> orderAsync(String node, String key, String body) {
        return sendAsync(node, "POST", "/orders", body, "Idempotency-Key", quoted(key));
    }

    Reply send(String node, String method, String path, String body, String... headers) {
        try {
            return sendAsync(node, method, path, body, headers).join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof IOException io) {
                throw new UncheckedIOException(method + " " + node + path + " failed", io);
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e;
        }
    }

    CompletableFuture<Reply> sendAsync(String node, String method, String path, String body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(node + path))
                .timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        String bearer = token;
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        String cookie = session;
        if (cookie != null) {
            request.header("Cookie", "SESSION=" + cookie);
        }
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return HTTP.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString()).thenApply(response -> {
            Reply reply = new Reply(response.statusCode(), response.headers(), response.body());
            assertThat(STACK_TRACE.matcher(reply.body()).find())
                    .as("%s %s answered %d with what looks like a stack trace: %s", method, path, reply.status(),
                            reply.body())
                    .isFalse();
            remember(reply);
            return reply;
        });
    }

    private void remember(Reply reply) {
        for (String setCookie : reply.headers().allValues("Set-Cookie")) {
            if (setCookie.startsWith("SESSION=")) {
                String value = setCookie.substring("SESSION=".length(), setCookie.indexOf(';') < 0 ? setCookie.length()
                        : setCookie.indexOf(';'));
                boolean expired = setCookie.contains("Max-Age=0") || value.isEmpty();
                session = expired ? null : value;
            }
        }
    }

    private static String quoted(String key) {
        return "\"" + key + "\"";
    }

    /** An answer: status, headers and body as text. */
    record Reply(int status, HttpHeaders headers, String body) {

        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + status + "): " + body, e);
            }
        }

        Optional<String> header(String name) {
            return headers.firstValue(name);
        }

        List<String> headers(String name) {
            return headers.allValues(name);
        }

        String contentType() {
            return headers.firstValue("Content-Type").orElse("");
        }

        @Override
        public String toString() {
            return status + " " + headers.map() + " " + body;
        }
    }
}
