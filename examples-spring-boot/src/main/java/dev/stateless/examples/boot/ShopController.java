package dev.stateless.examples.boot;

import dev.stateless.jwt.JwtIssuer;
import dev.stateless.servlet.IdempotencyFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;
import java.security.Principal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpStatus;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * The shop's pages. The cart is a plain session attribute (a JDK list, which the session codec
 * takes without configuration); nothing here knows that the session lives in Redis.
 */
@RestController
public class ShopController {

    record CartView(String user, List<String> items, String instance) {
    }

    record Order(String orderId, String user, List<String> items, String instance) {
    }

    record Me(String user, boolean shopper, String instance) {
    }

    /**
     * Orders placed, by order id. In memory of this JVM: the test runs both instances in one JVM, so
     * this counts what both placed; a real shop keeps orders in its database, keyed by the
     * idempotency key ({@link IdempotencyFilter#KEY_ATTRIBUTE}) as the servlet shop does.
     */
    static final Map<String, Order> PLACED = new ConcurrentHashMap<>();
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private final String instance;
    private final JwtIssuer tokens;

    ShopController(@Value("${shop.instance:shop}") String instance, JwtIssuer tokens) {
        this.instance = instance;
        this.tokens = tokens;
    }

    @GetMapping("/cart")
    CartView cart(Principal user, HttpSession session) {
        return new CartView(user.getName(), cartOf(session), instance);
    }

    @PostMapping("/cart/items")
    CartView add(Principal user, HttpSession session, @RequestParam String sku) {
        List<String> cart = cartOf(session);
        cart.add(sku);
        session.setAttribute("cart", cart);
        return new CartView(user.getName(), cart, instance);
    }

    @PostMapping({"/orders", "/api/orders"})
    @ResponseStatus(HttpStatus.CREATED)
    Order order(Principal user, HttpSession session) {
        List<String> cart = cartOf(session);
        Order order = new Order("ord-" + SEQUENCE.incrementAndGet(), user.getName(), List.copyOf(cart), instance);
        PLACED.put(order.orderId(), order);
        session.removeAttribute("cart");
        return order;
    }

    /** The CSRF token for scripts (forms get it rendered); it lives in the session too. */
    @GetMapping("/csrf")
    Map<String, String> csrf(CsrfToken token) {
        return Map.of("header", token.getHeaderName(), "token", token.getToken());
    }

    /** A bearer token for the logged-in user, with the role the /api paths require. */
    @GetMapping("/token")
    Map<String, String> token(Principal user) {
        return Map.of("access_token", tokens.issue(user.getName(), Map.of("roles", List.of("shopper"))));
    }

    @GetMapping("/api/me")
    Me me(HttpServletRequest request) {
        return new Me(request.getUserPrincipal().getName(), request.isUserInRole("shopper"), instance);
    }

    @GetMapping("/api/cart")
    CartView apiCart(Principal user, HttpSession session) {
        return new CartView(user.getName(), cartOf(session), instance);
    }

    @SuppressWarnings("unchecked")
    private static List<String> cartOf(HttpSession session) {
        Object cart = session.getAttribute("cart");
        return cart instanceof List<?> list ? new ArrayList<>((List<String>) list) : new ArrayList<>();
    }
}
