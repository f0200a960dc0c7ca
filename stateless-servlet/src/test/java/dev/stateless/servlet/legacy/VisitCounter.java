package dev.stateless.servlet.legacy;

import java.io.Serializable;

/** Counts the pages a visitor saw ({@code visits.jsp}); incremented in place by a scriptlet. */
public class VisitCounter implements Serializable {

    private static final long serialVersionUID = 1L;

    private int visits;

    public VisitCounter() {
    }

    public void visit() {
        visits++;
    }

    public int getVisits() {
        return visits;
    }
}
