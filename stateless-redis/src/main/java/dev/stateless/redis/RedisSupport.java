package dev.stateless.redis;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;

/** What every Redis store shares: option validation and key digests. */
final class RedisSupport {

    private RedisSupport() {
    }

    /** SHA-256 in unpadded base64url: how client-chosen text (keys, principals) appears in key names. */
    static String sha256(String text) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /**
     * Takes the text options every Redis-backed provider shares out of {@code left}:
     * {@code command-timeout} and {@code key-prefix}.
     */
    static void connectionOptions(java.util.Map<String, String> left, java.util.function.Consumer<Duration> commandTimeout,
            java.util.function.Consumer<String> keyPrefix) {
        String timeout = left.remove("command-timeout");
        if (timeout != null) {
            commandTimeout.accept(dev.stateless.core.session.SessionStores.duration("command-timeout", timeout));
        }
        String prefix = left.remove("key-prefix");
        if (prefix != null) {
            keyPrefix.accept(prefix);
        }
    }
}
