package dev.stateless.examples.shop;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** The shop's own error answers, as RFC 9457 problems like the library's. */
final class Problem {

    private Problem() {
    }

    static void send(HttpServletResponse response, int status, String title, String detail) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "about:blank");
        body.put("title", title);
        body.put("status", status);
        body.put("detail", detail);
        response.setStatus(status);
        response.setContentType("application/problem+json");
        response.getOutputStream().write(Json.MAPPER.writeValueAsBytes(body));
    }
}
