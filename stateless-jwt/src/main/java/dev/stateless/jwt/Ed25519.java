package dev.stateless.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.Requirement;
import com.nimbusds.jose.crypto.impl.BaseJWSProvider;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.util.Base64URL;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Set;

/**
 * EdDSA over Ed25519 with the JDK's own implementation (Java 15+), as Nimbus signers and
 * verifiers. Nimbus's {@code Ed25519Signer}/{@code Ed25519Verifier} need Google Tink on the classpath
 * (and a Nimbus 10 to know the fully-specified {@code Ed25519} algorithm name); these need neither.
 * Both accept the JWS names {@code EdDSA} and {@code Ed25519} (RFC 9864). Thread-safe: a
 * {@link Signature} is made per call.
 */
final class Ed25519 {

    /** The fully-specified algorithm name of RFC 9864; {@code JWSAlgorithm.Ed25519} exists only from Nimbus 10. */
    static final JWSAlgorithm ALGORITHM = new JWSAlgorithm("Ed25519", Requirement.OPTIONAL);

    private static final Set<JWSAlgorithm> NAMES = Set.of(JWSAlgorithm.EdDSA, ALGORITHM);

    /** DER of an Ed25519 SubjectPublicKeyInfo (RFC 8410) up to the 32-byte key. */
    private static final byte[] SPKI_PREFIX = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
    /** DER of an Ed25519 PKCS#8 PrivateKeyInfo (RFC 8410) up to the 32-byte seed. */
    private static final byte[] PKCS8_PREFIX = {0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70,
            0x04, 0x22, 0x04, 0x20};
    private static final int KEY_LENGTH = 32;

    private Ed25519() {
    }

    /** A fresh key pair under {@code kid}. */
    static OctetKeyPair generate(String kid) throws GeneralSecurityException {
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        byte[] x = rawPublicKey(pair.getPublic().getEncoded());
        byte[] d = ((EdECPrivateKey) pair.getPrivate()).getBytes()
                .orElseThrow(() -> new GeneralSecurityException("the JDK gave no Ed25519 private key bytes"));
        return new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(x)).d(Base64URL.encode(d)).keyID(kid).build();
    }

    /** The 32-byte public key of a DER SubjectPublicKeyInfo, or null when it is not an Ed25519 one. */
    static byte[] rawPublicKey(byte[] spki) {
        if (spki == null || spki.length != SPKI_PREFIX.length + KEY_LENGTH
                || !Arrays.equals(spki, 0, SPKI_PREFIX.length, SPKI_PREFIX, 0, SPKI_PREFIX.length)) {
            return null;
        }
        return Arrays.copyOfRange(spki, SPKI_PREFIX.length, spki.length);
    }

    static JWSSigner signer(OctetKeyPair key) throws JOSEException {
        if (!Curve.Ed25519.equals(key.getCurve()) || key.getD() == null) {
            throw new JOSEException("not an Ed25519 private key");
        }
        PrivateKey privateKey = (PrivateKey) jdkKey(PKCS8_PREFIX, key.getDecodedD(), true);
        return new Signer(privateKey);
    }

    static JWSVerifier verifier(OctetKeyPair key) throws JOSEException {
        if (!Curve.Ed25519.equals(key.getCurve())) {
            throw new JOSEException("not an Ed25519 key");
        }
        PublicKey publicKey = (PublicKey) jdkKey(SPKI_PREFIX, key.getDecodedX(), false);
        return new Verifier(publicKey);
    }

    private static java.security.Key jdkKey(byte[] prefix, byte[] raw, boolean secret) throws JOSEException {
        if (raw == null || raw.length != KEY_LENGTH) {
            throw new JOSEException("an Ed25519 key has " + KEY_LENGTH + " bytes");
        }
        byte[] der = Arrays.copyOf(prefix, prefix.length + KEY_LENGTH);
        System.arraycopy(raw, 0, der, prefix.length, KEY_LENGTH);
        try {
            KeyFactory factory = KeyFactory.getInstance("Ed25519");
            return secret ? factory.generatePrivate(new PKCS8EncodedKeySpec(der))
                    : factory.generatePublic(new X509EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new JOSEException("the JDK refused the Ed25519 key (" + e.getClass().getSimpleName() + ")");
        } finally {
            if (secret) {
                Arrays.fill(der, (byte) 0);
            }
        }
    }

    private static final class Signer extends BaseJWSProvider implements JWSSigner {

        private final PrivateKey key;

        Signer(PrivateKey key) {
            super(NAMES);
            this.key = key;
        }

        @Override
        public Base64URL sign(JWSHeader header, byte[] signingInput) throws JOSEException {
            if (!NAMES.contains(header.getAlgorithm())) {
                throw new JOSEException("Ed25519 keys sign EdDSA or Ed25519, not " + header.getAlgorithm());
            }
            try {
                Signature signature = Signature.getInstance("Ed25519");
                signature.initSign(key);
                signature.update(signingInput);
                return Base64URL.encode(signature.sign());
            } catch (GeneralSecurityException e) {
                throw new JOSEException("Ed25519 signing failed (" + e.getClass().getSimpleName() + ")", e);
            }
        }
    }

    private static final class Verifier extends BaseJWSProvider implements JWSVerifier {

        private final PublicKey key;

        Verifier(PublicKey key) {
            super(NAMES);
            this.key = key;
        }

        @Override
        public boolean verify(JWSHeader header, byte[] signingInput, Base64URL signature) throws JOSEException {
            if (!NAMES.contains(header.getAlgorithm())) {
                return false;
            }
            if (header.getCriticalParams() != null && !header.getCriticalParams().isEmpty()) {
                return false; // no critical extension is understood
            }
            byte[] bytes = signature.decode();
            if (bytes.length != 2 * KEY_LENGTH) {
                return false;
            }
            try {
                Signature check = Signature.getInstance("Ed25519");
                check.initVerify(key);
                check.update(signingInput);
                return check.verify(bytes);
            } catch (java.security.SignatureException e) {
                return false;
            } catch (GeneralSecurityException e) {
                throw new JOSEException("Ed25519 verification failed (" + e.getClass().getSimpleName() + ")", e);
            }
        }
    }
}
