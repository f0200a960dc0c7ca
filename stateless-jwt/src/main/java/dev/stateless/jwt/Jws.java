package dev.stateless.jwt;

import static dev.stateless.core.token.TokenVerificationException.Reason.MALFORMED;
import static dev.stateless.core.token.TokenVerificationException.Reason.UNSUPPORTED_ALGORITHM;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.util.Base64URL;
import dev.stateless.core.token.TokenVerificationException;
import dev.stateless.core.token.TokenVerificationException.Reason;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/**
 * A compact JWS taken apart, its header checked, its payload not yet parsed (the signature is
 * checked first). Everything here comes from the client.
 *
 * @param algorithm the {@code alg} header, a supported algorithm (not necessarily an allowed one)
 * @param keyId the {@code kid} header, or null
 * @param type the {@code typ} header, or null
 * @param signingInput the bytes the signature covers
 * @param signature the signature, possibly empty
 * @param payload the decoded payload bytes, unparsed
 */
record Jws(JWSAlgorithm algorithm, String keyId, String type, byte[] signingInput, Base64URL signature,
        byte[] payload) {

    static final int MAX_KEY_ID_LENGTH = 256;

    /**
     * Takes a token apart.
     *
     * @throws TokenVerificationException MALFORMED or UNSUPPORTED_ALGORITHM
     */
    static Jws parse(String token, int maxLength) {
        if (token.length() > maxLength) {
            throw refuse(MALFORMED, "token is longer than " + maxLength + " characters");
        }
        if (token.isEmpty()) {
            throw refuse(MALFORMED, "token is empty");
        }
        int first = token.indexOf('.');
        int second = first < 0 ? -1 : token.indexOf('.', first + 1);
        if (first < 0 || second < 0 || token.indexOf('.', second + 1) >= 0) {
            long dots = token.chars().filter(c -> c == '.').count();
            throw refuse(MALFORMED, dots == 4
                    ? "token is encrypted (JWE, 5 parts); only signed tokens (JWS) are accepted"
                    : "token does not have the 3 parts of a signed JWT");
        }
        String headerPart = token.substring(0, first);
        String payloadPart = token.substring(first + 1, second);
        String signaturePart = token.substring(second + 1);
        if (headerPart.isEmpty() || payloadPart.isEmpty()) {
            throw refuse(MALFORMED, "token has an empty header or payload");
        }
        byte[] headerBytes = Base64Url.decode(headerPart)
                .orElseThrow(() -> refuse(MALFORMED, "token header is not strict base64url"));
        byte[] payload = Base64Url.decode(payloadPart)
                .orElseThrow(() -> refuse(MALFORMED, "token payload is not strict base64url"));
        if (Base64Url.decode(signaturePart).isEmpty()) {
            throw refuse(MALFORMED, "token signature is not strict base64url");
        }
        Map<String, Object> header = StrictJson.HEADER.parseObject(headerBytes)
                .orElseThrow(() -> refuse(MALFORMED, "token header is not a strict JSON object"));

        JWSAlgorithm algorithm = algorithm(header);
        if (header.containsKey("enc")) {
            throw refuse(MALFORMED, "token header has 'enc': encrypted tokens are not accepted");
        }
        if (header.containsKey("crit")) {
            // RFC 7515 4.1.11: a recipient must refuse extensions it does not understand; we understand none,
            // not even b64 (RFC 7797), and an empty crit is invalid on its own
            throw refuse(MALFORMED, "token header has 'crit': no critical header extension is supported");
        }
        if (header.containsKey("b64")) {
            throw refuse(MALFORMED, "token header has 'b64': unencoded payloads are not supported");
        }
        if (header.containsKey("zip")) {
            throw refuse(MALFORMED, "token header has 'zip': compressed payloads are not supported");
        }
        String keyId = optionalString(header, "kid");
        if (keyId != null && (keyId.isEmpty() || keyId.length() > MAX_KEY_ID_LENGTH)) {
            throw refuse(MALFORMED, "token header 'kid' is empty or longer than " + MAX_KEY_ID_LENGTH + " characters");
        }
        String type = optionalString(header, "typ");
        String contentType = optionalString(header, "cty");
        if (contentType != null && normalizeType(contentType).equals("jwt")) {
            throw refuse(MALFORMED, "token is a nested JWT (cty JWT); nested tokens are not supported");
        }
        // jku, x5u, jwk, x5c, x5t and any other member are ignored: keys come from configuration only
        byte[] signingInput = token.substring(0, second).getBytes(StandardCharsets.US_ASCII);
        return new Jws(algorithm, keyId, type, signingInput, new Base64URL(signaturePart), payload);
    }

    private static JWSAlgorithm algorithm(Map<String, Object> header) {
        if (!(header.get("alg") instanceof String name)) {
            throw refuse(MALFORMED, "token header has no 'alg' string");
        }
        if (Algorithms.isNone(name)) {
            throw refuse(UNSUPPORTED_ALGORITHM, "token is unsecured (alg none), which is never accepted");
        }
        return Algorithms.byName(name)
                .orElseThrow(() -> refuse(UNSUPPORTED_ALGORITHM, "token algorithm is not supported"));
    }

    /** A header member that must be a string when present; null when absent. */
    private static String optionalString(Map<String, Object> header, String name) {
        if (!header.containsKey(name)) {
            return null;
        }
        if (header.get(name) instanceof String value) {
            return value;
        }
        throw refuse(MALFORMED, "token header '" + name + "' is not a string");
    }

    static TokenVerificationException refuse(Reason reason, String message) {
        return new TokenVerificationException(reason, message);
    }

    /** A media type as JOSE compares them: case-insensitive, {@code application/} optional (RFC 7515 4.1.9). */
    static String normalizeType(String type) {
        String lower = type.toLowerCase(Locale.ROOT);
        return lower.startsWith("application/") ? lower.substring("application/".length()) : lower;
    }
}
