package dev.stateless.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyOperation;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;

/**
 * A trusted key with its Nimbus verifier, built once (verifiers are thread-safe).
 *
 * @param keyId the key's {@code kid}, or null for a key that has none
 * @param jwk the key (public, or the HMAC secret)
 * @param verifier checks signatures with it
 */
record VerificationKey(String keyId, JWK jwk, JWSVerifier verifier) {

    /**
     * A key ready to verify, or why it cannot be one (private material is refused by the caller).
     *
     * @throws IllegalArgumentException naming the problem, never the key material
     */
    static VerificationKey of(JWK jwk) {
        if (jwk.getKeyUse() != null && !KeyUse.SIGNATURE.equals(jwk.getKeyUse())) {
            throw new IllegalArgumentException("key use is '" + jwk.getKeyUse().identifier() + "', not 'sig'");
        }
        if (jwk.getKeyOperations() != null && !jwk.getKeyOperations().contains(KeyOperation.VERIFY)) {
            throw new IllegalArgumentException("key operations do not include 'verify'");
        }
        if (jwk.getAlgorithm() != null && Algorithms.byName(jwk.getAlgorithm().getName()).isEmpty()) {
            throw new IllegalArgumentException("key algorithm is not a supported signature algorithm");
        }
        if (Algorithms.defaultFor(jwk).isEmpty()) {
            throw new IllegalArgumentException("key type or curve is not supported, or does not fit its declared algorithm");
        }
        try {
            return new VerificationKey(jwk.getKeyID(), jwk, verifierFor(jwk));
        } catch (JOSEException e) {
            throw new IllegalArgumentException("key cannot verify signatures (" + e.getClass().getSimpleName() + ")");
        }
    }

    private static JWSVerifier verifierFor(JWK jwk) throws JOSEException {
        if (jwk instanceof OctetSequenceKey secret) {
            return new MACVerifier(secret);
        }
        if (jwk instanceof RSAKey rsa) {
            if (rsa.size() < Algorithms.MIN_RSA_BITS) {
                throw new IllegalArgumentException("RSA key has " + rsa.size() + " bits, at least "
                        + Algorithms.MIN_RSA_BITS + " are required");
            }
            return new RSASSAVerifier(rsa.toRSAPublicKey());
        }
        if (jwk instanceof ECKey ec) {
            return new ECDSAVerifier(ec.toECPublicKey());
        }
        if (jwk instanceof OctetKeyPair okp) {
            return Ed25519.verifier(okp);
        }
        throw new IllegalArgumentException("key type is not supported");
    }

    boolean fits(JWSAlgorithm algorithm) {
        return Algorithms.fits(jwk, algorithm);
    }
}
