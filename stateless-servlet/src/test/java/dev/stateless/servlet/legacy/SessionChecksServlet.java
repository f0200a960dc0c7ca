package dev.stateless.servlet.legacy;

import jakarta.servlet.ServletContext;
import jakarta.servlet.SessionCookieConfig;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * Server-side halves of the HttpSession behaviour checks ({@code /check/NAME}): each does what an
 * app would do and answers what it observed as {@code key=value} lines (an exception is reported by
 * its simple class name); the test decides what is right.
 */
public class SessionChecksServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Map<String, Object> seen = new LinkedHashMap<>();
        String check = request.getPathInfo() == null ? "" : request.getPathInfo().substring(1);
        switch (check) {
            case "create" -> {
                seen.put("before", System.currentTimeMillis());
                HttpSession session = request.getSession(true);
                if (request.getParameter("set") != null) {
                    session.setAttribute(request.getParameter("set"), request.getParameter("value"));
                }
                describe(session, seen);
                seen.put("after", System.currentTimeMillis());
            }
            case "read" -> {
                seen.put("before", System.currentTimeMillis());
                describe(request.getSession(false), seen);
                requested(request, seen);
            }
            case "invalidate" -> {
                HttpSession session = request.getSession(false);
                if (session != null) {
                    session.invalidate();
                }
                seen.put("invalidated", session != null);
            }
            case "invalidated" -> invalidated(request, seen);
            case "attributes" -> {
                HttpSession session = request.getSession();
                session.setAttribute("a", "1");
                session.setAttribute("b", "2");
                seen.put("namesAfterSet", names(session));
                session.setAttribute("a", null);
                seen.put("namesAfterSetNull", names(session));
                seen.put("aAfterSetNull", session.getAttribute("a"));
                seen.put("removeMissing", attempt(() -> {
                    session.removeAttribute("never-set");
                    return "ok";
                }));
                seen.put("id", session.getId());
            }
            case "bind" -> {
                HttpSession session = request.getSession();
                String name = request.getParameter("name");
                for (String step : request.getParameter("steps").split(",")) {
                    if (step.equals("remove")) {
                        session.removeAttribute(name);
                    } else if (step.equals("invalidate")) {
                        session.invalidate();
                    } else {
                        session.setAttribute(name, new BoundToken(step));
                    }
                }
                seen.put("id", session.getId());
            }
            case "change-id" -> {
                HttpSession session = request.getSession(false);
                if (session == null) {
                    seen.put("changeSessionId", attempt(request::changeSessionId));
                } else {
                    seen.put("old", session.getId());
                    seen.put("new", request.changeSessionId());
                    seen.put("getId", session.getId());
                    seen.put("requestGetSessionId", request.getSession().getId());
                    seen.put("k", session.getAttribute("k"));
                }
            }
            case "max-inactive" -> {
                HttpSession session = request.getSession();
                String set = request.getParameter("set");
                if (set != null) {
                    session.setMaxInactiveInterval(Integer.parseInt(set));
                }
                seen.put("maxInactiveInterval", session.getMaxInactiveInterval());
                seen.put("id", session.getId());
            }
            case "context" -> context(request, seen);
            case "set-after-commit" -> {
                HttpSession session = request.getSession();
                response.setContentType("text/plain;charset=UTF-8");
                PrintWriter out = response.getWriter();
                out.println("id=" + session.getId());
                response.flushBuffer();
                session.setAttribute("late", "after the answer was sent");
                return;
            }
            case "create-after-commit" -> {
                response.setContentType("text/plain;charset=UTF-8");
                PrintWriter out = response.getWriter();
                out.println("committed=true");
                response.flushBuffer();
                out.println("getSession=" + attempt(() -> request.getSession(true).getId()));
                return;
            }
            case "encode" -> {
                HttpSession session = request.getSession("true".equals(request.getParameter("create")));
                seen.put("id", session == null ? null : session.getId());
                String url = request.getParameter("url");
                seen.put("encodeURL", response.encodeURL(url));
                seen.put("encodeRedirectURL", response.encodeRedirectURL(url));
                requested(request, seen);
            }
            default -> {
                response.sendError(404);
                return;
            }
        }
        response.setContentType("text/plain;charset=UTF-8");
        response.setHeader("Cache-Control", "no-store");
        PrintWriter out = response.getWriter();
        seen.forEach((k, v) -> out.println(k + "=" + v));
    }

    private static void describe(HttpSession session, Map<String, Object> seen) {
        if (session == null) {
            seen.put("session", "none");
            return;
        }
        seen.put("id", session.getId());
        seen.put("new", session.isNew());
        seen.put("creationTime", session.getCreationTime());
        seen.put("lastAccessedTime", session.getLastAccessedTime());
        seen.put("maxInactiveInterval", session.getMaxInactiveInterval());
        seen.put("names", names(session));
        for (String name : Collections.list(session.getAttributeNames())) {
            seen.put("attribute." + name, session.getAttribute(name));
        }
    }

    private static void requested(HttpServletRequest request, Map<String, Object> seen) {
        seen.put("requestedSessionId", request.getRequestedSessionId());
        seen.put("requestedSessionIdValid", request.isRequestedSessionIdValid());
        seen.put("fromCookie", request.isRequestedSessionIdFromCookie());
        seen.put("fromURL", request.isRequestedSessionIdFromURL());
    }

    private static void invalidated(HttpServletRequest request, Map<String, Object> seen) {
        HttpSession session = request.getSession();
        session.setAttribute("x", "1");
        String id = session.getId();
        session.invalidate();
        seen.put("getCreationTime", attempt(session::getCreationTime));
        seen.put("getLastAccessedTime", attempt(session::getLastAccessedTime));
        seen.put("getAttribute", attempt(() -> session.getAttribute("x")));
        seen.put("getAttributeNames", attempt(session::getAttributeNames));
        seen.put("setAttribute", attempt(() -> {
            session.setAttribute("y", "2");
            return "ok";
        }));
        seen.put("removeAttribute", attempt(() -> {
            session.removeAttribute("x");
            return "ok";
        }));
        seen.put("isNew", attempt(session::isNew));
        seen.put("invalidate", attempt(() -> {
            session.invalidate();
            return "ok";
        }));
        seen.put("getIdSame", attempt(() -> session.getId().equals(id)));
        seen.put("getServletContextSame", attempt(() -> session.getServletContext() == request.getServletContext()));
        seen.put("getSessionFalse", request.getSession(false) == null ? "null" : "a session");
        HttpSession fresh = request.getSession(true);
        seen.put("freshIsNew", fresh.isNew());
        seen.put("freshIdDiffers", !fresh.getId().equals(id));
        seen.put("freshHasX", fresh.getAttribute("x") != null);
        seen.put("old", id);
        seen.put("id", fresh.getId());
    }

    private static void context(HttpServletRequest request, Map<String, Object> seen) {
        HttpSession session = request.getSession();
        ServletContext context = request.getServletContext();
        seen.put("sameContext", session.getServletContext() == context);
        seen.put("contextPath", session.getServletContext().getContextPath());
        seen.put("sessionTimeout", context.getSessionTimeout());
        seen.put("effectiveTrackingModes", new TreeSet<>(context.getEffectiveSessionTrackingModes().stream().map(Enum::name).toList()));
        SessionCookieConfig cookies = context.getSessionCookieConfig();
        seen.put("cookie.path", cookies.getPath());
        seen.put("cookie.maxAge", cookies.getMaxAge());
        seen.put("cookie.httpOnly", cookies.isHttpOnly());
        seen.put("cookie.secure", cookies.isSecure());
        seen.put("cookie.SameSite", cookies.getAttribute("SameSite"));
        seen.put("cookie.setPathAfterInit", attempt(() -> {
            cookies.setPath("/elsewhere");
            return "ok";
        }));
        seen.put("id", session.getId());
    }

    private static String names(HttpSession session) {
        return String.join(",", new TreeSet<>(Collections.list(session.getAttributeNames())));
    }

    private static Object attempt(Supplier<?> call) {
        try {
            Object result = call.get();
            return result == null ? "null" : result;
        } catch (RuntimeException e) {
            return e.getClass().getSimpleName();
        }
    }
}
