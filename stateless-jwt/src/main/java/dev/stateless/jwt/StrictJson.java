package dev.stateless.jwt;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.Map;
import java.util.Optional;

/**
 * A JSON reader that refuses what a lenient one lets through: duplicate member names (the header
 * {@code {"alg":"RS256","alg":"none"}} means different things to different parsers), nesting deeper
 * than a limit, trailing content, comments, NaN, leading zeros and invalid UTF-8.
 */
final class StrictJson {

    /** Headers are flat; an embedded {@code jwk} or {@code x5c} nests two levels. */
    static final StrictJson HEADER = new StrictJson(8);
    static final StrictJson CLAIMS = new StrictJson(32);
    static final StrictJson JWKS = new StrictJson(32);

    private final ObjectMapper mapper;

    private StrictJson(int maxDepth) {
        JsonFactory factory = JsonFactory.builder()
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(maxDepth)
                        .maxNumberLength(100)
                        .build())
                .build();
        this.mapper = JsonMapper.builder(factory)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .build();
    }

    /**
     * The JSON object in these UTF-8 bytes, or empty when they are not exactly one well-formed JSON
     * object within the limits. Numbers come back as Integer, Long, BigInteger or Double.
     */
    @SuppressWarnings("unchecked")
    Optional<Map<String, Object>> parseObject(byte[] utf8) {
        try {
            Object value = mapper.readValue(utf8, Object.class);
            return value instanceof Map<?, ?> map ? Optional.of((Map<String, Object>) map) : Optional.empty();
        } catch (Exception e) { // IOException from the parser, or anything a parser should not throw
            return Optional.empty();
        }
    }
}
