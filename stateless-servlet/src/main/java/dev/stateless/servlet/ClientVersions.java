package dev.stateless.servlet;

/** The session version a client carries (cookie or header), read from untrusted text. */
final class ClientVersions {

    /** Longer than any version a store reaches (a long has 19 digits); refused without parsing. */
    private static final int MAX_DIGITS = 18;

    private ClientVersions() {
    }

    /**
     * The version in {@code text}: decimal digits only, 1 or more. Anything else (absent, empty,
     * signed, too long, not a number) is 0, "none known": it costs a read of the backend, never an
     * error, so a forged version can at most bypass the near cache.
     *
     * @param text what the client sent, or null
     * @return the version, or 0
     */
    static long parse(String text) {
        if (text == null || text.isEmpty() || text.length() > MAX_DIGITS) {
            return 0;
        }
        long value = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return 0;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }
}
