package dev.stateless.testing;

import dev.stateless.core.idempotency.Acquisition;
import dev.stateless.core.idempotency.IdempotencyKeyStore;
import java.time.Duration;

/** A store that passes every call on; tests override one method to make it fail. */
public class ForwardingStore implements IdempotencyKeyStore {

    private final IdempotencyKeyStore delegate;

    /**
     * A store that passes every call to {@code delegate}.
     *
     * @param delegate the store every call goes to
     */
    public ForwardingStore(IdempotencyKeyStore delegate) {
        this.delegate = delegate;
    }

    @Override
    public Acquisition acquire(String key, String fingerprint) {
        return delegate.acquire(key, fingerprint);
    }

    @Override
    public Acquisition acquire(String key, String fingerprint, String scope, int maxNewPerHour) {
        return delegate.acquire(key, fingerprint, scope, maxNewPerHour);
    }

    @Override
    public boolean complete(String key, long token, byte[] result) {
        return delegate.complete(key, token, result);
    }

    @Override
    public boolean fail(String key, long token) {
        return delegate.fail(key, token);
    }

    @Override
    public boolean release(String key, long token) {
        return delegate.release(key, token);
    }

    @Override
    public boolean extend(String key, long token) {
        return delegate.extend(key, token);
    }

    @Override
    public Duration lease() {
        return delegate.lease();
    }

    @Override
    public Duration retention() {
        return delegate.retention();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
