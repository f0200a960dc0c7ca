package dev.stateless.benchmarks;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The one application servlet behind every session variant, unchanged between them:
 * {@code GET /init} creates the session with its attributes (those of the servlet's
 * {@link SessionShape}); {@code GET /rw} reads all of them and changes one (the counter);
 * {@code GET /ro} reads all and changes nothing; {@code GET /counter} answers the counter alone
 * (the read-your-writes check).
 */
final class SessionServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    private final SessionShape shape;
    private final List<String> names;

    SessionServlet() {
        this(SessionShape.STANDARD);
    }

    SessionServlet(SessionShape shape) {
        this.shape = shape;
        this.names = List.copyOf(shape.values(0).keySet());
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String path = request.getRequestURI();
        long checksum;
        switch (path) {
            case "/init" -> {
                HttpSession session = request.getSession(true);
                shape.values(Integer.parseInt(request.getHeader("X-Client"))).forEach(session::setAttribute);
                checksum = SessionAttributes.readAll(session, names);
            }
            case "/rw" -> {
                HttpSession session = request.getSession(false);
                checksum = session == null ? -1 : SessionAttributes.readAll(session, names);
                if (checksum >= 0) {
                    Long counter = (Long) session.getAttribute(SessionAttributes.COUNTER);
                    session.setAttribute(SessionAttributes.COUNTER, counter + 1);
                }
            }
            case "/ro" -> {
                HttpSession session = request.getSession(false);
                checksum = session == null ? -1 : SessionAttributes.readAll(session, names);
            }
            case "/counter" -> {
                HttpSession session = request.getSession(false);
                Object counter = session == null ? null : session.getAttribute(SessionAttributes.COUNTER);
                checksum = counter == null ? -1 : (Long) counter;
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
