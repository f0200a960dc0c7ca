package dev.stateless.benchmarks;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The one application servlet behind every session variant, unchanged between them:
 * {@code GET /init} creates the session with its 10 attributes; {@code GET /rw} reads all 10 and
 * changes one (the counter); {@code GET /ro} reads all 10 and changes nothing.
 */
final class SessionServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String path = request.getRequestURI();
        long checksum;
        switch (path) {
            case "/init" -> {
                HttpSession session = request.getSession(true);
                SessionAttributes.populate(session, Integer.parseInt(request.getHeader("X-Client")));
                checksum = SessionAttributes.readAll(session);
            }
            case "/rw" -> {
                HttpSession session = request.getSession(false);
                checksum = session == null ? -1 : SessionAttributes.readAll(session);
                if (checksum >= 0) {
                    Long counter = (Long) session.getAttribute(SessionAttributes.COUNTER);
                    session.setAttribute(SessionAttributes.COUNTER, counter + 1);
                }
            }
            case "/ro" -> {
                HttpSession session = request.getSession(false);
                checksum = session == null ? -1 : SessionAttributes.readAll(session);
            }
            default -> {
                response.sendError(404);
                return;
            }
        }
        if (checksum < 0) {
            response.sendError(410, "no session");
            return;
        }
        byte[] body = ("ok " + checksum + "\n").getBytes(StandardCharsets.US_ASCII);
        response.setContentType("text/plain");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }
}
