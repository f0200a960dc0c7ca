package dev.stateless.core;

/**
 * A store's backend could not be reached or did not answer within its command timeout. The
 * operation may or may not have been applied; nothing partial is visible to readers because
 * every write is one atomic step. Filters turn this into a {@code 503} answer.
 */
public class StoreUnavailableException extends StatelessException {

    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
