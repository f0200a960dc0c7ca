package dev.stateless.core.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** The only class that touches Micrometer; loaded only when a registry is given. */
final class MicrometerSink implements Meters.Sink {

    private final MeterRegistry registry;
    /** Meters by name, then by their tag values: no id is built on the hot path. */
    private final Map<String, Map<String, Timer>> timers = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Counter>> counters = new ConcurrentHashMap<>();

    MicrometerSink(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void time(String name, String description, String outcome, long nanos) {
        timers.computeIfAbsent(name, n -> new ConcurrentHashMap<>())
                .computeIfAbsent(outcome, o -> Timer.builder(name).description(description).tag("outcome", o)
                        .register(registry))
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void count(String name, String description, String... tags) {
        String key = tags.length == 2 ? tags[1] : String.join("\u0000", tags);
        counters.computeIfAbsent(name, n -> new ConcurrentHashMap<>())
                .computeIfAbsent(key, k -> Counter.builder(name).description(description).tags(tags).register(registry))
                .increment();
    }
}
