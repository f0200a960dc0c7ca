package dev.stateless.redis;

import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * Deflate (the JDK's zlib) for large attribute values: a value of {@link #THRESHOLD} bytes or more
 * is stored deflated when that saves at least a fifth of it. Stored form: the original length (4
 * bytes, big-endian), then a zlib stream (deflate with an Adler-32 check). Read back, a stored value is untrusted: a length
 * beyond {@link #MAX_LENGTH}, or a stream that does not inflate to exactly that length, is refused.
 * Deflaters and inflaters are pooled (each holds native memory; creating one costs more than
 * deflating a kilobyte).
 */
final class Compression {

    /** Smaller values stay as they are: deflating them saves little and costs a Redis field rewrite. */
    static final int THRESHOLD = 256;
    /** The longest value the store inflates (far above what a session attribute should be). */
    static final int MAX_LENGTH = 64 * 1024 * 1024;
    private static final int POOLED = 2 * Runtime.getRuntime().availableProcessors();
    private static final ArrayBlockingQueue<Deflater> DEFLATERS = new ArrayBlockingQueue<>(POOLED);
    private static final ArrayBlockingQueue<Inflater> INFLATERS = new ArrayBlockingQueue<>(POOLED);

    private Compression() {
    }

    /** The stored form of {@code value}, or null when it is to be stored as it is. */
    static byte[] deflate(byte[] value) {
        if (value.length < THRESHOLD) {
            return null;
        }
        Deflater deflater = DEFLATERS.poll();
        if (deflater == null) {
            deflater = new Deflater(Deflater.BEST_SPEED);
        }
        try {
            deflater.setInput(value);
            deflater.finish();
            int limit = value.length - value.length / 5;
            byte[] out = new byte[limit];
            out[0] = (byte) (value.length >>> 24);
            out[1] = (byte) (value.length >>> 16);
            out[2] = (byte) (value.length >>> 8);
            out[3] = (byte) value.length;
            int n = deflater.deflate(out, 4, limit - 4);
            if (!deflater.finished()) {
                return null; // does not save a fifth
            }
            return Arrays.copyOf(out, 4 + n);
        } finally {
            deflater.reset();
            if (!DEFLATERS.offer(deflater)) {
                deflater.end();
            }
        }
    }

    /** The original value, or null when {@code stored} is not a stream this class wrote. */
    static byte[] inflate(byte[] stored) {
        if (stored.length < 5) {
            return null;
        }
        int length = ((stored[0] & 0xff) << 24) | ((stored[1] & 0xff) << 16) | ((stored[2] & 0xff) << 8)
                | (stored[3] & 0xff);
        if (length < 0 || length > MAX_LENGTH) {
            return null;
        }
        Inflater inflater = INFLATERS.poll();
        if (inflater == null) {
            inflater = new Inflater();
        }
        try {
            inflater.setInput(stored, 4, stored.length - 4);
            byte[] out = new byte[length];
            int n = inflater.inflate(out);
            if (n != length || !inflater.finished()) {
                return null;
            }
            return out;
        } catch (DataFormatException e) {
            return null;
        } finally {
            inflater.reset();
            if (!INFLATERS.offer(inflater)) {
                inflater.end();
            }
        }
    }
}
