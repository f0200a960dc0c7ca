package dev.stateless.servlet;

import java.util.Optional;

/**
 * Parses an {@code Idempotency-Key} header value. The IETF draft makes it a Structured Field
 * String ({@code "8e03978e-40d5"}: printable ASCII in double quotes, with {@code \"} and
 * {@code \\} escapes); Stripe-style clients send the bare value, which is accepted too when it has
 * no spaces, quotes or backslashes.
 */
final class IdempotencyKeys {

    private IdempotencyKeys() {
    }

    /** HTTP's optional whitespace is spaces and tabs only; anything else stays and is refused. */
    private static String trimSpacesAndTabs(String text) {
        int start = 0;
        int end = text.length();
        while (start < end && (text.charAt(start) == ' ' || text.charAt(start) == '\t')) {
            start++;
        }
        while (end > start && (text.charAt(end - 1) == ' ' || text.charAt(end - 1) == '\t')) {
            end--;
        }
        return text.substring(start, end);
    }

    /** The key, or empty when the value is malformed, empty or longer than {@code maxLength}. */
    static Optional<String> parse(String header, int maxLength) {
        if (header == null) {
            return Optional.empty();
        }
        String value = trimSpacesAndTabs(header);
        if (value.isEmpty() || value.length() > maxLength + 2 + maxLength) {
            return Optional.empty();
        }
        StringBuilder key = new StringBuilder(Math.min(value.length(), maxLength));
        if (value.charAt(0) == '"') {
            int i = 1;
            for (; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c == '\\') {
                    if (++i == value.length()) {
                        return Optional.empty();
                    }
                    c = value.charAt(i);
                    if (c != '"' && c != '\\') {
                        return Optional.empty();
                    }
                } else if (c == '"') {
                    break;
                } else if (c < 0x20 || c > 0x7e) {
                    return Optional.empty();
                }
                key.append(c);
            }
            if (i != value.length() - 1) {
                return Optional.empty(); // no closing quote, or something after it
            }
        } else {
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c <= 0x20 || c > 0x7e || c == '"' || c == '\\') {
                    return Optional.empty();
                }
                key.append(c);
            }
        }
        if (key.length() == 0 || key.length() > maxLength) {
            return Optional.empty();
        }
        return Optional.of(key.toString());
    }
}
