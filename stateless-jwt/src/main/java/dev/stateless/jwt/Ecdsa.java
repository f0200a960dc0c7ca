package dev.stateless.jwt;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.Map;

/**
 * The two ECDSA signatures of one message: with {@code (r, s)} valid, so is {@code (r, n - s)} (n the
 * curve order). A JWS signature is {@code R || S}, each the curve's byte length (RFC 7518 3.4). "Low S"
 * ({@code s <= n/2}) picks one of the two.
 */
final class Ecdsa {

    private static final Map<JWSAlgorithm, BigInteger> ORDERS = Map.of(
            JWSAlgorithm.ES256, Curve.P_256.toECParameterSpec().getOrder(),
            JWSAlgorithm.ES384, Curve.P_384.toECParameterSpec().getOrder(),
            JWSAlgorithm.ES512, Curve.P_521.toECParameterSpec().getOrder());

    private Ecdsa() {
    }

    static boolean isEcdsa(JWSAlgorithm alg) {
        return ORDERS.containsKey(alg);
    }

    /** Whether a JWS ECDSA signature has {@code s > n/2}; false for a signature of the wrong length (it fails anyway). */
    static boolean isHighS(JWSAlgorithm alg, byte[] signature) {
        BigInteger n = ORDERS.get(alg);
        if (n == null || signature.length % 2 != 0) {
            return false;
        }
        return s(signature).compareTo(n.shiftRight(1)) > 0;
    }

    /** The same signature with {@code s} replaced by {@code n - s} when it is high; unchanged otherwise. */
    static byte[] toLowS(JWSAlgorithm alg, byte[] signature) {
        if (!isHighS(alg, signature)) {
            return signature;
        }
        int half = signature.length / 2;
        byte[] low = ORDERS.get(alg).subtract(s(signature)).toByteArray();
        byte[] result = Arrays.copyOf(signature, signature.length);
        Arrays.fill(result, half, result.length, (byte) 0);
        int from = Math.max(0, low.length - half); // drop a leading sign byte
        System.arraycopy(low, from, result, result.length - (low.length - from), low.length - from);
        return result;
    }

    private static BigInteger s(byte[] signature) {
        int half = signature.length / 2;
        return new BigInteger(1, Arrays.copyOfRange(signature, half, signature.length));
    }
}
