package dev.stateless.redis;

import io.lettuce.core.metrics.MicrometerCommandLatencyRecorder;
import io.lettuce.core.metrics.MicrometerOptions;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Lettuce's own command latencies ({@code lettuce.command.completion} and
 * {@code lettuce.command.firstresponse}, tagged {@code command} and {@code remote}) into a
 * Micrometer registry. The only class of this module that touches Micrometer; loaded only for a
 * store given a registry.
 */
final class LettuceLatencies {

    private LettuceLatencies() {
    }

    static ClientResources resources(Object meterRegistry) {
        return DefaultClientResources.builder()
                .commandLatencyRecorder(new MicrometerCommandLatencyRecorder((MeterRegistry) meterRegistry,
                        MicrometerOptions.create()))
                .build();
    }
}
