package dev.stateless.jwt;

import static dev.stateless.jwt.TestTokens.AUDIENCE;
import static dev.stateless.jwt.TestTokens.ISSUER;
import static dev.stateless.jwt.TestTokens.NOW;
import static dev.stateless.jwt.TestTokens.epoch;
import static dev.stateless.jwt.TestTokens.header;
import static dev.stateless.jwt.TestTokens.json;
import static dev.stateless.jwt.TestTokens.sign;
import static dev.stateless.jwt.TestTokens.validClaims;
import static dev.stateless.jwt.TestTokens.validClaimsWith;
import static dev.stateless.jwt.TestTokens.validClaimsWithout;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import dev.stateless.core.token.InMemoryRevocationList;
import dev.stateless.core.token.TokenVerificationException;
import dev.stateless.core.token.TokenVerificationException.Reason;
import dev.stateless.core.token.VerifiedToken;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.threeten.extra.MutableClock;

class JwtVerifierTest {

    static final RSAKey RSA = JwtKeys.generateRsa("rsa-1");
    static final ECKey EC = JwtKeys.generateEc("ec-1");
    static final byte[] SECRET = JwtKeys.generateHmacSecret();
    static final JWK HMAC = new OctetSequenceKey.Builder(SECRET).build();

    final MutableClock clock = MutableClock.of(NOW, ZoneOffset.UTC);

    JwtVerifier.Builder rsaVerifier() {
        return JwtVerifier.builder().jwk(RSA.toPublicJWK().toJSONString()).clock(clock);
    }

    static String rsaToken(Map<String, Object> claims) {
        return sign(RSA, header("RS256", "rsa-1"), claims);
    }

    static String rsaToken(Map<String, Object> header, Map<String, Object> claims) {
        return sign(RSA, header, claims);
    }

    static void assertRefused(ThrowingCallable call, Reason reason) {
        assertThatThrownBy(call).isInstanceOfSatisfying(TokenVerificationException.class,
                e -> assertThat(e.reason()).as(e.getMessage()).isEqualTo(reason));
    }

    @Test
    void aValidTokenYieldsSubjectIssuerIdExpiryAndClaims() {
        Map<String, Object> claims = validClaims();
        claims.put("email", "alice@example.com");
        claims.put("address", Map.of("city", "Lyon"));

        VerifiedToken token = rsaVerifier().build().verify(rsaToken(claims));

        assertThat(token.subject()).isEqualTo("alice");
        assertThat(token.issuer()).contains(ISSUER);
        assertThat(token.tokenId()).contains("token-1");
        assertThat(token.expiresAt()).contains(NOW.plus(Duration.ofMinutes(10)));
        assertThat(token.stringClaim("email")).contains("alice@example.com");
        assertThat(token.claims().get("address")).isEqualTo(Map.of("city", "Lyon"));
        assertThat(token.claims().get("iat")).isEqualTo(epoch(NOW));
    }

