package dev.stateless.benchmarks;

import jakarta.servlet.http.HttpSession;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The session every benchmark client carries: 10 attributes, about 2 KB, of the kinds a legacy web
 * application keeps (strings, a cart as {@code Map<String, Integer>}, a {@code List<String>}, a
 * {@code Long} counter). The values are plain JDK types, so both our JSON codec and Spring's JDK
 * serialization take them unchanged.
 */
final class SessionAttributes {

    static final String COUNTER = "counter";

    static final List<String> NAMES = List.of("userId", "displayName", "email", "locale", "csrfToken", "lastPage",
            "preferences", "cart", "recentlyViewed", COUNTER);

    private SessionAttributes() {
    }

    /** The 10 values for one client. */
    static Map<String, Object> values(int client) {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("userId", String.format("3f2c9a1e-7b4d-4c8e-9a0f-%012d", client));
        values.put("displayName", "Benchmark User Number " + client);
        values.put("email", "benchmark.user." + client + "@example.com");
        values.put("locale", "en-GB");
        values.put("csrfToken", "hT9vQw2LrX8cJmN4bK7pE1sYzA6uGdF3oV5iW0qRtHe");
        values.put("lastPage", "https://shop.example.com/catalog/outdoor/tents/family?sort=price&page=3&view=grid");
        values.put("preferences", "theme=dark;currency=EUR;newsletter=weekly;units=metric;timezone=Europe/Amsterdam;"
                + "recommendations=on;compact-list=off;show-vat=on;default-shipping=standard;language-fallback=en");
        Map<String, Integer> cart = new LinkedHashMap<>();
        for (int i = 0; i < 20; i++) {
            cart.put("SKU-" + (100_000 + i * 37), 1 + i % 4);
        }
        values.put("cart", cart);
        List<String> recent = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            recent.add("/products/outdoor/item-" + (5_000 + i * 13) + "-lightweight");
        }
        values.put("recentlyViewed", recent);
        values.put(COUNTER, 0L);
        return values;
    }

    static void populate(HttpSession session, int client) {
        values(client).forEach(session::setAttribute);
    }

    /**
     * Reads every attribute as an application would (and uses it, so that nothing can be skipped),
     * and returns a checksum of what it saw; -1 when an attribute is missing.
     */
    static long readAll(HttpSession session) {
        return readAll(session, NAMES);
    }

    /** As {@link #readAll(HttpSession)}, for the attributes named (a {@link SessionShape}'s). */
    static long readAll(HttpSession session, java.util.Collection<String> names) {
        long sum = 0;
        for (String name : names) {
            Object value = session.getAttribute(name);
            if (value == null) {
                return -1;
            }
            if (value instanceof String s) {
                sum += s.length();
            } else if (value instanceof Map<?, ?> map) {
                for (Object entry : map.values()) {
                    sum += entry instanceof Integer quantity ? quantity : entry.toString().length();
                }
            } else if (value instanceof List<?> list) {
                sum += list.size();
            } else if (value instanceof Long n) {
                sum += n;
            }
        }
        return sum;
    }
}
