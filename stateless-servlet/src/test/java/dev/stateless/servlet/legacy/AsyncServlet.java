package dev.stateless.servlet.legacy;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;

/**
 * An async servlet as legacy apps wrote them: takes the session on the request thread, then counts
 * in it, writes and completes on a thread of its own.
 */
public class AsyncServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) {
        HttpSession session = request.getSession();
        AsyncContext async = request.startAsync();
        Thread worker = new Thread(() -> {
            try {
                Integer count = (Integer) session.getAttribute("asyncCount");
                int next = count == null ? 1 : count + 1;
                session.setAttribute("asyncCount", next);
                response.setContentType("text/plain;charset=UTF-8");
                response.getWriter().println("asyncCount=" + next);
                response.getWriter().println("thread=" + Thread.currentThread().getName());
            } catch (IOException | RuntimeException e) {
                response.setStatus(500);
            } finally {
                async.complete();
            }
        }, "legacy-async-worker");
        worker.start();
    }
}
