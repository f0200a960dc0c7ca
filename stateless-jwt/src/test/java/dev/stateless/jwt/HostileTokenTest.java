package dev.stateless.jwt;

import static dev.stateless.jwt.TestTokens.AUDIENCE;
import static dev.stateless.jwt.TestTokens.ISSUER;
import static dev.stateless.jwt.TestTokens.NOW;
import static dev.stateless.jwt.TestTokens.b64;
import static dev.stateless.jwt.TestTokens.epoch;
import static dev.stateless.jwt.TestTokens.json;
import static dev.stateless.jwt.TestTokens.sign;
import static dev.stateless.jwt.TestTokens.signHmac;
import static dev.stateless.jwt.TestTokens.signRaw;
import static dev.stateless.jwt.TestTokens.signer;
import static dev.stateless.jwt.TestTokens.validClaims;
import static dev.stateless.jwt.TestTokens.validClaimsWith;
import static dev.stateless.jwt.TestTokens.validClaimsWithout;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import dev.stateless.core.token.InMemoryRevocationList;
import dev.stateless.core.token.TokenVerificationException;
import dev.stateless.core.token.TokenVerificationException.Reason;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.Signature;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.threeten.extra.MutableClock;

/**
 * Tokens an attacker or a broken client sends. Every one is refused, with the reason a server would
 * act on, and none makes the verifier fetch anything.
 */
class HostileTokenTest {

