package dev.stateless.core;

/**
 * Root of every exception the library throws. Unchecked, like Lettuce's: a caller catches the
 * subtype it can act on. Messages never contain a secret (no session id, no token, no key
 * material), so they are safe to log.
 */
public class StatelessException extends RuntimeException {

    public StatelessException(String message) {
        super(message);
    }

    public StatelessException(String message, Throwable cause) {
        super(message, cause);
    }
}
