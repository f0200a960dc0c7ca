package dev.stateless.jwt;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stateless.core.token.TokenVerifier;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What one verification costs, per algorithm, with keys in memory (no I/O). Prints the figures; it
 * asserts only that every verification succeeded, since timings depend on the machine.
 */
class VerificationCostTest {

    static final int WARM_UP = 2000;
    static final int MEASURED = 2000;

    @Test
    void printsTheCostOfOneVerificationPerAlgorithm() {
        byte[] secret = JwtKeys.generateHmacSecret();
        Map<String, JwtIssuer> issuers = new LinkedHashMap<>();
        issuers.put("HS256", JwtIssuer.builder().hmacSecret(secret).build());
        issuers.put("RS256", JwtIssuer.builder().rsaKey(JwtKeys.generateRsa("rsa")).build());
        issuers.put("ES256", JwtIssuer.builder().ecKey(JwtKeys.generateEc("ec")).build());
        issuers.put("EdDSA", JwtIssuer.builder().ed25519Key(JwtKeys.generateEd25519("ed")).build());

        StringBuilder report = new StringBuilder("One JwtVerifier.verify, keys cached, " + MEASURED + " runs after "
                + WARM_UP + " warm-up runs:\n");
        for (Map.Entry<String, JwtIssuer> entry : issuers.entrySet()) {
            JwtIssuer issuer = entry.getValue();
            JwtVerifier.Builder builder = JwtVerifier.builder();
            TokenVerifier verifier = entry.getKey().equals("HS256")
                    ? builder.hmacSecret(secret).build()
                    : builder.jwkSet(issuer.publicJwkSet()).build();
            String token = issuer.issue("alice", Map.of("roles", List.of("clerk"), "scope", "orders:read"));

            for (int i = 0; i < WARM_UP; i++) {
                verifier.verify(token);
            }
            long start = System.nanoTime();
            int verified = 0;
            for (int i = 0; i < MEASURED; i++) {
                verified += verifier.verify(token).subject().length() > 0 ? 1 : 0;
            }
            long perVerification = (System.nanoTime() - start) / MEASURED;

            assertThat(verified).isEqualTo(MEASURED);
            report.append(String.format("  %-6s %7.1f µs  (token %d characters)%n", entry.getKey(),
                    perVerification / 1000.0, token.length()));
        }
        System.out.print(report);
    }
}