    static final RSAKey RSA = JwtKeys.generateRsa("rsa-1");
    static final ECKey EC = JwtKeys.generateEc("ec-1");
    static final RSAKey ATTACKER_RSA = JwtKeys.generateRsa("rsa-1");
    static final ECKey ATTACKER_EC = JwtKeys.generateEc("attacker");
    static final MutableClock CLOCK = MutableClock.of(NOW, ZoneOffset.UTC);
    static final String CLAIMS = json(validClaims());
    static final String RSA_HEADER = "{\"alg\":\"RS256\",\"kid\":\"rsa-1\"}";
    static final String EC_HEADER = "{\"alg\":\"ES256\",\"kid\":\"ec-1\"}";
    /** The order n of P-256: a signature with r = s = n is as invalid as r = s = 0. */
    static final BigInteger P256_ORDER =
            new BigInteger("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16);

    static JwksServer attackerServer;
    static ECKey selfSignedKey;
    static String selfSignedCertificate;
    static JwtVerifier verifier;

    @BeforeAll
    static void setUp(@TempDir Path dir) throws Exception {
        attackerServer = JwksServer.serving(new JWKSet(List.of(ATTACKER_RSA.toPublicJWK(), ATTACKER_EC.toPublicJWK())).toString());
        SelfSignedCertificate certificate = SelfSignedCertificate.create(dir, "attacker.example");
        selfSignedCertificate = certificate.x5c();
        selfSignedKey = certificate.key();
        InMemoryRevocationList revoked = new InMemoryRevocationList(CLOCK);
        revoked.revoke(TestTokens.verified(ISSUER, "revoked-jti", NOW.plus(Duration.ofHours(1))), Duration.ZERO);
        verifier = JwtVerifier.builder()
                .jwkSet(new JWKSet(List.of(RSA.toPublicJWK(), EC.toPublicJWK())).toString())
                .issuers(ISSUER)
                .audiences(AUDIENCE)
                .revocationList(revoked)
                .clock(CLOCK)
                .build();
    }

    @AfterAll
    static void tearDown() {
        attackerServer.close();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("corpus")
    void isRefused(Supplier<String> hostile, Reason expected) {
        String token = hostile.get();

        assertThatThrownBy(() -> verifier.verify(token))
                .isInstanceOfSatisfying(TokenVerificationException.class, e -> {
                    assertThat(e.reason()).as(e.getMessage()).isEqualTo(expected);
                    for (String part : token.split("\\.")) {
                        if (part.length() >= 12) {
                            assertThat(e.getMessage()).doesNotContain(part);
                        }
                    }
                });
        assertThat(attackerServer.requests()).as("requests to URLs named in the token").isZero();
    }

    static Stream<Arguments> corpus() {
        List<Arguments> cases = new ArrayList<>();

        // --- algorithm
        for (String none : List.of("none", "None", "NONE", "nOnE", "none ", " none")) {
            cases.add(refused("alg '" + none + "', unsigned",
                    () -> b64("{\"alg\":\"" + none + "\"}") + "." + b64(CLAIMS) + ".", Reason.UNSUPPORTED_ALGORITHM));
        }
        cases.add(refused("alg none carrying a valid RSA signature",
                () -> sign(RSA, "RS256", "{\"alg\":\"none\",\"kid\":\"rsa-1\"}", CLAIMS), Reason.UNSUPPORTED_ALGORITHM));
        cases.add(refused("alg missing", () -> sign(RSA, "RS256", "{\"kid\":\"rsa-1\"}", CLAIMS), Reason.MALFORMED));
        cases.add(refused("alg null", () -> sign(RSA, "RS256", "{\"alg\":null}", CLAIMS), Reason.MALFORMED));
        cases.add(refused("alg an array", () -> sign(RSA, "RS256", "{\"alg\":[\"RS256\"]}", CLAIMS), Reason.MALFORMED));
        cases.add(refused("alg unknown", () -> sign(RSA, "RS256", "{\"alg\":\"RS1\"}", CLAIMS), Reason.UNSUPPORTED_ALGORITHM));
        cases.add(refused("alg in the wrong case", () -> sign(RSA, "RS256", "{\"alg\":\"rs256\",\"kid\":\"rsa-1\"}", CLAIMS),
                Reason.UNSUPPORTED_ALGORITHM));
        cases.add(refused("alg PS256, not on the allow-list", () -> sign(RSA, "PS256", "{\"alg\":\"PS256\",\"kid\":\"rsa-1\"}", CLAIMS),
                Reason.UNSUPPORTED_ALGORITHM));
        cases.add(refused("alg ES256 naming the RSA key", () -> sign(EC, "ES256", "{\"alg\":\"ES256\",\"kid\":\"rsa-1\"}", CLAIMS),
                Reason.UNSUPPORTED_ALGORITHM));
        cases.add(refused("alg RS256 naming the EC key", () -> sign(RSA, "RS256", "{\"alg\":\"RS256\",\"kid\":\"ec-1\"}", CLAIMS),
                Reason.UNSUPPORTED_ALGORITHM));
        cases.add(refused("alg dir (JWE) in a 3-part token", () -> sign(RSA, "RS256", "{\"alg\":\"dir\",\"enc\":\"A256GCM\"}", CLAIMS),
                Reason.UNSUPPORTED_ALGORITHM));
        cases.add(refused("alg RSA1_5 (JWE)", () -> sign(RSA, "RS256", "{\"alg\":\"RSA1_5\"}", CLAIMS), Reason.UNSUPPORTED_ALGORITHM));
        for (String kid : new String[] {"rsa-1", null}) {
            String header = kid == null ? "{\"alg\":\"HS256\"}" : "{\"alg\":\"HS256\",\"kid\":\"rsa-1\"}";
            String label = kid == null ? ", no kid" : ", kid of the RSA key";
            cases.add(refused("HS256 keyed with the RSA public key as PEM" + label,
                    () -> signHmac(pem(RSA).getBytes(StandardCharsets.US_ASCII), header, CLAIMS), Reason.UNSUPPORTED_ALGORITHM));
            cases.add(refused("HS256 keyed with the RSA public key as DER" + label,
                    () -> signHmac(der(RSA), header, CLAIMS), Reason.UNSUPPORTED_ALGORITHM));
            cases.add(refused("HS256 keyed with the RSA public key as JWK" + label,
                    () -> signHmac(RSA.toPublicJWK().toJSONString().getBytes(StandardCharsets.UTF_8), header, CLAIMS),
                    Reason.UNSUPPORTED_ALGORITHM));
        }

        // --- structure and size
        cases.add(refused("empty", () -> "", Reason.MALFORMED));
        cases.add(refused("one part", () -> b64(RSA_HEADER), Reason.MALFORMED));
        cases.add(refused("two parts", () -> b64(RSA_HEADER) + "." + b64(CLAIMS), Reason.MALFORMED));
        cases.add(refused("four parts", () -> valid() + "." + b64("x"), Reason.MALFORMED));
        cases.add(refused("five parts: an encrypted token (JWE)",
                () -> b64("{\"alg\":\"RSA-OAEP-256\",\"enc\":\"A256GCM\",\"kid\":\"rsa-1\"}") + ".AAAA.AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA",
                Reason.MALFORMED));
        cases.add(refused("five parts: an unsecured JWE (alg none)",
                () -> b64("{\"alg\":\"none\",\"enc\":\"A256GCM\"}") + ".." + b64(CLAIMS) + "..", Reason.MALFORMED));
        cases.add(refused("six parts", () -> valid() + "..." , Reason.MALFORMED));
        cases.add(refused("empty header", () -> "." + b64(CLAIMS) + ".AAAA", Reason.MALFORMED));
        cases.add(refused("empty payload", () -> sign(RSA, "RS256", RSA_HEADER, "").replaceFirst("\\.\\.", ".."), Reason.MALFORMED));
        cases.add(refused("8193 characters", () -> oversized(8193), Reason.MALFORMED));
        cases.add(refused("a kid of 1 MB", () -> sign(RSA, "RS256", "{\"alg\":\"RS256\",\"kid\":\"" + "a".repeat(1 << 20) + "\"}", CLAIMS),
                Reason.MALFORMED));

        // --- base64url
        cases.add(refused("padded header", () -> part(valid(), 0, p -> p + "="), Reason.MALFORMED));
        cases.add(refused("padded payload", () -> part(valid(), 1, p -> p + "=="), Reason.MALFORMED));
        cases.add(refused("padded signature", () -> part(valid(), 2, p -> p + "=="), Reason.MALFORMED));
        cases.add(refused("a space in the header", () -> part(valid(), 0, p -> p.substring(0, 4) + " " + p.substring(4)), Reason.MALFORMED));
        cases.add(refused("a newline in the payload", () -> part(valid(), 1, p -> p.substring(0, 8) + "\n" + p.substring(8)), Reason.MALFORMED));
        cases.add(refused("a tab in the signature", () -> part(valid(), 2, p -> p.substring(0, 8) + "\t" + p.substring(8)), Reason.MALFORMED));
        cases.add(refused("leading whitespace", () -> " " + valid(), Reason.MALFORMED));
        cases.add(refused("trailing newline", () -> valid() + "\r\n", Reason.MALFORMED));
        cases.add(refused("the standard base64 alphabet (+ and /)", () -> part(valid(), 2, HostileTokenTest::standardAlphabet), Reason.MALFORMED));
        cases.add(refused("a part of impossible length (4n+1)", () -> part(valid(), 2, p -> p + "A".repeat((5 - p.length() % 4) % 4)),
                Reason.MALFORMED));
        cases.add(refused("non-ASCII characters", () -> part(valid(), 1, p -> "é" + p.substring(1)), Reason.MALFORMED));
        cases.add(refused("non-canonical trailing bits in the header (signed as sent)",
                () -> signRaw(signer(RSA), "RS256", flipUnusedBit(b64(RSA_HEADER)), b64(CLAIMS)), Reason.MALFORMED));
        cases.add(refused("non-canonical trailing bits in the payload (signed as sent)",
                () -> signRaw(signer(RSA), "RS256", b64(RSA_HEADER), flipUnusedBit(b64(notMultipleOf3(CLAIMS)))), Reason.MALFORMED));
        cases.add(refused("non-canonical trailing bits in the signature", () -> part(valid(), 2, HostileTokenTest::flipUnusedBit),
                Reason.MALFORMED));

        // --- header JSON
        cases.add(refused("header not JSON", () -> sign(RSA, "RS256", "alg=RS256", CLAIMS), Reason.MALFORMED));
        cases.add(refused("header a JSON array", () -> sign(RSA, "RS256", "[\"RS256\"]", CLAIMS), Reason.MALFORMED));
        cases.add(refused("header with alg twice (RS256, then none)",
                () -> sign(RSA, "RS256", "{\"alg\":\"RS256\",\"kid\":\"rsa-1\",\"alg\":\"none\"}", CLAIMS), Reason.MALFORMED));
        cases.add(refused("header with kid twice", () -> sign(RSA, "RS256", "{\"alg\":\"RS256\",\"kid\":\"x\",\"kid\":\"rsa-1\"}", CLAIMS),
                Reason.MALFORMED));
        cases.add(refused("header with an escaped duplicate (\\u0061lg)",
                () -> sign(RSA, "RS256", "{\"alg\":\"RS256\",\"kid\":\"rsa-1\",\"\\u0061lg\":\"none\"}", CLAIMS), Reason.MALFORMED));
        cases.add(refused("header nested 100 deep", () -> sign(RSA, "RS256",
                "{\"alg\":\"RS256\",\"kid\":\"rsa-1\",\"x\":" + "[".repeat(100) + "]".repeat(100) + "}", CLAIMS), Reason.MALFORMED));
        cases.add(refused("header with invalid UTF-8", () -> signRaw(signer(RSA), "RS256",
                b64(concat("{\"alg\":\"RS256\",\"kid\":\"rsa-1\",\"x\":\"".getBytes(StandardCharsets.US_ASCII), new byte[] {(byte) 0xC3, (byte) 0x28}, "\"}".getBytes(StandardCharsets.US_ASCII))),
                b64(CLAIMS)), Reason.MALFORMED));
        cases.add(refused("header with trailing content", () -> sign(RSA, "RS256", RSA_HEADER + "{}", CLAIMS), Reason.MALFORMED));
        cases.add(refused("header with a comment", () -> sign(RSA, "RS256", "{\"alg\":\"RS256\",/*x*/\"kid\":\"rsa-1\"}", CLAIMS), Reason.MALFORMED));
        cases.add(refused("kid a number", () -> sign(RSA, "RS256", "{\"alg\":\"RS256\",\"kid\":1}", CLAIMS), Reason.MALFORMED));
        cases.add(refused("kid empty", () -> sign(RSA, "RS256", "{\"alg\":\"RS256\",\"kid\":\"\"}", CLAIMS), Reason.MALFORMED));
        cases.add(refused("kid of 257 characters", () -> sign(RSA, "RS256", "{\"alg\":\"RS256\",\"kid\":\"" + "k".repeat(257) + "\"}", CLAIMS),
                Reason.MALFORMED));
        cases.add(refused("typ a number", () -> sign(RSA, "RS256", "{\"alg\":\"RS256\",\"kid\":\"rsa-1\",\"typ\":7}", CLAIMS), Reason.MALFORMED));
        cases.add(refused("crit naming an unknown extension",
                () -> sign(RSA, "RS256", "{\"alg\":\"RS256\",\"kid\":\"rsa-1\",\"crit\":[\"exp\"],\"exp\":1}", CLAIMS), Reason.MALFORMED));
        cases.add(refused("crit empty", () -> sign(RSA, "RS256", "{\"alg\":\"RS256\",\"kid\":\"rsa-1\",\"crit\":[]}", CLAIMS), Reason.MALFORMED));
        cases.add(refused("b64=false in crit (RFC 7797)",
                () -> sign(RSA, "RS256", "{\"alg\":\"RS256\",\"kid\":\"rsa-1\",\"b64\":false,\"crit\":[\"b64\"]}", CLAIMS), Reason.MALFORMED));
        cases.add(refused("b64=false without crit", () -> sign(RSA, "RS256", "{\"alg\":\"RS256\",\"kid\":\"rsa-1\",\"b64\":false}", CLAIMS),
                Reason.MALFORMED));
        cases.add(refused("enc in a signed token", () -> sign(RSA, "RS256", "{\"alg\":\"RS256\",\"kid\":\"rsa-1\",\"enc\":\"A256GCM\"}", CLAIMS),
                Reason.MALFORMED));
        cases.add(refused("zip (compressed payload)", () -> sign(RSA, "RS256", "{\"alg\":\"RS256\",\"kid\":\"rsa-1\",\"zip\":\"DEF\"}", CLAIMS),
                Reason.MALFORMED));
        cases.add(refused("cty JWT (a nested token)", () -> sign(RSA, "RS256", "{\"alg\":\"RS256\",\"kid\":\"rsa-1\",\"cty\":\"JWT\"}", CLAIMS),
                Reason.MALFORMED));

        // --- keys offered by the token: ignored, never fetched, never trusted
        cases.add(refused("jku pointing at the attacker's JWKS", () -> sign(ATTACKER_EC, "ES256",
                "{\"alg\":\"ES256\",\"kid\":\"attacker\",\"jku\":\"" + attackerServer.uri() + "\"}", CLAIMS), Reason.BAD_SIGNATURE));
        cases.add(refused("jku pointing at the attacker's JWKS, with our kid", () -> sign(ATTACKER_RSA, "RS256",
                "{\"alg\":\"RS256\",\"kid\":\"rsa-1\",\"jku\":\"" + attackerServer.uri() + "\"}", CLAIMS), Reason.BAD_SIGNATURE));
        cases.add(refused("x5u pointing at the attacker's certificate", () -> sign(ATTACKER_RSA, "RS256",
                "{\"alg\":\"RS256\",\"kid\":\"rsa-1\",\"x5u\":\"" + attackerServer.uri("/cert.pem") + "\"}", CLAIMS), Reason.BAD_SIGNATURE));
        cases.add(refused("embedded jwk (the attacker's key), no kid", () -> sign(ATTACKER_EC, "ES256",
                "{\"alg\":\"ES256\",\"jwk\":" + ATTACKER_EC.toPublicJWK().toJSONString() + "}", CLAIMS), Reason.BAD_SIGNATURE));
        cases.add(refused("embedded jwk (the attacker's key), with our kid", () -> sign(ATTACKER_RSA, "RS256",
                "{\"alg\":\"RS256\",\"kid\":\"rsa-1\",\"jwk\":" + ATTACKER_RSA.toPublicJWK().toJSONString() + "}", CLAIMS),
                Reason.BAD_SIGNATURE));
        cases.add(refused("self-signed x5c, with our kid", () -> sign(selfSignedKey, "ES256",
                "{\"alg\":\"ES256\",\"kid\":\"ec-1\",\"x5c\":[\"" + selfSignedCertificate + "\"]}", CLAIMS), Reason.BAD_SIGNATURE));
        cases.add(refused("self-signed x5c, no kid", () -> sign(selfSignedKey, "ES256",
                "{\"alg\":\"ES256\",\"x5c\":[\"" + selfSignedCertificate + "\"]}", CLAIMS), Reason.BAD_SIGNATURE));

        // --- kid values: opaque strings, matched exactly, never used in a path, URL or query
        for (String kid : List.of("../../../../etc/passwd", "' OR '1'='1' --", "rsa-1'; DROP TABLE keys; --",
                "http://127.0.0.1:1/jwks", "%2e%2e%2f", "rsa-1\\u0000", "RSA-1", "rsa-1 ")) {
            cases.add(refused("kid '" + kid + "' on a correctly signed token",
                    () -> sign(RSA, "RS256", "{\"alg\":\"RS256\",\"kid\":\"" + kid + "\"}", CLAIMS), Reason.BAD_SIGNATURE));
        }

        // --- signatures
        cases.add(refused("ES256 with r = s = 0", () -> b64(EC_HEADER) + "." + b64(CLAIMS) + "." + b64(new byte[64]), Reason.BAD_SIGNATURE));
        cases.add(refused("ES256 with r = s = n", () -> b64(EC_HEADER) + "." + b64(CLAIMS) + "." + b64(concat(unsigned32(P256_ORDER), unsigned32(P256_ORDER))),
                Reason.BAD_SIGNATURE));
        cases.add(refused("ES256 with a DER-encoded signature", HostileTokenTest::derSignedEs256, Reason.BAD_SIGNATURE));
        cases.add(refused("an empty signature", () -> part(valid(), 2, p -> ""), Reason.BAD_SIGNATURE));
        cases.add(refused("a truncated signature", () -> part(valid(), 2, p -> p.substring(0, p.length() - 2)), Reason.BAD_SIGNATURE));
        cases.add(refused("signed by another key under our kid", () -> sign(ATTACKER_RSA, "RS256", RSA_HEADER, CLAIMS), Reason.BAD_SIGNATURE));
        cases.add(refused("a payload swapped under a valid signature",
                () -> part(valid(), 1, p -> b64(json(validClaimsWith("sub", "admin")))), Reason.BAD_SIGNATURE));
        cases.add(refused("the signature of another token", () -> part(valid(), 2,
                p -> sign(RSA, "RS256", RSA_HEADER, json(validClaimsWith("sub", "bob"))).split("\\.")[2]), Reason.BAD_SIGNATURE));

        // --- claims JSON (validly signed: the signature is checked before the claims are parsed)
        cases.add(refused("claims not JSON", () -> sign(RSA, "RS256", RSA_HEADER, "sub=alice"), Reason.MALFORMED));
        cases.add(refused("claims a JSON array", () -> sign(RSA, "RS256", RSA_HEADER, "[" + CLAIMS + "]"), Reason.MALFORMED));
        cases.add(refused("claims a JSON string", () -> sign(RSA, "RS256", RSA_HEADER, "\"alice\""), Reason.MALFORMED));
        cases.add(refused("claims with sub twice", () -> sign(RSA, "RS256", RSA_HEADER,
                CLAIMS.substring(0, CLAIMS.length() - 1) + ",\"sub\":\"admin\"}"), Reason.MALFORMED));
        cases.add(refused("claims with a duplicate nested key", () -> sign(RSA, "RS256", RSA_HEADER,
                CLAIMS.substring(0, CLAIMS.length() - 1) + ",\"x\":{\"a\":1,\"a\":2}}"), Reason.MALFORMED));
        cases.add(refused("claims nested 40 deep (objects)", () -> sign(RSA, "RS256", RSA_HEADER,
                CLAIMS.substring(0, CLAIMS.length() - 1) + ",\"x\":" + "{\"a\":".repeat(40) + "1" + "}".repeat(40) + "}"),
                Reason.MALFORMED));
        cases.add(refused("claims nested 2000 deep (arrays)", () -> sign(RSA, "RS256", RSA_HEADER,
                CLAIMS.substring(0, CLAIMS.length() - 1) + ",\"x\":" + "[".repeat(2000) + "]".repeat(2000) + "}"), Reason.MALFORMED));
        cases.add(refused("an expired token with a 2^70 integer in another claim", () -> sign(RSA, "RS256", RSA_HEADER,
                withRaw(validClaimsWith("exp", epoch(NOW) - 3600), "big", "1180591620717411303424")), Reason.EXPIRED));
        cases.add(refused("claims with invalid UTF-8", () -> signRaw(signer(RSA), "RS256", b64(RSA_HEADER),
                b64(concat(CLAIMS.substring(0, CLAIMS.length() - 1).getBytes(StandardCharsets.UTF_8),
                        ",\"x\":\"".getBytes(StandardCharsets.US_ASCII), new byte[] {(byte) 0xFF}, "\"}".getBytes(StandardCharsets.US_ASCII)))),
                Reason.MALFORMED));
        cases.add(refused("claims with trailing content", () -> sign(RSA, "RS256", RSA_HEADER, CLAIMS + "[]"), Reason.MALFORMED));
        cases.add(refused("claims with NaN", () -> sign(RSA, "RS256", RSA_HEADER,
                CLAIMS.substring(0, CLAIMS.length() - 1) + ",\"x\":NaN}"), Reason.MALFORMED));
        cases.add(refused("claims with a 500-digit number", () -> sign(RSA, "RS256", RSA_HEADER,
                CLAIMS.substring(0, CLAIMS.length() - 1) + ",\"x\":" + "9".repeat(500) + "}"), Reason.MALFORMED));

        // --- time claims
        cases.add(refused("exp a string", () -> rsa(validClaimsWith("exp", String.valueOf(epoch(NOW) + 600))), Reason.MALFORMED));
        cases.add(refused("exp null", () -> rsa(validClaimsWith("exp", null)), Reason.MISSING_CLAIM));
        cases.add(refused("exp 1e400", () -> rsaRawClaim("exp", "1e400"), Reason.MALFORMED));
        cases.add(refused("exp -1", () -> rsa(validClaimsWith("exp", -1)), Reason.MALFORMED));
        cases.add(refused("exp 2^63", () -> rsaRawClaim("exp", "9223372036854775808"), Reason.MALFORMED));
        cases.add(refused("exp 2^63 - 1", () -> rsa(validClaimsWith("exp", Long.MAX_VALUE)), Reason.MALFORMED));
        cases.add(refused("exp true", () -> rsa(validClaimsWith("exp", true)), Reason.MALFORMED));
        cases.add(refused("exp an array", () -> rsa(validClaimsWith("exp", List.of(epoch(NOW) + 600))), Reason.MALFORMED));
        cases.add(refused("exp 0", () -> rsa(validClaimsWith("exp", 0)), Reason.EXPIRED));
        cases.add(refused("exp 1.5", () -> rsa(validClaimsWith("exp", 1.5)), Reason.EXPIRED));
        cases.add(refused("exp an hour ago", () -> rsa(validClaimsWith("exp", epoch(NOW) - 3600)), Reason.EXPIRED));
        cases.add(refused("exp missing", () -> rsa(validClaimsWithout("exp")), Reason.MISSING_CLAIM));
        cases.add(refused("nbf in an hour", () -> rsa(validClaimsWith("nbf", epoch(NOW) + 3600)), Reason.NOT_YET_VALID));
        cases.add(refused("nbf null", () -> rsa(validClaimsWith("nbf", null)), Reason.MALFORMED));
        cases.add(refused("nbf a string", () -> rsa(validClaimsWith("nbf", "0")), Reason.MALFORMED));
        cases.add(refused("nbf 1e400", () -> rsaRawClaim("nbf", "1e400"), Reason.MALFORMED));
        cases.add(refused("iat in an hour", () -> rsa(validClaimsWith("iat", epoch(NOW) + 3600)), Reason.NOT_YET_VALID));
        cases.add(refused("iat -1", () -> rsa(validClaimsWith("iat", -1)), Reason.MALFORMED));
        cases.add(refused("iat -1e400", () -> rsaRawClaim("iat", "-1e400"), Reason.MALFORMED));

        // --- issuer, audience, type, subject, revocation
        cases.add(refused("another issuer", () -> rsa(validClaimsWith("iss", "https://evil.example")), Reason.UNTRUSTED_ISSUER));
        cases.add(refused("our issuer in upper case", () -> rsa(validClaimsWith("iss", ISSUER.toUpperCase())), Reason.UNTRUSTED_ISSUER));
        cases.add(refused("our issuer with a trailing slash", () -> rsa(validClaimsWith("iss", ISSUER + "/")), Reason.UNTRUSTED_ISSUER));
        cases.add(refused("issuer missing", () -> rsa(validClaimsWithout("iss")), Reason.MISSING_CLAIM));
        cases.add(refused("issuer null", () -> rsa(validClaimsWith("iss", null)), Reason.MISSING_CLAIM));
        cases.add(refused("issuer a number", () -> rsa(validClaimsWith("iss", 1)), Reason.MALFORMED));
        cases.add(refused("issuer an array", () -> rsa(validClaimsWith("iss", List.of(ISSUER))), Reason.MALFORMED));
        cases.add(refused("another audience", () -> rsa(validClaimsWith("aud", "billing")), Reason.WRONG_AUDIENCE));
        cases.add(refused("an audience array without ours", () -> rsa(validClaimsWith("aud", List.of("billing", "crm"))), Reason.WRONG_AUDIENCE));
        cases.add(refused("an empty audience array", () -> rsa(validClaimsWith("aud", List.of())), Reason.MISSING_CLAIM));
        cases.add(refused("audience an object", () -> rsa(validClaimsWith("aud", Map.of("api", true))), Reason.MALFORMED));
        cases.add(refused("audience array with a number", () -> rsa(validClaimsWith("aud", List.of(AUDIENCE, 1))), Reason.MALFORMED));
        cases.add(refused("type at+jwt where JWT is expected",
                () -> sign(RSA, "RS256", "{\"alg\":\"RS256\",\"kid\":\"rsa-1\",\"typ\":\"at+jwt\"}", CLAIMS), Reason.WRONG_TYPE));
        cases.add(refused("type JOSE", () -> sign(RSA, "RS256", "{\"alg\":\"RS256\",\"kid\":\"rsa-1\",\"typ\":\"JOSE\"}", CLAIMS),
                Reason.WRONG_TYPE));
        cases.add(refused("subject missing", () -> rsa(validClaimsWithout("sub")), Reason.MISSING_CLAIM));
        cases.add(refused("subject null", () -> rsa(validClaimsWith("sub", null)), Reason.MISSING_CLAIM));
        cases.add(refused("subject empty", () -> rsa(validClaimsWith("sub", "")), Reason.MISSING_CLAIM));
        cases.add(refused("subject a number", () -> rsa(validClaimsWith("sub", 42)), Reason.MALFORMED));
        cases.add(refused("jti a number", () -> rsa(validClaimsWith("jti", 42)), Reason.MALFORMED));
        cases.add(refused("a revoked jti", () -> rsa(validClaimsWith("jti", "revoked-jti")), Reason.REVOKED));
        return cases.stream();
    }

    @Test
    void aValidTokenPassesTheSameVerifier() {
        assertThat(verifier.verify(valid()).subject()).isEqualTo("alice");
    }

    @Test
    void keyHeadersOnAnOtherwiseValidTokenAreIgnoredAndNeverFetched() {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("alg", "RS256");
        header.put("kid", "rsa-1");
        header.put("jku", attackerServer.uri().toString());
        header.put("x5u", attackerServer.uri("/cert.pem").toString());
        header.put("jwk", ATTACKER_RSA.toPublicJWK().toJSONObject());
        header.put("x5c", List.of(selfSignedCertificate));

        assertThat(verifier.verify(sign(RSA, header, validClaims())).subject()).isEqualTo("alice");
        assertThat(attackerServer.requests()).isZero();
    }

    @Test
    void anHmacTokenKeyedWithThePublicKeyFailsAlsoWhereAnHmacSecretIsTrusted() {
        JwtVerifier mixed = JwtVerifier.builder()
                .hmacSecret(JwtKeys.generateHmacSecret())
                .publicKeyPem("rsa-1", pem(RSA))
                .clock(CLOCK)
                .build();
        byte[] publicKeyAsSecret = pem(RSA).getBytes(StandardCharsets.US_ASCII);

        assertThatThrownBy(() -> mixed.verify(signHmac(publicKeyAsSecret, "{\"alg\":\"HS256\",\"kid\":\"rsa-1\"}", CLAIMS)))
                .isInstanceOfSatisfying(TokenVerificationException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.UNSUPPORTED_ALGORITHM));
        assertThatThrownBy(() -> mixed.verify(signHmac(publicKeyAsSecret, "{\"alg\":\"HS256\"}", CLAIMS)))
                .isInstanceOfSatisfying(TokenVerificationException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.BAD_SIGNATURE));
    }

