package dev.stateless.servlet.legacy;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.io.PrintWriter;

/**
 * The legacy app's own servlets, one per path (mapped in {@code web.xml}); each answers
 * {@code key=value} lines of what it saw.
 * <ul>
 *   <li>{@code /info[?maxInactive=N][&create=false]}: the session's id, isNew, max inactive interval and
 *       the requested session id's origin;</li>
 *   <li>{@code /dice?seed=S} puts a {@link Dice} in the session, {@code /dice} rolls it;</li>
 *   <li>{@code /bind?name=N&label=L} binds a {@link BoundToken};</li>
 *   <li>{@code /attr?set=N&value=V}, {@code ?remove=N}, {@code ?changeId}: plain attribute changes;</li>
 *   <li>{@code /continue}: redirects to {@code visits.jsp} through {@code encodeRedirectURL};</li>
 *   <li>{@code /printer}: keeps a value that is not Serializable ({@link PrinterHandle});</li>
 *   <li>{@code /logout}: the app's "log off", {@code session.invalidate()};</li>
 *   <li>{@code /events[?clear]}: what this node's listeners recorded;</li>
 *   <li>{@code /secure/account}: a page behind container FORM login that counts its views in the session.</li>
 * </ul>
 */
public class ShopServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.setContentType("text/plain;charset=UTF-8");
        response.setHeader("Cache-Control", "no-store");
        PrintWriter out = response.getWriter();
        switch (request.getServletPath()) {
            case "/info" -> info(request, out);
            case "/dice" -> dice(request, out);
            case "/bind" -> {
                HttpSession session = request.getSession();
                session.setAttribute(request.getParameter("name"), new BoundToken(request.getParameter("label")));
                out.println("id=" + session.getId());
            }
            case "/attr" -> attr(request, out);
            case "/continue" -> {
                request.getSession();
                response.sendRedirect(response.encodeRedirectURL("visits.jsp"));
            }
            case "/printer" -> {
                HttpSession session = request.getSession();
                PrinterHandle printer = (PrinterHandle) session.getAttribute("printer");
                if (printer == null) {
                    printer = new PrinterHandle("queue-1");
                    session.setAttribute("printer", printer);
                }
                out.println("printer=" + printer.queue());
            }
            case "/logout" -> {
                HttpSession session = request.getSession(false);
                if (session != null) {
                    session.invalidate();
                }
                out.println("loggedOut=" + (session != null));
            }
            case "/events" -> {
                if (request.getParameter("clear") != null) {
                    Events.clear(getServletContext());
                }
                Events.snapshot(getServletContext()).forEach(out::println);
            }
            case "/secure/account" -> {
                HttpSession session = request.getSession();
                Integer views = (Integer) session.getAttribute("accountViews");
                session.setAttribute("accountViews", views == null ? 1 : views + 1);
                out.println("account=" + request.getRemoteUser());
            }
            default -> response.sendError(404);
        }
    }

    private static void info(HttpServletRequest request, PrintWriter out) {
        HttpSession session = request.getSession(!"false".equals(request.getParameter("create")));
        if (session == null) {
            out.println("session=none");
        } else {
            String maxInactive = request.getParameter("maxInactive");
            if (maxInactive != null) {
                session.setMaxInactiveInterval(Integer.parseInt(maxInactive));
            }
            out.println("id=" + session.getId());
            out.println("new=" + session.isNew());
            out.println("maxInactiveInterval=" + session.getMaxInactiveInterval());
        }
        out.println("requestedSessionId=" + request.getRequestedSessionId());
        out.println("requestedSessionIdValid=" + request.isRequestedSessionIdValid());
        out.println("fromCookie=" + request.isRequestedSessionIdFromCookie());
        out.println("fromURL=" + request.isRequestedSessionIdFromURL());
    }

    private static void dice(HttpServletRequest request, PrintWriter out) {
        HttpSession session = request.getSession();
        String seed = request.getParameter("seed");
        if (seed != null) {
            session.setAttribute("dice", new Dice(Long.parseLong(seed)));
            out.println("seeded=" + seed);
            return;
        }
        Dice dice = (Dice) session.getAttribute("dice");
        if (dice == null) {
            out.println("dice=none");
            return;
        }
        out.println("roll=" + dice.roll());
        out.println("rolls=" + dice.rolls());
    }

    private static void attr(HttpServletRequest request, PrintWriter out) {
        HttpSession session = request.getSession();
        if (request.getParameter("set") != null) {
            session.setAttribute(request.getParameter("set"), request.getParameter("value"));
        }
        if (request.getParameter("remove") != null) {
            session.removeAttribute(request.getParameter("remove"));
        }
        if (request.getParameter("changeId") != null) {
            request.changeSessionId();
        }
        String get = request.getParameter("get");
        if (get != null) {
            out.println(get + "=" + session.getAttribute(get));
        }
        out.println("id=" + request.getSession().getId());
    }
}
