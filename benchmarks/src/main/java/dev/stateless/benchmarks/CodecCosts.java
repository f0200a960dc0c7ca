package dev.stateless.benchmarks;

import dev.stateless.core.session.AttributeCodec;
import dev.stateless.core.session.PlainValues;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What the filter's attribute handling alone costs a request that reads every attribute, on one
 * thread, without HTTP or Redis: each value decoded from its stored bytes (the application gets
 * its own objects, as it would from a fresh load), and each mutable value (maps, lists) checked at
 * the end for a change made in place, without {@code setAttribute}: against a copy taken when it
 * was read ({@link PlainValues}, what the filter does for the JDK's collections), and, for
 * comparison, by encoding it again and comparing the bytes (what it does for other types, and did
 * for all before). Jetty's in-memory sessions do none of this: they hand out the same objects. This
 * is the floor under a read-only request served from the near cache.
 */
final class CodecCosts {

    /**
     * @param decodeMicros decoding every attribute, per request
     * @param checkMicros copying the mutable ones when read and comparing them with the copies at the end
     * @param reencodeMicros encoding the mutable ones again and comparing the bytes instead
     * @param mutable how many values were mutable
     */
    record Result(double decodeMicros, double checkMicros, double reencodeMicros, int attributes, int mutable) {
    }

    private CodecCosts() {
    }

    static Result measure(AttributeCodec codec, Map<String, Object> values, int rounds, long nanosPerRound) {
        List<byte[]> stored = new ArrayList<>();
        for (Object value : values.values()) {
            stored.add(codec.encode(value));
        }
        long sink = 0;
        List<Double> decode = new ArrayList<>();
        List<Double> check = new ArrayList<>();
        List<Double> reencode = new ArrayList<>();
        int mutable = 0;
        for (Object value : values.values()) {
            mutable += PlainValues.immutable(value) ? 0 : 1;
        }
        for (int round = -1; round < rounds; round++) { // round -1 warms up
            long decodeNanos = 0;
            long checkNanos = 0;
            long reencodeNanos = 0;
            long requests = 0;
            long end = System.nanoTime() + nanosPerRound;
            while (System.nanoTime() < end) {
                for (int batch = 0; batch < 100; batch++) {
                    long t0 = System.nanoTime();
                    Object[] decoded = new Object[stored.size()];
                    for (int i = 0; i < decoded.length; i++) {
                        decoded[i] = codec.decode(stored.get(i));
                    }
                    long t1 = System.nanoTime();
                    Object[] copies = new Object[decoded.length];
                    for (int i = 0; i < decoded.length; i++) {
                        if (!PlainValues.immutable(decoded[i])) {
                            copies[i] = PlainValues.copy(decoded[i]);
                        }
                    }
                    for (int i = 0; i < decoded.length; i++) {
                        if (copies[i] != null) {
                            sink += PlainValues.same(decoded[i], copies[i]) ? 1 : 0;
                        }
                    }
                    long t2 = System.nanoTime();
                    for (int i = 0; i < decoded.length; i++) {
                        if (!PlainValues.immutable(decoded[i])) {
                            sink += Arrays.equals(codec.encode(decoded[i]), stored.get(i)) ? 1 : 0;
                        }
                    }
                    long t3 = System.nanoTime();
                    decodeNanos += t1 - t0;
                    checkNanos += t2 - t1;
                    reencodeNanos += t3 - t2;
                    requests++;
                }
            }
            if (round >= 0) {
                decode.add(decodeNanos / 1e3 / requests);
                check.add(checkNanos / 1e3 / requests);
                reencode.add(reencodeNanos / 1e3 / requests);
            }
        }
        if (sink == Long.MIN_VALUE) {
            System.out.println(sink); // keeps the comparisons alive
        }
        return new Result(median(decode), median(check), median(reencode), stored.size(), mutable);
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
