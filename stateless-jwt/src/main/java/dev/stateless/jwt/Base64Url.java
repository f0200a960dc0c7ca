package dev.stateless.jwt;

import java.util.Base64;
import java.util.Optional;

/**
 * base64url without padding, exactly as RFC 7515 section 2 defines it and nothing more: only
 * {@code A-Z a-z 0-9 - _}, no {@code =}, no whitespace, and canonical (the unused low bits of the
 * last character are zero), so one byte string has exactly one text form.
 */
final class Base64Url {

    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

    private Base64Url() {
    }

    static Optional<byte[]> decode(String text) {
        if (text.length() % 4 == 1) {
            return Optional.empty();
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean allowed = c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_';
            if (!allowed) {
                return Optional.empty();
            }
        }
        byte[] bytes;
        try {
            bytes = DECODER.decode(text);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        return ENCODER.encodeToString(bytes).equals(text) ? Optional.of(bytes) : Optional.empty();
    }
}
