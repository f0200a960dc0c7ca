package dev.stateless.servlet;

import dev.stateless.core.session.SessionStores;
import jakarta.servlet.FilterConfig;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A filter's init parameters, taken one by one as the filter reads them, so that whatever is left
 * at the end was not understood and can be refused by name. Parse errors are
 * {@link IllegalArgumentException}s that name the parameter; the filter turns them into a
 * {@link jakarta.servlet.ServletException} that names itself too. Not thread-safe (used by
 * {@code init} only).
 */
final class InitParameters {

    private final Map<String, String> left = new LinkedHashMap<>();

    InitParameters(FilterConfig config) {
        for (String name : Collections.list(config.getInitParameterNames())) {
            left.put(name, config.getInitParameter(name));
        }
    }

    /** Takes a parameter's raw text. */
    Optional<String> text(String name) {
        return Optional.ofNullable(left.remove(name));
    }

    /** Takes a parameter and hands its text to {@code apply}; an {@link IllegalArgumentException} from it is renamed for the parameter. */
    void apply(String name, Consumer<String> apply) {
        text(name).ifPresent(value -> {
            try {
                apply.accept(value);
            } catch (IllegalArgumentException e) {
                String message = e.getMessage() == null ? "" : e.getMessage();
                throw message.startsWith(name + " ") ? e : new IllegalArgumentException(name + ": " + message, e);
            }
        });
    }

    /** Takes every parameter not taken yet. */
    Map<String, String> rest() {
        Map<String, String> rest = new LinkedHashMap<>(left);
        left.clear();
        return rest;
    }

    /** Fails when a parameter was not taken. */
    void requireAllTaken() {
        if (!left.isEmpty()) {
            throw new IllegalArgumentException("unknown init parameters " + left.keySet());
        }
    }

    /** Fails, before anything is built, for a parameter none of {@code known} names. */
    void requireKnown(List<String> known) {
        List<String> unknown = left.keySet().stream().filter(n -> !known.contains(n)).toList();
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown init parameters " + unknown);
        }
    }

    static boolean bool(String name, String value) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(name + " must be true or false, was '" + value + "'");
        };
    }

    static long number(String name, String value, long min, long max) {
        long n;
        try {
            n = Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number between " + min + " and " + max
                    + ", was '" + value + "'");
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", was " + n);
        }
        return n;
    }

    /** ISO-8601 ({@code PT30S}) or whole seconds. */
    static Duration duration(String name, String value) {
        return SessionStores.duration(name, value);
    }

    /** Values separated by commas or white space. */
    static String[] list(String value) {
        return Arrays.stream(value.split("[,\\s]+")).filter(s -> !s.isEmpty()).toArray(String[]::new);
    }
}
