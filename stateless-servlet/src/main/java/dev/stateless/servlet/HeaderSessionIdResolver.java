package dev.stateless.servlet;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/** Session ids in a request and response header, for API clients that do not keep cookies. */
final class HeaderSessionIdResolver implements SessionIdResolver {

    private static final int MAX_CANDIDATES = 4;

    private final String name;

    HeaderSessionIdResolver(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isBlank() || !name.chars().allMatch(c -> c > 32 && c < 127 && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0)) {
            throw new IllegalArgumentException("header name must be an HTTP token, was '" + name + "'");
        }
        this.name = name;
    }

    @Override
    public List<String> resolve(HttpServletRequest request) {
        List<String> values = new ArrayList<>(1);
        for (String value : Collections.list(request.getHeaders(name))) {
            values.add(value.trim());
            if (values.size() == MAX_CANDIDATES) {
                break;
            }
        }
        return values;
    }

    @Override
    public void write(HttpServletRequest request, HttpServletResponse response, String sessionId) {
        response.setHeader(name, sessionId);
    }

    @Override
    public void expire(HttpServletRequest request, HttpServletResponse response) {
        response.setHeader(name, "");
    }

    /** The version travels in the header {@code <name>-Version}, on requests and responses. */
    @Override
    public long resolveVersion(HttpServletRequest request) {
        return ClientVersions.parse(request.getHeader(name + "-Version"));
    }

    @Override
    public void writeVersion(HttpServletRequest request, HttpServletResponse response, long version) {
        response.setHeader(name + "-Version", Long.toString(version));
    }

    @Override
    public boolean usesCookies() {
        return false;
    }
}
