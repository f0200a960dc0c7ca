package dev.stateless.core.metrics;

import dev.stateless.core.session.AttributeCodec;
import dev.stateless.core.session.AttributeCodecException;

/** A codec that counts what the codec it wraps refuses, and otherwise is that codec. */
final class CountingCodec implements AttributeCodec {

    private final AttributeCodec codec;
    private final Meters meters;

    CountingCodec(AttributeCodec codec, Meters meters) {
        this.codec = codec;
        this.meters = meters;
    }

    @Override
    public byte[] encode(Object value) {
        try {
            return codec.encode(value);
        } catch (AttributeCodecException e) {
            meters.refused("encode", e);
            throw e;
        }
    }

    @Override
    public Object decode(byte[] bytes) {
        try {
            return codec.decode(bytes);
        } catch (AttributeCodecException e) {
            meters.refused("decode", e);
            throw e;
        }
    }

    @Override
    public void requireEncodable(Class<?> type) {
        try {
            codec.requireEncodable(type);
        } catch (AttributeCodecException e) {
            meters.refused("check", e);
            throw e;
        }
    }

    @Override
    public String toString() {
        return codec.toString();
    }
}
