package dev.stateless.servlet;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An HTTP answer as the idempotency filter stores it: status, the chosen headers and the body,
 * in a small length-prefixed binary form (no Java serialization; decoding checks every length).
 * Header names and values are UTF-8 with 32-bit lengths, so a header of any size encodes; answers
 * stored in the first form (16-bit lengths) are still read.
 */
record StoredResponse(int status, List<Map.Entry<String, String>> headers, byte[] body) {

    private static final int MAGIC_V1 = 0x53524531; // "SRE1": modified UTF-8 with 16-bit lengths
    private static final int MAGIC = 0x53524532; // "SRE2": UTF-8 with 32-bit lengths
    private static final int MAX_HEADERS = 256;

    byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(body.length + 64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeShort(status);
            out.writeShort(headers.size());
            for (Map.Entry<String, String> header : headers) {
                writeText(out, header.getKey());
                writeText(out, header.getValue());
            }
            out.writeInt(body.length);
            out.write(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** @throws IllegalArgumentException when the bytes are not a stored response */
    static StoredResponse decode(byte[] data) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            int magic = in.readInt();
            if (magic != MAGIC && magic != MAGIC_V1) {
                throw new IllegalArgumentException("not a stored response");
            }
            int status = in.readUnsignedShort();
            int count = in.readUnsignedShort();
            if (status < 100 || status > 599 || count > MAX_HEADERS) {
                throw new IllegalArgumentException("stored response has an impossible status or header count");
            }
            List<Map.Entry<String, String>> headers = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                headers.add(magic == MAGIC_V1 ? Map.entry(in.readUTF(), in.readUTF())
                        : Map.entry(readText(in), readText(in)));
            }
            int length = in.readInt();
            if (length < 0 || length != in.available()) {
                throw new IllegalArgumentException("stored response body length does not match");
            }
            byte[] body = in.readNBytes(length);
            return new StoredResponse(status, List.copyOf(headers), body);
        } catch (IOException e) {
            throw new IllegalArgumentException("stored response is truncated", e);
        }
    }

    private static void writeText(DataOutputStream out, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static String readText(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > in.available()) {
            throw new IllegalArgumentException("stored response has an impossible header length");
        }
        return new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }
}
