package dev.stateless.core.token;

import dev.stateless.testing.MutableClock;
import dev.stateless.testing.RevocationListContract;
import java.time.Duration;

class InMemoryRevocationListTest extends RevocationListContract {

    @Override
    protected RevocationList createList(MutableClock clock) {
        return new InMemoryRevocationList(clock);
    }

    @Override
    protected void passTime(Duration duration) {
        clock.advance(duration);
    }
}
