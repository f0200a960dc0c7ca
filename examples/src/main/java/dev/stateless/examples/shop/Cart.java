package dev.stateless.examples.shop;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The shopping cart, written the way a legacy stateful application writes it: a mutable object in
 * the {@code HttpSession}, changed in place. The session filter notices the change by itself.
 */
public class Cart {

    private final Map<String, Integer> items = new LinkedHashMap<>();

    public void add(String sku, int quantity) {
        items.merge(sku, quantity, Integer::sum);
    }

    public Map<String, Integer> items() {
        return items;
    }

    public boolean isEmpty() {
        return items.isEmpty();
    }

    public long total() {
        long total = 0;
        for (Map.Entry<String, Integer> item : items.entrySet()) {
            total += Catalog.price(item.getKey()) * item.getValue();
        }
        return total;
    }
}
