package dev.stateless.examples.shop;

import com.fasterxml.jackson.databind.JsonNode;
import dev.stateless.core.token.RevocationList;
import dev.stateless.core.token.VerifiedToken;
import dev.stateless.jwt.JwtIssuer;
import dev.stateless.core.StoreUnavailableException;
import dev.stateless.servlet.BearerTokenFilter;
import dev.stateless.servlet.IdempotencyFilter;
import io.lettuce.core.RedisException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The shop's HTTP API. Apart from reading the token attribute at logout, it is written like any
 * stateful servlet application: the cart lives in the {@code HttpSession} and is changed in place.
 */
final class ShopServlet extends HttpServlet {

    private static final Map<String, String> USERS = Map.of("alice", "alice-pw", "bob", "bob-pw");

    private final String node;
    private final JwtIssuer issuer;
    private final Duration tokenLifetime;
    private final RevocationList revocations;
    private final OrderRepository orders;
    private final Duration orderDelay;

    ShopServlet(String node, JwtIssuer issuer, Duration tokenLifetime, RevocationList revocations,
            OrderRepository orders, Duration orderDelay) {
        this.node = node;
        this.issuer = issuer;
        this.tokenLifetime = tokenLifetime;
        this.revocations = revocations;
        this.orders = orders;
        this.orderDelay = orderDelay;
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        try {
            route(request, response);
        } catch (StoreUnavailableException e) {
            throw e; // the library's filters answer 503 for their stores
        } catch (RedisException e) {
            // The order repository's Redis is away: say so, like the library's filters do.
            log("Redis unavailable: " + e.getMessage());
            response.setHeader("Retry-After", "1");
            problemIfPossible(response, 503, "Service Unavailable", "The shop's storage is unavailable; retry shortly.");
        } catch (RuntimeException e) {
            log("request failed", e);
            problemIfPossible(response, 500, "Internal Server Error", "The shop could not answer this request.");
        }
    }

    private static void problemIfPossible(HttpServletResponse response, int status, String title, String detail)
            throws IOException {
        if (!response.isCommitted()) {
            response.resetBuffer();
            Problem.send(response, status, title, detail);
        }
    }

    private void route(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String route = request.getMethod() + " " + request.getRequestURI();
        switch (route) {
            case "GET /health" -> Json.send(response, 200, Map.of("status", "UP", "node", node));
            case "POST /login" -> login(request, response);
            case "GET /me" -> Json.send(response, 200, Map.of("sub", request.getRemoteUser(), "node", node));
            case "POST /cart/items" -> addToCart(request, response);
            case "GET /cart" -> Json.send(response, 200, cartView(cart(request.getSession())));
            case "POST /orders" -> placeOrder(request, response);
            case "GET /orders" -> Json.send(response, 200, Map.of("orders", orders.of(request.getRemoteUser())));
            case "POST /logout" -> logout(request, response);
            default -> Problem.send(response, 404, "Not Found", "There is no " + request.getMethod() + " "
                    + sanitize(request.getRequestURI()) + " here.");
        }
    }

    private void login(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Optional<JsonNode> body = Json.body(request);
        String username = body.map(b -> b.path("username").asText(null)).orElse(null);
        String password = body.map(b -> b.path("password").asText(null)).orElse(null);
        if (username == null || password == null) {
            Problem.send(response, 400, "Bad Request", "Send {\"username\": ..., \"password\": ...}.");
            return;
        }
        String expected = USERS.get(username);
        if (expected == null || !MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
                password.getBytes(StandardCharsets.UTF_8))) {
            Problem.send(response, 401, "Unauthorized", "Unknown user or wrong password.");
            return;
        }
        String token = issuer.issue(username, Map.of("roles", List.of("customer")));
        Json.send(response, 200, Map.of("access_token", token, "token_type", "Bearer",
                "expires_in", tokenLifetime.toSeconds()));
    }

    private void addToCart(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Optional<JsonNode> body = Json.body(request);
        String sku = body.map(b -> b.path("sku").asText(null)).orElse(null);
        int quantity = body.map(b -> b.path("quantity").asInt(0)).orElse(0);
        if (sku == null || !Catalog.sells(sku) || quantity < 1 || quantity > 100) {
            Problem.send(response, 400, "Bad Request", "Send {\"sku\": \"sku-1\", \"quantity\": 1..100} for a sku we sell.");
            return;
        }
        HttpSession session = request.getSession();
        Cart cart = (Cart) session.getAttribute("cart");
        if (cart == null) {
            cart = new Cart();
            session.setAttribute("cart", cart);
        }
        cart.add(sku, quantity); // changed in place, never set again: the filter still saves it
        Json.send(response, 200, cartView(cart));
    }

    private void placeOrder(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Optional<JsonNode> body = Json.body(request);
        if (body.isEmpty()) {
            Problem.send(response, 400, "Bad Request", "Send {\"note\": \"...\"}.");
            return;
        }
        String user = request.getRemoteUser();
        String key = (String) request.getAttribute(IdempotencyFilter.KEY_ATTRIBUTE);
        HttpSession session = request.getSession();
        // A retry after a crash between placing the order and recording the answer finds the order.
        // A key reused once its idempotency record expired finds it too: that is a new order under an
        // old key, refused, and its cart is kept.
        String note = body.get().path("note").asText("");
        Cart cart = cart(session);
        Optional<OrderRepository.Order> placed = orders.byKey(user, key);
        if (placed.isPresent() && !isRetryOf(placed.get(), cart, note)) {
            Problem.send(response, 422, "Idempotency-Key Reused",
                    "This Idempotency-Key already placed another order; send a new key for a new order.");
            return;
        }
        if (placed.isEmpty()) {
            if (cart.isEmpty()) {
                Problem.send(response, 400, "Empty Cart", "Add something to the cart before ordering.");
                return;
            }
            pause(orderDelay); // the payment provider
            placed = Optional.of(orders.place(user, key, cart.items(), cart.total(), note, node));
        }
        session.removeAttribute("cart");
        OrderRepository.Order order = placed.get();
        response.setHeader("Location", "/orders/" + order.orderId());
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("orderId", order.orderId());
        view.put("items", order.items());
        view.put("total", order.total());
        Json.send(response, 201, view);
    }

    private void logout(HttpServletRequest request, HttpServletResponse response) {
        VerifiedToken token = (VerifiedToken) request.getAttribute(BearerTokenFilter.TOKEN_ATTRIBUTE);
        revocations.revoke(token, ShopNode.CLOCK_SKEW); // the shop's verifier requires jti
        HttpSession session = request.getSession(false);
        if (session != null) {
            session.invalidate();
        }
        response.setStatus(204);
    }

    /**
     * Whether this request repeats the one that placed {@code order}: the same note, and the cart
     * either still holding those items (the crash came before the emptied cart was saved) or already
     * empty (it came after).
     */
    private static boolean isRetryOf(OrderRepository.Order order, Cart cart, String note) {
        return order.note().equals(note) && (cart.isEmpty() || cart.items().equals(order.items()));
    }

    private static Cart cart(HttpSession session) {
        Cart cart = (Cart) session.getAttribute("cart");
        return cart != null ? cart : new Cart();
    }

    private static Map<String, Object> cartView(Cart cart) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("items", cart.items());
        view.put("total", cart.total());
        return view;
    }

    private static void pause(Duration delay) {
        try {
            Thread.sleep(delay.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String sanitize(String text) {
        String printable = text.replaceAll("[^\\x20-\\x7e]", "?");
        return printable.length() > 80 ? printable.substring(0, 80) + "..." : printable;
    }
}
