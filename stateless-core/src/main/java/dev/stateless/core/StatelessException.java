package dev.stateless.core;

/**
 * Root of every exception the library throws. Unchecked, like Lettuce's: a caller catches the
 * subtype it can act on. Messages never contain a secret (no session id, no token, no key
 * material), so they are safe to log.
 */
public class StatelessException extends RuntimeException {

    /**
     * An error of this library.
     *
     * @param message what went wrong; never a token, a session id or a secret
     */
    public StatelessException(String message) {
        super(message);
    }

    /**
     * An error of this library with the failure behind it (a Lettuce or Nimbus exception, say).
     *
     * @param message what went wrong; never a token, a session id or a secret
     * @param cause the underlying failure
     */
    public StatelessException(String message, Throwable cause) {
        super(message, cause);
    }
}
