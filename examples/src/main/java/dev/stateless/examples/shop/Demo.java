package dev.stateless.examples.shop;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * The demo story, over real HTTP against running nodes: log in on node 1, add to the cart on node
 * 2, read it on node 3, order with one key on two nodes at once, reuse the key for another body, log
 * out on node 3 and see the token refused on node 1.
 */
final class Demo {

    private final List<String> nodes;
    private final PrintStream out;
    private final HttpClient http = HttpClient.newBuilder()
            .cookieHandler(new CookieManager(null, CookiePolicy.ACCEPT_ALL))
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private int step;
    private boolean allHeld = true;

    Demo(List<String> nodes, PrintStream out) {
        this.nodes = nodes;
        this.out = out;
    }

    private String node(int i) {
        return nodes.get((i - 1) % nodes.size());
    }

    private String name(int i) {
        return "node-" + (((i - 1) % nodes.size()) + 1);
    }

    boolean run() throws Exception {
        out.println("[demo] " + nodes.size() + " nodes: " + String.join(", ", nodes));

        HttpResponse<String> login = send(node(1), "POST", "/login", null, null,
                "{\"username\":\"alice\",\"password\":\"alice-pw\"}");
        String token = json(login).map(j -> j.path("access_token").asText(null)).orElse(null);
        check("alice logs in on " + name(1), login.statusCode() == 200 && token != null, login);
        if (token == null) {
            return finish();
        }

        HttpResponse<String> added = send(node(2), "POST", "/cart/items", token, null, "{\"sku\":\"sku-1\",\"quantity\":2}");
        check("she adds 2 x sku-1 to her cart on " + name(2),
                added.statusCode() == 200 && added.body().contains("\"sku-1\":2"), added);

        HttpResponse<String> cart = send(node(3), "GET", "/cart", token, null, null);
        check("her cart, read on " + name(3) + ", holds them", cart.statusCode() == 200
                && cart.body().contains("\"sku-1\":2") && cart.body().contains("\"total\":2500"), cart);

        String key = UUID.randomUUID().toString();
        String body = "{\"note\":\"leave at the door\"}";
        CompletableFuture<HttpResponse<String>> first = orderWithRetry(node(1), token, key, body);
        CompletableFuture<HttpResponse<String>> second = orderWithRetry(node(2), token, key, body);
        HttpResponse<String> a = first.get();
        HttpResponse<String> b = second.get();
        String idA = json(a).map(j -> j.path("orderId").asText(null)).orElse(null);
        String idB = json(b).map(j -> j.path("orderId").asText(null)).orElse(null);
        HttpResponse<String> mine = send(node(3), "GET", "/orders", token, null, null);
        int count = json(mine).map(j -> j.path("orders").size()).orElse(-1);
        check("one order placed by the same request sent to " + name(1) + " and " + name(2) + " at once: both got "
                        + idA + (idA != null && idA.equals(idB) ? " (one replayed)" : " / " + idB) + ", " + count + " order exists",
                a.statusCode() == 201 && b.statusCode() == 201 && idA != null && idA.equals(idB) && count == 1
                        && ("true".equals(a.headers().firstValue("Idempotent-Replayed").orElse(null))
                        || "true".equals(b.headers().firstValue("Idempotent-Replayed").orElse(null))), a);

        HttpResponse<String> reused = send(node(3), "POST", "/orders", token, key, "{\"note\":\"something else\"}");
        check("the same key with a different body is refused (422)", reused.statusCode() == 422, reused);

        HttpResponse<String> logout = send(node(3), "POST", "/logout", token, null, null);
        check("she logs out on " + name(3) + " (204)", logout.statusCode() == 204, logout);

        HttpResponse<String> after = send(node(1), "GET", "/me", token, null, null);
        check("her token is refused on " + name(1) + " afterwards (401)", after.statusCode() == 401
                && after.headers().firstValue("WWW-Authenticate").orElse("").contains("invalid_token"), after);

        return finish();
    }

    private boolean finish() {
        out.println(allHeld ? "[demo] every step held" : "[demo] FAILED: a step did not hold");
        return allHeld;
    }

    /** Places the order, and retries on 409 after Retry-After, as a well-behaved client does. */
    private CompletableFuture<HttpResponse<String>> orderWithRetry(String node, String token, String key, String body) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                for (int attempt = 0; ; attempt++) {
                    HttpResponse<String> response = send(node, "POST", "/orders", token, key, body);
                    if (response.statusCode() != 409 || attempt == 10) {
                        return response;
                    }
                    long seconds = response.headers().firstValue("Retry-After").map(Long::parseLong).orElse(1L);
                    Thread.sleep(Math.min(seconds, 5) * 1000);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private void check(String what, boolean held, HttpResponse<String> response) {
        step++;
        out.printf("[demo] %d. %-95s %s%n", step, what, held ? "ok" : "FAILED (" + response.statusCode() + " "
                + abbreviate(response.body()) + ")");
        allHeld &= held;
    }

    private HttpResponse<String> send(String node, String method, String path, String token, String key, String body)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(node + path)).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (key != null) {
            request.header("Idempotency-Key", "\"" + key + "\"");
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Optional<JsonNode> json(HttpResponse<String> response) {
        try {
            return Optional.ofNullable(Json.MAPPER.readTree(response.body()));
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    private static String abbreviate(String text) {
        return text.length() > 160 ? text.substring(0, 160) + "..." : text;
    }
}