    // --- issue 11, item 8: a revocation lasts as long as the verifier would accept the token

    @Test
    void aTokenLoggedOutNearItsEndStaysRefusedThroughTheClockSkew() {
        MutableClock clock = MutableClock.of(NOW, ZoneOffset.UTC);
        JwtVerifier skewed = JwtVerifier.builder().jwk(RSA.toPublicJWK().toJSONString()).issuers(ISSUER)
                .clockSkew(Duration.ofSeconds(60)).revocationList(new InMemoryRevocationList(clock)).clock(clock).build();
        String token = rsa(validClaimsWith("exp", epoch(NOW.plusSeconds(10))));
        skewed.revoke(skewed.verify(token)); // logout, 10 s before exp

        clock.add(Duration.ofSeconds(30)); // past exp, within the skew: the signature and claims still pass
        assertRefusedBy(skewed, token, Reason.REVOKED);
        clock.add(Duration.ofSeconds(41));
        assertRefusedBy(skewed, token, Reason.EXPIRED);
    }

    // --- item 9: where tokens are revocable, a token that could never be revoked is refused

    @Test
    void withARevocationListATokenWithoutIdIsRefused() {
        String token = rsa(validClaimsWithout("jti"));

        assertRefusedBy(verifier, token, Reason.MISSING_CLAIM);
        JwtVerifier lenient = JwtVerifier.builder().jwk(RSA.toPublicJWK().toJSONString()).issuers(ISSUER)
                .revocationList(new InMemoryRevocationList(CLOCK)).allowTokensWithoutId().clock(CLOCK).build();
        assertThat(lenient.verify(token).tokenId()).as("allowed explicitly").isEmpty();
        assertThatThrownBy(() -> lenient.revoke(lenient.verify(token))).isInstanceOf(IllegalArgumentException.class);
    }

