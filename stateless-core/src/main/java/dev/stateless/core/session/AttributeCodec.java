package dev.stateless.core.session;

/**
 * Turns session attribute values into bytes for storage and back. Bytes read from a store are
 * untrusted input: decoding never instantiates a class the codec was not told to allow, and never
 * uses Java serialization.
 *
 * <p>Implementations are immutable and thread-safe. Encoding is deterministic: encoding equal
 * values built the same way gives equal bytes, which is how a changed attribute is detected.
 *
 * <p>The default is {@link JsonAttributeCodec}: {@code AttributeCodec.json()} for JDK types only,
 * or {@code JsonAttributeCodec.builder().allow(Cart.class).build()} to add your own types.
 */
public interface AttributeCodec {

    /**
     * Encodes a value.
     *
     * @throws AttributeCodecException with reason {@link AttributeCodecException.Reason#UNSUPPORTED_TYPE}
     *     when the value, or anything inside it, is of a type the codec does not allow
     */
    byte[] encode(Object value);

    /**
     * Decodes bytes produced by {@link #encode}.
     *
     * @throws AttributeCodecException with reason {@link AttributeCodecException.Reason#UNDECODABLE}
     *     when the bytes are not a value this codec can read (corrupt data, a type that is not
     *     allowed, a class that changed incompatibly)
     */
    Object decode(byte[] bytes);

    /** A JSON codec that allows JDK basics, collections and {@code java.time} values only. */
    static AttributeCodec json() {
        return JsonAttributeCodec.builder().build();
    }
}
