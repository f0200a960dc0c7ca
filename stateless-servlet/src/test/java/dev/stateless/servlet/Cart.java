package dev.stateless.servlet;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A shopping cart as a legacy application keeps it in its session: a mutable object that is
 * changed in place ({@link #add}) without a second {@code setAttribute}.
 */
public final class Cart {

    private HashMap<String, Integer> items = new HashMap<>();

    public Cart() {
    }

    public void add(String sku, int quantity) {
        items.merge(sku, quantity, Integer::sum);
    }

    public Map<String, Integer> items() {
        return Collections.unmodifiableMap(items);
    }

    /** Items sorted by SKU, e.g. {@code {apple=2, pear=1}}. */
    @Override
    public String toString() {
        return new TreeMap<>(items).toString();
    }
}