    // --- item 10: keys belong to their issuer

    static final String ISSUER_A = "https://a.example";
    static final String ISSUER_B = "https://b.example";
    static final RSAKey KEY_A = JwtKeys.generateRsa("a-1");
    static final ECKey KEY_B = JwtKeys.generateEc("b-1");
    /** Issuer B's own key, published by B under the kid issuer A uses. */
    static final RSAKey KEY_B_AS_A = JwtKeys.generateRsa("a-1");

    static JwtVerifier twoIssuers() {
        return JwtVerifier.builder()
                .issuer(ISSUER_A, TrustedKeys.builder().jwk(KEY_A.toPublicJWK().toJSONString()).build())
                .issuer(ISSUER_B, TrustedKeys.builder()
                        .jwkSet(new JWKSet(List.of(KEY_B.toPublicJWK(), KEY_B_AS_A.toPublicJWK())).toString()).build())
                .audiences(AUDIENCE)
                .clock(CLOCK)
                .build();
    }

    @Test
    void issuerBsKeyNeverVerifiesATokenClaimingIssuerA() {
        JwtVerifier verifier = twoIssuers();
        Map<String, Object> claimsA = validClaimsWith("iss", ISSUER_A);

        assertThat(verifier.verify(sign(KEY_A, TestTokens.header("RS256", "a-1"), claimsA)).issuer()).contains(ISSUER_A);
        assertRefusedBy(verifier, sign(KEY_B, TestTokens.header("ES256", "b-1"), claimsA), Reason.BAD_SIGNATURE);
        assertRefusedBy(verifier, sign(KEY_B, TestTokens.header("ES256", null), claimsA), Reason.BAD_SIGNATURE);
        assertRefusedBy(verifier, sign(KEY_B_AS_A, TestTokens.header("RS256", "a-1"), claimsA), Reason.BAD_SIGNATURE);
        assertThat(verifier.verify(sign(KEY_B, TestTokens.header("ES256", "b-1"), validClaimsWith("iss", ISSUER_B)))
                .issuer()).contains(ISSUER_B);
    }

