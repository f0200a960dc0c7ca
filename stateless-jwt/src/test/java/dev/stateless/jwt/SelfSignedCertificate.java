package dev.stateless.jwt;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import java.io.FileInputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/**
 * A real self-signed X.509 certificate for a fresh P-256 key, made by the JDK's own keytool (the JDK
 * has no public API to create certificates), so no private key is kept in the sources.
 *
 * @param der the certificate, DER
 * @param key the certified key pair, as a JWK holding the private key
 */
record SelfSignedCertificate(byte[] der, ECKey key) {

    static SelfSignedCertificate create(Path dir, String commonName) throws Exception {
        Path store = dir.resolve(commonName + ".p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-keyalg", "EC", "-groupname", "secp256r1", "-alias", "test",
                "-dname", "CN=" + commonName, "-validity", "365", "-keystore", store.toString(),
                "-storetype", "PKCS12", "-storepass", "changeit", "-keypass", "changeit")
                .redirectErrorStream(true).start();
        keytool.getInputStream().transferTo(OutputStream.nullOutputStream());
        if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
            throw new IllegalStateException("keytool failed");
        }
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        try (FileInputStream in = new FileInputStream(store.toFile())) {
            keyStore.load(in, "changeit".toCharArray());
        }
        X509Certificate certificate = (X509Certificate) keyStore.getCertificate("test");
        ECKey key = new ECKey.Builder(Curve.P_256, (ECPublicKey) certificate.getPublicKey())
                .privateKey((PrivateKey) keyStore.getKey("test", "changeit".toCharArray()))
                .build();
        return new SelfSignedCertificate(certificate.getEncoded(), key);
    }

    /** As an {@code x5c} entry: standard base64, not base64url (RFC 7515 4.1.6). */
    String x5c() {
        return Base64.getEncoder().encodeToString(der);
    }

    String pem() {
        return "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END CERTIFICATE-----\n";
    }
}
