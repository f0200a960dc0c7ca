package dev.stateless.core;

/**
 * A store's backend could not be reached or did not answer within its command timeout. The
 * operation may or may not have been applied; nothing partial is visible to readers because
 * every write is one atomic step. Filters turn this into a {@code 503} answer.
 */
public class StoreUnavailableException extends StatelessException {

    /**
     * A store that did not answer in time, or could not be reached.
     *
     * @param message which store and which operation
     * @param cause the client's error (a timeout, a refused connection), if any
     */
    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