    @Test
    void whereSeveralIssuersAreTrustedTheKeysAreChosenByIssOnly() {
        JwtVerifier verifier = twoIssuers();

        assertRefusedBy(verifier, sign(KEY_A, TestTokens.header("RS256", "a-1"), validClaimsWithout("iss")),
                Reason.MISSING_CLAIM);
        assertRefusedBy(verifier, sign(KEY_A, TestTokens.header("RS256", "a-1"), validClaimsWith("iss", "https://c.example")),
                Reason.UNTRUSTED_ISSUER);
        assertRefusedBy(verifier, sign(KEY_A, TestTokens.header("RS256", "a-1"), validClaimsWith("iss", 7)),
                Reason.MALFORMED);
        assertRefusedBy(verifier, sign(KEY_A, "RS256", "{\"alg\":\"RS256\",\"kid\":\"a-1\"}",
                "{\"iss\":\"https://a.example\",\"iss\":\"https://b.example\",\"sub\":\"alice\"}"), Reason.MALFORMED);
    }

    @Test
    void whereSeveralIssuersAreTrustedThePrincipalIsIssuerAndSubject() {
        JwtVerifier verifier = twoIssuers();

        assertThat(verifier.verify(sign(KEY_A, TestTokens.header("RS256", "a-1"), validClaimsWith("iss", ISSUER_A)))
                .principal()).isEqualTo("https://a.example#alice");
        assertThat(verifier.verify(sign(KEY_B, TestTokens.header("ES256", "b-1"), validClaimsWith("iss", ISSUER_B)))
                .principal()).isEqualTo("https://b.example#alice");
        assertThat(JwtVerifier.builder().jwk(RSA.toPublicJWK().toJSONString()).issuers(ISSUER).clock(CLOCK).build()
                .verify(valid()).principal()).as("one issuer").isEqualTo("alice");
    }

