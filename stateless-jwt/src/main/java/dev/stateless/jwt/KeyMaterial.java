package dev.stateless.jwt;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.EdECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns configured public keys (JDK keys, PEM, JWK JSON) into JWKs. Errors name the option and the
 * problem, never the key material (so a parser's message, which may quote its input, is not passed on).
 */
final class KeyMaterial {

    private static final Pattern PEM_BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*)-----END \\1-----");

    private KeyMaterial() {
    }

    static JWK fromPublicKey(String option, String kid, PublicKey key) {
        if (key instanceof RSAPublicKey rsa) {
            return new RSAKey.Builder(rsa).keyID(kid).build();
        }
        if (key instanceof ECPublicKey ec) {
            Curve curve = Curve.forECParameterSpec(ec.getParams());
            if (curve == null) {
                throw new IllegalArgumentException(option + ": EC key is on an unsupported curve");
            }
            return new ECKey.Builder(curve, ec).keyID(kid).build();
        }
        if (key instanceof EdECPublicKey ed) {
            byte[] x = Ed25519.rawPublicKey(ed.getEncoded());
            if (!"Ed25519".equalsIgnoreCase(ed.getParams().getName()) || x == null) {
                throw new IllegalArgumentException(option + ": only Ed25519 EdDSA keys are supported");
            }
            return new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(x)).keyID(kid).build();
        }
        throw new IllegalArgumentException(option + ": unsupported key type " + key.getAlgorithm()
                + " (RSA, EC or Ed25519 public keys are supported)");
    }

    /** One PEM block: {@code PUBLIC KEY} (SubjectPublicKeyInfo) or {@code CERTIFICATE}. */
    static JWK fromPem(String option, String kid, String pem) {
        if (pem.contains("PRIVATE KEY")) {
            throw new IllegalArgumentException(option + ": private key material is not accepted; pass the public key");
        }
        Matcher m = PEM_BLOCK.matcher(pem);
        if (!m.find()) {
            throw new IllegalArgumentException(option + ": not a PEM block (-----BEGIN PUBLIC KEY----- ...)");
        }
        String type = m.group(1);
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(m.group(2));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": PEM body is not base64");
        }
        if (m.find()) {
            throw new IllegalArgumentException(option + ": expected one PEM block, found several");
        }
        PublicKey key = switch (type) {
            case "PUBLIC KEY" -> spki(option, der);
            case "CERTIFICATE" -> certificateKey(option, der);
            default -> throw new IllegalArgumentException(option + ": unsupported PEM type '" + type
                    + "'; use PUBLIC KEY (SubjectPublicKeyInfo) or CERTIFICATE");
        };
        return fromPublicKey(option, kid, key);
    }

    private static PublicKey spki(String option, byte[] der) {
        for (String algorithm : List.of("RSA", "EC", "Ed25519")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(der));
            } catch (GeneralSecurityException | RuntimeException e) {
                // try the next key type
            }
        }
        throw new IllegalArgumentException(option + ": PEM does not hold an RSA, EC or Ed25519 public key");
    }

    private static PublicKey certificateKey(String option, byte[] der) {
        try {
            return CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der)).getPublicKey();
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException(option + ": PEM certificate cannot be read");
        }
    }

    static JWK fromJwk(String option, String json) {
        JWK jwk;
        try {
            jwk = JWK.parse(json);
        } catch (java.text.ParseException | RuntimeException e) {
            throw new IllegalArgumentException(option + ": not a valid JWK");
        }
        return requirePublic(option, jwk);
    }

    static List<JWK> fromJwkSet(String option, String json) {
        JWKSet set;
        try {
            set = JWKSet.parse(json);
        } catch (java.text.ParseException | RuntimeException e) {
            throw new IllegalArgumentException(option + ": not a valid JWK set");
        }
        if (set.getKeys().isEmpty()) {
            throw new IllegalArgumentException(option + ": the set holds no key");
        }
        List<JWK> keys = new ArrayList<>();
        for (JWK jwk : set.getKeys()) {
            keys.add(requirePublic(option, jwk));
        }
        return keys;
    }

    private static JWK requirePublic(String option, JWK jwk) {
        if (jwk instanceof OctetSequenceKey) {
            throw new IllegalArgumentException(option + ": symmetric (oct) keys are secrets, configure them with hmacSecret");
        }
        if (jwk.isPrivate()) {
            throw new IllegalArgumentException(option + ": private key material is not accepted; pass the public key");
        }
        return jwk;
    }
}
