package dev.stateless.servlet;

import dev.stateless.core.session.AttributeCodecException;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An application written for a stateful server: it uses {@link HttpSession} the classic way and
 * knows nothing about the filter in front of it. Mapped to {@code /*}; the path selects the action.
 *
 * <ul>
 *   <li>{@code GET /counter} increments the {@code Long} attribute {@code counter} and prints it</li>
 *   <li>{@code POST /cart/add?sku=&qty=} adds to the {@link Cart} in place (setAttribute only when
 *       the cart is created); the header {@code X-Set-Attribute} says whether it called setAttribute</li>
 *   <li>{@code GET /cart} prints the cart, or {@code none}</li>
 *   <li>{@code GET /attr?name=} prints an attribute of the existing session ({@code no session} when
 *       there is none)</li>
 *   <li>{@code POST /set?name=&value=} sets a String attribute and prints the session id</li>
 *   <li>{@code POST /invalidate}, {@code POST /login} (changeSessionId, prints the new id)</li>
 *   <li>{@code POST /timeout?seconds=} sets the session's max inactive interval</li>
 *   <li>{@code GET /info[?create=false]} prints the session's properties, one {@code key=value} per line</li>
 *   <li>{@code POST /slow?name=&value=&sleep=} reads the session, sleeps, then sets the attribute</li>
 *   <li>{@code POST /commit/{redirect|error|flushBuffer|writerFlush|largeBody|mediumBody}?name=&value=&after=}
 *       sets an attribute, commits the response that way, then keeps working for {@code after} ms</li>
 *   <li>{@code POST /unregistered?name=[&nested=true]} sets a value of a type the codec does not
 *       allow; 400 with the codec's message</li>
 *   <li>{@code GET /nosession} answers without touching the session</li>
 *   <li>{@code GET /writer-first} takes the writer, then increments {@code counter}</li>
 * </ul>
 */
public final class LegacyServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    /** A class the test's codec does not allow. */
    public static final class Unregistered {
        String label = "not allowed";
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws ServletException, IOException {
        String path = req.getRequestURI().substring(req.getContextPath().length());
        String method = req.getMethod();
        resp.setContentType("text/plain;charset=UTF-8");
        switch (method + " " + path) {
            case "GET /counter" -> counter(req, resp);
            case "POST /cart/add" -> addToCart(req, resp);
            case "GET /cart" -> showCart(req, resp);
            case "GET /attr" -> attribute(req, resp);
            case "POST /set" -> set(req, resp);
            case "POST /invalidate" -> invalidate(req, resp);
            case "POST /timeout" -> {
                req.getSession().setMaxInactiveInterval(Integer.parseInt(req.getParameter("seconds")));
                resp.getWriter().print("ok");
            }
            case "POST /login" -> login(req, resp);
            case "GET /info" -> info(req, resp);
            case "POST /slow" -> slow(req, resp);
            case "POST /unregistered" -> unregistered(req, resp);
            case "GET /nosession" -> resp.getWriter().print("ok");
            case "GET /writer-first" -> writerFirst(req, resp);
            default -> {
                if (method.equals("POST") && path.startsWith("/commit/")) {
                    commit(req, resp, path.substring("/commit/".length()));
                } else {
                    resp.sendError(HttpServletResponse.SC_NOT_FOUND);
                }
            }
        }
    }

    private static void counter(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        HttpSession session = req.getSession();
        Long counter = (Long) session.getAttribute("counter");
        long next = counter == null ? 1 : counter + 1;
        session.setAttribute("counter", next);
        resp.getWriter().print(next);
    }

    private static void addToCart(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        HttpSession session = req.getSession();
        Cart cart = (Cart) session.getAttribute("cart");
        boolean setAttribute = false;
        if (cart == null) {
            cart = new Cart();
            session.setAttribute("cart", cart);
            setAttribute = true;
        }
        cart.add(req.getParameter("sku"), Integer.parseInt(req.getParameter("qty")));
        resp.setHeader("X-Set-Attribute", Boolean.toString(setAttribute));
        resp.getWriter().print(cart);
    }

    private static void showCart(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        HttpSession session = req.getSession(false);
        Cart cart = session == null ? null : (Cart) session.getAttribute("cart");
        resp.getWriter().print(cart == null ? "none" : cart.toString());
    }

    private static void attribute(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        HttpSession session = req.getSession(false);
        if (session == null) {
            resp.getWriter().print("no session");
            return;
        }
        resp.getWriter().print(String.valueOf(session.getAttribute(req.getParameter("name"))));
    }

    private static void set(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        HttpSession session = req.getSession();
        session.setAttribute(req.getParameter("name"), req.getParameter("value"));
        resp.getWriter().print(session.getId());
    }

    private static void invalidate(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        HttpSession session = req.getSession(false);
        if (session == null) {
            resp.getWriter().print("no session");
            return;
        }
        session.invalidate();
        resp.getWriter().print("invalidated");
    }

    private static void login(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        req.getSession();
        String newId = req.changeSessionId();
        resp.getWriter().print(newId);
    }

    private static void info(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        boolean create = !"false".equals(req.getParameter("create"));
        HttpSession session = req.getSession(create);
        String requested = req.getRequestedSessionId();
        PrintWriter out = resp.getWriter();
        if (session == null) {
            out.println("session=none");
        } else {
            out.println("id=" + session.getId());
            out.println("isNew=" + session.isNew());
            out.println("creationTime=" + session.getCreationTime());
            out.println("maxInactiveInterval=" + session.getMaxInactiveInterval());
        }
        // the requested id is not echoed: a forged one may be huge; its length says enough
        out.println("requestedSessionIdLength=" + (requested == null ? -1 : requested.length()));
        out.println("requestedSessionIdIsCurrent=" + (session != null && session.getId().equals(requested)));
        out.println("requestedSessionIdValid=" + req.isRequestedSessionIdValid());
    }

    private static void slow(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        HttpSession session = req.getSession();
        session.getAttribute(req.getParameter("name"));
        sleep(Long.parseLong(req.getParameter("sleep")));
        session.setAttribute(req.getParameter("name"), req.getParameter("value"));
        resp.getWriter().print("done");
    }

    private static void unregistered(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        HttpSession session = req.getSession();
        Object value = "true".equals(req.getParameter("nested"))
                ? new ArrayList<>(List.of(new Unregistered())) : new Unregistered();
        try {
            session.setAttribute(req.getParameter("name"), value);
        } catch (AttributeCodecException e) {
            resp.setStatus(HttpServletResponse.SC_BAD_REQUEST);
            resp.getWriter().print(e.reason() + ": " + e.getMessage());
            return;
        }
        resp.getWriter().print("stored");
    }

    private static void writerFirst(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        PrintWriter out = resp.getWriter();
        HttpSession session = req.getSession();
        Long counter = (Long) session.getAttribute("counter");
        long next = counter == null ? 1 : counter + 1;
        session.setAttribute("counter", next);
        out.print(next);
    }

    /** Sets an attribute, commits the response, then keeps working: the session must already be saved. */
    private static void commit(HttpServletRequest req, HttpServletResponse resp, String how) throws IOException {
        HttpSession session = req.getSession();
        session.setAttribute(req.getParameter("name"), req.getParameter("value"));
        switch (how) {
            case "redirect" -> resp.sendRedirect(req.getContextPath() + "/attr?name=" + req.getParameter("name"));
            case "error" -> resp.sendError(HttpServletResponse.SC_CONFLICT);
            case "flushBuffer" -> {
                resp.getWriter().print("flushed");
                resp.flushBuffer();
            }
            case "writerFlush" -> {
                PrintWriter out = resp.getWriter();
                out.print("flushed");
                out.flush();
            }
            case "largeBody" -> writeBody(resp, 200 * 1024);
            case "mediumBody" -> writeBody(resp, 12 * 1024);
            default -> throw new IllegalArgumentException("unknown commit " + how);
        }
        sleep(Long.parseLong(req.getParameter("after")));
    }

    /** One write of {@code size} bytes, as a servlet streaming a file or a report would do. */
    private static void writeBody(HttpServletResponse resp, int size) throws IOException {
        byte[] body = new byte[size];
        Arrays.fill(body, (byte) 'x');
        resp.setContentType("application/octet-stream");
        ServletOutputStream out = resp.getOutputStream();
        out.write(body); // the stream stays open while the application works on
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
