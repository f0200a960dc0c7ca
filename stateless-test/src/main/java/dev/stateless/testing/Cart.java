package dev.stateless.testing;

import java.util.Map;

/** A user-defined session attribute type for store and filter tests: register it with the codec. */
public record Cart(Map<String, Integer> items) {
}
