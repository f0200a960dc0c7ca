package dev.stateless.jwt;

import static dev.stateless.core.token.TokenVerificationException.Reason.BAD_SIGNATURE;
import static dev.stateless.core.token.TokenVerificationException.Reason.UNSUPPORTED_ALGORITHM;
import static dev.stateless.jwt.Jws.refuse;

import dev.stateless.core.token.TokenVerificationException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * Chooses the one key that checks a token's signature, among one issuer's keys: configured ones and
 * those of its JWKS endpoint. A token that names a {@code kid} is checked with the key of that id
 * (configured, cached, or after one rate-limited JWKS refresh); when no key has that id, with the one
 * key configured without an id that fits. A token without {@code kid} is checked against the one key
 * that fits its algorithm; when several could, it is refused rather than tried against each.
 * Thread-safe.
 */
final class KeySelector {

    private final List<VerificationKey> staticKeys;
    private final JwksSource jwks;

    KeySelector(TrustedKeys keys, Clock clock) {
        this.staticKeys = keys.keys();
        this.jwks = keys.jwks() == null ? null : new JwksSource(keys.jwks(), clock);
    }

    /**
     * @throws TokenVerificationException BAD_SIGNATURE when no single key fits, UNSUPPORTED_ALGORITHM
     *     when the named key does not fit the algorithm, KEY_UNAVAILABLE when no JWKS key can be had
     */
    VerificationKey select(Jws jws) {
        List<VerificationKey> remote = List.of();
        if (jws.keyId() != null) {
            VerificationKey key = named(staticKeys, jws);
            if (key != null) {
                return key;
            }
            if (jwks != null) {
                remote = jwks.keys();
                key = named(remote, jws);
                if (key == null) {
                    remote = jwks.keysAfterUnknownKey();
                    key = named(remote, jws);
                }
                if (key != null) {
                    return key;
                }
            }
        } else if (jwks != null) {
            try {
                remote = jwks.keys();
            } catch (TokenVerificationException e) {
                if (unnamed(staticKeys, jws).isEmpty()) {
                    throw e;
                }
            }
        }
        List<VerificationKey> candidates = new ArrayList<>(unnamed(staticKeys, jws));
        candidates.addAll(unnamed(remote, jws));
        if (candidates.size() > 1) {
            throw refuse(BAD_SIGNATURE, "token does not name one of the several keys (kid) that could verify it");
        }
        if (candidates.isEmpty()) {
            throw refuse(BAD_SIGNATURE, "no trusted key matches the token");
        }
        return candidates.get(0);
    }

    /** The key with the token's kid, or null; throws when it does not fit the algorithm or is not unique. */
    private static VerificationKey named(List<VerificationKey> keys, Jws jws) {
        List<VerificationKey> named = keys.stream().filter(k -> jws.keyId().equals(k.keyId())).toList();
        if (named.isEmpty()) {
            return null;
        }
        List<VerificationKey> fitting = named.stream().filter(k -> k.fits(jws.algorithm())).toList();
        if (fitting.isEmpty()) {
            throw refuse(UNSUPPORTED_ALGORITHM, "token algorithm " + jws.algorithm().getName()
                    + " does not fit the key it names");
        }
        if (fitting.size() > 1) {
            throw refuse(BAD_SIGNATURE, "token names a key id that several trusted keys share");
        }
        return fitting.get(0);
    }

    /** Keys that may check a token not matched by kid: all fitting keys without kid, or any fitting key if the token has none. */
    private static List<VerificationKey> unnamed(List<VerificationKey> keys, Jws jws) {
        return keys.stream()
                .filter(k -> jws.keyId() == null || k.keyId() == null)
                .filter(k -> k.fits(jws.algorithm()))
                .toList();
    }

    int staticKeyCount() {
        return staticKeys.size();
    }

    @Override
    public String toString() {
        return "keys=" + staticKeys.size() + (jwks == null ? "" : ", " + jwks);
    }
}
