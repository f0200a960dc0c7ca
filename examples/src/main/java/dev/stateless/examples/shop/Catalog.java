package dev.stateless.examples.shop;

import java.util.Map;

/** What the shop sells, with prices in cents. */
final class Catalog {

    private static final Map<String, Long> PRICES = Map.of("sku-1", 1250L, "sku-2", 499L, "sku-3", 2000L);

    private Catalog() {
    }

    static boolean sells(String sku) {
        return PRICES.containsKey(sku);
    }

    static long price(String sku) {
        return PRICES.getOrDefault(sku, 0L);
    }
}
