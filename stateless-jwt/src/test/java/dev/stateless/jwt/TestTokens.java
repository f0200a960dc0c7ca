package dev.stateless.jwt;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import dev.stateless.core.token.VerifiedToken;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Builds tokens byte by byte, so tests can sign exactly the header and payload JSON they want,
 * including JSON no well-behaved library would produce.
 */
final class TestTokens {

    static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");
    static final String ISSUER = "https://issuer.example";
    static final String AUDIENCE = "api";

    /** A verified token of subject {@code alice}, as a revocation list names it (issuer, id, expiry). */
    static VerifiedToken verified(String issuer, String jti, Instant expiresAt) {
        return new VerifiedToken("alice", Optional.of(issuer), Optional.of(jti), Optional.of(expiresAt), Set.of(),
                Map.of());
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private TestTokens() {
    }

    static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    static String b64(String text) {
        return b64(text.getBytes(StandardCharsets.UTF_8));
    }

    static String json(Map<String, ?> map) {
        try {
            return JSON.writeValueAsString(map);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static long epoch(Instant instant) {
        return instant.getEpochSecond();
    }

    /** Claims a verifier configured with {@link #ISSUER} and {@link #AUDIENCE} accepts at {@link #NOW}. */
    static Map<String, Object> validClaims() {
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("iss", ISSUER);
        claims.put("sub", "alice");
        claims.put("aud", AUDIENCE);
        claims.put("iat", epoch(NOW));
        claims.put("exp", epoch(NOW.plus(Duration.ofMinutes(10))));
        claims.put("jti", "token-1");
        return claims;
    }

    static Map<String, Object> validClaimsWith(String name, Object value) {
        Map<String, Object> claims = validClaims();
        claims.put(name, value);
        return claims;
    }

    static Map<String, Object> validClaimsWithout(String name) {
        Map<String, Object> claims = validClaims();
        claims.remove(name);
        return claims;
    }

    static Map<String, Object> header(String alg, String kid) {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("alg", alg);
        if (kid != null) {
            header.put("kid", kid);
        }
        return header;
    }

    /** Signs this exact header and payload text with the key (its algorithm taken from the header's alg). */
    static String sign(JWK key, String alg, String headerJson, String payloadJson) {
        return signRaw(signer(key), alg, b64(headerJson), b64(payloadJson));
    }

    static String sign(JWK key, Map<String, ?> header, Map<String, ?> claims) {
        return sign(key, (String) header.get("alg"), json(header), json(claims));
    }

    /** Signs already encoded parts, so tests can put anything in them. */
    static String signRaw(JWSSigner signer, String alg, String headerPart, String payloadPart) {
        try {
            byte[] input = (headerPart + "." + payloadPart).getBytes(StandardCharsets.US_ASCII);
            // Ed25519 (RFC 9864) and EdDSA sign alike with an Ed25519 key; Nimbus 9's signer knows only EdDSA
            JWSAlgorithm signAs = "Ed25519".equals(alg) ? JWSAlgorithm.EdDSA : JWSAlgorithm.parse(alg);
            return headerPart + "." + payloadPart + "." + signer.sign(new JWSHeader(signAs), input);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** HMAC with any bytes as the secret, the way an attacker uses a public key as one. */
    static String signHmac(byte[] secret, String headerJson, String payloadJson) {
        try {
            return signRaw(new MACSigner(secret), "HS256", b64(headerJson), b64(payloadJson));
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    static JWSSigner signer(JWK key) {
        try {
            if (key instanceof RSAKey rsa) {
                return new RSASSASigner(rsa);
            }
            if (key instanceof ECKey ec) {
                return new ECDSASigner(ec);
            }
            if (key instanceof OctetKeyPair okp) {
                return new Ed25519Signer(okp);
            }
            return new MACSigner(key.toOctetSequenceKey());
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }
}