    @Test
    void theClaimsOfAVerifiedTokenCannotBeChangedAndNullClaimsAreLeftOut() {
        Map<String, Object> claims = validClaims();
        claims.put("groups", List.of("a", "b"));
        claims.put("nothing", null);

        VerifiedToken token = rsaVerifier().build().verify(rsaToken(claims));

        assertThat(token.claims()).doesNotContainKey("nothing");
        assertThatThrownBy(() -> token.stringListClaim("groups").add("c")).isInstanceOf(UnsupportedOperationException.class);
        @SuppressWarnings("unchecked")
        List<Object> groups = (List<Object>) token.claims().get("groups");
        assertThatThrownBy(() -> groups.add("c")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Nested
    class Roles {

        @Test
        void comeFromARolesArrayAndASpaceSeparatedScope() {
            Map<String, Object> claims = validClaimsWith("roles", List.of("admin", "clerk"));
            claims.put("scope", "orders:read  orders:write");

            VerifiedToken token = rsaVerifier().build().verify(rsaToken(claims));

            assertThat(token.roles()).containsExactlyInAnyOrder("admin", "clerk", "orders:read", "orders:write");
        }

        @Test
        void comeOnlyFromTheConfiguredClaims() {
            Map<String, Object> claims = validClaimsWith("roles", List.of("admin"));
            claims.put("scp", List.of("orders:read"));

            VerifiedToken token = rsaVerifier().rolesClaims("scp").build().verify(rsaToken(claims));

            assertThat(token.roles()).containsExactly("orders:read");
        }

        @Test
        void ofAnotherShapeMakeTheTokenMalformed() {
            String token = rsaToken(validClaimsWith("roles", Map.of("admin", true)));

            assertRefused(() -> rsaVerifier().build().verify(token), Reason.MALFORMED);
        }
    }

    @Nested
    class Time {

        @Test
        void anExpiredTokenIsRefused() {
            String token = rsaToken(validClaimsWith("exp", epoch(NOW.minusSeconds(61))));

            assertRefused(() -> rsaVerifier().build().verify(token), Reason.EXPIRED);
        }

        @Test
        void aTokenExpiredWithinTheClockSkewIsAccepted() {
            String token = rsaToken(validClaimsWith("exp", epoch(NOW.minusSeconds(59))));

            assertThat(rsaVerifier().build().verify(token).subject()).isEqualTo("alice");
        }

        @Test
        void theClockSkewIsConfigurable() {
            String token = rsaToken(validClaimsWith("exp", epoch(NOW.minusSeconds(5))));

            assertRefused(() -> rsaVerifier().clockSkew(Duration.ZERO).build().verify(token), Reason.EXPIRED);
        }

        @Test
        void aTokenExpiresWhenTheInjectedClockPassesItsExpiry() {
            JwtVerifier verifier = rsaVerifier().build();
            String token = rsaToken(validClaims());
            assertThat(verifier.verify(token).subject()).isEqualTo("alice");

            clock.add(Duration.ofMinutes(11));

            assertRefused(() -> verifier.verify(token), Reason.EXPIRED);
        }

        @Test
        void aTokenNotValidBeforeALaterTimeIsRefused() {
            String token = rsaToken(validClaimsWith("nbf", epoch(NOW.plusSeconds(120))));

            assertRefused(() -> rsaVerifier().build().verify(token), Reason.NOT_YET_VALID);
        }

        @Test
        void aTokenIssuedInTheFutureIsRefused() {
            String token = rsaToken(validClaimsWith("iat", epoch(NOW.plusSeconds(120))));

            assertRefused(() -> rsaVerifier().build().verify(token), Reason.NOT_YET_VALID);
        }

        @Test
        void aTokenIssuedSlightlyInTheFutureIsAcceptedWithinTheSkew() {
            String token = rsaToken(validClaimsWith("iat", epoch(NOW.plusSeconds(30))));

            assertThat(rsaVerifier().build().verify(token).subject()).isEqualTo("alice");
        }

        @Test
        void fractionalSecondsAreAccepted() {
            String token = rsaToken(validClaimsWith("exp", epoch(NOW) + 600.5));

            assertThat(rsaVerifier().build().verify(token).expiresAt())
                    .contains(NOW.plusSeconds(600).plusMillis(500));
        }

        @Test
        void expirationIsRequiredByDefault() {
            String token = rsaToken(validClaimsWithout("exp"));

            assertRefused(() -> rsaVerifier().build().verify(token), Reason.MISSING_CLAIM);
        }

        @Test
        void aNullExpirationIsMissingWhenRequiredAndMalformedOtherwise() {
            String token = rsaToken(validClaimsWith("exp", null));

            assertRefused(() -> rsaVerifier().build().verify(token), Reason.MISSING_CLAIM);
            assertRefused(() -> rsaVerifier().requireExpiration(false).build().verify(token), Reason.MALFORMED);
        }

        @Test
        void aTokenWithoutExpirationIsAcceptedWhenNotRequired() {
            String token = rsaToken(validClaimsWithout("exp"));

            VerifiedToken verified = rsaVerifier().requireExpiration(false).build().verify(token);

            assertThat(verified.expiresAt()).isEmpty();
        }
    }

    @Nested
    class IssuerAndAudience {

        @Test
        void aTokenFromAnUntrustedIssuerIsRefused() {
            String token = rsaToken(validClaimsWith("iss", "https://evil.example"));

            assertRefused(() -> rsaVerifier().issuers(ISSUER).build().verify(token), Reason.UNTRUSTED_ISSUER);
        }

        @Test
        void anyOfSeveralIssuersIsTrustedEachWithItsOwnKeys() {
            RSAKey otherKey = JwtKeys.generateRsa("other-1");
            String token = TestTokens.sign(otherKey, TestTokens.header("RS256", "other-1"),
                    validClaimsWith("iss", "https://other.example"));

            VerifiedToken verified = JwtVerifier.builder()
                    .issuer(ISSUER, TrustedKeys.builder().jwk(RSA.toPublicJWK().toJSONString()).build())
                    .issuer("https://other.example", TrustedKeys.builder().jwk(otherKey.toPublicJWK().toJSONString()).build())
                    .clock(clock).build().verify(token);

            assertThat(verified.issuer()).contains("https://other.example");
            assertThat(verified.principal()).isEqualTo("https://other.example#alice");
        }

        @Test
        void theIssuerIsRequiredOnceIssuersAreConfigured() {
            String token = rsaToken(validClaimsWithout("iss"));

            assertRefused(() -> rsaVerifier().issuers(ISSUER).build().verify(token), Reason.MISSING_CLAIM);
            assertThat(rsaVerifier().build().verify(token).issuer()).isEmpty();
        }

        @Test
        void aTokenForAnotherAudienceIsRefused() {
            String token = rsaToken(validClaimsWith("aud", "billing"));

            assertRefused(() -> rsaVerifier().audiences(AUDIENCE).build().verify(token), Reason.WRONG_AUDIENCE);
        }

        @Test
        void anAudienceArrayNeedsToContainOneOfOurs() {
            String token = rsaToken(validClaimsWith("aud", List.of("billing", AUDIENCE)));

            assertThat(rsaVerifier().audiences(AUDIENCE, "api2").build().verify(token).subject()).isEqualTo("alice");
        }

        @Test
        void theAudienceIsRequiredOnceAudiencesAreConfigured() {
            String token = rsaToken(validClaimsWithout("aud"));

            assertRefused(() -> rsaVerifier().audiences(AUDIENCE).build().verify(token), Reason.MISSING_CLAIM);
        }
    }

    @Nested
    class RequiredClaims {

        @Test
        void theSubjectIsAlwaysRequired() {
            assertRefused(() -> rsaVerifier().build().verify(rsaToken(validClaimsWithout("sub"))), Reason.MISSING_CLAIM);
            assertRefused(() -> rsaVerifier().build().verify(rsaToken(validClaimsWith("sub", ""))), Reason.MISSING_CLAIM);
        }

        @Test
        void aConfiguredClaimMustBePresent() {
            String token = rsaToken(validClaims());

            assertRefused(() -> rsaVerifier().requiredClaims("tenant").build().verify(token), Reason.MISSING_CLAIM);
        }

        @Test
        void aNullClaimCountsAsMissing() {
            String token = rsaToken(validClaimsWith("tenant", null));

            assertRefused(() -> rsaVerifier().requiredClaims("tenant").build().verify(token), Reason.MISSING_CLAIM);
        }

        @Test
        void theMessageNamesTheClaimButNotTheTokenNorItsValues() {
            String token = rsaToken(validClaimsWith("iss", "https://secret-tenant.example"));

            assertThatThrownBy(() -> rsaVerifier().issuers(ISSUER).requiredClaims("tenant").build().verify(token))
                    .isInstanceOf(TokenVerificationException.class)
                    .hasMessageContaining("'tenant'")
                    .satisfies(e -> assertThat(e.getMessage())
                            .doesNotContain("secret-tenant")
                            .doesNotContain(token.substring(0, 20)));
        }
    }

    @Nested
    class Types {

        @Test
        void byDefaultATokenWithoutTypeOrOfTypeJwtIsAccepted() {
            JwtVerifier verifier = rsaVerifier().build();
            Map<String, Object> typed = header("RS256", "rsa-1");
            typed.put("typ", "JWT");
            Map<String, Object> lowercase = header("RS256", "rsa-1");
            lowercase.put("typ", "application/jwt");

            assertThat(verifier.verify(rsaToken(validClaims())).subject()).isEqualTo("alice");
            assertThat(verifier.verify(rsaToken(typed, validClaims())).subject()).isEqualTo("alice");
            assertThat(verifier.verify(rsaToken(lowercase, validClaims())).subject()).isEqualTo("alice");
        }

        @Test
        void byDefaultAnAccessTokenTypeIsRefused() {
            Map<String, Object> header = header("RS256", "rsa-1");
            header.put("typ", "at+jwt");

            assertRefused(() -> rsaVerifier().build().verify(rsaToken(header, validClaims())), Reason.WRONG_TYPE);
        }

        @Test
        void acceptedTypesCompareCaseInsensitivelyWithTheApplicationPrefixOptional() {
            JwtVerifier verifier = rsaVerifier().acceptedTypes("at+jwt").build();
            for (String typ : List.of("at+jwt", "AT+JWT", "application/at+jwt", "Application/At+Jwt")) {
                Map<String, Object> header = header("RS256", "rsa-1");
                header.put("typ", typ);

                assertThat(verifier.verify(rsaToken(header, validClaims())).subject()).as(typ).isEqualTo("alice");
            }
        }

        @Test
        void onceTypesAreConfiguredTheTypeIsRequired() {
            Map<String, Object> jwt = header("RS256", "rsa-1");
            jwt.put("typ", "JWT");
            JwtVerifier verifier = rsaVerifier().acceptedTypes("at+jwt").build();

            assertRefused(() -> verifier.verify(rsaToken(validClaims())), Reason.WRONG_TYPE);
            assertRefused(() -> verifier.verify(rsaToken(jwt, validClaims())), Reason.WRONG_TYPE);
        }
    }

    @Nested
    class AccessTokenProfile {

        JwtVerifier verifier() {
            return rsaVerifier().accessTokenProfile().issuers(ISSUER).audiences(AUDIENCE).build();
        }

        Map<String, Object> atHeader() {
            Map<String, Object> header = header("RS256", "rsa-1");
            header.put("typ", "at+jwt");
            return header;
        }

        @Test
        void acceptsAnRfc9068AccessToken() {
            VerifiedToken token = verifier().verify(rsaToken(atHeader(), validClaimsWith("client_id", "shop-web")));

            assertThat(token.stringClaim("client_id")).contains("shop-web");
        }

        @Test
        void requiresTheAccessTokenType() {
            assertRefused(() -> verifier().verify(rsaToken(validClaimsWith("client_id", "shop-web"))), Reason.WRONG_TYPE);
        }

        @Test
        void requiresEveryClaimTheProfileNames() {
            for (String claim : List.of("iss", "exp", "aud", "sub", "client_id", "iat", "jti")) {
                Map<String, Object> claims = validClaimsWith("client_id", "shop-web");
                claims.remove(claim);

                assertThatThrownBy(() -> verifier().verify(rsaToken(atHeader(), claims)))
                        .as(claim)
                        .isInstanceOfSatisfying(TokenVerificationException.class,
                                e -> assertThat(e.reason()).isEqualTo(Reason.MISSING_CLAIM));
            }
        }

        @Test
        void needsIssuersAndAudiencesConfigured() {
            assertThatThrownBy(() -> rsaVerifier().accessTokenProfile().audiences(AUDIENCE).build())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("accessTokenProfile");
            assertThatThrownBy(() -> rsaVerifier().accessTokenProfile().issuers(ISSUER).build())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("accessTokenProfile");
        }
    }

    @Nested
    class Revocation {

        final InMemoryRevocationList revoked = new InMemoryRevocationList(clock);

        @Test
        void aRevokedTokenIsRefused() {
            revoked.revoke(TestTokens.verified(ISSUER, "token-1", NOW.plus(Duration.ofMinutes(10))), Duration.ZERO);

            assertRefused(() -> rsaVerifier().revocationList(revoked).build().verify(rsaToken(validClaims())),
                    Reason.REVOKED);
        }

        @Test
        void anotherTokenOfTheSameSubjectStillPasses() {
            revoked.revoke(TestTokens.verified(ISSUER, "token-1", NOW.plus(Duration.ofMinutes(10))), Duration.ZERO);

            VerifiedToken token = rsaVerifier().revocationList(revoked).build()
                    .verify(rsaToken(validClaimsWith("jti", "token-2")));

            assertThat(token.tokenId()).contains("token-2");
        }

        @Test
        void aTokenWithoutIdIsRefusedUnlessTokensWithoutIdAreAllowed() {
            String token = rsaToken(validClaimsWithout("jti"));

            assertRefused(() -> rsaVerifier().revocationList(revoked).build().verify(token), Reason.MISSING_CLAIM);
            assertThat(rsaVerifier().revocationList(revoked).allowTokensWithoutId().build().verify(token).tokenId())
                    .isEmpty();
            assertThat(rsaVerifier().build().verify(token).tokenId()).as("without a revocation list").isEmpty();
            assertThatThrownBy(() -> rsaVerifier().allowTokensWithoutId().build())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("allowTokensWithoutId:");
        }

        @Test
        void revokingThroughTheVerifierNeedsARevocationList() {
            JwtVerifier verifier = rsaVerifier().build();
            VerifiedToken token = verifier.verify(rsaToken(validClaims()));

            assertThatThrownBy(() -> verifier.revoke(token)).isInstanceOf(UnsupportedOperationException.class);
        }

        @Test
        void aBadTokenIsRefusedForWhatIsWrongWithItBeforeTheListIsAsked() {
            revoked.revoke(TestTokens.verified(ISSUER, "token-1", NOW.plus(Duration.ofMinutes(10))), Duration.ZERO);
            String expired = rsaToken(validClaimsWith("exp", epoch(NOW.minusSeconds(3600))));

            assertRefused(() -> rsaVerifier().revocationList(revoked).build().verify(expired), Reason.EXPIRED);
        }
    }

    @Nested
    class KeyChoice {

        @Test
        void aTokenIsCheckedWithTheKeyItNames() {
            JwtVerifier verifier = JwtVerifier.builder().clock(clock)
                    .jwk(RSA.toPublicJWK().toJSONString()).jwk(EC.toPublicJWK().toJSONString()).build();

            assertThat(verifier.verify(sign(EC, header("ES256", "ec-1"), validClaims())).subject()).isEqualTo("alice");
            assertThat(verifier.verify(sign(RSA, header("RS256", "rsa-1"), validClaims())).subject()).isEqualTo("alice");
        }

        @Test
        void aTokenWithoutKeyIdIsCheckedWithTheOnlyKeyThatFitsItsAlgorithm() {
            JwtVerifier verifier = JwtVerifier.builder().clock(clock)
                    .jwk(RSA.toPublicJWK().toJSONString()).jwk(EC.toPublicJWK().toJSONString()).build();

            assertThat(verifier.verify(sign(EC, header("ES256", null), validClaims())).subject()).isEqualTo("alice");
        }

        @Test
        void aTokenWithoutKeyIdIsRefusedWhenSeveralKeysCouldVerifyIt() {
            RSAKey second = JwtKeys.generateRsa("rsa-2");
            JwtVerifier verifier = JwtVerifier.builder().clock(clock)
                    .jwk(RSA.toPublicJWK().toJSONString()).jwk(second.toPublicJWK().toJSONString()).build();

            assertRefused(() -> verifier.verify(sign(second, header("RS256", null), validClaims())), Reason.BAD_SIGNATURE);
            assertThat(verifier.verify(sign(second, header("RS256", "rsa-2"), validClaims())).subject()).isEqualTo("alice");
        }

        @Test
        void aKeyIdNoKeyCarriesFallsBackToTheKeyWithoutId() {
            JwtVerifier verifier = JwtVerifier.builder().clock(clock).hmacSecret(SECRET).build();

            assertThat(verifier.verify(sign(HMAC, header("HS256", "2024-rotation"), validClaims())).subject())
                    .isEqualTo("alice");
        }

        @Test
        void aTokenSignedByAnotherKeyIsRefused() {
            RSAKey impostor = JwtKeys.generateRsa("rsa-1");

            assertRefused(() -> rsaVerifier().build().verify(sign(impostor, header("RS256", "rsa-1"), validClaims())),
                    Reason.BAD_SIGNATURE);
        }

        @Test
        void aTamperedPayloadIsRefused() {
            String token = rsaToken(validClaims());
            String[] parts = token.split("\\.");
            String forged = parts[0] + "." + TestTokens.b64(json(validClaimsWith("sub", "admin"))) + "." + parts[2];

            assertRefused(() -> rsaVerifier().build().verify(forged), Reason.BAD_SIGNATURE);
        }

        @Test
        void onlyTheConfiguredAlgorithmsAreAccepted() {
            JwtVerifier verifier = rsaVerifier().algorithms("PS256").build();

            assertRefused(() -> verifier.verify(rsaToken(validClaims())), Reason.UNSUPPORTED_ALGORITHM);
            assertThat(verifier.verify(sign(RSA, header("PS256", "rsa-1"), validClaims())).subject()).isEqualTo("alice");
        }

        @Test
        void byDefaultAnRsaKeyAcceptsOnlyRs256() {
            assertRefused(() -> rsaVerifier().build().verify(sign(RSA, header("PS256", "rsa-1"), validClaims())),
                    Reason.UNSUPPORTED_ALGORITHM);
        }
    }

    @Test
    void aTokenLongerThanTheConfiguredMaximumIsRefusedBeforeParsing() {
        String token = rsaToken(validClaims());

        assertRefused(() -> rsaVerifier().maxTokenSize(token.length() - 1).build().verify(token), Reason.MALFORMED);
        assertThat(rsaVerifier().maxTokenSize(token.length()).build().verify(token).subject()).isEqualTo("alice");
    }

    @Test
    void claimsNestedWithinTheDepthLimitAreAccepted() {
        Object nested = "leaf";
        for (int i = 0; i < 20; i++) {
            nested = List.of(nested);
        }

        VerifiedToken token = rsaVerifier().build().verify(rsaToken(validClaimsWith("deep", nested)));

        assertThat(token.claims()).containsKey("deep");
    }

    @Test
    void aVerifierUsesNoTimeButItsClock() {
        Instant past = Instant.parse("2001-01-01T00:00:00Z");
        Map<String, Object> claims = validClaimsWith("iat", epoch(past));
        claims.put("exp", epoch(past.plusSeconds(600)));
        JwtVerifier verifier = rsaVerifier().clock(MutableClock.of(past, ZoneOffset.UTC)).build();

        assertThat(verifier.verify(rsaToken(claims)).subject()).isEqualTo("alice");
    }
}
