package dev.stateless.servlet.legacy;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestWrapper;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;

/**
 * An async servlet as legacy apps wrote them: takes the session on the request thread, then counts
 * in it, writes and completes on a thread of its own. With {@code ?auditOnComplete} it also has a
 * completion listener of its own that takes its time (300 ms) after the answer is out. With
 * {@code ?viaContext} it takes the request, its session and the response from the {@code AsyncContext}
 * on the container's thread pool ({@code AsyncContext.start}) instead. With {@code ?onTimeout} it
 * leaves the answer to its timeout listener, which takes all three from the event's context; with
 * {@code &restarted} as well, only after an async dispatch that starts async again, where the listener
 * registers itself again on the context its {@code onStartAsync} event carries. With {@code ?toJsp} it
 * counts on the request thread and dispatches the async cycle to {@code async-result.jsp}. With
 * {@code ?unwrapped} it starts async on the container's own request, under every filter's wrapper.
 */
public class AsyncServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) {
        AsyncContext async = request.getParameter("unwrapped") != null ? containers(request).startAsync()
                : request.startAsync();
        if (request.getParameter("viaContext") != null) {
            async.start(() -> countThroughTheContext(async));
            return;
        }
        if (request.getParameter("toJsp") != null) {
            HttpSession session = request.getSession();
            Integer count = (Integer) session.getAttribute("asyncCount");
            session.setAttribute("asyncCount", count == null ? 1 : count + 1);
            async.dispatch("/async-result.jsp");
            return;
        }
        if (request.getParameter("onTimeout") != null) {
            async.setTimeout(50);
            if (request.getDispatcherType() == DispatcherType.REQUEST) {
                async.addListener(new AnswersTheTimeout());
                if (request.getParameter("restarted") != null) {
                    // the dispatch starts async again; the listener stays through onStartAsync
                    async.dispatch();
                }
            }
            return;
        }
        HttpSession session = request.getSession();
        if (request.getParameter("auditOnComplete") != null) {
            async.addListener(new SlowAudit());
        }
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

    /** The container's own request, under every filter's wrapper (as code that unwraps to reach it). */
    private static ServletRequest containers(ServletRequest request) {
        ServletRequest inner = request;
        while (inner instanceof ServletRequestWrapper wrapper) {
            inner = wrapper.getRequest();
        }
        return inner;
    }

    /** Counts in the session of the request the context hands out, and answers on its response. */
    private static void countThroughTheContext(AsyncContext async) {
        HttpServletResponse response = (HttpServletResponse) async.getResponse();
        try {
            HttpSession session = ((HttpServletRequest) async.getRequest()).getSession();
            Integer count = (Integer) session.getAttribute("asyncCount");
            int next = count == null ? 1 : count + 1;
            session.setAttribute("asyncCount", next);
            response.setContentType("text/plain;charset=UTF-8");
            response.getWriter().println("asyncCount=" + next);
        } catch (IOException | RuntimeException e) {
            response.setStatus(500);
        } finally {
            async.complete();
        }
    }

    /** Counts and answers when the request times out, through the context the event carries. */
    private static final class AnswersTheTimeout implements AsyncListener {

        @Override
        public void onTimeout(AsyncEvent event) {
            countThroughTheContext(event.getAsyncContext());
        }

        @Override
        public void onComplete(AsyncEvent event) {
        }

        @Override
        public void onError(AsyncEvent event) {
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            event.getAsyncContext().addListener(this);
        }
    }

    /** The app's own completion listener doing slow bookkeeping after the answer went out (an audit log). */
    private static final class SlowAudit implements AsyncListener {

        @Override
        public void onComplete(AsyncEvent event) throws IOException {
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void onTimeout(AsyncEvent event) {
        }

        @Override
        public void onError(AsyncEvent event) {
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
        }
    }
}