    @Test
    void severalIssuersSharingTheSameKeysAreRefusedAtBuild() {
        assertThatThrownBy(() -> JwtVerifier.builder().jwk(RSA.toPublicJWK().toJSONString()).issuers(ISSUER_A, ISSUER_B).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("issuers: several trusted issuers need their own keys");
        TrustedKeys keys = TrustedKeys.builder().jwk(RSA.toPublicJWK().toJSONString()).build();
        assertThatThrownBy(() -> JwtVerifier.builder().jwk(RSA.toPublicJWK().toJSONString()).issuer(ISSUER_A, keys).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("issuer: keys are also set outside");
        assertThatThrownBy(() -> JwtVerifier.builder().issuer("https://a.example#x", keys).issuer(ISSUER_B, keys).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("contains '#'");
    }

    // --- item 11: ECDSA signatures are malleable, (r, s) and (r, n - s) both verify

    @Test
    void aHighSSignatureIsRefusedWhereLowSIsRequiredAndBothFormsAreAcceptedOtherwise() {
        String[] forms = bothEcdsaForms(sign(EC, "ES256", EC_HEADER, CLAIMS));
        String low = forms[0];
        String high = forms[1];
        JwtVerifier strict = JwtVerifier.builder().jwk(EC.toPublicJWK().toJSONString()).requireLowS(true).clock(CLOCK).build();
        JwtVerifier lenient = JwtVerifier.builder().jwk(EC.toPublicJWK().toJSONString()).clock(CLOCK).build();

        assertThat(strict.verify(low).subject()).isEqualTo("alice");
        assertRefusedBy(strict, high, Reason.BAD_SIGNATURE);
        assertThat(lenient.verify(low).subject()).isEqualTo("alice");
        assertThat(lenient.verify(high).subject()).as("the default: interoperable with issuers that do not normalize")
                .isEqualTo("alice");
    }

    /** The low-S and the high-S form of one ES256 token's signature. */
    static String[] bothEcdsaForms(String token) {
        String prefix = token.substring(0, token.lastIndexOf('.') + 1);
        byte[] signature = Base64.getUrlDecoder().decode(token.substring(token.lastIndexOf('.') + 1));
        byte[] r = java.util.Arrays.copyOfRange(signature, 0, 32);
        BigInteger s = new BigInteger(1, java.util.Arrays.copyOfRange(signature, 32, 64));
        BigInteger other = P256_ORDER.subtract(s);
        BigInteger lowS = s.min(other);
        BigInteger highS = s.max(other);
        return new String[] {prefix + b64(concat(r, unsigned32(lowS))), prefix + b64(concat(r, unsigned32(highS)))};
    }

    static void assertRefusedBy(JwtVerifier verifier, String token, Reason expected) {
        assertThatThrownBy(() -> verifier.verify(token))
                .isInstanceOfSatisfying(TokenVerificationException.class,
                        e -> assertThat(e.reason()).as(e.getMessage()).isEqualTo(expected));
    }

    @Test
    void noMutationOfAValidTokenEscapesAsAnythingButATokenVerificationException() {
        Random random = new Random(20240611);
        String valid = valid();
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ \"{}:,\\\u0000é";
        for (int i = 0; i < 3000; i++) {
            StringBuilder mutated = new StringBuilder(valid);
            int edits = 1 + random.nextInt(4);
            for (int e = 0; e < edits && mutated.length() > 0; e++) {
                int at = random.nextInt(mutated.length());
                switch (random.nextInt(3)) {
                    case 0 -> mutated.setCharAt(at, alphabet.charAt(random.nextInt(alphabet.length())));
                    case 1 -> mutated.deleteCharAt(at);
                    default -> mutated.insert(at, alphabet.charAt(random.nextInt(alphabet.length())));
                }
            }
            String token = mutated.toString();
            try {
                verifier.verify(token);
                assertThat(token).as("only the valid token itself verifies").isEqualTo(valid);
            } catch (TokenVerificationException expected) {
                // refused, as it should be
            } catch (RuntimeException unexpected) {
                fail("mutation " + i + " escaped as " + unexpected, unexpected);
            }
        }
        // a header, payload and claims that are well-formed JSON but hostile in their values
        Random values = new Random(7);
        List<Object> weird = List.of("", " ", -1, 0, 1e300, Long.MIN_VALUE, true, List.of(), Map.of(), List.of(List.of()),
                "\u0000", "a".repeat(300));
        for (int i = 0; i < 500; i++) {
            Map<String, Object> header = new LinkedHashMap<>();
            header.put("alg", values.nextInt(4) == 0 ? weird.get(values.nextInt(weird.size())) : "RS256");
            header.put(List.of("kid", "typ", "cty", "jku", "x5c", "jwk").get(values.nextInt(6)), weird.get(values.nextInt(weird.size())));
            Map<String, Object> claims = validClaims();
            claims.put(List.of("iss", "sub", "aud", "exp", "nbf", "iat", "jti", "roles", "scope").get(values.nextInt(9)),
                    weird.get(values.nextInt(weird.size())));
            String token = sign(RSA, "RS256", json(header), json(claims));
            try {
                verifier.verify(token);
            } catch (TokenVerificationException expected) {
                // refused or accepted, but never an escape
            } catch (RuntimeException unexpected) {
                fail("hostile values escaped as " + unexpected + " for header " + header + " claims " + claims, unexpected);
            }
        }
    }

    // --- building blocks

    static Arguments refused(String name, Supplier<String> token, Reason reason) {
        return Arguments.of(Named.of(name, token), reason);
    }

    static String valid() {
        return sign(RSA, "RS256", RSA_HEADER, CLAIMS);
    }

    static String rsa(Map<String, Object> claims) {
        return sign(RSA, "RS256", RSA_HEADER, json(claims));
    }

    /** Valid claims with one member's JSON text replaced verbatim. */
    static String rsaRawClaim(String name, String rawJson) {
        return sign(RSA, "RS256", RSA_HEADER, withRaw(validClaimsWithout(name), name, rawJson));
    }

    static String withRaw(Map<String, Object> claims, String name, String rawJson) {
        String text = json(claims);
        return text.substring(0, text.length() - 1) + ",\"" + name + "\":" + rawJson + "}";
    }

    static String oversized(int length) {
        String start = sign(RSA, "RS256", RSA_HEADER, json(validClaimsWith("pad", "")));
        int missing = length - start.length();
        // four base64 characters per three padding bytes
        String token = sign(RSA, "RS256", RSA_HEADER, json(validClaimsWith("pad", "x".repeat(missing * 3 / 4 + 3))));
        assertThat(token.length()).isGreaterThanOrEqualTo(length);
        return token;
    }

    static String part(String token, int index, java.util.function.UnaryOperator<String> change) {
        String[] parts = token.split("\\.", -1);
        parts[index] = change.apply(parts[index]);
        return String.join(".", parts);
    }

    static String standardAlphabet(String part) {
        int dash = part.indexOf('-');
        if (dash >= 0) {
            return part.substring(0, dash) + "+" + part.substring(dash + 1);
        }
        int underscore = part.indexOf('_');
        return part.substring(0, underscore) + "/" + part.substring(underscore + 1);
    }

    /** Sets the lowest unused bit of the last character: a lenient decoder yields the same bytes. */
    static String flipUnusedBit(String part) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        assertThat(part.length() % 4).as("the last character has unused bits").isNotZero();
        int last = alphabet.indexOf(part.charAt(part.length() - 1));
        return part.substring(0, part.length() - 1) + alphabet.charAt(last ^ 1);
    }

    static String notMultipleOf3(String json) {
        return json.getBytes(StandardCharsets.UTF_8).length % 3 == 0 ? json + " " : json;
    }

    static String derSignedEs256() {
        try {
            String input = b64(EC_HEADER) + "." + b64(CLAIMS);
            Signature signature = Signature.getInstance("SHA256withECDSA");
            signature.initSign(EC.toECPrivateKey());
            signature.update(input.getBytes(StandardCharsets.US_ASCII));
            return input + "." + b64(signature.sign());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String pem(JWK key) {
        return "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der(key))
                + "\n-----END PUBLIC KEY-----\n";
    }

    static byte[] der(JWK key) {
        try {
            return key.toRSAKey().toRSAPublicKey().getEncoded();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] unsigned32(BigInteger value) {
        byte[] bytes = value.toByteArray();
        byte[] out = new byte[32];
        System.arraycopy(bytes, Math.max(0, bytes.length - 32), out, Math.max(0, 32 - bytes.length), Math.min(32, bytes.length));
        return out;
    }

    static byte[] concat(byte[]... arrays) {
        int length = 0;
        for (byte[] a : arrays) {
            length += a.length;
        }
        byte[] out = new byte[length];
        int at = 0;
        for (byte[] a : arrays) {
            System.arraycopy(a, 0, out, at, a.length);
            at += a.length;
        }
        return out;
    }
}
