package dev.stateless.benchmarks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** Number formatting and the small statistics the report needs. */
final class Fmt {

    private Fmt() {
    }

    /** Thousands separated, no decimals: {@code 12,345}. */
    static String count(double value) {
        return String.format(Locale.ROOT, "%,.0f", value);
    }

    /** A ratio to the baseline: {@code 1.93×}. */
    static String ratio(double value) {
        return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%.2f×", value);
    }

    /** A ratio with the spread over rounds: {@code 1.93× (1.85–2.01)}. */
    static String ratio(List<Double> perRound) {
        if (perRound.isEmpty()) {
            return "-";
        }
        double median = median(perRound);
        if (perRound.size() == 1) {
            return ratio(median);
        }
        return ratio(median) + String.format(Locale.ROOT, " (%.2f–%.2f)", Collections.min(perRound), Collections.max(perRound));
    }

    /** Milliseconds from nanoseconds, 2 decimals. */
    static String millis(double nanos) {
        return String.format(Locale.ROOT, "%.2f", nanos / 1e6);
    }

    /** Microseconds from nanoseconds, 1 decimal. */
    static String micros(double nanos) {
        return String.format(Locale.ROOT, "%.1f", nanos / 1e3);
    }

    /** A per-operation count: {@code 2.00}. */
    static String perOp(double value) {
        return String.format(Locale.ROOT, "%.2f", value);
    }

    static String bytes(double value) {
        return String.format(Locale.ROOT, "%,.0f", value);
    }

    static double median(List<Double> values) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    static String metOrMissed(boolean met) {
        return met ? "**met**" : "**missed**";
    }
}
