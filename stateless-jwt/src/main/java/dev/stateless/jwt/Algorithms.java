package dev.stateless.jwt;

import com.nimbusds.jose.Algorithm;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The signature algorithms this module accepts, and which key fits which algorithm. */
final class Algorithms {

    /** The smallest RSA modulus accepted, for verifying and for signing. */
    static final int MIN_RSA_BITS = 2048;

    /** What a key fetched from a JWKS may verify when no allow-list is configured: asymmetric defaults only. */
    static final Set<JWSAlgorithm> JWKS_DEFAULTS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256,
            JWSAlgorithm.ES384, JWSAlgorithm.ES512, JWSAlgorithm.EdDSA);

    private static final Map<String, JWSAlgorithm> SUPPORTED = new LinkedHashMap<>();

    static {
        for (JWSAlgorithm alg : new JWSAlgorithm[] {JWSAlgorithm.HS256, JWSAlgorithm.HS384, JWSAlgorithm.HS512,
                JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512, JWSAlgorithm.PS256, JWSAlgorithm.PS384,
                JWSAlgorithm.PS512, JWSAlgorithm.ES256, JWSAlgorithm.ES384, JWSAlgorithm.ES512, JWSAlgorithm.EdDSA,
                Ed25519.ALGORITHM}) {
            SUPPORTED.put(alg.getName(), alg);
        }
    }

    private Algorithms() {
    }

    /** The algorithm of that exact (case-sensitive) name, if supported. */
    static Optional<JWSAlgorithm> byName(String name) {
        return Optional.ofNullable(SUPPORTED.get(name));
    }

    /** {@code none} in any case and with any surrounding space. */
    static boolean isNone(String name) {
        return name.strip().toLowerCase(Locale.ROOT).equals("none");
    }

    static String supportedNames() {
        return String.join(", ", SUPPORTED.keySet());
    }

    static boolean isHmac(JWSAlgorithm alg) {
        return JWSAlgorithm.Family.HMAC_SHA.contains(alg);
    }

    /** The fewest secret bytes an HMAC algorithm accepts (its hash size, RFC 7518 section 3.2). */
    static int minHmacBytes(JWSAlgorithm alg) {
        if (alg.equals(JWSAlgorithm.HS512)) {
            return 64;
        }
        return alg.equals(JWSAlgorithm.HS384) ? 48 : 32;
    }

    /**
     * Whether a key may verify (or sign) a token of this algorithm: the key type must match the
     * algorithm's family (an HMAC secret never verifies RS*, an RSA key never HS*), an EC curve must
     * match its ES algorithm, and an algorithm the key declares must be this one.
     */
    static boolean fits(JWK key, JWSAlgorithm alg) {
        Algorithm declared = key.getAlgorithm();
        if (declared != null && !declared.getName().equals(alg.getName())) {
            return false;
        }
        if (key instanceof OctetSequenceKey secret) {
            return isHmac(alg) && secret.toByteArray().length >= minHmacBytes(alg);
        }
        if (key instanceof RSAKey) {
            return JWSAlgorithm.Family.RSA.contains(alg);
        }
        if (key instanceof ECKey ec) {
            Curve curve = ec.getCurve();
            return alg.equals(JWSAlgorithm.ES256) && Curve.P_256.equals(curve)
                    || alg.equals(JWSAlgorithm.ES384) && Curve.P_384.equals(curve)
                    || alg.equals(JWSAlgorithm.ES512) && Curve.P_521.equals(curve);
        }
        if (key instanceof OctetKeyPair okp) {
            return Curve.Ed25519.equals(okp.getCurve())
                    && (alg.equals(JWSAlgorithm.EdDSA) || alg.equals(Ed25519.ALGORITHM));
        }
        return false;
    }

    /** The algorithm a key verifies when none is configured: the one it declares, else its type's usual one. */
    static Optional<JWSAlgorithm> defaultFor(JWK key) {
        if (key.getAlgorithm() != null) {
            return byName(key.getAlgorithm().getName()).filter(alg -> fits(key, alg));
        }
        if (key instanceof OctetSequenceKey) {
            return Optional.of(JWSAlgorithm.HS256);
        }
        if (key instanceof RSAKey) {
            return Optional.of(JWSAlgorithm.RS256);
        }
        if (key instanceof ECKey ec) {
            if (Curve.P_256.equals(ec.getCurve())) {
                return Optional.of(JWSAlgorithm.ES256);
            }
            if (Curve.P_384.equals(ec.getCurve())) {
                return Optional.of(JWSAlgorithm.ES384);
            }
            return Curve.P_521.equals(ec.getCurve()) ? Optional.of(JWSAlgorithm.ES512) : Optional.empty();
        }
        if (key instanceof OctetKeyPair okp && Curve.Ed25519.equals(okp.getCurve())) {
            return Optional.of(JWSAlgorithm.EdDSA);
        }
        return Optional.empty();
    }
}
