package dev.stateless.servlet.legacy;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/** A JavaBean kept by {@code cart.jsp} with {@code <jsp:useBean scope="session">}; items are added in place. */
public class CartBean implements Serializable {

    private static final long serialVersionUID = 1L;

    private final List<String> items = new ArrayList<>();

    public CartBean() {
    }

    /** Called by {@code <jsp:setProperty property="item">}: adds to the list, the session is never told. */
    public void setItem(String item) {
        items.add(item);
    }

    public String getItems() {
        return String.join(",", items);
    }

    public int getCount() {
        return items.size();
    }
}
